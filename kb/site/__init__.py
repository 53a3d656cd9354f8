"""The website's pages, engine-free: a public knowledge base in, ``{path: text}`` out."""
