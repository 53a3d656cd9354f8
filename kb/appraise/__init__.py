"""GRADE-CERQual in kb: agreement between researchers, and the tables reviewers expect.

``agreement`` measures how often researchers who judged the same evidence for
the same hypothesis agree (Krippendorff's alpha); ``tables`` makes the Summary
of Qualitative Findings and the Evidence Profile from the assessments in the
hypotheses' files, and ``write`` renders them (Word, Markdown, CSV, LaTeX).
All take a loaded, public KnowledgeBase and compute; none reads files.
"""
