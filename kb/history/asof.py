"""The framework at any date, and how it got there.

Takes a :class:`~kb.model.KnowledgeBase` and a date; returns the KB as it
stood then: only hypotheses proposed by that date, each with the title,
statement and declared status it had then (read back from its revision log),
only evidence dated by then, and only the judgements made by then. Every
later stage (standings, maps, pages) can then run on the view unchanged.
"""

from __future__ import annotations

import datetime as dt

from kb.errors import UnknownItem, did_you_mean
from kb.model import Evidence, Hypothesis, KnowledgeBase


def resolve_date(kb: KnowledgeBase, when: str | dt.date) -> dt.date:
    """A date from 'YYYY-MM-DD' or a milestone id."""
    if isinstance(when, dt.date):
        return when
    milestones = kb.milestones
    if when in milestones:
        return milestones[when].date
    try:
        return dt.date.fromisoformat(when)
    except ValueError:
        hint = did_you_mean(when, milestones)
        raise UnknownItem(
            f"{when!r} is neither a date (YYYY-MM-DD) nor a milestone"
            + (f"; {hint}" if hint else f" (milestones: {', '.join(milestones) or 'none'})")
        ) from None


def hypothesis_as_of(h: Hypothesis, day: dt.date) -> Hypothesis | None:
    """The hypothesis as it read on ``day``, or None if not yet proposed."""
    if h.proposed > day:
        return None
    later = [r for r in h.revisions if r.date > day]
    if not later:
        return h
    # Each revision stores what the text was before it; the earliest revision
    # after the day holds the text that was current on the day.
    title, statement, status = h.title, h.statement, h.status
    for rev in sorted(later, key=lambda r: r.date, reverse=True):
        statement = rev.previous
        title = rev.previous_title or title
        status = rev.previous_status or status
    kept = [r for r in h.revisions if r.date <= day]
    return h.model_copy(update={"title": title, "statement": statement, "status": status, "revisions": kept})


def evidence_as_of(e: Evidence, day: dt.date) -> Evidence | None:
    if e.date > day:
        return None
    links = [link for link in e.links if (link.date or e.date) <= day]
    return e if len(links) == len(e.links) else e.model_copy(update={"links": links})


def view_as_of(kb: KnowledgeBase, day: dt.date) -> KnowledgeBase:
    """The knowledge base as it stood on ``day``."""
    hypotheses = {hid: v for hid, h in kb.hypotheses.items() if (v := hypothesis_as_of(h, day))}
    evidence = {}
    for eid, e in kb.evidence.items():
        v = evidence_as_of(e, day)
        if v is None:
            continue
        links = [link for link in v.links if link.hypothesis in hypotheses]
        evidence[eid] = v if len(links) == len(v.links) else v.model_copy(update={"links": links})
    hypotheses = {hid: _known_relations(h, hypotheses) for hid, h in hypotheses.items()}
    return kb.model_copy(update={"hypotheses": hypotheses, "evidence": evidence})


def _known_relations(h: Hypothesis, present: dict[str, Hypothesis]) -> Hypothesis:
    """Drop refines/supersedes/competes_with pointing at hypotheses not yet proposed."""
    update = {}
    for rel in ("refines", "supersedes", "competes_with"):
        ids = getattr(h, rel)
        kept = [i for i in ids if i in present]
        if len(kept) != len(ids):
            update[rel] = kept
    return h.model_copy(update=update) if update else h


class Lineages:
    """Lines of development (refines and supersedes, followed both ways), maps built once."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self._known = kb.hypotheses
        self.parents = {h.id: [*h.refines, *h.supersedes] for h in kb.hypotheses.values()}
        self.children: dict[str, list[str]] = {}
        for child, ps in self.parents.items():
            for p in ps:
                self.children.setdefault(p, []).append(child)

    def of(self, hid: str) -> dict[str, list[str]]:
        """'ancestors' (oldest first) and 'descendants' (nearest first) of ``hid``."""
        return {"ancestors": list(reversed(self._walk(hid, self.parents))),
                "descendants": self._walk(hid, self.children)}

    def _walk(self, start: str, step: dict[str, list[str]]) -> list[str]:
        seen: list[str] = []
        known: set[str] = set()
        frontier = list(step.get(start, []))
        while frontier:
            nxt = frontier.pop(0)
            if nxt not in known and nxt != start and nxt in self._known:
                seen.append(nxt)
                known.add(nxt)
                frontier.extend(step.get(nxt, []))
        return seen


def lineage(kb: KnowledgeBase, hid: str) -> dict[str, list[str]]:
    """The line of development through ``hid`` (for many ids, build :class:`Lineages` once)."""
    return Lineages(kb).of(hid)


def key_dates(kb: KnowledgeBase, hid: str | None = None) -> list[dt.date]:
    """Milestone dates and the dates evidence arrived (for one hypothesis, if given)."""
    days = {m.date for m in kb.config.milestones}
    for e in kb.evidence.values():
        for link in e.links:
            if hid is None or link.hypothesis == hid:
                days.add(link.date or e.date)
    if hid is not None and hid in kb.hypotheses:
        h = kb.hypotheses[hid]
        days = {d for d in days if d >= h.proposed} | {h.proposed}
    return sorted(days)
