"""``kb measure``'s tables: :class:`~kb.survey.SurveyResults` as text, CSV or JSON.

Only what is in the results is printed, so a suppressed cell cannot appear
here. JSON keeps full precision (the numbers are for machines); text rounds
as a table in an article would.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import math

from kb.survey import SurveyResults

CELL_COLUMNS = ("dataset", "context", "phase", "construct", "n", "mean", "sd", "ci_low", "ci_high")
CHANGE_COLUMNS = ("dataset", "context", "construct", "start_phase", "end_phase", "n_start", "n_end",
                  "change", "p", "g")
#: one CSV for both kinds of row: 'kind' says which, the other kind's columns stay empty
CSV_COLUMNS = ("kind", "dataset", "context", "phase", "construct", "n", "mean", "sd", "ci_low", "ci_high",
               "start_phase", "end_phase", "n_start", "n_end", "change", "p", "g")


def as_json(results: SurveyResults) -> str:
    data = {
        "cells": [dataclasses.asdict(c) for c in results.cells],
        "changes": [dataclasses.asdict(c) for c in results.changes],
        "suppressed": results.suppressed,
        "datasets": [{"id": d.id, "file": d.file, "format": d.format, "rounds": list(d.rounds),
                      "dates": [{"phase": p, "first": _day(a), "last": _day(b)} for p, a, b in d.dates],
                      "min_cell": d.threshold, "illustrative": d.illustrative} for d in results.datasets],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def as_csv(results: SurveyResults) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for c in results.cells:
        writer.writerow({"kind": "cell", **{k: _raw(v) for k, v in dataclasses.asdict(c).items()}})
    for c in results.changes:
        writer.writerow({"kind": "change", **{k: _raw(v) for k, v in dataclasses.asdict(c).items()}})
    return buf.getvalue()


def as_text(results: SurveyResults) -> str:
    cells = [[c.dataset, c.context, c.phase, c.construct, str(c.n), f"{c.mean:.2f}", f"{c.sd:.2f}",
              f"[{c.ci_low:.2f}, {c.ci_high:.2f}]"] for c in results.cells]
    out = _aligned(["dataset", "context", "phase", "construct", "n", "mean", "sd", "95% CI"], cells)
    if results.changes:
        changes = [[c.dataset, c.context, c.construct, f"{c.start_phase} -> {c.end_phase}",
                    f"{c.n_start}/{c.n_end}", f"{c.change:+.2f}", _p(c.p), "-" if c.g is None else f"{c.g:+.2f}"]
                   for c in results.changes]
        out += "\n" + _aligned(["dataset", "context", "construct", "rounds", "n", "change", "p (Welch)",
                                "Hedges' g"], changes)
    if results.suppressed:
        limits = sorted({d.threshold for d in results.datasets})
        out += (f"\n{results.suppressed} cell(s) with fewer respondents than min_cell "
                f"({', '.join(map(str, limits))}) suppressed, with the changes that would need them\n")
    return out


def _aligned(header: list[str], rows: list[list[str]]) -> str:
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(header)]
    lines = ["  ".join(v.ljust(w) for v, w in zip(row, widths)).rstrip() for row in [header, *rows]]
    return "\n".join(lines) + "\n"


def _p(p: float | None) -> str:
    if p is None:
        return "-"
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def _raw(value: object) -> object:
    if isinstance(value, float) and not math.isfinite(value):
        return ""
    return "" if value is None else value


def _day(value: object) -> str | None:
    return None if value is None else str(value)
