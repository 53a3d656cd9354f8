"""Imports from other research tools into a knowledge base.

``qdpx`` reads a REFI-QDA project (the exchange format of QDA tools such as
QualCoder, MAXQDA, ATLAS.ti and qualitative-coding) into plain objects;
``mapping`` reads, checks and drafts the file that says what each code means
in kb; ``merge`` turns project + mapping + the KB as written into a plan of
evidence files to add, change and withdraw, and writes it.
"""

from kb.errors import ProblemsFound


class ImportProblem(ProblemsFound):
    """The file to import, or the mapping file, cannot be used: exit status 1, nothing written."""
