"""Checks of the KB against its git history: the milestones' tags.

Takes the KB's root; returns warnings (Diagnostics placed on kb.yaml's
``tag:`` line) for a milestone whose tag does not exist (KB501) and for one
whose tag's commit is dated more than :data:`FAR_DAYS` from the milestone
(KB502). They are made by ``kb check`` apart from its cached verdict, since
creating or moving a tag changes no file of the KB.

Outside a git repository, without git, or when no milestone names a tag
there is nothing to check. In a shallow clone (as CI checks out by default)
a missing tag may just not have been fetched, so KB501 is not reported there.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kb.errors import Diagnostic, HistoryError, did_you_mean
from kb.load.files import CONFIG_FILE, read_config
from kb.load.yamlread import read_yaml

if TYPE_CHECKING:
    from kb.history.git import Repo

#: How many days a milestone's tag may be from its date before kb check warns.
FAR_DAYS = 30


def milestone_tag_warnings(root: Path) -> list[Diagnostic]:
    """KB501 and KB502 for the milestones in the kb.yaml at ``root``.

    Read from kb.yaml's YAML, not through the model: a warm ``kb check``
    would otherwise build the pydantic models only for this (0.6 s, more
    than the rest of it). A kb.yaml the model refuses has its own errors in
    the check; its milestones that do not read as id, date and tag are skipped.
    """
    data, marks, diags = read_yaml(read_config(root), CONFIG_FILE)
    tagged = [(i, m) for i, m in enumerate(_milestones(data)) if m is not None] if not diags else []
    if not tagged:
        return []
    from kb.history.git import Repo, commit_day

    try:
        repo = Repo.of(root)
        shallow = repo.shallow
    except HistoryError:
        return []
    out = []
    for i, m in tagged:
        line, column = marks.get(("milestones", i, "tag"), marks.get(("milestones", i), (1, 1)))

        def warn(code: str, message: str, hint: str) -> None:
            out.append(Diagnostic(CONFIG_FILE, line, column, code, message, f"milestones[{i}].tag", "warning", hint))

        try:
            commit = repo.resolve(m.tag)  # type: ignore[arg-type]
        except HistoryError:
            if not shallow:
                warn("KB501", f"milestone {m.id!r} names the tag {m.tag!r}, which does not exist in the repository",
                     _near_tag(repo, m.tag or "") or f"create it: git tag {m.tag} <commit>, or correct the name")
            continue
        day = commit_day(repo, commit)
        gap = abs((day - m.date).days)
        if gap > FAR_DAYS:
            warn("KB502", f"milestone {m.id!r} is dated {m.date} but its tag {m.tag!r} points at a commit of "
                          f"{day}, {gap} days away",
                 "move the tag to the commit of the milestone, or correct the milestone's date")
    return out


class _Milestone:
    __slots__ = ("id", "date", "tag")

    def __init__(self, mid: str, date: dt.date, tag: str) -> None:
        self.id, self.date, self.tag = mid, date, tag


def _milestones(data: Any) -> list["_Milestone | None"]:
    """kb.yaml's milestones by position; None for one without a tag or not shaped as the model wants."""
    entries = data.get("milestones") if isinstance(data, dict) else None
    out: list[_Milestone | None] = []
    for m in entries if isinstance(entries, list) else ():
        found = None
        if isinstance(m, dict) and isinstance(m.get("id"), str) and isinstance(m.get("tag"), str) and m["tag"]:
            day = m.get("date")
            if isinstance(day, str):
                try:
                    day = dt.date.fromisoformat(day)
                except ValueError:
                    day = None
            if isinstance(day, dt.date) and not isinstance(day, dt.datetime):
                found = _Milestone(m["id"], day, m["tag"])
        out.append(found)
    return out


def _near_tag(repo: "Repo", tag: str) -> str:
    """'did you mean ...?' among the repository's tags, or ''."""
    from kb.history.git import _git

    tags = _git(repo.top, "tag", "--list").decode().split()
    return did_you_mean(tag, tags) or ""
