"""The site engine: the only code that knows MkDocs and Material."""
