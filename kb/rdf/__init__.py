"""The knowledge base as RDF, SPARQL over it, and publishing to a store (the only code that knows pyoxigraph)."""
