"""Survey datasets: files of individual responses, checked and aggregated (``kb measure``).

Takes the KB (its ``config.datasets``) and its root; gives
:class:`SurveyResults`: per dataset x context x phase x construct a
:class:`Cell` (n, mean, SD, 95 % CI) and per dataset x context x construct a
:class:`Change` from the dataset's first round to its last (Welch's t-test,
Hedges' g). The stages: :mod:`kb.survey.read` (the file, with positions),
:mod:`kb.survey.check` (diagnostics, scores), :mod:`kb.survey.stats`
(numpy and SciPy).

Privacy is decided here and nowhere else: a cell with fewer respondents than
its dataset's ``min_cell`` is not in ``cells`` at all (only counted in
``suppressed``), and a change with such a cell on either side is not in
``changes``; so every output made from these results (kb measure, the site,
RDF, reports) shows only publishable aggregates. No row, respondent id or
free-text answer leaves this package.

:func:`compute` raises :class:`~kb.errors.ProblemsFound` when a dataset has
errors or its file is absent (KB709), like :func:`kb.load.checked`;
:func:`analyse` returns the diagnostics instead, and :func:`check_kb` is what
``kb check`` runs (diagnostics only; n, mean and SD with numpy, no SciPy).
Computing imports numpy (and SciPy for the statistics): callers import this
package only for a KB that has datasets.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kb.errors import Diagnostic, ProblemsFound, errors_in

if TYPE_CHECKING:
    # not at run time: kb.survey.files serves the warm `kb check`, which must not build the models
    from kb.model import KnowledgeBase


@dataclass(frozen=True)
class Cell:
    """One context x phase x construct of a dataset: respondents counted, mean, SD, 95 % CI of the mean."""

    dataset: str
    context: str
    phase: str
    construct: str
    n: int
    mean: float
    sd: float
    ci_low: float
    ci_high: float


@dataclass(frozen=True)
class Change:
    """A construct's change in one context from the dataset's first round to its last.

    ``change`` is end mean minus start mean; ``p`` is Welch's two-sided
    p-value and ``g`` Hedges' g (positive for a rise); both None where
    undefined (every answer the same in both rounds).
    """

    dataset: str
    context: str
    construct: str
    start_phase: str
    end_phase: str
    n_start: int
    n_end: int
    change: float
    p: float | None
    g: float | None


@dataclass(frozen=True)
class DatasetInfo:
    """What provenance needs to say about a dataset (never its rows).

    ``file`` is the path as kb.yaml gives it (relative to the KB, or
    absolute for a file kept outside it); ``rounds`` the phases it has
    responses for, in kb.yaml's order; ``dates`` one (phase, first date,
    last date) per round, the dates None where the dataset gives none.
    """

    id: str
    file: str
    format: str
    rounds: tuple[str, ...]
    dates: tuple[tuple[str, dt.date | None, dt.date | None], ...]
    threshold: int
    illustrative: bool
    constructs: tuple[str, ...]
    contexts: tuple[str, ...]


@dataclass(frozen=True)
class SurveyResults:
    cells: tuple[Cell, ...]
    changes: tuple[Change, ...]
    suppressed: int
    datasets: tuple[DatasetInfo, ...]

    def cell(self, dataset: str, context: str, phase: str, construct: str) -> Cell | None:
        """The published cell, or None (no responses, or suppressed)."""
        for c in self.cells:
            if (c.dataset, c.context, c.phase, c.construct) == (dataset, context, phase, construct):
                return c
        return None



def compute(root: Path, kb: KnowledgeBase) -> SurveyResults:
    """Read, check and aggregate every dataset of ``kb``; ProblemsFound (exit 1) with the diagnostics on errors."""
    return computable(*analyse(root, kb))


def computable(results: SurveyResults, diags: list[Diagnostic]) -> SurveyResults:
    """``results`` when :func:`analyse` found nothing in the way; ProblemsFound with what it found otherwise."""
    # an absent file is only a warning for kb check (the rest can be checked), but nothing can be computed
    problems = [d for d in diags if d.severity == "error" or d.code == "KB709"]
    if problems:
        raise ProblemsFound(f"{len(problems)} error(s) in the survey datasets; run 'kb check'", problems)
    return results


def analyse(root: Path, kb: KnowledgeBase) -> tuple[SurveyResults, list[Diagnostic]]:
    """The results of every dataset that has no errors, and the diagnostics of all of them."""
    from kb.survey.stats import describe, difference

    scored_all, diags = _scored(root, kb)
    cells: list[Cell] = []
    changes: list[Change] = []
    infos: list[DatasetInfo] = []
    suppressed = 0
    for scored, contexts, phases in scored_all:
        ds = scored.dataset
        constructs = [m.construct_ for m in ds.measures]
        shown: set[tuple[str, str, str]] = set()
        for context in contexts:
            for phase in phases:
                for construct in constructs:
                    scores = scored.scores.get((context, phase), {}).get(construct)
                    if scores is None or scores.size == 0:
                        continue
                    if not publishable(scores.size, ds.min_cell):
                        suppressed += 1
                        continue
                    d = describe(scores)
                    cells.append(Cell(ds.id, context, phase, construct, d.n, d.mean, d.sd, d.ci_low, d.ci_high))
                    shown.add((context, phase, construct))
        if len(phases) >= 2:
            first, last = phases[0], phases[-1]
            for context in contexts:
                for construct in constructs:
                    if (context, first, construct) in shown and (context, last, construct) in shown:
                        start = scored.scores[(context, first)][construct]
                        end = scored.scores[(context, last)][construct]
                        diff = difference(start, end)
                        changes.append(Change(ds.id, context, construct, first, last, int(start.size),
                                              int(end.size), diff.change, diff.p, diff.g))
        infos.append(DatasetInfo(
            ds.id, ds.file, scored.format, tuple(phases),
            tuple((p, *scored.dates.get(p, (None, None))) for p in phases), ds.min_cell, ds.illustrative,
            tuple(constructs), tuple(contexts)))
    return SurveyResults(tuple(cells), tuple(changes), suppressed, tuple(infos)), diags


def with_survey_numbers(kb: KnowledgeBase, results: SurveyResults | None) -> KnowledgeBase:
    """``kb`` with every measurement that cites a dataset carrying that dataset's numbers.

    A measurement written with ``dataset:`` may leave out value, sample size
    and spread (``kb check`` holds typed ones to the data, KB707); every
    output shows the numbers, so they are filled in here, once, from the
    published cell of the evidence's context and phase. A measurement whose
    cell is not published (suppressed: KB708 in the check) is left as written.
    """
    if results is None:
        return kb
    changed = {}
    for eid, e in kb.evidence.items():
        m = e.measurement
        if m is None or not getattr(m, "dataset", None) or e.context is None or e.phase is None:
            continue
        cell = results.cell(m.dataset, e.context, e.phase, m.construct_)
        if cell is None:
            continue
        filled = m.model_copy(update={"value": m.value if m.value is not None else cell.mean,
                                      "sample_size": m.sample_size if m.sample_size is not None else cell.n,
                                      "spread": m.spread if m.spread is not None else cell.sd})
        if filled != m:
            changed[eid] = e.model_copy(update={"measurement": filled})
    if not changed:
        return kb
    return kb.model_copy(update={"evidence": {eid: changed.get(eid, e) for eid, e in kb.evidence.items()}})


def publishable(n: int, min_cell: int) -> bool:
    """May a cell of ``n`` respondents be shown? The one place the threshold is applied."""
    return n >= min_cell


def _scored(root: Path, kb: KnowledgeBase) -> tuple[list, list[Diagnostic]]:
    """Each dataset without problems as (Scored, its contexts, its phases), in order; and all diagnostics."""
    from kb.survey.check import check_settings, config_marks, score_dataset

    if not kb.config.datasets:
        return [], []
    marks = config_marks(root)
    out = []
    diags: list[Diagnostic] = []
    for index, ds in enumerate(kb.config.datasets):
        settings = check_settings(kb, index, marks)
        diags += settings
        if errors_in(settings):
            continue
        scored = score_dataset(root, kb, ds)
        diags += scored.diagnostics
        if scored.diagnostics:
            continue  # errors, or the file is absent (KB709): no results
        phases = [p for p in kb.config.phases if any(k[1] == p for k in scored.scores)]
        contexts = [c for c in kb.contexts if any(k[0] == c for k in scored.scores)]
        out.append((scored, contexts, phases))
    return out, diags


def check_kb(kb: KnowledgeBase) -> list[Diagnostic]:
    """Every problem in the KB's datasets, and in the survey measurements that cite them (for ``kb check``).

    Only n, mean and SD are computed here (numpy), not the intervals and tests: importing
    SciPy would cost ``kb check`` most of a second.
    """
    from kb.survey.cite import check_citations

    scored_all, diags = _scored(Path(kb.root), kb)
    summaries: dict[tuple[str, str, str, str], tuple[int, float, float]] = {}
    for scored, _, _ in scored_all:
        for (context, phase), by_construct in scored.scores.items():
            for construct, scores in by_construct.items():
                if scores.size and publishable(scores.size, scored.dataset.min_cell):
                    summaries[(scored.dataset.id, context, phase, construct)] = (
                        int(scores.size), float(scores.mean()), float(scores.std(ddof=1)))
    broken = {ds.id for ds in kb.config.datasets} - {scored.dataset.id for scored, _, _ in scored_all}
    return diags + check_citations(kb, summaries, broken)
