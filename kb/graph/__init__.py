"""The evidence graph and how well each hypothesis stands (the only code that knows networkx)."""
