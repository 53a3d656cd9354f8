"""Agreement between researchers who judged the same evidence for the same hypothesis.

Takes a (public) KnowledgeBase; returns an :class:`Agreement`: Krippendorff's
alpha for stance (nominal) and strength (ordinal), per hypothesis and overall,
with the number of judged pairs, and every disagreement to reconcile. The
renderers at the end (:func:`as_json`, :func:`table_rows`,
:func:`disagreement_lines`) turn it into plain data for ``kb agreement``.

A *unit* is one (evidence, hypothesis) pair judged by two or more distinct
researchers (:func:`kb.public.judge_of`). ``kb check`` refuses a second link
from one researcher to the same hypothesis (KB305); should one reach here
anyway, their first link counts, so no one is compared with themselves. A link
with no judge at all (no ``by`` and no recorders) is left out: it could be
anyone's, and counting it as a separate researcher could invent agreement.

The computation is the ``krippendorff`` package's; this module decides what
the units and values are, and says in words where alpha is undefined.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kb.model import STANCES, STRENGTHS, KnowledgeBase
from kb.public import judge_of


@dataclass(frozen=True)
class Judgement:
    judge: str
    stance: str
    strength: str


@dataclass(frozen=True)
class Disagreement:
    """One (evidence, hypothesis) pair whose judges differ in stance or strength."""

    evidence: str
    hypothesis: str
    judgements: tuple[Judgement, ...]  # sorted by judge


@dataclass(frozen=True)
class Alphas:
    """Alpha for one hypothesis (or all): None where it is undefined (say why in ``note``)."""

    units: int  # (evidence, hypothesis) pairs judged by two or more researchers
    pairs: int  # pairs of judgements compared (sum over units of m*(m-1)/2)
    stance: float | None  # nominal alpha
    strength: float | None  # ordinal alpha (weak < moderate < strong)
    note: str = ""


@dataclass(frozen=True)
class Agreement:
    overall: Alphas
    by_hypothesis: dict[str, Alphas]  # only hypotheses with at least one unit, in KB order
    disagreements: tuple[Disagreement, ...]  # in KB order of hypotheses, then evidence


@dataclass(frozen=True)
class _Unit:
    evidence: str
    hypothesis: str
    judgements: tuple[Judgement, ...]  # sorted by judge, two or more


def agreement(kb: KnowledgeBase) -> Agreement:
    """Krippendorff's alpha per hypothesis and overall, and the units whose judges differ."""
    units = _units(kb)
    by_hypothesis: dict[str, list[_Unit]] = {}
    for unit in units:
        by_hypothesis.setdefault(unit.hypothesis, []).append(unit)
    disagreements = tuple(
        Disagreement(u.evidence, u.hypothesis, u.judgements) for u in units
        if len({(j.stance, j.strength) for j in u.judgements}) > 1
    )
    return Agreement(overall=_alphas(units), by_hypothesis={h: _alphas(us) for h, us in by_hypothesis.items()},
                     disagreements=disagreements)


def _units(kb: KnowledgeBase) -> list[_Unit]:
    """Every doubly judged (evidence, hypothesis) pair, in KB order of hypotheses, then evidence."""
    found: dict[tuple[str, str], dict[str, Judgement]] = {}
    for eid, e in kb.evidence.items():
        for link in e.links:
            judge = judge_of(e, link)
            if judge:
                found.setdefault((link.hypothesis, eid), {}).setdefault(
                    judge, Judgement(judge, link.stance, link.strength))
    # a hypothesis missing from the KB (as can happen in an as-of view) goes last, by id
    order = {hid: i for i, hid in enumerate(kb.hypotheses)}
    evidence_order = {eid: i for i, eid in enumerate(kb.evidence)}
    keys = sorted((k for k, judges in found.items() if len(judges) > 1),
                  key=lambda k: (order.get(k[0], len(order)), k[0], evidence_order[k[1]]))
    return [_Unit(eid, hid, tuple(sorted(found[hid, eid].values(), key=lambda j: _natural(j.judge))))
            for hid, eid in keys]


def _natural(name: str) -> list[str | int]:
    """Sort key putting "judge 2" before "judge 10"."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def _alphas(units: list[_Unit]) -> Alphas:
    pairs = sum(len(u.judgements) * (len(u.judgements) - 1) // 2 for u in units)
    if not units:
        return Alphas(0, 0, None, None, "no evidence was judged by two or more researchers")
    if len(units) == 1:
        # with one unit the values expected by chance are that unit's own values, so alpha is 0
        # whatever the judges said: a number that would only mislead
        return Alphas(1, pairs, None, None,
                      "only one unit: alpha compares agreement within units with the spread across"
                      " units, so it needs two or more")
    stance, stance_note = _alpha(units, "stance", STANCES, "nominal")
    strength, strength_note = _alpha(units, "strength", STRENGTHS, "ordinal")
    note = "; ".join(n for n in (stance_note, strength_note) if n)
    return Alphas(len(units), pairs, stance, strength, note)


def _alpha(units: list[_Unit], field: str, domain: tuple[str, ...], level: str) -> tuple[float | None, str]:
    """Alpha of one field over ``units`` (judges as rows, units as columns), or None and why."""
    seen = {getattr(j, field) for u in units for j in u.judgements}
    if len(seen) == 1:
        return None, (f"{field}: every judgement is {next(iter(seen))!r}; with no variation alpha"
                      " is undefined (agreement cannot be told from chance)")
    import krippendorff
    import numpy as np

    # The rows are judges by name; pseudonyms repeat across restricted items ("judge 1" of
    # two items may be two people), which alpha does not mind: it compares values within
    # each unit, never a judge's values across units.
    judges = sorted({j.judge for u in units for j in u.judgements}, key=_natural)
    row = {name: i for i, name in enumerate(judges)}
    code = {value: float(i) for i, value in enumerate(domain)}  # the domain's order is the ordinal scale
    data = np.full((len(judges), len(units)), np.nan)
    for col, unit in enumerate(units):
        for j in unit.judgements:
            data[row[j.judge], col] = code[getattr(j, field)]
    value = float(krippendorff.alpha(reliability_data=data, value_domain=sorted(code.values()),
                                     level_of_measurement=level))
    if value != value:  # nan: the package found it undefined after all
        return None, f"{field}: alpha is undefined for these judgements"
    return value, ""


# --- renderers: plain data for the CLI ------------------------------------------------

#: The columns of the per-hypothesis table (text and CSV).
TABLE_COLUMNS: tuple[str, ...] = ("id", "units", "pairs", "alpha_stance", "alpha_strength", "note")
DIGITS = 4  # JSON and CSV; enough to compare, and stable across numpy versions


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, DIGITS)


def alphas_dict(a: Alphas) -> dict:
    return {"units": a.units, "pairs": a.pairs, "stance": _rounded(a.stance),
            "strength": _rounded(a.strength), "note": a.note}


def as_json(result: Agreement) -> dict:
    """{"overall": {...}, "hypotheses": {id: {...}}, "disagreements": [...]}."""
    return {
        "overall": alphas_dict(result.overall),
        "hypotheses": {hid: alphas_dict(a) for hid, a in result.by_hypothesis.items()},
        "disagreements": [
            {"evidence": d.evidence, "hypothesis": d.hypothesis,
             "judgements": [{"judge": j.judge, "stance": j.stance, "strength": j.strength} for j in d.judgements]}
            for d in result.disagreements
        ],
    }


def table_rows(result: Agreement) -> list[dict]:
    """One row per hypothesis with units (see :data:`TABLE_COLUMNS`)."""
    return [_row(hid, a) for hid, a in result.by_hypothesis.items()]


def _row(label: str, a: Alphas) -> dict:
    return {"id": label, "units": a.units, "pairs": a.pairs, "alpha_stance": _rounded(a.stance),
            "alpha_strength": _rounded(a.strength), "note": a.note}


def disagreement_lines(result: Agreement) -> list[str]:
    """Each disagreement as one line: "E2 -> H01: Kari supports/strong; Ola contradicts/weak"."""
    return [f"{d.evidence} -> {d.hypothesis}: "
            + "; ".join(f"{j.judge} {j.stance}/{j.strength}" for j in d.judgements)
            for d in result.disagreements]
