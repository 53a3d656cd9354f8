"""kb: a git-native knowledge base for developing a theory.

The pipeline, one module per stage (data flows one way):

    load -> check -> (timeline) -> score -> graph -> rdf | site
    history reads earlier revisions through the same loader; cli sits on top.
"""

__version__ = "0.1.0"
