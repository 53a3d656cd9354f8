"""Survey aggregates in the outputs: the site's page, the RDF (PROV), and privacy in every output.

One test KB whose dataset has a cell below the threshold (beta at the end:
three respondents) whose answers give marker numbers found nowhere else
(mean 987.67, a change of +582.67). That cell, and the change that would
need it, must be in no output: the built site (pages, search index,
downloads), kb export in every format, kb measure in every format, kb report;
while the publishable cells' numbers are there, so the checks can fail.
"""

from __future__ import annotations

import csv
import html
import io
import json
from pathlib import Path

import pytest
import rdflib

from kb.load.loader import load
from kb.rdf.export import shapes_text, vocabulary_text
from kb.survey import compute

CONFIG = """\
title: Survey outputs
base_iri: https://kb.example.org/surveys/
phases: [start, end]
datasets:
  - id: panel
    label: {en: Resident panel}
    file: private/panel.csv
    respondent: id
    context: place
    round: wave
    rounds: {T1: start, T2: end}
    date: day
    min_cell: 5
    illustrative: true
    measures:
      - {construct: trust, columns: [score], min: 0, max: 1000}
"""

REGISTRY = """\
constructs:
  - {id: trust, label: Trust}
contexts:
  - {id: alpha, label: Alpha, kind: municipality}
  - {id: beta, label: Beta, kind: municipality}
"""

HYPOTHESIS = """\
id: H1
title: Trust rises with the arenas
statement: Where arenas meet often, trust rises.
status: testing
proposed: 2021-01-01
authors: [Team]
"""

EVIDENCE = """\
id: E1
kind: survey_measurement
title: Trust in Alpha at the end
date: 2023-10-01
context: alpha
phase: end
recorded_by: [Analyst]
summary: Trust in Alpha at the end.
measurement:
  construct: trust
  dataset: panel
  value: 305
  sample_size: 6
  scale: '0-1000'
  instrument: Panel trust item
links:
  - {hypothesis: H1, stance: supports, strength: moderate}
"""

# beta at the end: 3 respondents (below min_cell 5), mean 987.666..., change from beta's start +582.666...
MARKERS = ("987.6", "582.6")
ROWS = ([("alpha", "T1", "2021-03-02", v) for v in (200, 202, 204, 206, 208, 210)]
        + [("alpha", "T2", "2023-10-02", v) for v in (300, 302, 304, 306, 308, 310)]
        + [("beta", "T1", "2021-03-03", v) for v in (400, 402, 404, 406, 408, 410)]
        + [("beta", "T2", "2023-10-03", v) for v in (987, 988, 988)])


def survey_csv() -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["id", "place", "wave", "day", "score"])
    for number, (place, wave, day, value) in enumerate(ROWS, 1):
        writer.writerow([f"R{number}", place, wave, day, value])
    return buf.getvalue()


@pytest.fixture
def root(make_kb) -> Path:
    return make_kb({"kb.yaml": CONFIG, "registry/registry.yaml": REGISTRY, "hypotheses/H1.yaml": HYPOTHESIS,
                    "evidence/E1.yaml": EVIDENCE, "private/panel.csv": survey_csv()})


@pytest.fixture
def results(root):
    kb, _ = load(root, use_cache=False)
    return compute(root, kb)


def assert_no_marker(text: str, where: str) -> None:
    for marker in MARKERS:
        assert marker not in text, f"{where} shows the suppressed cell ({marker})"


def test_the_markers_come_from_the_data(results):
    """The suppressed cell really has the marker mean: without min_cell the marker would be published."""
    scores = [v for place, wave, _, v in ROWS if (place, wave) == ("beta", "T2")]
    assert len(scores) == 3 and f"{sum(scores) / 3:.2f}" == "987.67"
    assert results.cell("panel", "beta", "end", "trust") is None and results.suppressed == 1
    assert results.cell("panel", "alpha", "end", "trust").mean == pytest.approx(305)
    assert {(c.context, c.construct) for c in results.changes} == {("alpha", "trust")}


def test_the_built_site_shows_the_aggregates_and_not_the_suppressed_cell(root, results, tmp_path):
    """The real pipeline (kb.build: downloads, pages, MkDocs, search index): every file of the site."""
    from kb.build import build

    site = build(root, tmp_path / "site").where
    files = [p for p in sorted(site.rglob("*")) if p.is_file()]
    for path in files:
        assert_no_marker(path.read_bytes().decode("utf-8", "replace"), str(path.relative_to(site)))

    page = html.unescape((site / "measurements" / "index.html").read_text(encoding="utf-8"))
    alpha_start = results.cell("panel", "alpha", "start", "trust")
    alpha_end = results.cell("panel", "alpha", "end", "trust")
    for c in (alpha_start, alpha_end):  # mean [CI] and n of each publishable round
        assert f"{c.mean:.2f} [{c.ci_low:.2f}, {c.ci_high:.2f}]" in page
    assert "+100.00" in page  # alpha's change
    assert "405.00" in page  # beta's start is published; its end is not
    assert "suppressed (n < 5)" in page
    assert "Illustrative" in page or "illustrative" in page  # the dataset is marked illustrative
    assert 'href="../hypotheses/H1/"' in page  # alpha's row links the hypothesis that rests on it
    beta_row = page[page.index(">Beta<"):]
    beta_row = beta_row[: beta_row.index("</tr>")]
    assert "H1" not in beta_row  # no measurement of beta cites the dataset
    assert "private/" not in page  # the file's path is not published

    home = (site / "index.html").read_text(encoding="utf-8")
    assert 'href="measurements/"' in home  # linked from the home page (the nav is full)
    index = (site / "search" / "search_index.json").read_text(encoding="utf-8")
    assert '"location":"measurements/"' in index  # the page is searchable (its tables are not indexed)
    turtle = (site / "downloads" / "kb.ttl").read_text(encoding="utf-8")
    assert "kbv:SurveyAggregate" in turtle and "305.000000" in turtle


@pytest.mark.parametrize("fmt", ["ttl", "jsonld", "nt"])
def test_kb_export_carries_the_aggregates_but_not_the_suppressed_cell(run_kb, root, fmt):
    result = run_kb("export", "--format", fmt, cwd=root)
    assert result.exit_code == 0, result.output
    assert_no_marker(result.output, f"kb export --format {fmt}")
    assert "305.000000" in result.output and "405.000000" in result.output
    assert "100.000000" in result.output  # alpha's change


def test_the_rdf_conforms_and_says_where_each_aggregate_comes_from(run_kb, root):
    from pyshacl import validate

    turtle = run_kb("export", cwd=root).output
    data = rdflib.Graph().parse(data=turtle, format="turtle")
    shapes = rdflib.Graph().parse(data=shapes_text(), format="turtle")
    conforms, _, report = validate(data, shacl_graph=shapes, inference="none")
    assert conforms, report
    vocab = rdflib.Graph().parse(data=vocabulary_text(), format="turtle")
    conforms, _, report = validate(data, shacl_graph=shapes, ont_graph=vocab, inference="rdfs")
    assert conforms, report

    rows = data.query("""
        PREFIX kbv: <https://w3id.org/kb-theory/vocab#>
        PREFIX prov: <http://www.w3.org/ns/prov#>
        PREFIX dcterms: <http://purl.org/dc/terms/>
        SELECT ?ctx ?phase ?n ?mean ?file ?min WHERE {
          ?a a kbv:SurveyAggregate ; prov:atLocation ?ctx ; kbv:phase ?phase ; kbv:n ?n ; kbv:mean ?mean ;
             prov:wasDerivedFrom ?d .
          ?d a kbv:Dataset, prov:Entity ; kbv:fileName ?file ; kbv:minCell ?min ; kbv:illustrative true ;
             dcterms:identifier "panel" .
        }""")
    found = {(str(r.ctx).rsplit("/", 1)[1], str(r.phase).rsplit("/", 1)[1]): (int(r.n), float(r.mean), str(r.file),
                                                                              int(r.min)) for r in rows}
    assert found == {("alpha", "start"): (6, 205.0, "panel.csv", 5), ("alpha", "end"): (6, 305.0, "panel.csv", 5),
                     ("beta", "start"): (6, 405.0, "panel.csv", 5)}  # beta at the end: suppressed
    change = data.query("""
        PREFIX kbv: <https://w3id.org/kb-theory/vocab#>
        SELECT ?c ?g WHERE { ?x a kbv:SurveyChange ; kbv:meanChange ?c ; kbv:hedgesG ?g }""")
    assert [(float(r.c), float(r.g) > 0) for r in change] == [(100.0, True)]


@pytest.mark.parametrize("fmt", ["text", "csv", "json"])
def test_kb_measure_does_not_show_the_suppressed_cell(run_kb, root, fmt):
    result = run_kb("measure", "--format", fmt, cwd=root)
    assert result.exit_code == 0, result.output
    assert_no_marker(result.output, f"kb measure --format {fmt}")
    assert "305" in result.output and "405" in result.output
    if fmt == "json":
        data = json.loads(result.output)
        assert ("beta", "end") not in {(c["context"], c["phase"]) for c in data["cells"]}
        assert data["suppressed"] == 1


def test_kb_report_does_not_show_the_suppressed_cell(run_kb, root):
    result = run_kb("report", "soqf", cwd=root)
    assert result.exit_code == 0, result.output
    assert_no_marker(result.output, "kb report soqf")


def test_a_kb_without_datasets_has_no_survey_page_and_imports_no_statistics(make_kb, tmp_path):
    """Only a KB with datasets computes anything: no page, no aggregates, no NumPy or SciPy."""
    import subprocess
    import sys

    root = make_kb({"registry/registry.yaml": REGISTRY, "hypotheses/H1.yaml": HYPOTHESIS})
    code = ("import sys; from pathlib import Path; from kb.build import pages; "
            f"pages(Path({str(root)!r}), Path({str(tmp_path / 'project')!r})); "
            "print(sorted(m for m in ('scipy', 'kb.survey') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
    docs = tmp_path / "project" / "docs"
    assert not (docs / "measurements.md").exists()
    assert "SurveyAggregate" not in (docs / "downloads" / "kb.ttl").read_text(encoding="utf-8")
    assert "measurements/" not in (docs / "index.md").read_text(encoding="utf-8")
