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

from pathlib import Path
from typing import TYPE_CHECKING

from kb.errors import Diagnostic, HistoryError, did_you_mean
from kb.load.loader import CONFIG_FILE
from kb.load.yamlread import read_yaml
from kb.model import Config

if TYPE_CHECKING:
    from kb.history.git import Repo

#: How many days a milestone's tag may be from its date before kb check warns.
FAR_DAYS = 30


def milestone_tag_warnings(root: Path, config: Config) -> list[Diagnostic]:
    """KB501 and KB502 for the milestones of ``config`` (the KB at ``root``)."""
    from kb.history.git import Repo, commit_day

    tagged = [(i, m) for i, m in enumerate(config.milestones) if m.tag]
    if not tagged:
        return []
    try:
        repo = Repo.of(root)
        shallow = repo.shallow
    except HistoryError:
        return []
    _, marks, _ = read_yaml((root / CONFIG_FILE).read_bytes(), CONFIG_FILE)
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


def _near_tag(repo: "Repo", tag: str) -> str:
    """'did you mean ...?' among the repository's tags, or ''."""
    from kb.history.git import _git

    tags = _git(repo.top, "tag", "--list").decode().split()
    return did_you_mean(tag, tags) or ""
