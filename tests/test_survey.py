"""Survey datasets (kb.survey, kb measure): statistics against SciPy and by hand, checks, privacy."""

from __future__ import annotations

import csv
import io
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from kb.errors import ProblemsFound
from kb.load.loader import load
from kb.survey import compute

REPO = Path(__file__).resolve().parent.parent
SAV = Path(__file__).parent / "data" / "survey-small.sav"

REGISTRY = """\
constructs:
  - {id: trust, label: Trust}
  - {id: optimism, label: Optimism}
contexts:
  - {id: stad, label: Stad, kind: municipality}
  - {id: nordre-follo, label: Nordre Follo, kind: municipality}
  - {id: tiny, label: Tiny, kind: municipality}
"""


def config(file: str = "data/survey.csv", extra: str = "", measures: str = "") -> str:
    return f"""\
title: Survey test
base_iri: https://kb.example.org/survey/
phases: [start, midterm, end]
datasets:
  - id: survey
    file: {file}
    respondent: id
    context: place
    round: wave
    rounds: {{T1: start, T2: end}}
    missing: [99]
    free_text: [comment]
{extra}    measures:
{measures or '''      - {construct: trust, columns: [trust_1, trust_2, trust_3], min: 1, max: 7}
      - {construct: optimism, columns: [optim_1, optim_2, optim_3], min: 1, max: 7}
'''}"""


def to_csv(header: list[str], rows: list[list[object]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([["" if v is None else v for v in row] for row in rows])
    return buf.getvalue()


HEADER = ["id", "place", "wave", "trust_1", "trust_2", "trust_3", "optim_1", "optim_2", "optim_3", "comment"]


def generated(seed: int = 3) -> tuple[list[list[object]], dict]:
    """Rows of a generated survey and, per (context, wave, construct), the scale scores it should give."""
    rng = np.random.default_rng(seed)
    rows: list[list[object]] = []
    expected: dict[tuple[str, str, str], list[float]] = {}
    number = 0
    for place in ("stad", "nordre-follo"):
        for wave in ("T1", "T2"):
            for _ in range(int(rng.integers(30, 60))):
                number += 1
                row: list[object] = [f"R{number}", place, wave]
                for construct in ("trust", "optimism"):
                    base = rng.normal(4.2 if wave == "T1" else 4.7, 1.1)
                    items = [int(np.clip(np.rint(base + rng.normal(0, 0.8)), 1, 7)) for _ in range(3)]
                    cells: list[object] = list(items)
                    draw = rng.random()
                    if draw < 0.1:
                        cells[1] = None  # one item unanswered: the mean of the other two
                    elif draw < 0.15:
                        cells[2] = 99  # "don't know"
                    elif draw < 0.18:
                        cells = [None, 99, None]  # nothing answered: left out of this construct
                    answered = [v for v in cells if v not in (None, 99)]
                    if answered:
                        expected.setdefault((place, wave, construct), []).append(sum(answered) / len(answered))
                    row += cells
                row.append("SECRET free text, never read")
                rows.append(row)
    return rows, expected


@pytest.fixture
def survey_kb(make_kb):
    def _make(rows, cfg: str | None = None, files: dict | None = None) -> Path:
        return make_kb({"kb.yaml": cfg or config(), "registry/registry.yaml": REGISTRY,
                        "data/survey.csv": to_csv(HEADER, rows), **(files or {})})
    return _make


def results_of(root: Path):
    kb, diags = load(root, use_cache=False)
    return compute(root, kb)


def hedges_g(start: np.ndarray, end: np.ndarray) -> float:
    n1, n2 = start.size, end.size
    pooled = math.sqrt(((n1 - 1) * start.var(ddof=1) + (n2 - 1) * end.var(ddof=1)) / (n1 + n2 - 2))
    df = n1 + n2 - 2
    j = math.exp(math.lgamma(df / 2) - math.lgamma((df - 1) / 2)) / math.sqrt(df / 2)
    return (end.mean() - start.mean()) / pooled * j


# --- the numbers ------------------------------------------------------------------------------


def test_statistics_equal_scipys_on_a_generated_dataset(survey_kb):
    rows, expected = generated()
    results = results_of(survey_kb(rows))
    phase = {"T1": "start", "T2": "end"}
    assert len(results.cells) == len(expected) == 8
    for (place, wave, construct), scores in expected.items():
        values = np.asarray(scores)
        cell = results.cell("survey", place, phase[wave], construct)
        assert cell is not None
        low, high = stats.t.interval(0.95, values.size - 1, loc=values.mean(), scale=stats.sem(values))
        assert cell.n == values.size
        assert cell.mean == pytest.approx(values.mean(), rel=1e-12)
        assert cell.sd == pytest.approx(values.std(ddof=1), rel=1e-12)
        assert (cell.ci_low, cell.ci_high) == pytest.approx((low, high), rel=1e-12)
    assert len(results.changes) == 4
    for change in results.changes:
        start = np.asarray(expected[(change.context, "T1", change.construct)])
        end = np.asarray(expected[(change.context, "T2", change.construct)])
        welch = stats.ttest_ind(end, start, equal_var=False)
        assert (change.start_phase, change.end_phase, change.n_start, change.n_end) == ("start", "end", start.size, end.size)
        assert change.change == pytest.approx(end.mean() - start.mean(), rel=1e-12)
        assert change.p == pytest.approx(welch.pvalue, rel=1e-9)
        assert change.g == pytest.approx(hedges_g(start, end), rel=1e-12)
    # deterministic order: context in registry order, then phase in kb.yaml's order, then construct
    assert [(c.context, c.phase, c.construct) for c in results.cells[:4]] == [
        ("stad", "start", "trust"), ("stad", "start", "optimism"), ("stad", "end", "trust"), ("stad", "end", "optimism")]


def test_a_handful_of_values_computed_by_hand(survey_kb):
    # trust scores: start 1, 2, 3, 4, 5; end 3, 4, 5, 6, 7 (one respondent's 3 typed as 3, '', 99)
    start = [[1, 1, 1], [2, 2, 2], [3, None, 99], [4, 4, 4], [5, 5, 5]]
    end = [[3, 3, 3], [4, 4, 4], [5, 5, 5], [6, 6, 6], [7, 7, 7]]
    rows = [[f"S{i}", "stad", "T1", *t, 4, 4, 4, ""] for i, t in enumerate(start)]
    rows += [[f"E{i}", "stad", "T2", *t, 4, 4, 4, ""] for i, t in enumerate(end)]
    results = results_of(survey_kb(rows))
    cell = results.cell("survey", "stad", "start", "trust")
    # mean 3; SD sqrt(10/4) = 1.5811; CI 3 -+ t(.975, 4) 2.7764 * 1.5811 / sqrt(5) = 3 -+ 1.9632
    assert (cell.n, cell.mean) == (5, pytest.approx(3.0))
    assert cell.sd == pytest.approx(1.5811, abs=1e-4)
    assert (cell.ci_low, cell.ci_high) == pytest.approx((1.0368, 4.9632), abs=1e-4)
    change = next(c for c in results.changes if c.construct == "trust")
    # difference 2, standard error sqrt(2.5/5 + 2.5/5) = 1, t = 2 on 8 degrees of freedom (Welch-Satterthwaite:
    # equal variances and sizes give n1 + n2 - 2): two-sided p = 0.0805
    assert change.change == pytest.approx(2.0)
    assert change.p == pytest.approx(0.0805, abs=1e-4)
    # d = 2 / 1.5811 = 1.2649; J(8) = G(4) / (sqrt(4) G(3.5)) = 6 / (2 * 3.3234) = 0.9027; g = 1.1418
    assert change.g == pytest.approx(1.1418, abs=1e-4)
    # every optimism answer is 4: SD 0, CI collapses to the mean, no test and no g
    flat = results.cell("survey", "stad", "end", "optimism")
    assert (flat.sd, flat.ci_low, flat.ci_high) == (0.0, 4.0, 4.0)
    assert next(c for c in results.changes if c.construct == "optimism").p is None


def test_min_answered_is_the_stated_missing_value_rule(survey_kb):
    rows = [[f"R{i}", "stad", "T1", 6, None, 99, 4, 4, 4, ""] for i in range(5)]
    rows += [[f"F{i}", "stad", "T1", 2, 2, 2, 4, 4, 4, ""] for i in range(5)]
    lenient = results_of(survey_kb(rows)).cell("survey", "stad", "start", "trust")
    assert (lenient.n, lenient.mean) == (10, pytest.approx(4.0))  # the mean of the items answered
    strict = results_of(survey_kb(rows, config(extra="    min_answered: 3\n"))).cell("survey", "stad", "start", "trust")
    assert (strict.n, strict.mean) == (5, pytest.approx(2.0))  # complete cases only


# --- the same data in three formats -------------------------------------------------------------


def sav_rows() -> tuple[list[str], list[list[object]]]:
    import pyreadstat

    data, meta = pyreadstat.read_sav(str(SAV), output_format="dict")
    header = list(meta.column_names)
    return header, [list(values) for values in zip(*(data[name] for name in header))]


def write_xlsx(path: Path, header: list[str], rows: list[list[object]]) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Answers"
    sheet.append(header)
    for row in rows:
        sheet.append([None if isinstance(v, float) and math.isnan(v) else v for v in row])
    book.save(path)


def test_csv_xlsx_and_sav_give_identical_results(make_kb):
    header, rows = sav_rows()
    mapped = "    contexts: {1: stad, 2: nordre-follo}\n"
    results = {}
    for fmt in ("csv", "xlsx", "sav"):
        file = f"data/survey.{fmt}"
        root = make_kb({"kb.yaml": config(file, extra=mapped + ("    sheet: Answers\n" if fmt == "xlsx" else "")),
                        "registry/registry.yaml": REGISTRY})
        (root / "data").mkdir()
        if fmt == "csv":
            (root / file).write_text(to_csv(header, [[None if isinstance(v, float) and math.isnan(v) else v
                                                      for v in row] for row in rows]), encoding="utf-8")
        elif fmt == "xlsx":
            write_xlsx(root / file, header, rows)
        else:
            (root / file).write_bytes(SAV.read_bytes())
        results[fmt] = results_of(root)
    assert results["csv"].cells and results["csv"].changes
    assert results["csv"].cells == results["xlsx"].cells == results["sav"].cells
    assert results["csv"].changes == results["xlsx"].changes == results["sav"].changes
    assert [d.format for d in (results[f].datasets[0] for f in ("csv", "xlsx", "sav"))] == ["csv", "xlsx", "sav"]


def test_spss_value_labels_name_the_contexts(make_kb):
    # no contexts map: the SAV's labels 1 = 'stad', 2 = 'nordre-follo' are context ids
    root = make_kb({"kb.yaml": config("data/survey.sav"), "registry/registry.yaml": REGISTRY,
                    "data/survey.sav": SAV.read_bytes()})
    results = results_of(root)
    assert {c.context for c in results.cells} == {"stad", "nordre-follo"}


# --- diagnostics ---------------------------------------------------------------------------------


def snapshot(root: Path) -> dict:
    return {p.relative_to(root).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_bad_rows_give_diagnostics_with_file_row_and_column(survey_kb, run_kb):
    rows, _ = generated()
    rows[3][4] = 9            # line 5: trust_2 is column 5
    rows[10][0] = rows[9][0]  # line 12: the respondent of line 11, same round
    rows[20][1] = "stadd"     # line 22: place is column 2
    root = survey_kb(rows)
    before = snapshot(root)
    result = run_kb("check", cwd=root)
    assert result.exit_code == 1, result.output
    lines = [line for line in result.stderr.splitlines() if " error " in line]
    assert "data/survey.csv:5:5: error KB701 trust_2: 9 is outside the scale 1-7 of 'trust'" in result.stderr
    assert any(line.startswith("data/survey.csv:12:1: error KB702 id: the same respondent as row 11") for line in lines)
    assert any(line.startswith("data/survey.csv:22:2: error KB703 place: 'stadd' is no context") for line in lines)
    assert len(lines) == 3, result.stderr
    assert rows[9][0] not in result.stderr  # a respondent's id is never shown
    measured = run_kb("measure", "--format", "json", cwd=root)
    assert measured.exit_code == 1, measured.output
    assert measured.stdout == ""
    assert "KB701" in measured.stderr
    assert snapshot(root) == before, "nothing is written"
    with pytest.raises(ProblemsFound) as raised:
        results_of(root)
    assert {d.code for d in raised.value.diagnostics} == {"KB701", "KB702", "KB703"}


def test_a_missing_construct_column_is_named(survey_kb, run_kb):
    rows, _ = generated()
    cfg = config(measures="      - {construct: trust, columns: [trust_1, trust_2, trust_4], min: 1, max: 7}\n")
    result = run_kb("check", cwd=survey_kb(rows, cfg))
    assert result.exit_code == 1, result.output
    assert "data/survey.csv:1:1: error KB704 trust_4: the file has no column 'trust_4'" in result.stderr


def test_many_bad_rows_are_counted_not_all_listed(survey_kb, run_kb):
    rows, _ = generated()
    for row in rows:
        row[3] = 0
    result = run_kb("check", cwd=survey_kb(rows))
    assert result.exit_code == 1
    assert result.stderr.count("KB701") == 21
    assert f"and {len(rows) - 20} more row(s) with the same problem" in result.stderr


def test_unknown_construct_in_kb_yaml_points_at_its_line(survey_kb, run_kb):
    rows, _ = generated()
    cfg = config(measures="      - {construct: trsut, columns: [trust_1], min: 1, max: 7}\n")
    result = run_kb("check", cwd=survey_kb(rows, cfg))
    assert result.exit_code == 1
    assert ("kb.yaml:14:21: error KB302 datasets[0].measures[0].construct: unknown construct 'trsut'"
            " (did you mean 'trust'?)") in result.stderr


# --- privacy ---------------------------------------------------------------------------------------


def test_a_cell_below_the_threshold_appears_in_no_output(survey_kb, run_kb):
    rows, _ = generated()
    # 'tiny' has 4 respondents at the start (trust mean 1.4375-ish marker: 1, 1, 2, 1.75) and 6 at the end
    marker = [[1, 1, 1], [1, 1, 1], [2, 2, 2], [2, 2, 1]]
    rows += [[f"T{i}", "tiny", "T1", *m, 3, 3, 3, ""] for i, m in enumerate(marker)]
    rows += [[f"U{i}", "tiny", "T2", 5, 5, 5, 6, 6, 6, ""] for i in range(6)]
    root = survey_kb(rows)
    results = results_of(root)
    assert results.suppressed == 2  # trust and optimism of tiny at the start
    assert not [c for c in results.cells if c.context == "tiny" and c.phase == "start"]
    assert not [c for c in results.changes if c.context == "tiny"]
    assert [c.n for c in results.cells if c.context == "tiny"] == [6, 6]
    for fmt in ("text", "csv", "json"):
        out = run_kb("measure", "--format", fmt, cwd=root)
        assert out.exit_code == 0, out.output
        assert "1.4375" not in out.stdout and "1.44" not in out.stdout, fmt
        assert not any("tiny" in line and "start" in line for line in out.stdout.splitlines()), fmt
    text = run_kb("measure", cwd=root).stdout
    assert "2 cell(s) with fewer respondents than min_cell (5) suppressed" in text


def test_citing_a_suppressed_cell_is_an_error(survey_kb, run_kb):
    rows, _ = generated()
    rows += [[f"T{i}", "tiny", "T1", 1, 1, 1, 3, 3, 3, ""] for i in range(4)]
    root = survey_kb(rows, files={"evidence/E001.yaml": """\
        id: E001
        kind: survey_measurement
        date: 2021-03-01
        context: tiny
        phase: start
        summary: Trust in Tiny.
        measurement: {construct: trust, dataset: survey, scale: '1-7', instrument: Test survey}
        """})
    result = run_kb("check", cwd=root)
    assert result.exit_code == 1, result.output
    assert "KB708 measurement.dataset: dataset 'survey' has no publishable result for 'tiny' at 'start'" in result.stderr


def test_free_text_is_never_read(survey_kb, run_kb):
    rows, _ = generated()
    root = survey_kb(rows)
    from kb.survey.read import read_table

    kb, _ = load(root, use_cache=False)
    table, diags = read_table(root, kb.config.datasets[0])
    assert not diags and "comment" not in table.columns
    for fmt in ("text", "csv", "json"):
        assert "SECRET" not in run_kb("measure", "--format", fmt, cwd=root).stdout


# --- measurements that cite a dataset ------------------------------------------------------------


def measurement(value: str = "") -> dict:
    return {"evidence/E001.yaml": f"""\
        id: E001
        kind: survey_measurement
        date: 2023-10-20
        context: stad
        phase: end
        summary: Trust in Stad at the end.
        measurement:
          construct: trust
          dataset: survey
          scale: '1-7'
          instrument: Test survey
        {value}"""}


def test_a_measurement_takes_its_numbers_from_the_dataset(survey_kb, run_kb):
    rows, expected = generated()
    scores = np.asarray(expected[("stad", "T2", "trust")])
    assert run_kb("check", cwd=survey_kb(rows, files=measurement())).exit_code == 0
    right = f"  value: {scores.mean():.1f}\n          sample_size: {scores.size}\n          spread: {scores.std(ddof=1):.2f}\n"
    ok = run_kb("check", cwd=survey_kb(rows, files=measurement(right)))
    assert ok.exit_code == 0, ok.output
    wrong = f"  value: {scores.mean() + 0.1:.1f}\n          sample_size: {scores.size + 1}\n"
    bad = run_kb("check", cwd=survey_kb(rows, files=measurement(wrong)))
    assert bad.exit_code == 1, bad.output
    assert "KB707 measurement.value: value" in bad.stderr and "KB707 measurement.sample_size" in bad.stderr


def test_a_measurement_without_a_dataset_still_needs_its_numbers(make_kb, run_kb):
    root = make_kb({"registry/registry.yaml": REGISTRY, "evidence/E001.yaml": """\
        id: E001
        kind: survey_measurement
        date: 2023-10-20
        context: stad
        summary: Trust.
        measurement: {construct: trust, scale: '1-7', instrument: Test survey}
        """})
    result = run_kb("check", cwd=root)
    assert result.exit_code == 1
    assert "'value' and 'sample_size': required unless the measurement names its 'dataset'" in result.stderr


# --- kb measure's formats ----------------------------------------------------------------------


def test_measure_json_rows_name_dataset_context_phase_and_construct(survey_kb, run_kb):
    rows, _ = generated()
    result = run_kb("measure", "--format", "json", cwd=survey_kb(rows))
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data["cells"][0]) == {"dataset", "context", "phase", "construct", "n", "mean", "sd", "ci_low", "ci_high"}
    assert {"dataset", "context", "construct", "change", "p", "g"} <= set(data["changes"][0])
    assert data["suppressed"] == 0 and data["datasets"][0]["min_cell"] == 5
    csv_rows = list(csv.DictReader(io.StringIO(run_kb("measure", "--format", "csv", cwd=survey_kb(rows)).stdout)))
    assert [r["kind"] for r in csv_rows].count("cell") == len(data["cells"])
    assert float(csv_rows[0]["mean"]) == data["cells"][0]["mean"]


def test_measure_without_datasets_says_so(make_kb, run_kb):
    result = run_kb("measure", cwd=make_kb())
    assert result.exit_code == 0
    assert "lists no survey datasets" in result.stderr and result.stdout == ""


# --- where the file may be -----------------------------------------------------------------------


def test_a_file_outside_the_kb_by_absolute_path(survey_kb, tmp_path, run_kb):
    rows, _ = generated()
    outside = tmp_path / "elsewhere" / "wave.csv"
    outside.parent.mkdir()
    outside.write_text(to_csv(HEADER, rows), encoding="utf-8")
    root = survey_kb(rows, config(str(outside)))
    assert len(results_of(root).cells) == 8
    link = tmp_path / "elsewhere" / "link.csv"
    link.symlink_to(tmp_path / "secret.csv")
    (tmp_path / "secret.csv").write_text(to_csv(HEADER, rows), encoding="utf-8")
    refused = run_kb("check", cwd=survey_kb(rows, config(str(link))))
    assert refused.exit_code == 1 and "KB110" in refused.stderr


def test_a_fifo_and_a_relative_path_out_are_refused(survey_kb, run_kb):
    rows, _ = generated()
    root = survey_kb(rows, config("data/pipe.csv"))
    os.mkfifo(root / "data" / "pipe.csv")
    result = run_kb("check", cwd=root)
    assert result.exit_code == 1 and "data/pipe.csv:1:1: error KB110" in result.stderr
    out = run_kb("check", cwd=survey_kb(rows, config("../survey.csv")))
    assert out.exit_code == 1 and "KB110" in out.stderr


def test_check_without_datasets_imports_no_numpy(make_kb):
    root = make_kb({"registry/registry.yaml": REGISTRY})
    code = ("import sys; from click.testing import CliRunner; from kb.cli import main; "
            f"r = CliRunner().invoke(main, ['-C', {str(root)!r}, 'check']); "
            "print(r.exit_code, [m for m in ('numpy', 'scipy', 'openpyxl', 'pyreadstat') if m in sys.modules])")
    env = {**os.environ, "KB_NO_CACHE": "1"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env).stdout
    assert out.strip() == "0 []"


# --- the shipped knowledge base -----------------------------------------------------------------


def test_the_shipped_survey_measurements_are_computed_from_its_dataset():
    kb, _ = load(REPO, use_cache=False)
    results = compute(REPO, kb)
    assert results.datasets[0].illustrative and results.suppressed == 0
    cited = [e for e in kb.evidence.values() if e.measurement is not None and e.measurement.dataset]
    assert sorted(e.id for e in cited) == ["E042", "E043", "E044", "E045", "E046", "E047"]
    for e in cited:
        assert e.illustrative
        cell = results.cell(e.measurement.dataset, e.context, e.phase, e.measurement.construct_)
        assert round(cell.mean, 1) == e.measurement.value and cell.n == e.measurement.sample_size
        start = results.cell(e.measurement.dataset, e.context, "start", e.measurement.construct_)
        said = e.summary["en"]
        assert f"was {cell.mean:.1f} on a scale from 1 to 7 ({cell.n} respondents)" in said, e.id
        assert f"from {start.mean:.1f} at the baseline" in said, e.id
        assert f"{cell.mean:.1f}".replace(".", ",") in e.summary["nb"], e.id
    first = (REPO / "data" / "README.md").read_text(encoding="utf-8")
    assert "illustrative: generated, not real survey responses" in first


def test_an_absent_file_warns_in_check_and_fails_measure(survey_kb, run_kb):
    rows, _ = generated()
    root = survey_kb(rows, config("private/survey.csv"), files=measurement("  value: 1.0\n"))
    check = run_kb("check", cwd=root)
    assert check.exit_code == 0, check.output  # a clone without the git-ignored file still checks the rest
    assert "private/survey.csv:1:1: warning KB709" in check.stderr and "KB707" not in check.stderr
    measured = run_kb("measure", cwd=root)
    assert measured.exit_code == 1 and "KB709" in measured.stderr and measured.stdout == ""


def test_check_with_a_dataset_imports_no_scipy(survey_kb):
    rows, _ = generated()
    root = survey_kb(rows, files=measurement())
    code = ("import sys; from click.testing import CliRunner; from kb.cli import main; "
            f"r = CliRunner().invoke(main, ['-C', {str(root)!r}, 'check']); "
            "print(r.exit_code, [m for m in ('scipy', 'openpyxl', 'pyreadstat') if m in sys.modules])")
    env = {**os.environ, "KB_NO_CACHE": "1"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env).stdout
    assert out.strip() == "0 []"  # n, mean and SD come from numpy; SciPy's import would cost most of a second


def test_an_excel_file_names_its_sheet_row_and_column(make_kb, run_kb):
    header, rows = sav_rows()
    rows = [list(r) for r in rows]
    rows[1][header.index("optim_2")] = 12.0  # sheet row 3
    root = make_kb({"kb.yaml": config("data/survey.xlsx", extra="    contexts: {1: stad, 2: nordre-follo}\n"),
                    "registry/registry.yaml": REGISTRY})
    (root / "data").mkdir()
    write_xlsx(root / "data" / "survey.xlsx", header, rows)
    result = run_kb("check", cwd=root)
    assert result.exit_code == 1, result.output
    column = header.index("optim_2") + 1
    assert f"data/survey.xlsx:3:{column}: error KB701 optim_2: 12 is outside the scale 1-7 of 'optimism'" in result.stderr


def test_a_changed_response_file_is_checked_again(survey_kb, run_kb):
    """The stored outcome of a warm kb check depends on the response file as on any item file."""
    rows, _ = generated()
    root = survey_kb(rows)
    assert run_kb("check", cwd=root).exit_code == 0
    rows[3][4] = 9
    (root / "data" / "survey.csv").write_text(to_csv(HEADER, rows), encoding="utf-8")
    again = run_kb("check", cwd=root)
    assert again.exit_code == 1, again.output
    assert "data/survey.csv:5:5: error KB701" in again.stderr


def test_a_measurement_without_typed_numbers_shows_the_datasets_everywhere(tmp_path, run_kb):
    """Cite the dataset, type no number: show, export and the pages print the computed ones; without the file, no crash."""
    import re
    import shutil

    repo = Path(__file__).resolve().parents[1]
    root = tmp_path / "kb"
    root.mkdir()
    for name in ("kb.yaml", "hypotheses", "evidence", "registry", "data"):
        (shutil.copytree if (repo / name).is_dir() else shutil.copyfile)(repo / name, root / name)
    item = root / "evidence" / "E042.yaml"
    text = re.sub(r"\n  (value|sample_size|spread): [0-9.]+", "", item.read_text(encoding="utf-8"))
    item.write_text(text, encoding="utf-8")
    assert "value:" not in text.split("measurement:")[1].split("links:")[0]
    assert run_kb("check", cwd=root).exit_code == 0
    shown = run_kb("show", "E042", cwd=root)
    assert shown.exit_code == 0, shown.output
    assert "measurement: trust = 5.10063 on 1-7 (n=578," in shown.stdout
    ttl = run_kb("export", cwd=root).stdout
    assert "kbv:sampleSize 578" in ttl
    from kb.build import pages

    pages(root, tmp_path / "pages")
    page = (tmp_path / "pages" / "docs" / "evidence" / "E042.md").read_text(encoding="utf-8")
    assert "<strong>Sample size:</strong> 578" in page
    shutil.rmtree(root / "data")  # a clone without the (git-ignored) response file
    again = run_kb("show", "E042", cwd=root)
    assert again.exit_code == 0, again.output
    assert "from dataset resident-survey (its response file is not available)" in again.stdout
