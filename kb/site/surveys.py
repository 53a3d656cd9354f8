"""The survey measurements page (``measurements.md``): each dataset's aggregates, per construct.

Takes the :class:`~kb.site.kit.Site` and the :class:`kb.survey.SurveyResults`
the pipeline computed once; gives one page: per dataset and construct a
table of municipality x round (mean [95 % CI], n), the change from the first
round to the last (Welch's p, Hedges' g) and the hypotheses whose survey
measurements cite that cell. The results hold only publishable cells, so a
cell missing from them is printed as suppressed, with no number at all.
"""

from __future__ import annotations

from dataclasses import dataclass

from kb.site.fmt import esc
from kb.site.kit import Out, Ref, Render, Site

# not surveys.md: a KB's own docs may hold a page of that name (the shipped one does), and it would win
PAGE = "measurements.md"

# the page's own words; English where the site's language has none
_WORDS = {
    "en": {"title": "Survey measurements",
           "intro": "Computed by kb from each dataset's responses: per round the mean with its 95 % confidence "
                    "interval and the respondents counted (n); the change is the last round's mean minus the "
                    "first's, with Welch's p and Hedges' g. Only aggregates are published.",
           "context": "Municipality", "change": "Change", "p": "p (Welch)", "g": "Hedges' g",
           "hypotheses": "Hypotheses", "suppressed": "suppressed (n < {n})", "rounds": "Rounds",
           "min_cell": "Smallest published cell", "suppressed_count": "Suppressed cells",
           "respondents": "{n} respondents", "link": "Survey measurements: the datasets' aggregates"},
    "nb": {"title": "Spørreundersøkelser: målinger",
           "intro": "Beregnet av kb fra hvert datasetts svar: per runde gjennomsnittet med 95 % "
                    "konfidensintervall og antall svar (n); endringen er siste rundes gjennomsnitt minus "
                    "første rundes, med Welchs p og Hedges' g. Bare aggregater publiseres.",
           "context": "Kommune", "change": "Endring", "p": "p (Welch)", "g": "Hedges' g",
           "hypotheses": "Hypoteser", "suppressed": "skjult (n < {n})", "rounds": "Runder",
           "min_cell": "Minste publiserte celle", "suppressed_count": "Skjulte celler",
           "respondents": "{n} svar", "link": "Spørreundersøkelser: datasettenes aggregater"},
}
_WORDS["no"] = _WORDS["nb"]


def word(language: str, key: str, **fmt: object) -> str:
    text = _WORDS.get(language, _WORDS["en"]).get(key) or _WORDS["en"][key]
    return text.format(**fmt) if fmt else text


@dataclass(frozen=True)
class Round:
    """One round's cell in the table: None where it is suppressed (or has no answers)."""

    mean: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    n: int | None = None


@dataclass(frozen=True)
class Row:
    context: Ref | str
    rounds: tuple[Round, ...]
    change: float | None
    p: float | None
    g: float | None
    hypotheses: tuple[Ref, ...]


@dataclass(frozen=True)
class ConstructTable:
    construct: Ref | str
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class DatasetView:
    id: str
    title: str
    illustrative: bool
    threshold: int
    rounds: tuple[tuple[str, str], ...]  # (phase, dates)
    tables: tuple[ConstructTable, ...]


@dataclass(frozen=True)
class SurveysView:
    language: str
    datasets: tuple[DatasetView, ...]
    suppressed: int
    illustrative: bool


def surveys_view(site: Site, results) -> SurveysView:
    kb = site.kb
    cells = {(c.dataset, c.context, c.phase, c.construct): c for c in results.cells}
    changes = {(c.dataset, c.context, c.construct): c for c in results.changes}
    resting: dict[tuple[str, str, str], list[str]] = {}
    for e in kb.evidence.values():
        m = e.measurement
        if m is not None and m.dataset and e.context:
            hids = resting.setdefault((m.dataset, e.context, m.construct_), [])
            hids.extend(link.hypothesis for link in e.links)
    labels = {d.id: d.label for d in kb.config.datasets}
    views = []
    for d in results.datasets:
        tables = []
        for construct in d.constructs:
            rows = []
            for context in d.contexts:
                found = [cells.get((d.id, context, phase, construct)) for phase in d.rounds]
                change = changes.get((d.id, context, construct))
                rows.append(Row(
                    site.named(context) or context,
                    tuple(Round(c.mean, c.ci_low, c.ci_high, c.n) if c else Round() for c in found),
                    change.change if change else None, change.p if change else None, change.g if change else None,
                    site.refs(dict.fromkeys(resting.get((d.id, context, construct), ())))))
            tables.append(ConstructTable(site.named(construct) or construct, tuple(rows)))
        rounds = tuple((phase, " – ".join(str(day) for day in dict.fromkeys(x for x in (a, b) if x)))
                       for phase, a, b in d.dates)
        views.append(DatasetView(d.id, site.text(labels.get(d.id)) or d.id, d.illustrative, d.threshold, rounds,
                                 tuple(tables)))
    return SurveysView(kb.config.site_language, tuple(views), results.suppressed,
                       any(v.illustrative for v in views))


def surveys_page(v: SurveysView, r: Render) -> str:
    out = Out(PAGE, r)
    say = lambda key, **fmt: word(v.language, key, **fmt)  # noqa: E731
    out.title(say("title"))
    out.illustrative_notice(v.illustrative)
    out(esc(say("intro")), "")
    for d in v.datasets:
        out(f"## {esc(d.title)}{out.mark(illustrative=d.illustrative)}", "")
        out.facts([(say("rounds"), esc(", ".join(f"{p} ({dates})" if dates else p for p, dates in d.rounds))),
                   (say("min_cell"), esc(say("respondents", n=d.threshold)))]
                  + ([(say("suppressed_count"), str(v.suppressed))] if v.suppressed else []))
        header = [esc(say("context"))]
        for phase, _ in d.rounds:
            header += [esc(phase), "n"]
        header += [esc(say("change")), esc(say("p")), esc(say("g")), esc(say("hypotheses"))]
        for table in d.tables:
            name = table.construct
            out(f"### {out.link(name) if isinstance(name, Ref) else esc(name)}", "")
            out.table(header, (_row(out, row, say("suppressed", n=d.threshold)) for row in table.rows))
    return out.text()


def _row(out: Out, row: Row, suppressed: str) -> list[str]:
    cells = [out.link(row.context) if isinstance(row.context, Ref) else esc(row.context)]
    for rnd in row.rounds:
        if rnd.mean is None:
            cells += [f'<em class="kb-suppressed">{esc(suppressed)}</em>', ""]
        else:
            cells += [f"{rnd.mean:.2f} [{rnd.ci_low:.2f}, {rnd.ci_high:.2f}]", str(rnd.n)]
    cells += ["–" if row.change is None else f"{row.change:+.2f}", _p(row.p),
              "–" if row.g is None else f"{row.g:+.2f}", out.links(row.hypotheses)]
    return cells


def _p(p: float | None) -> str:
    if p is None:
        return "–"
    return "&lt; 0.001" if p < 0.001 else f"{p:.3f}"
