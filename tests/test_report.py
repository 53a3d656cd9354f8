"""kb report soqf / profile: the GRADE-CERQual tables, read back from each format."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

import docx
import pytest

from kb.appraise.write import tex_escape

REPORT_KB = {
    "kb.yaml": """\
        title: {en: Co-creation theory, nb: Samskapingsteori}
        base_iri: https://kb.example.org/report/
        languages: [en, nb]
        """,
    "registry/contexts.yaml": """\
        contexts:
          - id: stad
            label: {en: Stad municipality, nb: Stad kommune}
            kind: municipality
          - id: follo
            label: Nordre Follo
            kind: municipality
        """,
    "evidence/E01.yaml": """\
        id: E01
        kind: field_observation
        title: {en: Open dialogue at the first meeting, nb: Åpen dialog på første møte}
        date: 2021-01-10
        context: stad
        summary: Participants spoke openly.
        links:
          - {hypothesis: H01, stance: supports, strength: strong}
          - {hypothesis: H02, stance: supports, strength: weak}
        """,
    "evidence/E02.yaml": """\
        id: E02
        kind: arena_record
        title: "Minutes: 50% agreed & signed_off #2"
        date: 2021-02-01
        context: follo
        summary: The arena agreed on a plan.
        links:
          - {hypothesis: H01, stance: supports, strength: moderate}
        """,
    "evidence/E03.yaml": """\
        id: E03
        kind: interview
        title: A secret title
        date: 2021-02-15
        context: follo
        summary: Confidential interview.
        restricted: true
        links:
          - {hypothesis: H01, stance: contradicts, strength: weak}
          - {hypothesis: H02, stance: supports, strength: moderate}
        """,
    "hypotheses/H01.yaml": """\
        id: H01
        title: Trust furthers co-creation
        statement: {en: More trust makes co-creation succeed., nb: Mer tillit gir bedre samskaping.}
        status: testing
        proposed: 2020-06-01
        assessments:
          - date: 2021-03-01
            by: [Kari]
            considered: [E01, E02]
            methodological_limitations: {level: serious, explanation: Early notes only.}
            coherence: {level: moderate, explanation: Mixed.}
            adequacy: {level: serious, explanation: Two items.}
            relevance: {level: minor, explanation: One region.}
            confidence: {level: very_low, explanation: Too early to say.}
          - date: 2021-06-01
            by: [Kari, Ola]
            considered: [E01, E02, E03]
            methodological_limitations:
              level: minor
              explanation: {en: "Coded by two | independently", nb: Kodet av to uavhengig}
            coherence: {level: no_or_very_minor, explanation: All point the same way.}
            adequacy: {level: moderate, explanation: Three items.}
            relevance: {level: minor, explanation: Two municipalities.}
            confidence:
              level: moderate
              explanation: {en: "Minor concerns on $ and ~ only", nb: Små bekymringer}
        """,
    "hypotheses/H02.yaml": """\
        id: H02
        title: Identity draws people in
        statement: Identity raises participation.
        status: testing
        proposed: 2020-06-01
        assessments:
          - date: 2021-05-01
            by: [Ola]
            finding: {en: Place identity draws residents into the arenas., nb: Stedsidentitet trekker innbyggere inn.}
            considered: [E01, E03]
            methodological_limitations: {level: no_or_very_minor, explanation: Well recorded.}
            coherence: {level: serious, explanation: It worked both ways.}
            adequacy: {level: moderate, explanation: Two items.}
            relevance: {level: no_or_very_minor, explanation: The same municipalities.}
            dissemination_bias: {level: minor, explanation: Unpublished minutes missing.}
            confidence: {level: low, explanation: Serious concerns about coherence.}
        """,
    "hypotheses/H03.yaml": """\
        id: H03
        title: Size decides
        statement: Larger municipalities co-create less.
        status: proposed
        proposed: 2020-06-01
        """,
}

SOQF_EN = ["#", "Summary of review finding", "CERQual assessment of confidence",
           "Explanation of CERQual assessment", "Contributing evidence"]
PROFILE_EN = ["#", "Summary of review finding", "Methodological limitations", "Coherence", "Adequacy of data",
              "Relevance", "Dissemination bias", "CERQual assessment of confidence",
              "Explanation of CERQual assessment", "Contributing evidence"]


@pytest.fixture
def root(make_kb):
    return make_kb(REPORT_KB)


def report(run_kb, root: Path, *args: str) -> str:
    result = run_kb("report", *args, cwd=root)
    assert result.exit_code == 0, result.output
    return result.stdout


def read_docx(path: Path) -> list[list[str]]:
    table = docx.Document(str(path)).tables[0]
    return [[cell.text for cell in row.cells] for row in table.rows]


def read_markdown(text: str) -> list[list[str]]:
    """The pipe table's cells, '\\|' read back as '|' and <br> as a line break."""
    rows = []
    for line in text.splitlines():
        if line.startswith("| ") and not line.startswith("| ---"):
            cells = re.split(r"(?<!\\) \| ", line[2:-2])
            rows.append([re.sub(r"\\(.)", r"\1", c).replace("<br>", "\n").replace("**", "") for c in cells])
    return rows


def test_soqf_docx_has_one_row_per_assessed_hypothesis(run_kb, root, tmp_path):
    out = tmp_path / "soqf.docx"
    report(run_kb, root, "soqf", "--format", "docx", "-o", out)
    document = docx.Document(str(out))
    assert document.paragraphs[0].text == "Summary of Qualitative Findings: Co-creation theory"
    rows = read_docx(out)
    assert rows[0] == SOQF_EN
    assert [r[0] for r in rows[1:]] == ["H01", "H02"]  # H03 has no assessment
    h01, h02 = rows[1], rows[2]
    assert h01[1] == "More trust makes co-creation succeed."  # no finding: the statement
    assert h01[2] == "Moderate"  # the current (last) assessment, not the first (very low)
    assert h01[3] == "Minor concerns on $ and ~ only"
    assert h01[4].split("\n") == [
        "E01: Open dialogue at the first meeting — Stad municipality",
        "E02: Minutes: 50% agreed & signed_off #2 — Nordre Follo",
        "E03 (restricted) — Nordre Follo",
    ]
    assert h02[1] == "Place identity draws residents into the arenas."
    assert h02[2] == "Low"
    assert "secret" not in out.read_bytes().decode("latin-1").lower()
    # the header row repeats on each page
    header = document.tables[0].rows[0]._tr
    assert header.xpath("./w:trPr/w:tblHeader")


def test_profile_docx_gives_every_component_in_words(run_kb, root, tmp_path):
    out = tmp_path / "profile.docx"
    report(run_kb, root, "profile", "--format", "docx", "-o", out)
    rows = read_docx(out)
    assert rows[0] == PROFILE_EN
    h01 = dict(zip(PROFILE_EN, rows[1]))
    assert h01["Methodological limitations"] == "Minor concerns\nCoded by two | independently"
    assert h01["Coherence"] == "No or very minor concerns\nAll point the same way."
    assert h01["Adequacy of data"] == "Moderate concerns\nThree items."
    assert h01["Dissemination bias"] == "Not assessed"
    assert h01["CERQual assessment of confidence"] == "Moderate"
    h02 = dict(zip(PROFILE_EN, rows[2]))
    assert h02["Coherence"] == "Serious concerns\nIt worked both ways."
    assert h02["Dissemination bias"] == "Minor concerns\nUnpublished minutes missing."
    assert h02["CERQual assessment of confidence"] == "Low"


def test_profile_leaves_out_dissemination_bias_when_nobody_rated_it(run_kb, make_kb):
    files = dict(REPORT_KB)
    del files["hypotheses/H02.yaml"]
    files["evidence/E01.yaml"] = files["evidence/E01.yaml"].replace(
        "          - {hypothesis: H02, stance: supports, strength: weak}\n", "")
    files["evidence/E03.yaml"] = files["evidence/E03.yaml"].replace(
        "          - {hypothesis: H02, stance: supports, strength: moderate}\n", "")
    rows = list(csv.reader(io.StringIO(report(run_kb, make_kb(files), "profile", "--format", "csv"))))
    assert rows[0] == [c for c in PROFILE_EN if c != "Dissemination bias"]


def test_csv_reads_back_with_the_csv_module(run_kb, root):
    rows = list(csv.reader(io.StringIO(report(run_kb, root, "profile", "--format", "csv"))))
    assert rows[0] == PROFILE_EN
    assert len(rows) == 3 and all(len(r) == len(PROFILE_EN) for r in rows)
    h02 = dict(zip(PROFILE_EN, rows[2]))
    assert h02["Relevance"] == "No or very minor concerns\nThe same municipalities."
    assert h02["Contributing evidence"] == ("E01: Open dialogue at the first meeting — Stad municipality\n"
                                            "E03 (restricted) — Nordre Follo")


def test_markdown_escapes_pipes_in_cells(run_kb, root):
    text = report(run_kb, root, "soqf")  # Markdown is the default
    assert text.startswith("# Summary of Qualitative Findings: Co-creation theory\n")
    rows = read_markdown(text)
    assert rows[0] == SOQF_EN
    assert all(len(r) == len(SOQF_EN) for r in rows), rows
    profile = read_markdown(report(run_kb, root, "profile", "--format", "md"))
    assert dict(zip(PROFILE_EN, profile[1]))["Methodological limitations"] == \
        "Minor concerns\nCoded by two | independently"


def test_latex_escapes_special_characters(run_kb, root):
    text = report(run_kb, root, "soqf", "--format", "latex")
    assert "\\begin{longtable}" in text and text.rstrip().endswith("\\end{longtable}")
    assert r"Minutes: 50\% agreed \& signed\_off \#2" in text
    assert r"Minor concerns on \$ and \textasciitilde{} only" in text
    rows = [line for line in text.splitlines() if line.startswith("H0")]
    assert len(rows) == 2
    # every row has exactly one '&' per column boundary once escaped ones are set aside
    assert all(len(re.findall(r"(?<!\\)&", r)) == len(SOQF_EN) - 1 for r in rows)
    assert tex_escape("\\{}^~") == r"\textbackslash{}\{\}\textasciicircum{}\textasciitilde{}"


def test_as_of_before_the_latest_assessment_shows_the_earlier_one(run_kb, root):
    result = run_kb("report", "profile", "--format", "csv", "--as-of", "2021-04-01", cwd=root)
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout)))
    # H02 (assessed 2021-05-01) is not assessed yet; so no one rated dissemination bias
    assert [r[0] for r in rows[1:]] == ["H01"]
    h01 = dict(zip(rows[0], rows[1]))
    assert h01["Methodological limitations"] == "Serious concerns\nEarly notes only."
    assert h01["CERQual assessment of confidence"] == "Very low"
    assert h01["Contributing evidence"].count("\n") == 1  # E01, E02


def test_language_nb_gives_norwegian_words_and_texts(run_kb, root):
    rows = list(csv.reader(io.StringIO(report(run_kb, root, "profile", "--format", "csv", "--language", "nb"))))
    assert rows[0][:3] == ["Nr.", "Sammendrag av funn", "Metodologiske begrensninger"]
    h01 = dict(zip(rows[0], rows[1]))
    assert h01["Sammendrag av funn"] == "Mer tillit gir bedre samskaping."
    assert h01["Metodologiske begrensninger"] == "Små bekymringer\nKodet av to uavhengig"
    assert h01["Koherens"].startswith("Ingen eller svært små bekymringer\n")  # English text: no nb written
    assert h01["CERQual-vurdering av tillit"] == "Moderat"
    assert "Åpen dialog på første møte — Stad kommune" in h01["Bidragende evidens"]
    assert "E03 (skjermet) — Nordre Follo" in h01["Bidragende evidens"]


def test_language_not_in_the_kb_is_a_usage_error(run_kb, root):
    result = run_kb("report", "soqf", "--language", "de", cwd=root)
    assert result.exit_code == 2, result.output
    assert "'de' is not one of the knowledge base's languages (en, nb" in result.output


def test_docx_is_byte_identical_across_runs_and_dated_by_the_kb(run_kb, root, tmp_path):
    first, second = tmp_path / "a.docx", tmp_path / "b.docx"
    report(run_kb, root, "profile", "--format", "docx", "-o", first)
    report(run_kb, root, "profile", "--format", "docx", "-o", second)
    assert first.read_bytes() == second.read_bytes()
    props = docx.Document(str(first)).core_properties
    # the latest assessment shown, not the time of the run
    assert props.created.date().isoformat() == "2021-06-01" == props.modified.date().isoformat()
    with zipfile.ZipFile(first) as z:
        assert {i.date_time for i in z.infolist()} == {(2021, 6, 1, 0, 0, 0)}


def test_docx_without_output_is_a_usage_error(run_kb, root):
    result = run_kb("report", "soqf", "--format", "docx", cwd=root)
    assert result.exit_code == 2, result.output
    assert "-o FILE" in result.output


def test_no_assessments_gives_the_header_and_a_message(run_kb, root):
    result = run_kb("report", "soqf", "--format", "csv", "--as-of", "2021-01-01", cwd=root)
    assert result.exit_code == 0, result.output
    assert result.stdout == ",".join(SOQF_EN) + "\n"
    assert "no hypothesis has a GRADE-CERQual assessment as of 2021-01-01" in result.stderr


def test_output_file_is_written(run_kb, root, tmp_path):
    out = tmp_path / "out" / "soqf.md"
    result = run_kb("report", "soqf", "-o", out, cwd=root)
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert read_markdown(out.read_text(encoding="utf-8"))[0] == SOQF_EN


def test_the_shipped_kb_s_tables_say_they_are_illustrative(run_kb, tmp_path):
    shipped = Path(__file__).resolve().parent.parent
    result = run_kb("report", "soqf", cwd=shipped)
    assert result.exit_code == 0, result.output
    assert "*Illustrerende data: funnene og vurderingene er eksempler" in result.stdout
    assert [line.split(" | ")[0] for line in result.stdout.splitlines() if line.startswith("| H")] == [
        "| H01", "| H02", "| H05", "| H07", "| H09"]
    out = tmp_path / "profile.docx"
    assert run_kb("report", "profile", "--format", "docx", "--language", "en", "-o", out, cwd=shipped).exit_code == 0
    paragraphs = [p.text for p in docx.Document(str(out)).paragraphs]
    assert "Illustrative data: these findings and assessments are examples, not results of the project." in paragraphs
