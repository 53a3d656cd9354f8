"""The KB's stages run in a process of their own (kb.apart), and what they give or raise comes back whole."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from kb.apart import apart
from kb.errors import KbError, ProblemsFound

from conftest import KITCHEN_SINK


def test_the_function_runs_in_another_process_and_its_result_comes_back():
    assert apart(os.getpid) != os.getpid()
    assert apart(os.path.join, "a", "b") == "a" + os.sep + "b"


def test_an_error_in_the_kb_comes_back_with_its_diagnostics(make_kb, tmp_path):
    """The same one error, with its file, line and field, as if the stage had run in this process."""
    from kb.build import kb_half, pages
    from kb.load import checked

    files = dict(KITCHEN_SINK)
    evidence = next(path for path in files if path.startswith("evidence/"))
    files[evidence] = files[evidence].replace("stance: supports", "stance: supportz", 1)
    root = make_kb(files)
    with pytest.raises(ProblemsFound) as here:
        checked(root)
    with pytest.raises(ProblemsFound) as there:
        apart(kb_half, root, tmp_path / "p1")
    assert there.value.diagnostics == here.value.diagnostics and len(here.value.diagnostics) == 1
    assert str(there.value) == str(here.value)
    d = there.value.diagnostics[0]
    assert d.path == evidence and d.line > 1 and "stance" in d.field
    with pytest.raises(ProblemsFound):  # kb pages and kb build go through the same
        pages(root, tmp_path / "p2")


def test_a_child_that_dies_without_an_answer_is_an_error_that_says_so():
    with pytest.raises(KbError, match=re.escape("stopped by signal 6")):
        apart(os.abort)


def test_a_fault_in_the_child_keeps_where_it_happened():
    with pytest.raises(FileNotFoundError) as failed:
        apart(Path.read_text, Path("/nonexistent/kb-apart-test"))
    assert "in kb.apart's child process" in "".join(getattr(failed.value, "__notes__", []))


def test_the_questions_page_written_after_the_kb_process_is_the_one_made_in_one(tmp_path):
    """The pipeline writes questions.md from the answers and the names the pages stage left; the page is
    the same as the one made with the whole KB at hand, in both languages."""
    from kb.build import pages
    from kb.load import checked
    from kb.public import public_view
    from kb.rdf.questions import answer_saved_questions
    from kb.site.kit import switch_script
    from kb.site.pages import render_site

    repo = Path(__file__).resolve().parents[1]
    built = pages(repo, tmp_path / "p")
    first, other = built.languages
    written = (tmp_path / "p" / "docs" / "questions.md").read_text(encoding="utf-8")
    kb, _ = checked(repo)
    public = public_view(kb)
    answers, _ = answer_saved_questions(repo, tmp_path / "p" / "docs" / "downloads" / "kb.ttl",
                                        public.config.query_timeout)
    assert answers and any(q.rows for q in answers)
    made = render_site(public, queries=answers, language=first)["questions.md"]
    assert written == made + switch_script("questions.md", True)  # as every page of a site in two languages
    assert "<table" in written and "H01" in written
    in_other = (tmp_path / "p" / other / "docs" / "questions.md").read_text(encoding="utf-8")
    assert "languages.js" in in_other and "<table" in in_other
