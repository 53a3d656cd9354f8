"""The website's GRADE-CERQual parts (kb.site.cerqual): assessments on hypothesis pages, the Summary
of Qualitative Findings, appraisals on evidence pages, and the agreement between researchers.

Pages are written by the pipeline's pages stage (:func:`kb.site.pages.write_pages`) from the public
view, as ``kb build`` does, and read back from the docs folder.
"""

from __future__ import annotations

import html
import posixpath
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from kb.errors import errors_in
from kb.graph.score import standings
from kb.load.check import check
from kb.load.loader import load
from kb.public import public_view
from kb.site.fmt import page_url
from kb.site.pages import nav, write_pages

SECRET = "SECRET-APPRAISAL-5e1d"

ASSESSMENT_OLD = """\
  - date: 2021-06-01
    by: [Ada]
    considered: [E1]
    methodological_limitations: {level: moderate, explanation: Old method worry}
    coherence: {level: minor, explanation: Old coherence note}
    adequacy: {level: serious, explanation: Only one item then}
    relevance: {level: minor, explanation: One town only}
    confidence: {level: low, explanation: Thin data in 2021}
"""
ASSESSMENT_NEW = """\
  - date: 2022-06-01
    by: [Ada, Bo]
    finding: Trust in the arena makes co-creation work.
    considered: [E1, E2, E3]
    methodological_limitations: {level: minor, explanation: Two observers; one item restricted}
    coherence: {level: no_or_very_minor, explanation: All items point the same way}
    adequacy: {level: moderate, explanation: Three items from two places}
    relevance: {level: minor, explanation: Municipal arenas only}
    dissemination_bias: {level: no_or_very_minor, explanation: Every record is kept}
    confidence: {level: moderate, explanation: Coherent but thin data}
    note: Re-assessed after the second round.
"""

FILES = {
    "kb.yaml": """\
        title: CERQual site
        base_iri: https://kb.example.org/cerqual/
        """,
    "registry/registry.yaml": """\
        contexts:
          - {id: town, kind: municipality, label: Riverton, role: project}
          - {id: town-arena, kind: co_creation_arena, label: Riverton arena, part_of: town}
        """,
    "hypotheses/H1.yaml": "id: H1\ntitle: Trust helps\nstatement: Trust helps co-creation.\nstatus: testing\n"
                          "proposed: 2021-01-01\nassessments:\n" + ASSESSMENT_OLD + ASSESSMENT_NEW,
    "hypotheses/H2.yaml": """\
        id: H2
        title: Mood matters
        statement: Mood matters for co-creation.
        status: proposed
        proposed: 2021-01-01
        illustrative: true
        assessments:
          - date: 2022-07-01
            by: [Cy]
            considered: [E2]
            methodological_limitations: {level: serious, explanation: A single diary}
            coherence: {level: minor, explanation: Fits}
            adequacy: {level: serious, explanation: One item}
            relevance: {level: moderate, explanation: Elsewhere}
            confidence: {level: very_low, explanation: One weak item}
        """,
    "hypotheses/H3.yaml": """\
        id: H3
        title: Not assessed
        statement: Nobody assessed this.
        status: proposed
        proposed: 2021-01-01
        """,
    "evidence/E1.yaml": f"""\
        id: E1
        kind: interview
        title: A restricted interview
        date: 2021-03-01
        context: town-arena
        recorded_by: [Ada]
        summary: Private words.
        restricted: true
        appraisal: {{level: serious, tool: CASP, note: {SECRET}, by: [Ada], date: 2021-04-01}}
        links:
          - {{hypothesis: H1, stance: supports, strength: strong, by: Ada}}
          - {{hypothesis: H1, stance: supports, strength: weak, by: Bo}}
        """,
    "evidence/E2.yaml": """\
        id: E2
        kind: field_observation
        title: Seen at the arena
        date: 2022-02-01
        context: town-arena
        recorded_by: [Bo]
        summary: Seen in the open.
        appraisal: {level: minor, tool: CASP qualitative checklist, note: Field notes kept daily,
                    by: [Cy, Di], date: 2022-03-01}
        links:
          - {hypothesis: H1, stance: supports, strength: moderate, by: Ada}
          - {hypothesis: H1, stance: contradicts, strength: moderate, by: Bo}
          - {hypothesis: H2, stance: supports, strength: weak}
        """,
    "evidence/E3.yaml": """\
        id: E3
        kind: literature_finding
        title: A study elsewhere
        date: 2022-01-15
        recorded_by: [Cy]
        summary: From the literature.
        links:
          - {hypothesis: H1, stance: supports, strength: weak}
        """,
}


def _docs(root: Path, out: Path) -> dict[str, str]:
    kb, diags = load(root)
    problems = errors_in(diags + check(kb))
    assert not problems, "\n".join(d.format() for d in problems)
    public = public_view(kb)
    folder = out / "docs"
    folder.mkdir(parents=True)
    write_pages(public, standings(public), history=None, downloads=(), queries=(), folder=folder)
    return {p.relative_to(folder).as_posix(): p.read_text(encoding="utf-8")
            for p in sorted(folder.rglob("*.md"))}


@pytest.fixture
def docs(make_kb, tmp_path) -> dict[str, str]:
    return _docs(make_kb(FILES), tmp_path / "out")


def _text(page: str) -> str:
    """A page's words as a reader sees them: tags dropped, character references read."""
    spaced = re.sub(r"</?(?:td|th|tr|li|p|ul|br|table|thead|tbody)\b[^>]*>", " ", page)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", spaced)).split())


def _section(page: str, heading: str) -> str:
    start = page.index(heading)
    after = page.find("\n## ", start + len(heading))
    return page[start: after if after >= 0 else len(page)]


def test_hypothesis_page_shows_the_current_assessment_beside_the_standing(docs):
    page = docs["hypotheses/H1.md"]
    text = _text(page)
    # beside the standing, before the statement: the current confidence, labelled as a judgement
    top = _text(page[: page.index("## Statement")])
    assert "GRADE-CERQual confidence: Moderate confidence (assessed on 2022-06-01 by Ada, Bo)" in top
    assert "structured expert judgement" in top and "not computed" in top
    assert "Low confidence" not in top
    section = _text(_section(page, "## GRADE-CERQual assessment"))
    for row in ("Methodological limitations Minor concerns Two observers; one item restricted",
                "Coherence No or very minor concerns All items point the same way",
                "Adequacy of data Moderate concerns Three items from two places",
                "Relevance Minor concerns Municipal arenas only",
                "Dissemination bias No or very minor concerns Every record is kept",
                "Overall confidence Moderate confidence Coherent but thin data"):
        assert row in section, row
    assert "Finding: Trust in the arena makes co-creation work." in section
    assert "Assessed by: Ada, Bo" in section and "Re-assessed after the second round." in section
    assert "Evidence considered: E1, E2, E3" in section
    assert "GRADE-CERQual rates how much confidence" in text  # what CERQual is, in one sentence
    # the earlier assessment's explanations belong to the past: not in the current table
    assert "Thin data in 2021" not in page


def test_the_history_lists_earlier_assessments_with_what_changed(docs):
    history = _text(_section(docs["hypotheses/H1.md"], "### Assessments over time"))
    assert history.index("2021-06-01") < history.index("2022-06-01")
    assert "2021-06-01: Low confidence (by Ada) – first assessment" in history
    assert "2022-06-01: Moderate confidence (current) (by Ada, Bo)" in history
    assert "Overall confidence: Low confidence → Moderate confidence" in history
    assert "Adequacy of data: Serious concerns → Moderate concerns" in history
    assert "Dissemination bias: – → No or very minor concerns" in history
    # one assessment only: no history list
    assert "Assessments over time" not in docs["hypotheses/H2.md"]
    assert "GRADE-CERQual" not in docs["hypotheses/H3.md"]


def test_the_summary_of_findings_lists_each_assessed_hypothesis(docs):
    page = docs["findings.md"]
    rows = re.findall(r"<tr><td>(.*?)</td></tr>", page)
    assert len(rows) == 2  # H3 has no assessment
    h1, h2 = (_text(r) for r in rows)
    assert h1.startswith("H1: Trust in the arena makes co-creation work.")
    assert "Moderate confidence 2022-06-01" in h1 and "Coherent but thin data" in h1
    assert "E1 (Riverton arena), E2 (Riverton arena), E3 (literature)" in h1
    assert h2.startswith("H2: Mood matters for co-creation. illustrative")  # no finding: the statement
    assert "Very low confidence" in h2 and "E2 (Riverton arena)" in h2
    assert '<a href="../hypotheses/H1/">H1</a>' in page and '<a href="../evidence/E3/">E3</a>' in page
    assert '<p class="admonition-title">Illustrative data</p>' in page  # H2 is illustrative
    assert {"Summary of qualitative findings": "findings.md"} in nav("en")
    assert '<a href="findings/">Findings assessed with GRADE-CERQual</a>' in docs["index.md"]


def test_the_summary_of_findings_without_illustrative_data_has_no_banner(make_kb, tmp_path):
    files = {k: v.replace("        illustrative: true\n", "") for k, v in FILES.items()}
    page = _docs(make_kb(files), tmp_path / "out")["findings.md"]
    assert "Illustrative data" not in page and "H2" in page


def test_a_kb_without_assessments_says_so(make_kb, tmp_path):
    files = {"hypotheses/H3.yaml": FILES["hypotheses/H3.yaml"]}
    docs = _docs(make_kb(files), tmp_path / "out")
    assert "No hypothesis has a GRADE-CERQual assessment yet." in docs["findings.md"]
    assert "<table>" not in docs["findings.md"]


def test_the_appraisal_shows_on_the_evidence_page(docs):
    section = _text(_section(docs["evidence/E2.md"], "## Methodological appraisal"))
    assert "Assessment: Minor concerns" in section
    assert "Tool: CASP qualitative checklist" in section
    assert "Appraised by: Cy, Di" in section and "Date: 2022-03-01" in section
    assert "Field notes kept daily" in section
    assert "Methodological appraisal" not in docs["evidence/E3.md"]


def test_a_restricted_items_appraisal_is_nowhere(docs):
    assert [path for path, text in docs.items() if SECRET in text] == []
    # the public view publishes no appraisal of restricted evidence, not even its level
    assert "Methodological appraisal" not in docs["evidence/E1.md"]
    assert "Serious concerns" not in docs["evidence/E1.md"]


def test_every_link_of_the_new_pages_resolves(docs):
    served = {page_url(path).rstrip("/") for path in docs}
    broken = []
    for path in ("findings.md", "agreement.md", "hypotheses/H1.md", "hypotheses/H2.md", "evidence/E2.md",
                 "index.md"):
        hrefs = re.findall(r'href="([^"]+)"', docs[path])
        assert hrefs, path
        for href in hrefs:
            url = urlsplit(html.unescape(href))
            if url.scheme or url.netloc:
                continue
            target = posixpath.normpath(posixpath.join(page_url(path), unquote(url.path)))
            if target.strip(".") not in served:
                broken.append(f"{path} -> {href}")
    assert broken == []


def test_agreement_between_researchers(docs):
    page = docs["agreement.md"]
    text = _text(page)
    assert "Agreement between researchers" in text
    assert "Units" in text and "Pairs compared" in text
    assert '<a href="../hypotheses/H1/">H1</a>' in page
    section = _text(_section(page, "## Disagreements to reconcile"))
    # E2 on H1: Ada says supports, Bo contradicts; E1 (restricted): judges as pseudonyms, strengths differ
    assert "E2 H1 Ada: supports, moderate Bo: contradicts, moderate" in section
    assert "E1 H1 judge 1: supports, strong judge 2: supports, weak" in section
    assert "All hypotheses" in text and "α stance" in text
    assert '<a href="../agreement/">Agreement between researchers</a>' in docs["findings.md"]
    # H2 is illustrative, but nobody judged its evidence twice: none of it is in these numbers
    assert "Illustrative data" not in page


def test_agreement_on_illustrative_evidence_is_announced(make_kb, tmp_path):
    files = dict(FILES)
    files["evidence/E2.yaml"] = files["evidence/E2.yaml"].replace("recorded_by: [Bo]\n",
                                                                  "recorded_by: [Bo]\n        illustrative: true\n")
    page = _docs(make_kb(files), tmp_path / "out")["agreement.md"]
    assert '<p class="admonition-title">Illustrative data</p>' in page


def test_the_new_pages_render_alike_with_and_without_the_markdown_parser(docs):
    """kb's shortcut renderer (kb.engine.fasthtml) must give what Python-Markdown gives on these pages too."""
    from test_site import _markdown_of_mkdocs_yml

    from kb.engine.fasthtml import page_html

    for path in ("findings.md", "agreement.md", "hypotheses/H1.md", "evidence/E2.md"):
        body = docs[path].split("\n---\n", 1)[1]
        plain = _markdown_of_mkdocs_yml([])
        expected = plain.convert(body)
        assert page_html(body) == (expected, plain.toc_tokens), path
