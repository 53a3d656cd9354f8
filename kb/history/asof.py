"""The framework at any date, and how it got there.

Takes a :class:`~kb.model.KnowledgeBase` and a date (or a milestone);
returns the KB as it stood then (:func:`framework_as_of`), with a note of
where it was read. Two sources, described for users in docs/history.md:

- **git**: when the KB is in a git repository, each hypothesis's declared
  status, title and statement (and which hypotheses there were) are read
  from the last commit on or before the date, or from a milestone's tag;
  its revision log, up to the date, adds the reasons.
- **the revision log**: without git, or before the first commit, they are
  reconstructed from the ``revisions`` in today's files
  (:func:`hypothesis_as_of`).

Either way the evidence is today's, counted by its own date: only items
dated by then, and only the judgements made by then. Every later stage
(standings, maps, pages) can then run on the view unchanged.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from kb.errors import ConfigError, HistoryError, UnknownItem, did_you_mean
from kb.model import Evidence, Hypothesis, KnowledgeBase, Milestone

#: The source named when declared statuses come from the revision log.
REVISION_LOG = "revision log"


@dataclass(frozen=True)
class AsOf:
    """The framework on ``date``, and where its hypotheses were read.

    ``commit`` is the git commit their declared status, title and statement
    come from, or None when they were reconstructed from the revision log;
    ``how`` says why that source (which tag or date, or why not git).
    """

    kb: KnowledgeBase
    date: dt.date
    commit: str | None
    how: str

    @property
    def source(self) -> str:
        return f"git commit {self.commit[:7]}" if self.commit else REVISION_LOG

    def as_dict(self) -> dict[str, str | None]:
        return {"date": self.date.isoformat(), "source": self.source, "commit": self.commit, "how": self.how}

    def note(self) -> str:
        return (f"as of {self.date}: declared statuses, titles and statements from the {self.source} "
                f"({self.how}); evidence dated by then")


def framework_as_of(kb: KnowledgeBase, when: str | dt.date, *, git: bool = True) -> AsOf:
    """The KB as it stood on a date or at a milestone: from git where it can be, else from the revision log.

    ``git=False`` never asks git (a site built without its history).
    """
    day = resolve_date(kb, when)
    milestone = kb.milestones.get(when) if isinstance(when, str) else None
    commit, how = _commit_for(Path(kb.root), day, milestone) if git else (None, "git history not read")
    if commit is not None:
        from kb.history.git import committed_framework

        try:
            return AsOf(view_as_of(kb, day, committed_framework(Path(kb.root), commit)), day, commit, how)
        except (HistoryError, ConfigError) as exc:
            how = str(exc)
    return AsOf(view_as_of(kb, day), day, None, how)


def _commit_for(root: Path, day: dt.date, milestone: Milestone | None) -> tuple[str | None, str]:
    """The commit to read the hypotheses at (a milestone's tag, else by date), and why; None and why not."""
    from kb.history.git import Repo, commit_on_or_before

    try:
        repo = Repo.of(root)
    except HistoryError:
        return None, "not in a git repository"
    missing = ""
    if milestone is not None and milestone.tag:
        try:
            return repo.resolve(milestone.tag), f"tag {milestone.tag}"
        except HistoryError:
            missing = f"tag {milestone.tag!r} does not exist, so "
    commit = commit_on_or_before(repo, day)
    if commit is None:
        shallow = " in this shallow clone" if repo.shallow else ""
        return None, f"{missing}no commit on or before {day}{shallow}"
    return commit, f"{missing}the last commit on or before {day}"


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
        return _assessed_by(h, day)
    # Each revision stores what the text was before it; the earliest revision
    # after the day holds the text that was current on the day.
    title, statement, status = h.title, h.statement, h.status
    for rev in sorted(later, key=lambda r: r.date, reverse=True):
        statement = rev.previous
        title = rev.previous_title or title
        status = rev.previous_status or status
    kept = [r for r in h.revisions if r.date <= day]
    return _assessed_by(h.model_copy(update={"title": title, "statement": statement, "status": status,
                                             "revisions": kept}), day)


def _assessed_by(h: Hypothesis, day: dt.date) -> Hypothesis:
    """Only the GRADE-CERQual assessments made by ``day``: the last of them was current then."""
    kept = [a for a in h.assessments if a.date <= day]
    return h if len(kept) == len(h.assessments) else h.model_copy(update={"assessments": kept})


def _as_committed(then: Hypothesis, now: Hypothesis | None, day: dt.date) -> Hypothesis:
    """The hypothesis as committed, with the reasons today's revision log gives up to ``day``."""
    kept = [r for r in (now or then).revisions if r.date <= day]
    then = then if kept == then.revisions else then.model_copy(update={"revisions": kept})
    return _assessed_by(then, day)


def evidence_as_of(e: Evidence, day: dt.date) -> Evidence | None:
    if e.date > day:
        return None
    links = [link for link in e.links if (link.date or e.date) <= day]
    return e if len(links) == len(e.links) else e.model_copy(update={"links": links})


def view_as_of(kb: KnowledgeBase, day: dt.date, committed: KnowledgeBase | None = None) -> KnowledgeBase:
    """The knowledge base as it stood on ``day``; its hypotheses as ``committed`` then, if given.

    ``committed`` holds the hypotheses and registry of a commit (no evidence):
    its registry entries removed since stay in the view, so that what the
    hypotheses then referred to is there; today's entries win.
    """
    update = {}
    if committed is None:
        hypotheses = {hid: v for hid, h in kb.hypotheses.items() if (v := hypothesis_as_of(h, day))}
    else:
        hypotheses = {hid: _as_committed(h, kb.hypotheses.get(hid), day) for hid, h in committed.hypotheses.items()}
        for attr in ("constructs", "contexts", "sources"):
            then, now = getattr(committed, attr), getattr(kb, attr)
            if any(i not in now for i in then):
                update[attr] = {**now, **{i: v for i, v in then.items() if i not in now}}
    evidence = {}
    for eid, e in kb.evidence.items():
        v = evidence_as_of(e, day)
        if v is None:
            continue
        links = [link for link in v.links if link.hypothesis in hypotheses]
        evidence[eid] = v if len(links) == len(v.links) else v.model_copy(update={"links": links})
    hypotheses = {hid: _known_relations(h, hypotheses) for hid, h in hypotheses.items()}
    return kb.model_copy(update={**update, "hypotheses": hypotheses, "evidence": evidence})


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
