"""Checking survey datasets and the measurements that cite them.

Takes the KB and its datasets (kb.yaml's ``datasets``); gives, per dataset,
the respondents' scale scores grouped by context and phase, and the
diagnostics, each naming the file, row (line) and column of the cell
(or kb.yaml's line for a mistake in the dataset's settings):

* KB701 an answer outside its measure's scale
* KB702 a respondent twice in one round
* KB703 a context or round value the KB does not know
* KB704 a column the dataset names that the file does not have
* KB705 a cell that cannot be read (an answer that is no number, an empty respondent,
  context or round, a date that is no date)
* KB706 a file that cannot be read at all
* KB707 a measurement whose typed numbers disagree with the dataset it cites
* KB708 a measurement citing a result the dataset does not give (no such cell, or one suppressed)

How missing answers are treated is the dataset's ``missing`` codes (an
empty cell is always missing) and ``min_answered``: a respondent's scale
score is the mean of the items answered, if at least that many were; with
fewer the respondent is left out of that construct (and only that one).

Row problems are reported up to :data:`MAX_PER_CODE` per code and dataset,
then once more as a count: a file with 100,000 bad rows gives 21 lines, not
100,000. No diagnostic shows a respondent's id or a free-text answer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import numpy as np

from kb.errors import Diagnostic, did_you_mean
from kb.model import KnowledgeBase, SurveyDataset, parse_day
from kb.survey.read import Column, Table, canonical, file_format, read_table

MAX_PER_CODE = 20


@dataclass
class Scored:
    """One dataset read and checked: the scores by (context, phase) and construct, and what was found."""

    dataset: SurveyDataset
    format: str
    #: (context id, phase) -> construct id -> the scores of the respondents counted
    scores: dict[tuple[str, str], dict[str, np.ndarray]] = field(default_factory=dict)
    #: phase -> (first date, last date) of its responses (from the date column or the dataset's dates)
    dates: dict[str, tuple[dt.date | None, dt.date | None]] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)


class _Reporter:
    """Diagnostics of one file, at most MAX_PER_CODE per code, then a count of the rest."""

    def __init__(self, table: Table) -> None:
        self.table = table
        self.found: list[Diagnostic] = []
        self.more: dict[str, int] = {}
        self.shown: dict[str, int] = {}

    def __call__(self, code: str, row: int, column: str, message: str, hint: str = "") -> None:
        if self.shown.get(code, 0) >= MAX_PER_CODE:
            self.more[code] = self.more.get(code, 0) + 1
            return
        self.shown[code] = self.shown.get(code, 0) + 1
        self.found.append(Diagnostic(self.table.path, int(self.table.lines[row]), self.table.positions[column],
                                     code, message, field=column, hint=hint))

    def done(self) -> list[Diagnostic]:
        for code, count in self.more.items():
            self.found.append(Diagnostic(self.table.path, 1, 1, code,
                                         f"and {count} more row(s) with the same problem, not listed"))
        return self.found


def config_marks(root: Path) -> dict:
    """Positions of kb.yaml's fields (for a dataset's settings), or {} when it cannot be read again."""
    from kb.load.files import read_config
    from kb.load.yamlread import read_yaml

    try:
        _, marks, _ = read_yaml(read_config(root), "kb.yaml")
    except Exception:  # the loader read it a moment ago; should it fail now, kb.yaml's line 1 will do
        return {}
    return marks


def check_settings(kb: KnowledgeBase, index: int, marks: dict) -> list[Diagnostic]:
    """A dataset's settings against the KB: constructs, contexts and phases it names exist."""
    ds = kb.config.datasets[index]
    out: list[Diagnostic] = []

    def at(*path: object) -> tuple[int, int]:
        return marks.get(("datasets", index, *path)) or marks.get(("datasets", index)) or (1, 1)

    def unknown(path: tuple, what: str, value: str, known: Iterable[str]) -> None:
        line, col = at(*path)
        known = list(known)
        out.append(Diagnostic("kb.yaml", line, col, "KB302", f"unknown {what} {value!r}",
                              field=".".join(str(p) if not isinstance(p, int) else f"[{p}]" for p in
                                             ("datasets", index, *path)).replace(".[", "["),
                              hint=did_you_mean(value, known) or f"no {what} has this id"))

    for i, m in enumerate(ds.measures):
        if m.construct_ not in kb.constructs:
            unknown(("measures", i, "construct"), "construct", m.construct_, kb.constructs)
    for key, cid in ds.contexts.items():
        if cid not in kb.contexts:
            unknown(("contexts", key), "context", cid, kb.contexts)
    for key, phase in ds.rounds.items():
        if phase not in kb.config.phases:
            unknown(("rounds", key), "phase", phase, kb.config.phases)
    for phase in ds.dates:
        if phase not in kb.config.phases:
            unknown(("dates", phase), "phase", phase, kb.config.phases)
    read = [ds.respondent, ds.context, ds.round, *([ds.date] if ds.date else []),
            *(c for m in ds.measures for c in m.columns)]
    for name in dict.fromkeys(c for c in read if c in ds.free_text):
        line, col = at("free_text")
        out.append(Diagnostic("kb.yaml", line, col, "KB204",
                              f"column {name!r} is listed as free text and also read as data",
                              field=f"datasets[{index}].free_text",
                              hint="free-text columns are never read: remove it from one of the two"))
    if file_format(ds) is None:
        line, col = at("file")
        out.append(Diagnostic("kb.yaml", line, col, "KB706", f"cannot tell the format of {ds.file!r} from its suffix",
                              field=f"datasets[{index}].file", hint="set the dataset's format: csv, xlsx or sav"))
    return out


def score_dataset(root: Path, kb: KnowledgeBase, ds: SurveyDataset) -> Scored:
    """Read one dataset's file, check every row, and group the respondents' scores."""
    table, problems = read_table(root, ds)
    scored = Scored(ds, file_format(ds) or "")
    if table is None:
        scored.diagnostics = problems
        return scored
    report = _Reporter(table)
    contexts = _codes(table, ds.context, ds.contexts, list(kb.contexts), "context", report)
    phases = _codes(table, ds.round, ds.rounds, list(kb.config.phases), "round", report)
    _duplicates(table, ds, report)
    dates = _dates(table, ds, report) if ds.date else None
    measures = {m.construct_: _scores(table, ds, m, report) for m in ds.measures}
    scored.diagnostics = report.done()
    if scored.diagnostics:
        return scored
    ctx_codes, ctx_names = contexts
    phase_codes, phase_names = phases
    n_phase = len(phase_names)
    group = ctx_codes * n_phase + phase_codes
    order = np.argsort(group, kind="stable")
    sorted_groups = group[order]
    bounds = np.flatnonzero(np.diff(sorted_groups)) + 1
    for rows in np.split(order, bounds):
        if rows.size == 0:
            continue
        g = int(group[rows[0]])
        key = (ctx_names[g // n_phase], phase_names[g % n_phase])
        by_construct = scored.scores.setdefault(key, {})
        for construct, score in measures.items():
            values = score[rows]
            by_construct[construct] = values[~np.isnan(values)]
    for phase in dict.fromkeys(phase_names):
        rows = np.flatnonzero(np.asarray(phase_names, dtype=object)[phase_codes] == phase)
        if dates is not None:
            seen = [d for d in (dates[r] for r in rows) if d is not None]
            scored.dates[phase] = (min(seen), max(seen)) if seen else (None, None)
        else:
            day = ds.dates.get(phase)
            scored.dates[phase] = (day, day)
    return scored


def _text(column: Column) -> list[str]:
    if isinstance(column, np.ndarray):
        return [canonical(float(v)) for v in column.tolist()]
    return column


def factorize(column: Column) -> tuple[np.ndarray, list[str]]:
    """Each cell as an index into its column's distinct values, those values as stripped text.

    Survey columns hold few distinct values (1-7, a code, a handful of
    municipalities): each is converted and checked once, not once per row.
    """
    if isinstance(column, np.ndarray):
        uniques, codes = np.unique(column, return_inverse=True)  # NaN sorts last, once per NaN: merged below
        texts = [canonical(float(v)) for v in uniques.tolist()]
        return codes.astype(np.int64), texts
    index = {v: i for i, v in enumerate(dict.fromkeys(column))}
    codes = np.fromiter(map(index.__getitem__, column), dtype=np.int64, count=len(column))
    return codes, [v.strip() for v in index]


def _codes(table: Table, column: str, mapping: dict, known: list[str], what: str,
           report: _Reporter) -> tuple[np.ndarray, list[str]]:
    """Each row's context (or phase) as an index into ``known``; unknown values are reported."""
    codes, uniques = factorize(table.columns[column])
    labels = table.labels.get(column, {})
    lookup = {canonical(k): v for k, v in mapping.items()}
    position = {n: i for i, n in enumerate(known)}
    kind = "context" if what == "context" else "phase"
    mapped = np.zeros(len(uniques), dtype=np.int64)
    for u, raw in enumerate(uniques):
        value = _as_number_text(raw)
        label = labels.get(value)
        name = next((c for c in (lookup.get(value), lookup.get(label) if label else None,
                                 value if value in position else None,
                                 label if label in position else None) if c), None)
        if name is not None:
            mapped[u] = position[name]
            continue
        for row in np.flatnonzero(codes == u).tolist():
            if not value:
                report("KB705", row, column, f"the {what} is empty")
            else:
                shown = repr(value) + (f" (labelled {label!r})" if label else "")
                report("KB703", row, column, f"{shown} is no {kind} of the knowledge base",
                       hint=did_you_mean(label or value, [*known, *lookup])
                       or f"map it to a {kind} in the dataset's '{'contexts' if what == 'context' else 'rounds'}'")
    # the KB's order (contexts in registry order, phases in kb.yaml's), so groups sort as outputs list them
    return mapped[codes], known


def _duplicates(table: Table, ds: SurveyDataset, report: _Reporter) -> None:
    """A respondent (id) may answer once per round: a second row in the same round is reported."""
    id_codes, ids = factorize(table.columns[ds.respondent])
    round_codes, _ = factorize(table.columns[ds.round])
    for u in [u for u, v in enumerate(ids) if not v]:
        for row in np.flatnonzero(id_codes == u).tolist():
            report("KB705", row, ds.respondent, "the respondent's id is empty")
    # ids that differ only in surrounding spaces are the same respondent
    same = {v: i for i, v in enumerate(ids)}
    keys = np.asarray([same[v] for v in ids], dtype=np.int64)[id_codes] * (int(round_codes.max(initial=0)) + 1) + round_codes
    if np.unique(keys).size == keys.size:
        return
    first: dict[int, int] = {}
    for row, key in enumerate(keys.tolist()):
        if not ids[id_codes[row]]:
            continue
        seen = first.setdefault(key, row)
        if seen != row:
            report("KB702", row, ds.respondent,
                   f"the same respondent as row {int(table.lines[seen])}, in the same round",
                   hint="each respondent answers once per round: remove or merge the duplicate")


def _dates(table: Table, ds: SurveyDataset, report: _Reporter) -> list[dt.date | None]:
    out: list[dt.date | None] = []
    parsed: dict[str, dt.date | None] = {}
    assert ds.date is not None
    for row, text in enumerate(_text(table.columns[ds.date])):
        if text not in parsed:
            try:
                parsed[text] = parse_day(text[:10]) if text else None
            except ValueError as exc:
                parsed[text] = None
                report("KB705", row, ds.date, str(exc))
        out.append(parsed[text])
    return out


def _scores(table: Table, ds: SurveyDataset, measure, report: _Reporter) -> np.ndarray:
    """Each row's scale score for one measure (NaN: left out), with the answers checked against the scale."""
    items = np.column_stack([_numbers(table, ds, c, measure, report) for c in measure.columns])
    answered = np.count_nonzero(~np.isnan(items), axis=1)
    need = min(measure.min_answered or ds.min_answered, len(measure.columns))
    total = np.where(np.isnan(items), 0.0, items).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        score = total / answered
    score[answered < need] = np.nan
    return score


def _numbers(table: Table, ds: SurveyDataset, column: str, measure, report: _Reporter) -> np.ndarray:
    """One item column as floats, NaN where unanswered; a value no number or off the scale is reported."""
    codes, uniques = factorize(table.columns[column])
    missing_text = {canonical(v) for v in ds.missing}
    missing_numbers = set(_numeric(ds.missing))
    scale = f"{measure.min:g}-{measure.max:g}"
    values = np.empty(len(uniques), dtype=np.float64)
    found: list[tuple[int, tuple[str, str, str]]] = []
    for u, text in enumerate(uniques):
        number = _float(text) if text and text not in missing_text else float("nan")
        values[u] = float("nan") if number in missing_numbers else number
        if not text or text in missing_text or number in missing_numbers:
            continue  # unanswered
        problem = None
        if not np.isfinite(number):
            problem = ("KB705", f"the answer {text!r} is no number",
                       "list codes that mean 'no answer' in the dataset's 'missing'")
            values[u] = float("nan")
        elif number < measure.min or number > measure.max:
            problem = ("KB701", f"{number:g} is outside the scale {scale} of {measure.construct_!r}",
                       "correct the answer, or list the code in the dataset's 'missing'")
        if problem:
            found += [(row, problem) for row in np.flatnonzero(codes == u).tolist()]
    for row, (code, message, hint) in sorted(found):
        report(code, row, column, message, hint=hint)  # in row order: the first rows are the ones listed
    return values[codes]


def _float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return float("nan")


def _numeric(codes: list) -> list[float]:
    """The missing codes that are numbers (written as numbers or as number text)."""
    out = []
    for code in codes:
        number = code if isinstance(code, (int, float)) else _float(str(code))
        if number == number:
            out.append(float(number))
    return out


def _as_number_text(value: str) -> str:
    """'1.0' as '1' (Excel and SPSS write codes as floats); any other text as it is."""
    if value[:1].isdigit() or value[:1] in "-+.":
        number = _float(value)
        if number == number and abs(number) != float("inf"):
            return canonical(number)
    return value
