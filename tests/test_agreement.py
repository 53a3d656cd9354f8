"""kb.appraise.agreement and ``kb agreement``: Krippendorff's alpha between researchers.

The KB below has five units for H01 (an evidence item judged for a hypothesis
by two or three researchers), two for H02 (one of them restricted), and one
singly judged item for H03 that is no unit. H01's stance alpha is worked out
by hand from the coincidence matrix in ``test_nominal_alpha_by_hand``.
"""

from __future__ import annotations

import csv
import io
import json
from fractions import Fraction

import krippendorff
import numpy as np
import pytest

from kb.appraise.agreement import Alphas, Disagreement, Judgement, agreement

HYPOTHESIS = "id: {id}\ntitle: Hypothesis {id}\nstatement: s\nstatus: testing\nproposed: 2021-01-01\n"


def evidence(eid: str, *links: str, restricted: bool = False, recorded_by: str = "Kari") -> str:
    """An evidence file; each link "H01 supports strong Kari" (the judge may be left out)."""
    lines = [f"id: {eid}", "kind: literature_finding", "date: 2021-02-01", f"summary: Summary of {eid}",
             f"recorded_by: [{recorded_by}]"]
    if restricted:
        lines.append("restricted: true")
    lines.append("links:")
    for link in links:
        hid, stance, strength, *by = link.split()
        lines.append(f"  - {{hypothesis: {hid}, stance: {stance}, strength: {strength}"
                     + (f", by: {' '.join(by)}" if by else "") + "}")
    return "\n".join(lines) + "\n"


def files(*items: tuple[str, str], hypotheses=("H01", "H02", "H03")) -> dict[str, str]:
    out = {f"hypotheses/{h}.yaml": HYPOTHESIS.format(id=h) for h in hypotheses}
    out.update({f"evidence/{eid}.yaml": text for eid, text in items})
    return out


JUDGED = files(
    ("E1", evidence("E1", "H01 supports strong Kari", "H01 supports strong Ola",
                    "H02 qualifies weak Kari", "H02 qualifies weak Ola")),
    ("E2", evidence("E2", "H01 supports moderate Kari", "H01 contradicts moderate Ola")),
    ("E3", evidence("E3", "H01 supports weak Kari", "H01 supports moderate Ola", "H01 qualifies moderate Per")),
    # without 'by' the judge is the recorder, Kari
    ("E4", evidence("E4", "H01 contradicts weak", "H01 contradicts weak Per")),
    ("E5", evidence("E5", "H01 supports moderate Ola", "H01 supports strong Per")),
    ("E6", evidence("E6", "H02 supports moderate Kari", "H02 supports strong Ola", restricted=True)),
    ("E7", evidence("E7", "H03 supports moderate Kari")),
)

# The same judgements as a reliability matrix written out by hand: judges (Kari, Ola, Per) as
# rows, units as columns, nan where a judge said nothing. E6's judges are pseudonyms in the
# public view, but alpha looks at values within a unit only, so any two rows do for them.
S, C, Q = 0, 1, 2  # supports, contradicts, qualifies
W, M, G = 0, 1, 2  # weak < moderate < strong
N = np.nan
#                  E1 E2 E3 E4 E5
H01_STANCE = [[S, S, S, C, N],  # Kari
              [S, C, S, N, S],  # Ola
              [N, N, Q, C, S]]  # Per
H01_STRENGTH = [[G, M, W, W, N],
                [G, M, M, N, M],
                [N, N, M, W, G]]
#                            H01 units      E1 (H02) E6 (H02)
ALL_STANCE = [row + extra for row, extra in zip(H01_STANCE, ([Q, S], [Q, S], [N, N]))]
ALL_STRENGTH = [row + extra for row, extra in zip(H01_STRENGTH, ([W, M], [W, G], [N, N]))]


def package(data, level: str, domain=(0, 1, 2)) -> float:
    return float(krippendorff.alpha(reliability_data=np.array(data, dtype=float), value_domain=list(domain),
                                    level_of_measurement=level))


@pytest.fixture
def judged_kb(make_kb):
    return make_kb(JUDGED)


@pytest.fixture
def result(judged_kb):
    from kb.load.check import check
    from kb.load.loader import load
    from kb.public import public_view

    kb, diagnostics = load(judged_kb)
    diagnostics += check(kb)
    assert not [d for d in diagnostics if d.severity == "error"], diagnostics
    return agreement(public_view(kb))


def test_nominal_alpha_by_hand(result):
    # H01's stances per unit: E1 (S,S)  E2 (S,C)  E3 (S,S,Q)  E4 (C,C)  E5 (S,S)
    # Coincidences o[c][k]: each ordered pair of values within a unit, divided by m_u - 1:
    #   E1: o_SS += 2/1      E2: o_SC += 1, o_CS += 1
    #   E3: o_SS += 2/2, o_SQ += 2/2, o_QS += 2/2      E4: o_CC += 2/1      E5: o_SS += 2/1
    o = {("S", "S"): 5, ("S", "C"): 1, ("C", "S"): 1, ("S", "Q"): 1, ("Q", "S"): 1, ("C", "C"): 2}
    n_c = {v: sum(x for (c, _), x in o.items() if c == v) for v in "SCQ"}
    assert n_c == {"S": 7, "C": 3, "Q": 1}
    n = sum(n_c.values())  # 11 pairable values
    # nominal: alpha = 1 - (n - 1) * (sum of o off the diagonal) / (sum over c != k of n_c * n_k)
    observed = sum(x for (c, k), x in o.items() if c != k)  # 4
    expected = n * n - sum(v * v for v in n_c.values())  # 121 - 59 = 62
    by_hand = 1 - Fraction((n - 1) * observed, expected)
    assert by_hand == Fraction(11, 31)
    h01 = result.by_hypothesis["H01"]
    assert h01.stance == pytest.approx(float(by_hand), abs=1e-12)
    assert h01.stance == pytest.approx(package(H01_STANCE, "nominal"), abs=1e-12)


def test_ordinal_alpha_and_overall_agree_with_the_package(result):
    h01, h02, overall = result.by_hypothesis["H01"], result.by_hypothesis["H02"], result.overall
    assert h01.strength == pytest.approx(package(H01_STRENGTH, "ordinal"), abs=1e-12)
    assert overall.stance == pytest.approx(package(ALL_STANCE, "nominal"), abs=1e-12)
    assert overall.strength == pytest.approx(package(ALL_STRENGTH, "ordinal"), abs=1e-12)
    # H02: both units agree in stance (qualifies, supports): perfect; strength differs in E6
    assert h02.stance == 1.0
    assert h02.strength == pytest.approx(package([[W, M], [W, G]], "ordinal"), abs=1e-12)
    # ordinal is not nominal: weak vs strong costs more than weak vs moderate
    assert h01.strength != pytest.approx(package(H01_STRENGTH, "nominal"))


def test_units_pairs_and_order(result):
    assert list(result.by_hypothesis) == ["H01", "H02"]  # H03's single judgement is no unit
    assert (result.by_hypothesis["H01"].units, result.by_hypothesis["H01"].pairs) == (5, 1 + 1 + 3 + 1 + 1)
    assert (result.by_hypothesis["H02"].units, result.by_hypothesis["H02"].pairs) == (2, 2)
    assert (result.overall.units, result.overall.pairs) == (7, 9)


def test_disagreements_say_who_said_what(result):
    assert result.disagreements == (
        Disagreement("E2", "H01", (Judgement("Kari", "supports", "moderate"),
                                   Judgement("Ola", "contradicts", "moderate"))),
        Disagreement("E3", "H01", (Judgement("Kari", "supports", "weak"), Judgement("Ola", "supports", "moderate"),
                                   Judgement("Per", "qualifies", "moderate"))),
        Disagreement("E5", "H01", (Judgement("Ola", "supports", "moderate"), Judgement("Per", "supports", "strong"))),
        Disagreement("E6", "H02", (Judgement("judge 1", "supports", "moderate"),
                                   Judgement("judge 2", "supports", "strong"))),
    )


def test_cli_text(judged_kb, run_kb):
    result = run_kb("agreement", cwd=judged_kb)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["id", "units", "pairs", "alpha", "stance", "alpha", "strength"]
    assert lines[1].split()[:4] == ["H01", "5", "7", "0.355"]  # 11/31
    assert lines[2].split()[:4] == ["H02", "2", "2", "1.000"]
    assert lines[3].split()[:3] == ["overall", "7", "9"]
    assert "4 disagreement(s) to reconcile" in result.stdout
    assert "  E2 -> H01: Kari supports/moderate; Ola contradicts/moderate" in lines
    assert "  E6 -> H02: judge 1 supports/moderate; judge 2 supports/strong" in lines
    # byte-identical across runs
    assert run_kb("agreement", cwd=judged_kb).stdout == result.stdout


def test_cli_json(judged_kb, run_kb, result):
    out = run_kb("agreement", "--format", "json", cwd=judged_kb)
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert list(data) == ["overall", "hypotheses", "disagreements"]
    assert data["hypotheses"]["H01"] == {"units": 5, "pairs": 7, "stance": round(11 / 31, 4),
                                         "strength": round(result.by_hypothesis["H01"].strength, 4), "note": ""}
    assert data["overall"]["units"] == 7 and data["overall"]["pairs"] == 9
    assert [(d["evidence"], d["hypothesis"]) for d in data["disagreements"]] == [
        ("E2", "H01"), ("E3", "H01"), ("E5", "H01"), ("E6", "H02")]
    assert data["disagreements"][0]["judgements"] == [
        {"judge": "Kari", "stance": "supports", "strength": "moderate"},
        {"judge": "Ola", "stance": "contradicts", "strength": "moderate"}]


def test_cli_csv(judged_kb, run_kb):
    out = run_kb("agreement", "--format", "csv", cwd=judged_kb)
    assert out.exit_code == 0, out.output
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert [r["id"] for r in rows] == ["H01", "H02"]
    assert rows[0] == {"id": "H01", "units": "5", "pairs": "7", "alpha_stance": "0.3548",
                       "alpha_strength": rows[0]["alpha_strength"], "note": ""}
    assert float(rows[1]["alpha_stance"]) == 1.0


def test_restricted_judges_appear_only_as_pseudonyms(make_kb, run_kb):
    root = make_kb(files(
        ("E1", evidence("E1", "H01 supports strong Kari", "H01 supports weak Ola")),
        ("E2", evidence("E2", "H01 contradicts strong Secretname", "H01 supports weak Othersecret",
                        restricted=True, recorded_by="Hiddenrecorder")),
    ))
    for fmt in ("text", "json", "csv"):
        out = run_kb("agreement", "--format", fmt, cwd=root)
        assert out.exit_code == 0, out.output
        for name in ("Secretname", "Othersecret", "Hiddenrecorder"):
            assert name not in out.output, (fmt, out.output)
    text = run_kb("agreement", cwd=root).stdout
    assert "E2 -> H01: judge 1 contradicts/strong; judge 2 supports/weak" in text
    assert "E1 -> H01: Kari supports/strong; Ola supports/weak" in text


def test_no_doubly_judged_evidence(make_kb, run_kb):
    root = make_kb(files(("E1", evidence("E1", "H01 supports strong Kari", "H02 supports weak Ola"))))
    out = run_kb("agreement", cwd=root)
    assert out.exit_code == 0, out.output
    assert out.stdout == ("No evidence has been judged by two or more researchers:"
                          " there is no agreement to measure.\n")
    data = json.loads(run_kb("agreement", "--format", "json", cwd=root).stdout)
    assert data == {"overall": {"units": 0, "pairs": 0, "stance": None, "strength": None,
                                "note": "no evidence was judged by two or more researchers"},
                    "hypotheses": {}, "disagreements": []}
    assert run_kb("agreement", "--format", "csv", cwd=root).stdout == (
        "id,units,pairs,alpha_stance,alpha_strength,note\n")


def test_undefined_alpha_says_why(make_kb, run_kb):
    root = make_kb(files(
        # H01: two units, every stance 'supports' (no variation), strengths vary
        ("E1", evidence("E1", "H01 supports strong Kari", "H01 supports weak Ola",
                        "H02 supports weak Kari", "H02 contradicts weak Ola")),
        ("E2", evidence("E2", "H01 supports moderate Kari", "H01 supports moderate Ola")),
    ))
    out = run_kb("agreement", "--format", "json", cwd=root)
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    h01, h02 = data["hypotheses"]["H01"], data["hypotheses"]["H02"]
    assert h01["stance"] is None and h01["strength"] is not None
    assert h01["note"] == ("stance: every judgement is 'supports'; with no variation alpha is undefined"
                           " (agreement cannot be told from chance)")
    assert h02 == {"units": 1, "pairs": 1, "stance": None, "strength": None,
                   "note": "only one unit: alpha compares agreement within units with the spread across"
                           " units, so it needs two or more"}
    text = run_kb("agreement", cwd=root).stdout
    assert text.splitlines()[1].split()[:4] == ["H01", "2", "2", "-"]
    assert "  H02: only one unit: alpha compares agreement" in text
    assert "  E1 -> H02: Kari supports/weak; Ola contradicts/weak" in text


def test_a_link_without_any_judge_is_left_out(make_kb):
    from kb.load.loader import load

    # E1's second link has neither 'by' nor recorders: it may be anyone's
    root = make_kb(files(("E1", evidence("E1", "H01 supports strong Ola", "H01 contradicts weak",
                                         recorded_by=""))))
    kb, _ = load(root)
    assert agreement(kb).overall == Alphas(0, 0, None, None, "no evidence was judged by two or more researchers")
