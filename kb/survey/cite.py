"""Survey measurements that cite a dataset: the numbers they type must be the dataset's.

A measurement with ``dataset`` takes its numbers from the dataset's cell for
the evidence's context and phase and the measurement's construct. Typed
numbers are allowed (they keep the YAML readable on its own) but must agree
with the cell to the precision they are written in: ``value: 5.1`` agrees
with a mean of 5.06, not with 5.2; ``sample_size`` must be n exactly. The
scale, written as '1-7', must be the measure's.
"""

from __future__ import annotations

from kb.errors import Diagnostic, did_you_mean
from kb.model import Evidence, KnowledgeBase


def decimals(value: float) -> int:
    """How many decimals ``value`` is written with (5.1 -> 1, 5.0 -> 1, 5 -> 0)."""
    text = repr(float(value))
    if "e" in text:
        return 12
    return len(text.partition(".")[2].rstrip("0")) or (1 if isinstance(value, float) else 0)


def agrees(typed: float, computed: float) -> bool:
    """Does ``typed`` equal ``computed`` rounded to the decimals it is written with?"""
    return abs(typed - computed) <= 0.5 * 10 ** -decimals(typed) + 1e-9


#: (dataset, context, phase, construct) -> (n, mean, SD) of each publishable cell
Summaries = dict[tuple[str, str, str, str], tuple[int, float, float]]


def check_citations(kb: KnowledgeBase, cells: Summaries, broken: set[str]) -> list[Diagnostic]:
    """Diagnostics for every measurement citing a dataset: unknown, absent, suppressed, or disagreeing."""
    datasets = {ds.id: ds for ds in kb.config.datasets}
    out: list[Diagnostic] = []
    for e in kb.evidence.values():
        m = e.measurement
        if m is None or m.dataset is None:
            continue
        if m.dataset not in datasets:
            out.append(_diag(kb, e, "measurement.dataset", "KB302", f"unknown dataset {m.dataset!r}",
                             hint=did_you_mean(m.dataset, datasets) or "kb.yaml's datasets list none with this id"))
            continue
        if m.dataset in broken:
            continue  # the dataset's own errors say what is wrong; the citation is no new mistake
        ds = datasets[m.dataset]
        if e.context is None or e.phase is None:
            out.append(_diag(kb, e, "measurement.dataset", "KB708",
                             "a measurement citing a dataset needs the evidence's context and phase",
                             hint="they say which of the dataset's cells it is"))
            continue
        measure = next((x for x in ds.measures if x.construct_ == m.construct_), None)
        if measure is None:
            out.append(_diag(kb, e, "measurement.construct", "KB708",
                             f"dataset {ds.id!r} does not measure {m.construct_!r}",
                             hint=f"it measures {', '.join(x.construct_ for x in ds.measures)}"))
            continue
        cell = cells.get((ds.id, e.context, e.phase, m.construct_))
        if cell is None:
            out.append(_diag(kb, e, "measurement.dataset", "KB708",
                             f"dataset {ds.id!r} has no publishable result for {e.context!r} at {e.phase!r}:"
                             f" no responses, or fewer than {ds.min_cell} (suppressed)",
                             hint="a cell below the dataset's min_cell is never shown"))
            continue
        out += _disagreements(kb, e, ds.id, cell, f"{measure.min:g}-{measure.max:g}")
    return out


def _disagreements(kb: KnowledgeBase, e: Evidence, dataset: str, cell: tuple[int, float, float],
                   scale: str) -> list[Diagnostic]:
    m = e.measurement
    assert m is not None
    n, mean, sd = cell
    out = []
    if m.value is not None and not agrees(m.value, mean):
        out.append(_diag(kb, e, "measurement.value", "KB707",
                         f"value {m.value:g} disagrees with dataset {dataset!r}, whose mean is"
                         f" {mean:.{decimals(m.value)}f}",
                         hint="leave the value out to take it from the dataset, or correct it"))
    if m.spread is not None and not agrees(m.spread, sd):
        out.append(_diag(kb, e, "measurement.spread", "KB707",
                         f"spread {m.spread:g} disagrees with dataset {dataset!r}, whose SD is"
                         f" {sd:.{decimals(m.spread)}f}", hint="leave it out, or correct it"))
    if m.sample_size is not None and m.sample_size != n:
        out.append(_diag(kb, e, "measurement.sample_size", "KB707",
                         f"sample_size {m.sample_size} disagrees with dataset {dataset!r}, whose n is {n}",
                         hint="leave it out, or correct it"))
    if m.scale.replace(" ", "") != scale:
        out.append(_diag(kb, e, "measurement.scale", "KB707",
                         f"scale {m.scale!r} disagrees with dataset {dataset!r}, whose scale is {scale!r}"))
    return out


def _diag(kb: KnowledgeBase, e: Evidence, field: str, code: str, message: str, hint: str = "") -> Diagnostic:
    at = kb.locate(e.id, field)
    return Diagnostic(at.path, at.line, at.column, code, message, field=field, hint=hint)
