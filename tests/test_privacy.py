"""kb.public: nothing that restricted evidence keeps to itself reaches any output.

One restricted item, E9, holds a marker in every field that is not public
(title and summary in two languages, recorders, sources, the measurement,
each link's judge and note), and two commits that touch only it have a
marker in their message and author. Every command, in every format, and
every page of the site must be free of markers, and still show E9's public
fields.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from conftest import run, write_files
from kb.model import Evidence, Link
from kb.public import PUBLIC_EVIDENCE_FIELDS, PUBLIC_LINK_FIELDS, WITHHELD, WITHHELD_AUTHOR, public_view

#: Any of these in an output is a leak (the numbers are E9's measurement, found nowhere else).
MARKER = re.compile(r"SECRET-[a-z_]+-7f3a|3\.14159|2\.71828|97531")

CONFIG = """\
title: Privacy test
base_iri: https://kb.example.org/privacy/
languages: [en, nb]
milestones:
  - {id: before, date: 2021-01-01, label: Before, tag: v0}
  - {id: after, date: 2023-12-31, label: After, tag: v1}
"""
REGISTRY = """\
constructs:
  - {id: trust, label: Trust}
  - {id: co-creation, label: Co-creation}
  - {id: mood, label: Mood}
contexts:
  - {id: town, kind: municipality, label: Town, role: project}
  - {id: town-arena, kind: co_creation_arena, label: Town arena, part_of: town}
sources:
  - {id: cited-only-by-e9, title: A report, authors: ["Doe, Jane"], year: 2020, type: report}
"""
H1 = """\
id: H1
title: Trust helps
statement: Trust helps co-creation.
relation: {from: trust, to: co-creation, effect: positive}
status: testing
proposed: 2021-01-01
"""
H2 = """\
id: H2
title: Mood matters
statement: Mood matters for co-creation.
status: proposed
proposed: 2021-01-01
"""
E1 = """\
id: E1
kind: field_observation
title: An open item
date: 2022-01-01
context: town
recorded_by: [Observer]
summary: Seen in the open.
links:
  - {hypothesis: H1, stance: contradicts, strength: weak, note: A public note}
"""


def restricted_item(summary: str = "SECRET-summary_en-7f3a") -> str:
    return f"""\
id: E9
kind: survey_measurement
title: {{en: SECRET-title_en-7f3a, nb: SECRET-title_nb-7f3a}}
date: 2022-03-01
context: town-arena
phase: start
recorded_by: [SECRET-recorded_by-7f3a]
summary: {{en: {summary}, nb: SECRET-summary_nb-7f3a}}
sources: [cited-only-by-e9]
restricted: true
measurement:
  construct: mood
  value: 3.14159
  scale: SECRET-scale-7f3a
  sample_size: 97531
  instrument: SECRET-instrument-7f3a
  spread: 2.71828
links:
  - {{hypothesis: H1, stance: supports, strength: strong, by: SECRET-by_first-7f3a,
     note: SECRET-note_first-7f3a, date: 2022-03-05, scope: [town]}}
  - {{hypothesis: H1, stance: supports, strength: moderate, note: {{en: SECRET-note_second-7f3a}}}}
  - {{hypothesis: H2, stance: qualifies, strength: weak, by: SECRET-by_first-7f3a}}
appraisal:
  level: serious
  tool: SECRET-appraisal_tool-7f3a
  note: {{en: SECRET-appraisal_note-7f3a}}
  by: [SECRET-appraisal_by-7f3a]
"""

#: H1 assessed (GRADE-CERQual) on E1 and E9: the tables and pages that list the evidence considered
H1_ASSESSED = H1 + """assessments:
  - date: 2023-06-01
    by: [Assessors]
    considered: [E1, E9]
    methodological_limitations: {level: minor, explanation: Fine.}
    coherence: {level: minor, explanation: Fine.}
    adequacy: {level: moderate, explanation: Thin.}
    relevance: {level: minor, explanation: Fine.}
    confidence: {level: low, explanation: Thin data.}
"""


def git(cwd: Path, *args: str, author: str = "Public Person") -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": author, "GIT_AUTHOR_EMAIL": "someone@example.org",
           "GIT_COMMITTER_NAME": "kb test", "GIT_COMMITTER_EMAIL": "kb@example.org",
           "GIT_AUTHOR_DATE": "2023-01-01T12:00:00", "GIT_COMMITTER_DATE": "2023-01-01T12:00:00"}
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)


@pytest.fixture(scope="module")
def kb_root(tmp_path_factory) -> Path:
    """The KB in git: v0 without E9; then a commit adding only E9 and one editing only E9 (tag v1)."""
    root = tmp_path_factory.mktemp("privacy")
    write_files(root, {"kb.yaml": CONFIG, "registry/registry.yaml": REGISTRY,
                       "hypotheses/H1.yaml": H1, "hypotheses/H2.yaml": H2, "evidence/E1.yaml": E1})
    git(root, "init", "-q", "-b", "main")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "Start the knowledge base")
    git(root, "tag", "v0")
    write_files(root, {"evidence/E9.yaml": restricted_item()})
    git(root, "add", "evidence/E9.yaml")
    git(root, "commit", "-q", "-m", "Add SECRET-subject_added-7f3a", author="SECRET-author_added-7f3a")
    write_files(root, {"evidence/E9.yaml": restricted_item("SECRET-summary_edited-7f3a")})
    git(root, "commit", "-q", "-am", "Reword SECRET-subject_edited-7f3a", author="SECRET-author_edited-7f3a")
    git(root, "tag", "v1")
    write_files(root, {"hypotheses/H1.yaml": H1_ASSESSED})
    git(root, "commit", "-q", "-am", "Assess H1")
    return root


def assert_no_marker(text: str, where: str) -> None:
    found = sorted(set(MARKER.findall(text)))
    assert not found, f"{where} shows what restricted evidence keeps to itself: {found}"


def assert_no_marker_in_folder(folder: Path) -> None:
    """No file under ``folder`` (a built site, its search index, downloads) holds a marker."""
    files = [p for p in sorted(Path(folder).rglob("*")) if p.is_file()]
    assert files, f"nothing in {folder}"
    for path in files:
        assert_no_marker(path.read_bytes().decode("utf-8", "replace"), str(path.relative_to(folder)))


def test_the_markers_are_in_the_repository(kb_root):
    """The KB really holds every marker, so the tests below can fail."""
    from kb.load.loader import load

    kb, _ = load(kb_root)
    written = json.dumps(kb.evidence["E9"].model_dump(mode="json", by_alias=True))
    assert len(set(MARKER.findall(written))) == 16
    log = subprocess.run(["git", "log", "--format=%an %s"], cwd=kb_root, capture_output=True, text=True).stdout
    assert len(MARKER.findall(log)) == 4


COMMANDS = [
    *[["status", "--format", f] for f in ("text", "json", "csv")],
    ["status", "--context", "town"],
    *[["show", item, "--format", f] for item in ("E9", "H1", "cited-only-by-e9", "mood", "town-arena", "town")
      for f in ("text", "json")],
    ["show", "H1", "--explain"], ["show", "H1", "--explain", "--format", "json"], ["show", "E9", "--as-of", "2022-12-31"],
    *[["gaps", "--format", f] for f in ("text", "json", "csv")], ["gaps", "--by", "phase"],
    *[["graph", "--format", f] for f in ("graphml", "json", "dot", "dagitty")],
    *[["export", "--format", f] for f in ("ttl", "jsonld", "nt")],
    ["query", "SELECT * WHERE { ?s ?p ?o }"], ["query", "SELECT * WHERE { ?s ?p ?o }", "--format", "json"],
    *[["diff", "v0", rev, "--format", f] for rev in ("v1", "HEAD") for f in ("text", "markdown", "json")],
    ["diff", "v0", "--format", "json"],
    *[["history", *item, "--format", f] for item in ([], ["E9"]) for f in ("text", "json")],
    *[["agreement", "--format", f] for f in ("text", "json", "csv")],
    *[["report", kind, "--format", f] for kind in ("soqf", "profile") for f in ("md", "csv", "latex")],
]


@pytest.mark.parametrize("kind", ["soqf", "profile"])
def test_the_word_tables_show_no_restricted_content(kb_root, tmp_path, kind):
    import docx

    out = tmp_path / f"{kind}.docx"
    result = run("report", kind, "--format", "docx", "-o", out, cwd=kb_root)
    assert result.exit_code == 0, result.output
    document = docx.Document(str(out))
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    assert any("E9" in c for c in cells), "E9 is considered: its id is public"
    assert_no_marker("\n".join([p.text for p in document.paragraphs] + cells), f"kb report {kind} (docx)")


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_no_command_shows_restricted_content(kb_root, args):
    result = run(*args, cwd=kb_root)
    assert result.exit_code == 0, result.output
    assert_no_marker(result.output, "kb " + " ".join(args))


def test_the_public_fields_are_shown(kb_root):
    result = run("show", "E9", "--format", "json", cwd=kb_root)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["id"], data["kind"], data["date"], data["context"], data["phase"], data["restricted"]) == (
        "E9", "survey_measurement", "2022-03-01", "town-arena", "start", True)
    assert not {"title", "summary", "recorded_by", "sources", "measurement"} & set(data)
    judges = [(link["by"], link["stance"], link["strength"], link["scope"], link["note"]) for link in data["links"]]
    # the link without 'by' is judged by the recorders: a second judge; the third link is the first judge's again
    assert judges == [("judge 1", "supports", "strong", ["town"], None), ("judge 2", "supports", "moderate", [], None),
                      ("judge 1", "qualifies", "weak", [], None)]
    ttl = run("export", cwd=kb_root).output
    assert "evidence/E9>" in ttl and '"2022-03-01"^^xsd:date' in ttl and "kbv:restricted true" in ttl


def test_what_the_outputs_do_not_relate(kb_root):
    """E9's sources and measured construct are not said to be cited or measured by it."""
    for item in ("cited-only-by-e9", "mood"):
        result = run("show", item, "--format", "json", cwd=kb_root)
        assert result.exit_code == 0, result.output
        assert "E9" not in result.output, item


def test_commits_that_touch_restricted_evidence_are_withheld_but_listed(kb_root):
    result = run("history", "E9", "--format", "json", cwd=kb_root)
    assert result.exit_code == 0, result.output
    commits = json.loads(result.output)
    assert [(c["author"], c["message"], c["summary"]) for c in commits] == [
        (WITHHELD_AUTHOR, WITHHELD, "E9 edited"), (WITHHELD_AUTHOR, WITHHELD, "E9 added")]
    everything = run("history", cwd=kb_root).output
    assert "Public Person: Start the knowledge base" in everything


def test_the_scoring_is_that_of_the_written_kb(kb_root):
    """Pseudonyms keep the judges (and links) the confidence model counts."""
    from kb.graph.score import standings
    from kb.load.loader import load

    kb, _ = load(kb_root)
    written, public = standings(kb)["H1"], standings(public_view(kb))["H1"]
    assert (written.belief, written.disbelief, written.latest) == (public.belief, public.disbelief, public.latest)


def test_the_view_keeps_only_the_listed_fields(kb_root):
    from kb.load.loader import load

    kb, _ = load(kb_root)
    view = public_view(kb)
    e = view.evidence["E9"]
    emptied = {name: getattr(e, name) for name in Evidence.model_fields if name not in PUBLIC_EVIDENCE_FIELDS}
    assert emptied == {"title": None, "recorded_by": [], "summary": "", "sources": [], "measurement": None,
                       "appraisal": None, "quote": None, "origin": None}
    for link in e.links:
        assert all(getattr(link, name) in (None, []) for name in Link.model_fields if name not in PUBLIC_LINK_FIELDS)
    assert view.evidence["E1"] is kb.evidence["E1"]  # open evidence is shared, not copied
    assert kb.evidence["E9"].title is not None  # the KB itself is left as it was
    assert public_view(view).evidence["E9"] == e  # a second view changes nothing
    assert view.where == kb.where and view.field_where == kb.field_where


def test_no_page_of_the_site_shows_restricted_content(kb_root):
    from kb.history.git import git_history
    from kb.load.loader import load
    from kb.site.pages import render_site

    kb, _ = load(kb_root)
    public = public_view(kb)
    history = git_history(kb_root, public)
    assert history.available and history.commits["E9"] and history.milestone_diffs
    pages = render_site(public, history=history)
    for path, text in pages.items():
        assert_no_marker(text, path)
    page = pages["evidence/E9.md"]
    assert "2022-03-01" in page and "Town arena" in page and "judge 1" in page
    assert page.startswith('---\ntitle: "E9"\nsearch:\n  exclude: true\n---\n')
    assert "exclude" not in pages["evidence/E1.md"].split("\n---\n", 1)[0]  # an open item is searched


def test_the_built_site_and_its_search_index_show_no_restricted_content(kb_root, tmp_path):
    """The real pipeline (kb.build: pages, downloads, MkDocs, the search index), every file of it."""
    from kb.build import build

    site = build(kb_root, tmp_path / "site").where
    assert_no_marker_in_folder(site)
    docs = json.loads((site / "search/search_index.json").read_text(encoding="utf-8"))["docs"]
    found = {doc["location"].split("#")[0] for doc in docs}
    assert "evidence/E1/" in found and "evidence/E9/" not in found
    assert "judge 1" in (site / "evidence/E9/index.html").read_text(encoding="utf-8")


def test_the_folder_check_can_fail(tmp_path):
    (tmp_path / "page.html").write_text("<p>SECRET-title_en-7f3a</p>", encoding="utf-8")
    with pytest.raises(AssertionError, match="title_en"):
        assert_no_marker_in_folder(tmp_path)
