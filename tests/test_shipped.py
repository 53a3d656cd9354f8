"""The shipped knowledge base: it checks clean, and its standings match hand computations."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from kb.cli import main

REPO = Path(__file__).resolve().parent.parent


def run(*args: str):
    return CliRunner().invoke(main, ["-C", str(REPO), *args], catch_exceptions=False)


def status(*args: str) -> dict[str, dict]:
    result = run("status", "--format", "json", *args)
    assert result.exit_code == 0, result.output
    return {row["id"]: row for row in json.loads(result.stdout)}


def test_check_passes_with_a_one_line_summary():
    result = run("check")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "ok, 3 warning(s): 14 hypotheses, 51 evidence items, 68 links, 20 constructs, "
        "22 contexts, 4 sources"
    ]


def test_every_observation_and_measurement_is_marked_illustrative():
    from kb.load.loader import load

    kb, _ = load(REPO)
    for e in kb.evidence.values():
        if e.kind != "literature_finding":
            assert e.illustrative, e.id
    assert all(h.illustrative for h in kb.hypotheses.values())


def test_only_verified_sources_are_cited():
    from kb.load.loader import load

    kb, _ = load(REPO)
    assert {s.doi or s.isbn for s in kb.sources.values()} == {
        "10.1080/14719037.2014.930505", "10.1093/jopart/mum032", "10.1177/0095399716680057",
        "978-82-7401-611-8",
    }


def test_status_lists_every_hypothesis():
    rows = status()
    assert sorted(rows) == [f"H{n:02d}" for n in range(1, 15)]
    for row in rows.values():
        assert row["belief"] + row["disbelief"] + row["uncertainty"] == pytest.approx(1, abs=1e-3)


# Hand computations with the defaults W = 2, a = 0.5; strength weak .5,
# moderate 1, strong 2; kind field_observation/arena_record/interview 1,
# survey_measurement 1.5, document/literature_finding 0.75.


def test_mostly_supported_h01_by_hand():
    # E003 moderate literature .75, E028 moderate field 1, E029 judged by two
    # (strong arena 2 and moderate arena 1, each a share of 1/2: 1 + .5),
    # E030 moderate interview 1, E041 moderate document .75, E042 strong survey 3,
    # E047 moderate survey 1.5: r = 9.5, s = 0
    h01 = status()["H01"]
    assert h01["belief"] == pytest.approx(9.5 / 11.5, abs=1e-4)
    assert h01["disbelief"] == 0
    assert h01["uncertainty"] == pytest.approx(2 / 11.5, abs=1e-4)
    assert h01["probability"] == pytest.approx(9.5 / 11.5 + 0.5 * 2 / 11.5, abs=1e-4)
    assert (h01["declared"], h01["suggested"]) == ("supported", "supported")


def test_mostly_contradicted_h04_by_hand():
    # for: E026 weak arena .5; against: E035 moderate field 1, E041 weak document .375,
    # E045 moderate survey 1.5, E050 strong survey 3; E009 qualifies (not counted)
    h04 = status()["H04"]
    r, s = 0.5, 1 + 0.375 + 1.5 + 3
    assert h04["belief"] == pytest.approx(r / (r + s + 2), abs=1e-4)
    assert h04["disbelief"] == pytest.approx(s / (r + s + 2), abs=1e-4)
    assert (h04["supports"], h04["contradicts"], h04["qualifies"]) == (1, 4, 1)
    assert (h04["declared"], h04["suggested"]) == ("supported", "refuted")


def test_no_evidence_h14_has_full_uncertainty():
    h14 = status()["H14"]
    assert (h14["belief"], h14["disbelief"], h14["uncertainty"], h14["probability"]) == (0, 0, 1, 0.5)
    assert h14["suggested"] == "proposed" and h14["latest"] is None


def test_the_declared_supported_but_refuted_hypothesis_is_warned_about():
    result = run("check")
    assert "warning KB402 status: H04 is declared 'supported' but the evidence suggests 'refuted'" in result.output


def test_standings_differ_between_the_baseline_and_the_end():
    baseline, end = status("--as-of", "baseline"), status("--as-of", "end")
    assert set(baseline) < set(end)  # hypotheses proposed after the baseline
    assert baseline["H01"]["uncertainty"] > 0.7 > 0.2 > end["H01"]["uncertainty"]
    assert baseline["H04"]["suggested"] == "proposed" and end["H04"]["suggested"] == "refuted"
    assert status("--as-of", "start") == {}  # hypotheses came after the project started


def test_a_revised_hypothesis_shows_its_earlier_statement_and_status():
    early = run("show", "H02", "--as-of", "2021-06-01", "--format", "json")
    data = json.loads(early.stdout)
    assert data["statement"]["en"].startswith("A strong place identity among residents")
    assert data["title"]["en"] == "Place identity drives participation"
    assert data["status"] == "testing"
    now = json.loads(run("show", "H02", "--format", "json").stdout)
    assert now["statement"]["en"].startswith("The more strongly residents identify with the new")
    assert now["status"] == "revised"
    retired = status("--as-of", "midterm")["H06"]
    assert retired["declared"] == "testing"  # retired only when H12 superseded it


def test_per_context_standings_differ():
    stad, follo = status("--context", "stad"), status("--context", "nordre-follo")
    assert stad["H01"]["belief"] != follo["H01"]["belief"]


def test_gap_map_shows_gaps():
    result = run("gaps", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 14
    h14 = next(r for r in rows if r["id"] == "H14")
    assert all(v == "0" for k, v in h14.items() if k != "id")


def test_norwegian_letters_survive_every_path(tmp_path):
    assert "Øvre Eiker" in run("show", "ovre-eiker").stdout
    assert "Ørsta" in run("show", "orsta", "--format", "json").stdout
    assert "Træna" in run("graph", "--format", "graphml").stdout
    out = tmp_path / "kb.ttl"
    assert run("export", "-o", str(out)).exit_code == 0
    assert "Øvre Eiker" in out.read_text(encoding="utf-8")
    assert "stedsidentitet" in run("query", "SELECT ?l WHERE { ?c skos:prefLabel ?l }", "--format", "csv").stdout.lower()
