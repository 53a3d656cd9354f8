"""Plain descriptions of one item, for ``kb show``.

Takes a KnowledgeBase and an id; returns (data for JSON, lines of text).
The CLI passes the public view (kb.public), so restricted evidence has
nothing here but its public fields; this module only marks it restricted.
"""

from __future__ import annotations

from typing import Any

from kb.errors import UnknownItem, did_you_mean
from kb.model import CERQUAL_COMPONENTS, KnowledgeBase
from kb.graph.score import standings
from kb.history.asof import Lineages
from kb.public import PUBLIC_EVIDENCE_FIELDS

RESTRICTED = "[restricted: text not shown]"


def describe(kb: KnowledgeBase, item_id: str, explain: bool = False,
             context: str | None = None) -> tuple[dict[str, Any], list[str]]:
    if item_id in kb.hypotheses:
        return _hypothesis(kb, item_id, explain, context)
    if item_id in kb.evidence:
        return _evidence(kb, item_id)
    if item_id in kb.constructs:
        return _construct(kb, item_id)
    if item_id in kb.contexts:
        return _context(kb, item_id)
    if item_id in kb.sources:
        return _source(kb, item_id)
    hint = did_you_mean(item_id, kb.where)
    raise UnknownItem(f"no item with id {item_id!r}" + (f"; {hint}" if hint else ""))


def _hypothesis(kb: KnowledgeBase, hid: str, explain: bool, context: str | None):
    h = kb.hypotheses[hid]
    st = standings(kb, context)[hid]
    lines = [f"{hid}: {kb.text(h.title)}"]
    for lang, text in _langs(h.statement):
        lines.append(f"  {lang}: {text}" if lang else f"  {text}")
    if h.illustrative:
        lines.append("  (illustrative: an example hypothesis, not one the project holds)")
    if h.relation:
        lines.append(f"relation: {h.relation.from_} -> {h.relation.to} ({h.relation.effect})")
    lines.append(f"declared: {h.status}   suggested: {st.suggested}   proposed: {h.proposed}")
    where = f" in {context}" if context else ""
    lines.append(f"standing{where}: belief {st.belief:.2f}, disbelief {st.disbelief:.2f}, "
                 f"uncertainty {st.uncertainty:.2f}, probability {st.probability:.2f}")
    if h.assessments:
        lines += _assessment_lines(kb, h)
    for stance, heading in (("supports", "for"), ("contradicts", "against"), ("qualifies", "qualifying")):
        group = [c for c in st.contributions if c.stance == stance]
        if group:
            lines.append(f"evidence {heading}:")
            for c in group:
                e = kb.evidence[c.evidence]
                title = RESTRICTED if e.restricted else kb.text(e.title) or ""
                lines.append(f"  {c.evidence} ({c.strength}, {e.kind}, {e.context or 'literature'}, "
                             f"{c.date}, by {c.judge}) {title}")
    lin = Lineages(kb).of(hid)
    if lin["ancestors"] or lin["descendants"]:
        lines.append("lineage: " + " -> ".join([*lin["ancestors"], f"[{hid}]", *lin["descendants"]]))
    if h.competes_with:
        lines.append("competes with: " + ", ".join(h.competes_with))
    if h.revisions:
        lines.append("revisions:")
        for rev in h.revisions:
            because = f" (because of {', '.join(rev.because)})" if rev.because else ""
            lines.append(f"  {rev.date}: {kb.text(rev.change)}{because}")
            lines.append(f"    before: {kb.text(rev.previous)}")
    if explain:
        lines.append("how the standing was computed:")
        lines += [f"  {line}" for line in st.explain()]
    data = {
        "type": "hypothesis", **h.model_dump(mode="json", by_alias=True),
        "standing": {"belief": st.belief, "disbelief": st.disbelief, "uncertainty": st.uncertainty,
                     "probability": st.probability, "suggested": st.suggested,
                     "r": st.positive, "s": st.negative, "context": context},
        "evidence": [{**c._asdict(), "counted": c.counted} for c in st.contributions],
        "lineage": lin,
    }
    if explain:
        data["explanation"] = st.explain()
    return data, lines


def _assessment_lines(kb: KnowledgeBase, h: Any) -> list[str]:
    """The current GRADE-CERQual assessment (a judgement beside the computed standing, not from it)."""
    a = h.assessments[-1]
    words = lambda level: level.replace("_", " ")  # noqa: E731
    lines = [f"GRADE-CERQual confidence: {words(a.confidence.level)} (assessed {a.date} by {', '.join(a.by)};"
             f" {len(a.considered)} evidence items considered)"]
    if a.confidence.explanation:
        lines.append(f"  {kb.text(a.confidence.explanation)}")
    for name in CERQUAL_COMPONENTS:
        part = getattr(a, name)
        if part is not None:
            why = f": {kb.text(part.explanation)}" if part.explanation else ""
            lines.append(f"  {words(name)}: {words(part.level)} concerns{why}")
    if len(h.assessments) > 1:
        lines.append("  earlier: " + ", ".join(f"{x.date} {words(x.confidence.level)}" for x in h.assessments[:-1]))
    return lines


def _evidence(kb: KnowledgeBase, eid: str):
    e = kb.evidence[eid]
    title = RESTRICTED if e.restricted else kb.text(e.title)
    lines = [f"{eid}: {title}", f"kind: {e.kind}   date: {e.date}   context: {e.context or '-'}   phase: {e.phase or '-'}"]
    if e.illustrative:
        lines.append("(illustrative: not real data)")
    if e.restricted:
        lines.append("(restricted: its text stays in the repository)")
    lines.append("summary: " + (RESTRICTED if e.restricted else kb.text(e.summary)))
    if e.measurement:
        m = e.measurement
        if m.value is None:  # cites a dataset whose response file is not here
            lines.append(f"measurement: {m.construct_} from dataset {m.dataset} (its response file is not"
                         f" available), on {m.scale} ({m.instrument})")
        else:
            lines.append(f"measurement: {m.construct_} = {m.value:g} on {m.scale} (n={m.sample_size}, {m.instrument})")
    if e.appraisal:
        ap = e.appraisal
        by = f", by {', '.join(ap.by)}" if ap.by else ""
        when = f", {ap.date}" if ap.date else ""
        tool = f" ({ap.tool}{by}{when})" if ap.tool or by or when else ""
        note = f": {kb.text(ap.note)}" if ap.note else ""
        lines.append(f"appraisal: {ap.level.replace('_', ' ')} concerns{tool}{note}")
    for link in e.links:
        note = "" if link.note is None else f": {kb.text(link.note)}"
        scope = f" [scope: {', '.join(link.scope)}]" if link.scope else ""
        judge = link.by or ", ".join(e.recorded_by) or "-"
        lines.append(f"  {link.stance} {link.hypothesis} ({link.strength}, by {judge}){scope}{note}")
    # a restricted item's emptied fields are left out rather than shown empty
    shown = set(PUBLIC_EVIDENCE_FIELDS) if e.restricted else None
    data = {"type": "evidence", **e.model_dump(mode="json", by_alias=True, include=shown)}
    return data, lines


def _construct(kb: KnowledgeBase, cid: str):
    c = kb.constructs[cid]
    lines = [f"{cid}: {kb.text(c.label)} ({c.kind})"]
    if c.definition:
        lines.append(kb.text(c.definition))
    related = [h for h in kb.hypotheses.values() if h.relation and cid in (h.relation.from_, h.relation.to)]
    lines += [f"  {h.id} {h.relation.from_} -> {h.relation.to} ({h.relation.effect}): {kb.text(h.title)}"
              for h in related if h.relation]
    measured = [e.id for e in kb.evidence.values() if e.measurement and e.measurement.construct_ == cid]
    if measured:
        lines.append("measured by: " + ", ".join(measured))
    return {"type": "construct", **c.model_dump(mode="json"), "hypotheses": [h.id for h in related],
            "measurements": measured}, lines


def _context(kb: KnowledgeBase, cid: str):
    c = kb.contexts[cid]
    lines = [f"{cid}: {kb.text(c.label)} ({c.kind}{', ' + c.role if c.role else ''})"]
    above, below = kb.context_ancestors(cid), kb.context_descendants(cid)
    inside = [x for x in below if kb.contexts[x].part_of == cid]
    if above:
        lines.append("part of: " + " > ".join(reversed(above)))
    if inside:
        lines.append("contains: " + ", ".join(inside))
    if len(below) > len(inside):
        lines.append("all levels down: " + ", ".join(below))
    here = [kb.evidence[eid] for eid in kb.evidence_within(cid)]
    # what counts here: the links that hold in cid (by their scope, else where they are from)
    counts: dict[str, dict[str, int]] = {}
    for e in here:
        for link in e.links:
            if kb.link_holds_in(e, link, cid):
                cell = counts.setdefault(link.hypothesis, {"supports": 0, "contradicts": 0, "qualifies": 0})
                cell[link.stance] += 1
    counts = {hid: counts[hid] for hid in [*kb.hypotheses, *counts] if hid in counts}
    if counts:
        lines.append("links that hold here:")
        lines += [f"  {hid} +{n['supports']} -{n['contradicts']} ~{n['qualifies']}" for hid, n in counts.items()]
    if here:
        lines.append("evidence:")
    for e in here:
        origin = f" (from {e.context or 'the literature'})" if e.context != cid else ""
        lines.append(f"  {e.id} {e.date} {e.kind}{origin}: {RESTRICTED if e.restricted else kb.text(e.title)}")
    return {"type": "context", **c.model_dump(mode="json"), "ancestors": list(above), "contains": inside,
            "descendants": list(below), "evidence": [e.id for e in here], "hypotheses": counts}, lines


def _source(kb: KnowledgeBase, sid: str):
    from kb.sources.cite import plain

    s = kb.sources[sid]
    citation = plain([s], kb.config, kb.root)[sid]
    lines = [f"{sid}: {citation}"]
    if s.doi and f"https://doi.org/{s.doi}" not in citation:
        lines.append(f"https://doi.org/{s.doi}")
    if s.url and s.url not in citation:
        lines.append(s.url)
    citing = [h.id for h in kb.hypotheses.values() if sid in h.derived_from]
    citing += [e.id for e in kb.evidence.values() if sid in e.sources]
    if citing:
        lines.append("cited by: " + ", ".join(citing))
    # the source's own 'type' (article, book...) must not hide what kind of item this is
    fields = s.model_dump(mode="json")
    fields["source_type"] = fields.pop("type")
    return {"type": "source", **fields, "citation": citation, "cited_by": citing}, lines


def _langs(text: str | dict[str, str]) -> list[tuple[str, str]]:
    return [("", text)] if isinstance(text, str) else list(text.items())
