"""The GRADE-CERQual tables of a knowledge base, as rows of words in one language.

Takes a loaded, public KnowledgeBase (``kb.public.public_view``: restricted
evidence has no title) and returns a :class:`Table`: the Summary of
Qualitative Findings (:func:`soqf`) or the Evidence Profile (:func:`profile`),
one row per hypothesis with an assessment, from its current (last) one.
Every cell is already text in the chosen language (levels in words, texts of
the KB in that language where written in it), so ``kb.appraise.write`` only
lays them out. Pure: no files, no click.

The contexts of the evidence are named in the contributing-evidence column,
not in the finding: CERQual's guidance keeps the finding's wording and the
contexts it rests on apart, so that readers judge relevance themselves.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kb.model import CERQUAL_COMPONENTS, Assessment, Hypothesis, KnowledgeBase, text_in

#: The interface words of the tables; a language not here gets English.
WORDS: dict[str, dict[str, str]] = {
    "en": {
        "soqf": "Summary of Qualitative Findings",
        "profile": "GRADE-CERQual Evidence Profile",
        "as_of": "as of {date}",
        "id": "#",
        "finding": "Summary of review finding",
        "confidence": "CERQual assessment of confidence",
        "explanation": "Explanation of CERQual assessment",
        "evidence": "Contributing evidence",
        "methodological_limitations": "Methodological limitations",
        "coherence": "Coherence",
        "adequacy": "Adequacy of data",
        "relevance": "Relevance",
        "dissemination_bias": "Dissemination bias",
        "no_or_very_minor": "No or very minor concerns",
        "minor": "Minor concerns",
        "moderate": "Moderate concerns",
        "serious": "Serious concerns",
        "high": "High",
        "moderate_confidence": "Moderate",
        "low": "Low",
        "very_low": "Very low",
        "not_assessed": "Not assessed",
        "restricted": "(restricted)",
        "unknown": "(not in the knowledge base)",
        "illustrative": "Illustrative data: these findings and assessments are examples, not results of the project.",
    },
    "nb": {
        "soqf": "Sammendrag av kvalitative funn",
        "profile": "GRADE-CERQual evidensprofil",
        "as_of": "per {date}",
        "id": "Nr.",
        "finding": "Sammendrag av funn",
        "confidence": "CERQual-vurdering av tillit",
        "explanation": "Forklaring av CERQual-vurderingen",
        "evidence": "Bidragende evidens",
        "methodological_limitations": "Metodologiske begrensninger",
        "coherence": "Koherens",
        "adequacy": "Datatilstrekkelighet",
        "relevance": "Relevans",
        "dissemination_bias": "Publiseringsskjevhet",
        "no_or_very_minor": "Ingen eller svært små bekymringer",
        "minor": "Små bekymringer",
        "moderate": "Moderate bekymringer",
        "serious": "Alvorlige bekymringer",
        "high": "Høy",
        "moderate_confidence": "Moderat",
        "low": "Lav",
        "very_low": "Svært lav",
        "not_assessed": "Ikke vurdert",
        "restricted": "(skjermet)",
        "unknown": "(finnes ikke i kunnskapsbasen)",
        "illustrative": "Illustrerende data: funnene og vurderingene er eksempler, ikke resultater fra prosjektet.",
    },
}

# Norwegian written without saying which standard ('no') reads best in bokmål
_ALIASES = {"no": "nb"}


def words_for(language: str) -> dict[str, str]:
    """The interface words for a language tag ('nb-NO' takes 'nb'); English where kb has none."""
    primary = language.split("-")[0].lower()
    return WORDS.get(_ALIASES.get(primary, primary), WORDS["en"])


@dataclass(frozen=True)
class Cell:
    """One cell: an optional level in words (``head``, set off in Word and LaTeX), then lines of text."""

    head: str = ""
    lines: tuple[str, ...] = ()

    def plain(self, sep: str = "\n") -> str:
        return sep.join(x for x in (self.head, *self.lines) if x)


@dataclass(frozen=True)
class Table:
    """A table ready to lay out; ``date`` is the latest assessment shown (a fixed date for file metadata)."""

    kind: str
    title: str
    language: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    date: dt.date | None
    #: said under the title: that the rows hold illustrative data, when any does ('' otherwise)
    note: str = ""


def current_assessments(kb: KnowledgeBase, day: dt.date | None = None) -> list[tuple[Hypothesis, Assessment]]:
    """Each assessed hypothesis with its current assessment (the last one dated by ``day``), in KB order."""
    found = []
    for h in kb.hypotheses.values():
        dated = [a for a in h.assessments if day is None or a.date <= day]
        if dated:
            found.append((h, dated[-1]))
    return found


def soqf(kb: KnowledgeBase, language: str | None = None, day: dt.date | None = None) -> Table:
    """The Summary of Qualitative Findings: finding, confidence, its explanation, contributing evidence."""
    lang, words, langs = _languages(kb, language)
    columns = (words["id"], words["finding"], words["confidence"], words["explanation"], words["evidence"])
    found = current_assessments(kb, day)
    rows = [_row(kb, h, a, words, langs) for h, a in found]
    return _table(kb, "soqf", lang, words, langs, columns, rows, found, day)


def profile(kb: KnowledgeBase, language: str | None = None, day: dt.date | None = None) -> Table:
    """The Evidence Profile: every component's level and explanation, the overall confidence, the evidence.

    Dissemination bias has a column only when a current assessment rates it
    (CERQual still treats it as optional); a row without it says so.
    """
    lang, words, langs = _languages(kb, language)
    found = current_assessments(kb, day)
    components = [c for c in CERQUAL_COMPONENTS
                  if c != "dissemination_bias" or any(a.dissemination_bias is not None for _, a in found)]
    columns = (words["id"], words["finding"], *(words[c] for c in components),
               words["confidence"], words["explanation"], words["evidence"])
    rows = []
    for h, a in found:
        rated = []
        for name in components:
            part = getattr(a, name)
            rated.append(Cell(head=words["not_assessed"]) if part is None else
                         Cell(head=words[part.level], lines=_lines(text_in(part.explanation, langs)).lines))
        rows.append(_row(kb, h, a, words, langs, rated))
    return _table(kb, "profile", lang, words, langs, columns, rows, found, day)


def _row(kb: KnowledgeBase, h: Hypothesis, a: Assessment, words: dict[str, str], langs: list[str],
         rated: list[Cell] | tuple = ()) -> tuple[Cell, ...]:
    """One finding's row: id, finding, the components' cells (the profile's), confidence, why, evidence."""
    return (
        Cell(lines=(h.id,)),
        Cell(lines=(_finding(h, a, langs),)),
        *rated,
        Cell(head=_confidence_word(a.confidence.level, words)),
        _lines(text_in(a.confidence.explanation, langs)),
        _contributing(kb, a, words, langs),
    )


TABLES = {"soqf": soqf, "profile": profile}


def _languages(kb: KnowledgeBase, language: str | None) -> tuple[str, dict[str, str], list[str]]:
    """The report's language, its interface words, and the order to pick a KB text's language in."""
    lang = language or kb.languages[0]
    return lang, words_for(lang), [lang, *(x for x in kb.languages if x != lang)]


def _table(kb: KnowledgeBase, kind: str, lang: str, words: dict[str, str], langs: list[str],
           columns: tuple[str, ...], rows: list, found: list, day: dt.date | None) -> Table:
    title = f"{words[kind]}: {text_in(kb.config.title, langs)}"
    if day is not None:
        title += f" ({words['as_of'].format(date=day.isoformat())})"
    latest = max((a.date for _, a in found), default=None)
    illustrative = any(h.illustrative or any(kb.evidence[e].illustrative for e in a.considered if e in kb.evidence)
                       for h, a in found)
    return Table(kind=kind, title=title, language=lang, columns=columns, rows=tuple(rows), date=latest,
                 note=words["illustrative"] if illustrative else "")


def _finding(h: Hypothesis, a: Assessment, langs: list[str]) -> str:
    return _flat(text_in(a.finding if a.finding is not None else h.statement, langs))


def _confidence_word(level: str, words: dict[str, str]) -> str:
    # 'moderate' is both a concern and a confidence; the words differ ("Moderate concerns", "Moderate")
    return words["moderate_confidence" if level == "moderate" else level]


def _flat(text: str) -> str:
    # a YAML block scalar's line breaks (and its final newline) mean nothing inside a table cell
    return " ".join(text.split())


def _lines(text: str) -> Cell:
    text = _flat(text)
    return Cell(lines=(text,) if text else ())


def _contributing(kb: KnowledgeBase, a: Assessment, words: dict[str, str], langs: list[str]) -> Cell:
    """One line per considered evidence item: id, title (or that it is restricted), and its context."""
    lines = []
    for eid in dict.fromkeys(a.considered):
        e = kb.evidence.get(eid)
        if e is None:
            # only in an as-of view without the item, or a KB whose check already warned
            lines.append(f"{eid} {words['unknown']}")
            continue
        if e.restricted:
            line = f"{eid} {words['restricted']}"
        else:
            about = _flat(text_in(e.title, langs)) or _shortened(text_in(e.summary, langs))
            line = f"{eid}: {about}" if about else eid
        context = kb.contexts.get(e.context) if e.context else None
        if context is not None:
            line += f" — {_flat(text_in(context.label, langs))}"
        lines.append(line)
    return Cell(lines=tuple(lines))


def _shortened(text: str, limit: int = 80) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"
