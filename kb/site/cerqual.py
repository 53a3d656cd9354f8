"""The website's GRADE-CERQual parts: assessments, the Summary of Qualitative Findings, appraisals, agreement.

Takes the :class:`~kb.site.kit.Site` (and, for the agreement page, the
:class:`~kb.appraise.agreement.Agreement` computed once by
:mod:`kb.site.pages`); gives view objects and prints them, in the same two
steps as :mod:`kb.site.items`. Nothing here scores or rates: an assessment is
a structured expert judgement written in a hypothesis's file, and is shown
as written, beside (never mixed with) the standing kb computes.

Pages::

    findings.md     the Summary of Qualitative Findings: one row per assessed hypothesis
    agreement.md    agreement between researchers who judged the same evidence (linked from findings.md)

plus a section of each hypothesis page (:func:`cerqual_view`,
:func:`cerqual_summary`, :func:`cerqual_section`) and of each appraised
evidence page (:func:`appraisal_view`, :func:`appraisal_section`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kb.appraise.tables import words_for
from kb.model import CERQUAL_COMPONENTS, Assessment
from kb.site.fmt import Words, attr, esc, rich_block
from kb.site.kit import Out, Ref, Render, Site

if TYPE_CHECKING:
    from kb.appraise.agreement import Agreement, Alphas

FINDINGS = "findings.md"
AGREEMENT = "agreement.md"


# --- words ----------------------------------------------------------------------------


def concern_words(w: Words, level: str) -> str:
    """A level of concern in words ("Minor concerns"): the same words as kb report's tables."""
    return words_for(w.language)[level]


def component_words(w: Words, component: str) -> str:
    """A component's name ("Adequacy of data"), as kb report's tables name it."""
    return words_for(w.language)[component]


def confidence_words(w: Words, level: str) -> str:
    """An overall confidence in words ("Moderate confidence")."""
    return w(f"confidence_{level}")


def _confidence_badge(out: Out, level: str) -> str:
    return f'<span class="kb-cerqual kb-cerqual-{attr(level)}">{esc(confidence_words(out.w, level))}</span>'


# --- one assessment -------------------------------------------------------------------


@dataclass(frozen=True)
class ComponentView:
    key: str  # a name of kb.model.CERQUAL_COMPONENTS
    level: str
    explanation: str


@dataclass(frozen=True)
class AssessmentView:
    date: dt.date
    by: tuple[str, ...]
    finding: str
    considered: tuple[Ref, ...]  # a Ref with no path: an id the KB no longer has
    components: tuple[ComponentView, ...]
    confidence: str
    explanation: str
    note: str


@dataclass(frozen=True)
class AssessmentStep:
    """One assessment in the history: when, by whom, its confidence and what changed since the one before."""

    date: dt.date
    by: tuple[str, ...]
    confidence: str
    changes: tuple[tuple[str, str, str], ...]  # (component or "confidence", old level, new level)
    first: bool
    current: bool


@dataclass(frozen=True)
class CerqualView:
    current: AssessmentView
    history: tuple[AssessmentStep, ...]  # oldest first; empty when there is only the current one
    illustrative: bool  # the current assessment considered illustrative evidence


def _evidence_ref(site: Site, eid: str) -> Ref:
    return site.ref(eid) or Ref(eid, "")


def assessment_view(site: Site, a: Assessment) -> AssessmentView:
    components = tuple(ComponentView(key, c.level, site.text(c.explanation))
                       for key in CERQUAL_COMPONENTS if (c := getattr(a, key)) is not None)
    return AssessmentView(a.date, tuple(a.by), site.text(a.finding),
                          tuple(_evidence_ref(site, eid) for eid in a.considered), components,
                          a.confidence.level, site.text(a.confidence.explanation), site.text(a.note))


def _levels(a: Assessment) -> dict[str, str]:
    levels = {key: c.level for key in CERQUAL_COMPONENTS if (c := getattr(a, key)) is not None}
    return {"confidence": a.confidence.level, **levels}


def cerqual_view(site: Site, hid: str) -> CerqualView | None:
    """The current assessment of a hypothesis and, when it has earlier ones, all of them over time."""
    found = site.kb.hypotheses[hid].assessments
    if not found:
        return None
    steps = []
    before: dict[str, str] = {}
    for n, a in enumerate(found):
        now = _levels(a)
        changes = tuple((key, before.get(key, ""), now.get(key, "")) for key in ("confidence", *CERQUAL_COMPONENTS)
                        if n and before.get(key) != now.get(key))
        steps.append(AssessmentStep(a.date, tuple(a.by), a.confidence.level, changes, n == 0, n == len(found) - 1))
        before = now
    return CerqualView(assessment_view(site, found[-1]), tuple(steps) if len(steps) > 1 else (),
                       any(eid in site.illustrative for eid in found[-1].considered))


def cerqual_summary(out: Out, v: CerqualView | None) -> None:
    """The line beside the computed standing: the current confidence, labelled as a judgement."""
    if v is None:
        return
    w, a = out.w, v.current
    out.paragraph(f"<strong>{esc(w('cerqual_confidence'))}:</strong> {_confidence_badge(out, a.confidence)}"
                  f' <span class="kb-muted">({esc(w("assessed_on", date=a.date, by=", ".join(a.by)))})</span>')
    out(esc(w("cerqual_not_computed")), "")


def _level_name(w: Words, key: str, level: str) -> str:
    if not level:
        return "–"
    return confidence_words(w, level) if key == "confidence" else concern_words(w, level)


def _change(w: Words, key: str, old: str, new: str) -> str:
    name = w("cq_confidence") if key == "confidence" else component_words(w, key)
    return f"{esc(name)}: {esc(_level_name(w, key, old))} → {esc(_level_name(w, key, new))}"


def cerqual_section(out: Out, v: CerqualView | None) -> None:
    """The section of a hypothesis page: the current assessment's table and the assessments over time."""
    if v is None:
        return
    w, a = out.w, v.current
    out(f"## {esc(w('cerqual'))}", "", esc(w("cerqual_about")), "")
    facts = [(w("assessed_by"), esc(", ".join(a.by))), (w("date"), str(a.date))]
    if a.finding:
        facts.insert(0, (w("finding"), esc(a.finding)))
    out.facts(facts)
    rows = [[esc(component_words(w, c.key)), esc(concern_words(w, c.level)), esc(c.explanation) or "–"]
            for c in a.components]
    rows.append([f"<strong>{esc(w('cq_confidence'))}</strong>", _confidence_badge(out, a.confidence),
                 esc(a.explanation) or "–"])
    out.table([w("cq_component"), w("cq_level"), w("cq_explanation")], rows)
    out.facts([(w("considered"), ", ".join(out.link_or_id(r) for r in a.considered) or "–")]
              + ([(w("note"), esc(a.note))] if a.note else []))
    out.paragraph(out.link(Ref(w("findings"), FINDINGS)))
    if not v.history:
        return
    out(f"### {esc(w('assessments_over_time'))}", "")
    items = []
    for step in v.history:
        if step.first:
            what = esc(w("first_assessment"))
        elif step.changes:
            what = "; ".join(_change(w, key, old, new) for key, old, new in step.changes)
        else:
            what = esc(w("no_level_changed"))
        current = f" <em>({esc(w('current'))})</em>" if step.current else ""
        items.append(f"{step.date}: {_confidence_badge(out, step.confidence)}{current}"
                     f' <span class="kb-muted">({esc(w("by"))} {esc(", ".join(step.by))})</span> – {what}')
    out.bullets(items)


# --- the Summary of Qualitative Findings ----------------------------------------------


@dataclass(frozen=True)
class FindingRow:
    hypothesis: Ref
    finding: str
    confidence: str
    explanation: str
    date: dt.date
    evidence: tuple[tuple[Ref, str], ...]  # each contributing item and its context's label
    illustrative: bool


@dataclass(frozen=True)
class FindingsView:
    rows: tuple[FindingRow, ...]
    illustrative: bool


def findings_view(site: Site) -> FindingsView:
    kb = site.kb
    literature = site.words("literature")
    rows = []
    for h in kb.hypotheses.values():
        if not h.assessments:
            continue
        a = h.assessments[-1]
        evidence = []
        for eid in a.considered:
            e = kb.evidence.get(eid)
            place = (site.title_of(e.context) or e.context) if e is not None and e.context else literature
            evidence.append((_evidence_ref(site, eid), place if e is not None else ""))
        shows = h.illustrative or any(eid in site.illustrative for eid in a.considered)
        rows.append(FindingRow(Ref(h.id, site.paths[h.id]), site.text(a.finding) or site.text(h.statement),
                               a.confidence.level, site.text(a.confidence.explanation), a.date,
                               tuple(evidence), shows))
    return FindingsView(tuple(rows), any(r.illustrative for r in rows))


def findings_page(v: FindingsView, r: Render) -> str:
    out = Out(FINDINGS, r)
    w = out.w
    out.title(w("findings"))
    out.illustrative_notice(v.illustrative)
    out(esc(w("cerqual_about")), "", esc(w("findings_intro")), "")
    if not v.rows:
        out(esc(w("no_assessments")), "")
    else:
        out.table([w("finding"), w("cq_confidence"), w("cq_explanation"), w("contributing")],
                  ([f"{out.link(row.hypothesis)}: {esc(row.finding)}{out.mark(row.illustrative)}",
                    _confidence_badge(out, row.confidence) + f'<br><span class="kb-muted">{row.date}</span>',
                    esc(row.explanation) or "–",
                    ", ".join(out.link_or_id(ref) + (f' <span class="kb-muted">({esc(place)})</span>' if place else "")
                              for ref, place in row.evidence) or "–"]
                   for row in v.rows))
    out(f"## {esc(w('agreement'))}", "")
    out.paragraph(esc(w("agreement_pointer")) + " " + out.link(Ref(w("agreement"), AGREEMENT)))
    return out.text()


# --- agreement between researchers ----------------------------------------------------


@dataclass(frozen=True)
class AlphaRow:
    subject: Ref | None  # None: all hypotheses together
    title: str
    units: int
    pairs: int
    stance: float | None
    strength: float | None
    note: str


@dataclass(frozen=True)
class DisagreementRow:
    evidence: Ref
    hypothesis: Ref
    judgements: tuple[tuple[str, str, str], ...]  # judge, stance, strength


@dataclass(frozen=True)
class AgreementView:
    overall: AlphaRow
    rows: tuple[AlphaRow, ...]
    disagreements: tuple[DisagreementRow, ...]
    illustrative: bool


def _alpha_row(subject: Ref | None, title: str, a: Alphas) -> AlphaRow:
    return AlphaRow(subject, title, a.units, a.pairs, a.stance, a.strength, a.note)


def agreement_view(site: Site, found: Agreement) -> AgreementView:
    rows = tuple(_alpha_row(site.ref(hid) or Ref(hid, ""), site.title_of(hid), a)
                 for hid, a in found.by_hypothesis.items())
    disagreements = tuple(
        DisagreementRow(_evidence_ref(site, d.evidence), site.ref(d.hypothesis) or Ref(d.hypothesis, ""),
                        tuple((j.judge, j.stance, j.strength) for j in d.judgements))
        for d in found.disagreements)
    return AgreementView(_alpha_row(None, "", found.overall), rows, disagreements,
                         _agreement_illustrative(site, found))


def _agreement_illustrative(site: Site, found: Agreement) -> bool:
    """Whether illustrative items may be among the units: an illustrative hypothesis with units, or
    illustrative evidence judged for one (the agreeing units are not listed, so this errs towards saying so)."""
    if not site.illustrative:
        return False
    measured = found.by_hypothesis
    return (any(hid in site.illustrative for hid in measured)
            or any(e.illustrative and any(link.hypothesis in measured for link in e.links)
                   for e in site.kb.evidence.values()))


def _alpha(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def agreement_page(v: AgreementView, r: Render) -> str:
    out = Out(AGREEMENT, r)
    w = out.w
    out.title(w("agreement"))
    out.illustrative_notice(v.illustrative)
    out(esc(w("agreement_intro")), "")
    o = v.overall
    if not o.units:
        out(esc(w("no_agreement_units")), "")
        out.paragraph(out.link(Ref(w("findings"), FINDINGS)))
        return out.text()
    out(f"## {esc(w('agreement_overall'))}", "")
    out.facts([(w("alpha_stance"), _alpha(o.stance)), (w("alpha_strength"), _alpha(o.strength)),
               (w("agreement_units"), str(o.units)), (w("agreement_pairs"), str(o.pairs))]
              + ([(w("note"), esc(o.note))] if o.note else []))
    out(f"## {esc(w('agreement_by_hypothesis'))}", "")
    out.table([w("hypothesis"), w("title"), w("alpha_stance"), w("alpha_strength"), w("agreement_units"),
               w("agreement_pairs"), w("note")],
              ([out.link_or_id(row.subject), esc(row.title), _alpha(row.stance), _alpha(row.strength),
                str(row.units), str(row.pairs), esc(row.note) or ""] for row in v.rows))
    out(f"## {esc(w('disagreements'))}", "")
    if not v.disagreements:
        out(esc(w("no_disagreements")), "")
    else:
        out(esc(w("disagreements_note")), "")
        out.table([w("evidence_item"), w("hypothesis"), w("judgements")],
                  ([out.link_or_id(d.evidence), out.link_or_id(d.hypothesis),
                    "<br>".join(f"{esc(judge)}: {esc(w.value(stance))}, {esc(w.value(strength))}"
                                for judge, stance, strength in d.judgements)]
                   for d in v.disagreements))
    out.paragraph(out.link(Ref(w("findings"), FINDINGS)))
    return out.text()


# --- an evidence item's appraisal -----------------------------------------------------


@dataclass(frozen=True)
class AppraisalView:
    level: str
    tool: str
    note: str
    by: tuple[str, ...]
    date: dt.date | None


def appraisal_view(site: Site, eid: str) -> AppraisalView | None:
    """The item's appraisal as the public view has it (a restricted item's is not published)."""
    a = site.kb.evidence[eid].appraisal
    if a is None:
        return None
    return AppraisalView(a.level, a.tool or "", site.text(a.note), tuple(a.by), a.date)


def appraisal_section(out: Out, v: AppraisalView | None) -> None:
    if v is None:
        return
    w = out.w
    out(f"## {esc(w('appraisal'))}", "")
    facts = [(w("cq_level"), esc(concern_words(w, v.level)))]
    if v.tool:
        facts.append((w("appraisal_tool"), esc(v.tool)))
    if v.by:
        facts.append((w("appraised_by"), esc(", ".join(v.by))))
    if v.date:
        facts.append((w("date"), str(v.date)))
    out.facts(facts)
    if v.note:
        out(rich_block(v.note), "")
