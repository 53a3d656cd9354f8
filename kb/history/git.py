"""The framework's history, read from git.

Takes a KB root inside a git repository; returns the KB at any revision
(read from git's objects, never touching the working tree, through the same
parser, cache and checks as ``kb check``), the difference between two such
states (:class:`Diff`; :mod:`kb.history.review` writes it for a reviewer),
and the commits that changed the framework with a one-line summary of each.

Git itself does the reading (``git ls-tree`` and one ``git cat-file
--batch`` per revision); we never parse git's object files by hand.
Problems (no git, not a repository, a shallow clone, an unknown revision, a
revision whose KB does not load) raise :class:`~kb.errors.HistoryError`
with a message saying which.
"""

from __future__ import annotations

import datetime as dt
import functools
import shutil
import subprocess
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable

from kb.errors import ConfigError, Diagnostic, HistoryError, errors_in
from kb.load.cache import HISTORY
from kb.load.files import is_item_file
from kb.load.loader import CONFIG_FILE, FOLDERS, add_files, parse_file, validate
from kb.model import Config, Hypothesis, KnowledgeBase
from kb.graph.score import standings
from kb.load.yamlread import read_yaml
from kb.public import WITHHELD, WITHHELD_AUTHOR, public_view

if TYPE_CHECKING:
    from kb.progress import Progress

WORKTREE = None  # the REV_B default: the working tree

#: Follows long work for a progress display (kb.progress): (done, total).
Counter = Callable[[int, "int | None"], None]


# --- talking to git -------------------------------------------------------------------


def _git(cwd: Path, *args: str, input: bytes | None = None) -> bytes:
    if shutil.which("git") is None:
        raise HistoryError("git is not installed; history needs git")
    proc = subprocess.run(["git", *args], cwd=cwd, input=input, capture_output=True)
    if proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise HistoryError(message[-1] if message else f"git {' '.join(args)} failed")
    return proc.stdout


@dataclass(frozen=True)
class Repo:
    """The git repository holding a KB, and the KB's folder inside it."""

    top: Path
    prefix: str  # the KB root relative to the repository's top, '' at the top

    @classmethod
    def of(cls, root: Path) -> "Repo":
        if shutil.which("git") is None:
            raise HistoryError("git is not installed; history needs git")
        proc = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=root, capture_output=True)
        if proc.returncode != 0:
            raise HistoryError(f"{root} is not in a git repository, so there is no history to read "
                               "(the website falls back to the revision logs in the YAML files)")
        top = Path(proc.stdout.decode().strip())
        prefix = root.resolve().relative_to(top.resolve()).as_posix()
        return cls(top, "" if prefix == "." else prefix)

    @property
    def shallow(self) -> bool:
        return _git(self.top, "rev-parse", "--is-shallow-repository").strip() == b"true"

    def resolve(self, rev: str) -> str:
        try:
            return _git(self.top, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}").decode().strip()
        except HistoryError:
            hint = " (this is a shallow clone: older commits are missing; fetch with --unshallow)" \
                if self.shallow else ""
            raise HistoryError(f"unknown revision {rev!r}{hint}") from None

    def path(self, rel: str) -> str:
        return f"{self.prefix}/{rel}" if self.prefix else rel

    def files_at(self, commit: str) -> dict[str, str]:
        """KB-relative path -> blob id of every KB file at ``commit``."""
        spec = [self.path(CONFIG_FILE)] + [self.path(f) for f in FOLDERS]
        out = _git(self.top, "ls-tree", "-r", "-z", "--full-tree", commit, "--", *spec)
        files = {}
        for entry in out.split(b"\0"):
            if not entry:
                continue
            meta, _, name = entry.partition(b"\t")
            kind, blob = meta.split()[1:3]
            rel = name.decode("utf-8")
            if self.prefix:
                rel = rel[len(self.prefix) + 1:]
            if kind == b"blob":
                files[rel] = blob.decode()
        return files

    def read_blobs(self, blobs: Iterable[str]) -> dict[str, bytes]:
        """Contents of many blobs through one ``git cat-file --batch``."""
        wanted = list(dict.fromkeys(blobs))
        if not wanted:
            return {}
        out = _git(self.top, "cat-file", "--batch", input=("\n".join(wanted) + "\n").encode())
        contents, pos = {}, 0
        for blob in wanted:
            header_end = out.index(b"\n", pos)
            header = out[pos:header_end].split()
            size = int(header[2])
            contents[blob] = out[header_end + 1: header_end + 1 + size]
            pos = header_end + 1 + size + 1
        return contents


# --- the KB at a revision ------------------------------------------------------------


def load_at(root: Path, rev: str | None, on_file: Counter | None = None) -> tuple[KnowledgeBase, list[Diagnostic], str]:
    """The KB at ``rev`` (None: the working tree): (kb, diagnostics, label); ``on_file`` counts the files read."""
    from kb.load.check import check
    from kb.load.loader import load

    if rev is None:
        kb, diags = load(root, on_file=on_file)
        return kb, sorted(set(diags + check(kb))), "working tree"
    repo = Repo.of(root)
    commit = repo.resolve(rev)
    files = repo.files_at(commit)
    if CONFIG_FILE not in files:
        raise HistoryError(f"there is no knowledge base at {rev!r} (no {repo.path(CONFIG_FILE)} in that commit)")
    blobs = repo.read_blobs(files.values())
    kb = _kb_from_blobs(root, files, blobs, rev)
    chosen = [(rel.split("/", 1)[0], rel, blobs[files[rel]]) for rel in sorted(files)
              if _kb_file(rel)]
    diags = add_files(kb, chosen, cache_scope=HISTORY, on_file=on_file)
    return kb, sorted(set(diags + check(kb))), f"{rev} ({commit[:10]})"


def _kb_file(rel: str) -> bool:
    """Is this path one of the KB's item files (as :func:`kb.load.loader.kb_files` would list it)?"""
    folder = rel.split("/", 1)[0]
    return (rel != CONFIG_FILE and folder in FOLDERS and is_item_file(folder, rel.rpartition("/")[2])
            and not any(part.startswith(".") for part in rel.split("/")[1:]))


def _kb_from_blobs(root: Path, files: dict[str, str], blobs: dict[str, bytes], rev: str) -> KnowledgeBase:
    data, marks, diags = read_yaml(blobs[files[CONFIG_FILE]], CONFIG_FILE)
    config = None
    if not diags:
        config, diags = validate(Config, data, marks, CONFIG_FILE)
    if config is None:
        raise ConfigError(f"{CONFIG_FILE} at {rev!r} cannot be used", diags)
    return KnowledgeBase(root=str(root), config=config)  # type: ignore[arg-type]


def load_clean_at(root: Path, rev: str | None, on_file: Counter | None = None) -> tuple[KnowledgeBase, str]:
    """The public view (kb.public) of the KB at ``rev``, as ``kb diff`` and the website compare them."""
    kb, diags, label = load_at(root, rev, on_file)
    problems = errors_in(diags)
    if problems:
        first = problems[0].format()
        raise HistoryError(f"the knowledge base at {label} does not load: {len(problems)} error(s), first: {first}")
    return public_view(kb), label


# --- the hypotheses as committed at a date or a tag (for kb.history.asof) -------------------


def commit_on_or_before(repo: Repo, day: dt.date) -> str | None:
    """The last commit of HEAD's first-parent line dated (committer date, in its own zone) on or before ``day``.

    First parents, so a branch's commit made before ``day`` but merged after
    it is not taken for the state of the line on ``day``. None when there is
    no such commit (or no commit at all).
    """
    # git's --before reads times in the machine's zone; with two days' margin
    # it only narrows the list, and the exact rule is applied here
    margin = (day + dt.timedelta(days=2)).isoformat()
    try:
        out = _git(repo.top, "log", "--first-parent", f"--before={margin}T00:00:00Z", "--format=%H %cI", "HEAD")
    except HistoryError:
        return None  # a repository without commits
    for line in out.decode().splitlines():
        sha, date = line.split()
        if date[:10] <= day.isoformat():
            return sha
    return None


def commit_day(repo: Repo, commit: str) -> dt.date:
    """The committer date of ``commit``, in the zone it was made in."""
    return dt.date.fromisoformat(_git(repo.top, "log", "-1", "--format=%cI", commit).decode()[:10])


@functools.lru_cache(maxsize=16)
def committed_framework(root: Path, commit: str) -> KnowledgeBase:
    """The hypotheses and registry as committed at ``commit``, without evidence (shared: do not change it).

    Reads only kb.yaml, hypotheses/ and registry/ at that commit, through the
    loader and its cache like :func:`load_at`. Raises HistoryError (or
    ConfigError) when the commit holds no KB or those files do not load.
    """
    repo = Repo.of(root)
    files = repo.files_at(commit)
    if CONFIG_FILE not in files:
        raise HistoryError(f"commit {commit[:7]} has no {repo.path(CONFIG_FILE)}")
    chosen = [rel for rel in sorted(files) if _kb_file(rel) and rel.split("/", 1)[0] in ("hypotheses", "registry")]
    blobs = repo.read_blobs([files[CONFIG_FILE]] + [files[rel] for rel in chosen])
    kb = _kb_from_blobs(root, files, blobs, commit[:7])
    problems = errors_in(add_files(kb, [(rel.split("/", 1)[0], rel, blobs[files[rel]]) for rel in chosen],
                                   cache_scope=HISTORY))
    if problems:
        raise HistoryError(f"the hypotheses and registry at commit {commit[:7]} do not load: {len(problems)} error(s), "
                           f"first: {problems[0].format()}")
    return kb


# --- what changed between two states ----------------------------------------------------


@dataclass
class HypothesisChange:
    """What a change did to one hypothesis that is in both states.

    The ``*_before``/``*_after`` pairs are None when that part did not change.
    ``suggested_*`` is the status the evidence alone suggests
    (:func:`kb.graph.score.suggest_status`), set when it flips; ``judgements``
    lists the links on evidence present in both states whose fields changed
    (see :func:`judgement_changes`); ``unlogged`` names the parts ("status",
    "statement") that changed without a revision entry explaining them.
    """

    id: str
    title: str
    statement_before: str | None = None
    statement_after: str | None = None
    status_before: str | None = None
    status_after: str | None = None
    standing_before: dict[str, float] | None = None
    standing_after: dict[str, float] | None = None
    new_evidence: list[dict[str, str]] = field(default_factory=list)
    title_before: str | None = None
    title_after: str | None = None
    suggested_before: str | None = None
    suggested_after: str | None = None
    judgements: list[dict[str, Any]] = field(default_factory=list)
    removed_evidence: list[dict[str, str]] = field(default_factory=list)
    unlogged: list[str] = field(default_factory=list)

    @property
    def reworded(self) -> bool:
        return self.statement_before != self.statement_after

    @property
    def restated(self) -> bool:
        return self.status_before != self.status_after

    @property
    def retitled(self) -> bool:
        return self.title_before != self.title_after

    @property
    def flipped(self) -> bool:
        return self.suggested_before != self.suggested_after

    @property
    def changed(self) -> bool:
        return bool(self.reworded or self.restated or self.retitled or self.flipped or self.standing_after
                    or self.new_evidence or self.removed_evidence or self.judgements)


@dataclass
class Diff:
    before: str
    after: str
    hypotheses_added: list[dict[str, str]] = field(default_factory=list)
    hypotheses_removed: list[dict[str, str]] = field(default_factory=list)
    hypotheses_changed: list[HypothesisChange] = field(default_factory=list)
    evidence_added: list[dict[str, str]] = field(default_factory=list)
    evidence_removed: list[dict[str, str]] = field(default_factory=list)
    constructs_added: list[str] = field(default_factory=list)
    constructs_removed: list[str] = field(default_factory=list)
    contexts_added: list[str] = field(default_factory=list)
    contexts_removed: list[str] = field(default_factory=list)
    #: what kb.yaml at ``before`` says (review.fail_on_flip): the base's, so a change cannot switch off its own check
    fail_on_flip: bool = False

    @property
    def empty(self) -> bool:
        return not any(v for k, v in asdict(self).items() if k not in ("before", "after", "fail_on_flip"))

    @property
    def flips(self) -> list[HypothesisChange]:
        """The hypotheses whose suggested status flips: what a reviewer needs first."""
        return [c for c in self.hypotheses_changed if c.flipped]


_STANDING_EPSILON = 0.005
#: The fields of a judgement (a link) that ``kb diff`` compares, old -> new.
JUDGEMENT_FIELDS = ("stance", "strength", "scope", "by")


def diff_kbs(a: KnowledgeBase, b: KnowledgeBase, label_a: str, label_b: str) -> Diff:
    """Everything that changed in the framework from ``a`` to ``b``."""
    out = Diff(label_a, label_b, fail_on_flip=a.config.review.fail_on_flip)
    text = b.text
    out.hypotheses_added = [{"id": h, "title": text(b.hypotheses[h].title), "status": b.hypotheses[h].status}
                            for h in b.hypotheses if h not in a.hypotheses]
    out.hypotheses_removed = [{"id": h, "title": a.text(a.hypotheses[h].title), "status": a.hypotheses[h].status}
                              for h in a.hypotheses if h not in b.hypotheses]
    new_ev = [e for e in b.evidence if e not in a.evidence]
    gone_ev = [e for e in a.evidence if e not in b.evidence]
    out.evidence_added = [_evidence_row(b, e) for e in new_ev]
    out.evidence_removed = [_evidence_row(a, e) for e in gone_ev]
    out.constructs_added = [c for c in b.constructs if c not in a.constructs]
    out.constructs_removed = [c for c in a.constructs if c not in b.constructs]
    out.contexts_added = [c for c in b.contexts if c not in a.contexts]
    out.contexts_removed = [c for c in a.contexts if c not in b.contexts]
    rejudged = judgement_changes(a, b)
    sa, sb = standings(a), standings(b)
    for hid, hb in b.hypotheses.items():
        ha = a.hypotheses.get(hid)
        if ha is None:
            continue
        change = HypothesisChange(hid, text(hb.title))
        before, after = a.text(ha.statement), text(hb.statement)
        if before != after:
            change.statement_before, change.statement_after = before, after
        if a.text(ha.title) != text(hb.title):
            change.title_before, change.title_after = a.text(ha.title), text(hb.title)
        if ha.status != hb.status:
            change.status_before, change.status_after = ha.status, hb.status
        o_a, o_b = _opinion(sa[hid]), _opinion(sb[hid])
        if sa[hid].suggested != sb[hid].suggested:
            change.suggested_before, change.suggested_after = sa[hid].suggested, sb[hid].suggested
        if change.flipped or any(abs(o_a[k] - o_b[k]) >= _STANDING_EPSILON for k in o_a):
            change.standing_before, change.standing_after = o_a, o_b
        change.new_evidence = [
            {"id": e, "stance": link.stance, "context": _context_label(b, b.evidence[e].context),
             "kind": b.evidence[e].kind}
            for e in new_ev for link in b.evidence[e].links if link.hypothesis == hid
        ]
        change.removed_evidence = [
            {"id": e, "stance": link.stance, "context": _context_label(a, a.evidence[e].context),
             "kind": a.evidence[e].kind}
            for e in gone_ev for link in a.evidence[e].links if link.hypothesis == hid
        ]
        change.judgements = rejudged.get(hid, [])
        change.unlogged = unlogged_changes(a, ha, hb)
        if change.changed:
            out.hypotheses_changed.append(change)
    return out


def unlogged_changes(a: KnowledgeBase, before: Hypothesis, after: Hypothesis) -> list[str]:
    """Which of "status" and "statement" changed with no new revision entry explaining it.

    An entry explains a status change when its ``previous_status`` is the old
    status, and a new statement when its ``previous`` is the old statement:
    exactly what :mod:`kb.history.asof` needs to rebuild the past from the log.
    """
    logged = [r for r in after.revisions if r not in before.revisions]
    out = []
    if before.status != after.status and not any(r.previous_status == before.status for r in logged):
        out.append("status")
    if before.statement != after.statement and not any(
            r.previous == before.statement or a.text(r.previous) == a.text(before.statement) for r in logged):
        out.append("statement")
    return out


def judgement_changes(a: KnowledgeBase, b: KnowledgeBase) -> dict[str, list[dict[str, Any]]]:
    """Hypothesis id -> the judgements on evidence kept from ``a`` to ``b`` that changed.

    Links of one evidence item on one hypothesis are paired by who judged
    (``by``), the rest in the order written; each pair that differs in a
    :data:`JUDGEMENT_FIELDS` field gives ``{"evidence", "context", "change":
    "changed", "fields": {name: {"before", "after"}}}``; a link with no
    partner is an ``"added"`` or ``"withdrawn"`` judgement with all its fields.
    """
    out: dict[str, list[dict[str, Any]]] = {}
    for eid, eb in b.evidence.items():
        ea = a.evidence.get(eid)
        if ea is None or ea.links == eb.links:
            continue
        for hid in dict.fromkeys([link.hypothesis for link in ea.links] + [link.hypothesis for link in eb.links]):
            old = [link for link in ea.links if link.hypothesis == hid]
            new = [link for link in eb.links if link.hypothesis == hid]
            for la, lb in _pair_links(old, new):
                fields = {f: {"before": getattr(la, f) if la else None, "after": getattr(lb, f) if lb else None}
                          for f in JUDGEMENT_FIELDS}
                fields = {f: v for f, v in fields.items() if v["before"] != v["after"]}
                if not fields:
                    continue
                kind = "changed" if la and lb else "added" if lb else "withdrawn"
                out.setdefault(hid, []).append({"evidence": eid, "context": _context_label(b, eb.context),
                                                "change": kind, "fields": fields})
    return out


def _pair_links(old: list[Any], new: list[Any]) -> list[tuple[Any, Any]]:
    pairs, rest_old, rest_new = [], list(old), []
    for link in new:
        same = next((o for o in rest_old if o.by == link.by), None)
        if same is None:
            rest_new.append(link)
        else:
            rest_old.remove(same)
            pairs.append((same, link))
    for i in range(max(len(rest_old), len(rest_new))):
        pairs.append((rest_old[i] if i < len(rest_old) else None, rest_new[i] if i < len(rest_new) else None))
    return pairs


def _opinion(st: Any) -> dict[str, float]:
    return {"belief": round(st.belief, 3), "disbelief": round(st.disbelief, 3),
            "uncertainty": round(st.uncertainty, 3)}


def _context_label(kb: KnowledgeBase, cid: str | None) -> str:
    """The name of the context the evidence is in, not its top-level ancestor's
    ('from the evening meeting' says more than 'from Stad')."""
    if cid is None:
        return "the literature"
    return kb.text(kb.contexts[cid].label) if cid in kb.contexts else cid


def _evidence_row(kb: KnowledgeBase, eid: str) -> dict[str, str]:
    e = kb.evidence[eid]
    return {"id": eid, "kind": e.kind, "date": e.date.isoformat(), "context": e.context or "",
            "context_label": _context_label(kb, e.context),
            "title": kb.text(e.title),
            "links": ", ".join(f"{link.stance} {link.hypothesis}" for link in e.links)}


def diff(root: Path, rev_a: str, rev_b: str | None = WORKTREE, progress: Progress | None = None) -> Diff:
    """The :class:`Diff` from ``rev_a`` to ``rev_b``; ``progress`` (kb.progress) is told each stage and file."""
    def stage(name: str) -> Counter | None:
        if progress is None:
            return None
        progress(name)
        return progress.counter("files")

    a, label_a = load_clean_at(root, rev_a, stage(f"load {rev_a}"))
    b, label_b = load_clean_at(root, rev_b, stage(f"load {rev_b or 'the working tree'}"))
    stage("compare")
    return diff_kbs(a, b, label_a, label_b)


# --- the commits that changed the framework ------------------------------------------------


@dataclass
class Commit:
    sha: str
    date: str
    author: str
    message: str
    changes: list[str] = field(default_factory=list)  # one phrase per changed item
    ids: list[str] = field(default_factory=list)  # ids of the items it changed

    @property
    def summary(self) -> str:
        if not self.changes:
            return "no change to the framework"
        if len(self.changes) <= 6:
            return "; ".join(self.changes)
        added = sum(1 for c in self.changes if c.endswith(" added") or " added (" in c)
        removed = sum(1 for c in self.changes if c.endswith(" removed"))
        other = [c for c in self.changes if not (c.endswith(" added") or " added (" in c or c.endswith(" removed"))]
        parts = [f"{n} items {verb}" for n, verb in ((added, "added"), (removed, "removed")) if n]
        parts += other[:4] + ([f"{len(other) - 4} more changed"] if len(other) > 4 else [])
        return "; ".join(parts)


def history(root: Path, item_id: str | None = None, limit: int | None = None,
            restricted: Iterable[str] = (), on_commit: Counter | None = None) -> list[Commit]:
    """Commits that changed KB files, newest first, each summarised item by item.

    ``on_commit(done, total)`` follows the summarising for a progress display.

    A commit that changed restricted evidence (an item restricted in any
    version read here, or named in ``restricted``) keeps its sha, date and
    summary, but not its message and author: they would describe the item
    and name who worked on it (kb.public).
    """
    repo = Repo.of(root)
    spec = [repo.path(CONFIG_FILE)] + [repo.path(f) for f in FOLDERS]
    fmt = "%x1e%H%x1f%aI%x1f%an%x1f%s"
    args = ["log", f"--format={fmt}", "--raw", "--no-abbrev", "-z", "--no-renames"]
    if limit:
        args.append(f"-n{limit}")
    raw = _git(repo.top, *args, "--", *spec)
    commits: list[tuple[Commit, list[tuple[str, str, str]]]] = []
    for record in raw.split(b"\x1e")[1:]:
        head, _, rest = record.partition(b"\0")
        head_lines = head.split(b"\n", 1)
        sha, date, author, message = head_lines[0].decode("utf-8", "replace").split("\x1f")
        rest = (head_lines[1] if len(head_lines) > 1 else b"") + b"\0" + rest
        fields = [f for f in rest.split(b"\0") if f.strip()]
        changes = []
        for i in range(0, len(fields) - 1, 2):
            meta = fields[i].decode().strip().split()
            if len(meta) < 5 or not meta[0].startswith(":"):
                continue
            path = fields[i + 1].decode("utf-8")
            rel = path[len(repo.prefix) + 1:] if repo.prefix else path
            changes.append((meta[2], meta[3], rel))
        commits.append((Commit(sha, date[:10], author, message), changes))
    blobs = repo.read_blobs(b for _, cs in commits for a, b2, _ in cs for b in (a, b2) if set(b) != {"0"})
    out = []
    hidden_ids, hidden_files = set(restricted), set()
    for done, (commit, changes) in enumerate(commits, 1):
        if on_commit is not None:
            on_commit(done, len(commits))
        for old, new, rel in changes:
            phrases, ids, secret = _file_change(rel, blobs.get(old), blobs.get(new))
            commit.changes += phrases
            commit.ids += ids
            hidden_ids |= secret
            if secret:
                hidden_files.add(rel)
        if item_id is None or item_id in commit.ids:
            out.append(commit)
    for commit, changes in commits:
        # a file that held restricted evidence once may not load, or not say so, in another commit
        if hidden_ids.intersection(commit.ids) or any(rel in hidden_files for _, _, rel in changes):
            commit.author, commit.message = WITHHELD_AUTHOR, WITHHELD
    return out


def _items(rel: str, raw: bytes | None) -> dict[str, Any]:
    if raw is None or rel == CONFIG_FILE:
        return {}
    folder = rel.split("/", 1)[0]
    if folder not in FOLDERS or not is_item_file(folder, rel.rpartition("/")[2]):
        return {}
    items, _ = parse_file(folder, rel, raw)
    return {item.id: item for _, item, _, _ in items}


def _file_change(rel: str, old: bytes | None, new: bytes | None) -> tuple[list[str], list[str], set[str]]:
    """What one file's change did to the framework: short phrases, item ids, and the restricted ones among them."""
    if rel == CONFIG_FILE:
        return ["settings changed"], [], set()
    before, after = _items(rel, old), _items(rel, new)
    secret = {iid for items in (before, after) for iid, item in items.items() if getattr(item, "restricted", False)}
    if new is not None and not after and is_item_file(rel.split("/", 1)[0], rel.rpartition("/")[2]):
        return [f"{rel} {'changed' if old is not None else 'added'} (does not load)"], [], secret
    phrases, ids = [], []
    for iid, item in after.items():
        kind = type(item).__name__.lower()
        if iid not in before:
            phrases.append(f"{iid} added" + (f" ({item.status})" if kind == "hypothesis" else ""))
            ids.append(iid)
            ids += [link.hypothesis for link in getattr(item, "links", [])]
            continue
        prev = before[iid]
        if prev == item:
            continue
        ids.append(iid)
        bits = []
        if kind == "hypothesis":
            if prev.status != item.status:
                bits.append(f"{prev.status} -> {item.status}")
            if prev.statement != item.statement:
                bits.append("reworded")
            if len(prev.revisions) != len(item.revisions):
                bits.append("revision logged")
        if kind == "evidence":
            old_links = {(link.hypothesis, link.stance, link.strength) for link in prev.links}
            new_links = {(link.hypothesis, link.stance, link.strength) for link in item.links}
            for h, stance, _ in sorted(new_links - old_links):
                bits.append(f"now {stance} {h}")
                ids.append(h)
            for h, stance, _ in sorted(old_links - new_links):
                bits.append(f"no longer {stance} {h}")
                ids.append(h)
        phrases.append(f"{iid} " + (", ".join(bits) if bits else "edited"))
    for iid in before:
        if iid not in after:
            phrases.append(f"{iid} removed")
            ids.append(iid)
    return phrases, ids, secret


def milestone_revisions(root: Path, kb: KnowledgeBase) -> list[tuple[str, str]]:
    """(milestone id, tag) for milestones whose tag exists in the repository."""
    try:
        repo = Repo.of(root)
    except HistoryError:
        return []
    found = []
    for m in kb.config.milestones:
        if m.tag:
            try:
                repo.resolve(m.tag)
            except HistoryError:
                continue
            found.append((m.id, m.tag))
    return found


# --- what the website shows of the history ----------------------------------------------


@dataclass
class GitHistory:
    """History for the website: commits per item and diffs between tagged milestones.

    ``reason`` says why git history is missing (no git, no repository, a
    shallow clone); the website then falls back to the revision logs.
    """

    commits: dict[str, list[Commit]] = field(default_factory=dict)
    milestone_diffs: list[tuple[str, str, Diff]] = field(default_factory=list)
    reason: str = ""

    @property
    def available(self) -> bool:
        return not self.reason


def git_history(root: Path, kb: KnowledgeBase, limit: int | None = 2000,
                progress: Progress | None = None) -> GitHistory:
    """Everything the website needs from git, never raising for a missing history.

    ``progress`` (kb.progress), in its current stage, counts the commits, then the milestones compared.
    """
    try:
        repo = Repo.of(root)
        if repo.shallow:
            return GitHistory(reason="this is a shallow clone, so the full history is not available")
        commits = history(root, limit=limit, restricted=(e.id for e in kb.evidence.values() if e.restricted),
                          on_commit=progress.counter("commits") if progress is not None else None)
    except HistoryError as exc:
        return GitHistory(reason=str(exc))
    by_item: dict[str, list[Commit]] = {}
    for commit in commits:
        for iid in dict.fromkeys(commit.ids):
            by_item.setdefault(iid, []).append(commit)
    diffs = []
    tagged = milestone_revisions(root, kb)
    pairs = list(zip(tagged, tagged[1:]))
    count = None
    if progress is not None and pairs:
        progress("history: milestones")
        count = progress.counter("compared")
    for done, ((m_a, tag_a), (m_b, tag_b)) in enumerate(pairs, 1):
        if count is not None:
            count(done, len(pairs))
        try:
            diffs.append((m_a, m_b, diff(root, tag_a, tag_b)))
        except (HistoryError, ConfigError):
            continue  # a milestone whose KB does not load is left out, not fatal
    return GitHistory(by_item, diffs)
