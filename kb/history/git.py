"""The framework's history, read from git.

Takes a KB root inside a git repository; returns the KB at any revision
(read from git's objects, never touching the working tree, through the same
parser, cache and checks as ``kb check``), the difference between two such
states, and the commits that changed the framework with a one-line summary
of each.

Git itself does the reading (``git ls-tree`` and one ``git cat-file
--batch`` per revision); we never parse git's object files by hand.
Problems (no git, not a repository, a shallow clone, an unknown revision, a
revision whose KB does not load) raise :class:`~kb.errors.HistoryError`
with a message saying which.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import json
import re
import shutil
import subprocess
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable

from kb.errors import ConfigError, Diagnostic, HistoryError, errors_in
from kb.load.loader import CONFIG_FILE, FOLDERS, YAML_SUFFIXES, add_files, parse_file, validate
from kb.model import Config, Hypothesis, KnowledgeBase
from kb.graph.score import standings
from kb.load.yamlread import read_yaml
from kb.public import WITHHELD, WITHHELD_AUTHOR, public_view

WORKTREE = None  # the REV_B default: the working tree


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


def load_at(root: Path, rev: str | None) -> tuple[KnowledgeBase, list[Diagnostic], str]:
    """The KB at ``rev`` (None: the working tree): (kb, diagnostics, label)."""
    from kb.load.check import check
    from kb.load.loader import load

    if rev is None:
        kb, diags = load(root)
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
    diags = add_files(kb, chosen, cache_scope="history")
    return kb, sorted(set(diags + check(kb))), f"{rev} ({commit[:10]})"


def _kb_file(rel: str) -> bool:
    """Is this path one of the KB's item files (as :func:`kb.load.loader.kb_files` would list it)?"""
    folder = rel.split("/", 1)[0]
    return (rel != CONFIG_FILE and folder in FOLDERS and rel.endswith(YAML_SUFFIXES)
            and not any(part.startswith(".") for part in rel.split("/")[1:]))


def _kb_from_blobs(root: Path, files: dict[str, str], blobs: dict[str, bytes], rev: str) -> KnowledgeBase:
    data, marks, diags = read_yaml(blobs[files[CONFIG_FILE]], CONFIG_FILE)
    config = None
    if not diags:
        config, diags = validate(Config, data, marks, CONFIG_FILE)
    if config is None:
        raise ConfigError(f"{CONFIG_FILE} at {rev!r} cannot be used", diags)
    return KnowledgeBase(root=str(root), config=config)  # type: ignore[arg-type]


def load_clean_at(root: Path, rev: str | None) -> tuple[KnowledgeBase, str]:
    """The public view (kb.public) of the KB at ``rev``, as ``kb diff`` and the website compare them."""
    kb, diags, label = load_at(root, rev)
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
                                   cache_scope="history"))
    if problems:
        raise HistoryError(f"the hypotheses and registry at commit {commit[:7]} do not load: {len(problems)} error(s), "
                           f"first: {problems[0].format()}")
    return kb


# --- what changed between two states ----------------------------------------------------


@dataclass
class HypothesisChange:
    id: str
    title: str
    statement_before: str | None = None
    statement_after: str | None = None
    status_before: str | None = None
    status_after: str | None = None
    standing_before: dict[str, float] | None = None
    standing_after: dict[str, float] | None = None
    new_evidence: list[dict[str, str]] = field(default_factory=list)

    @property
    def reworded(self) -> bool:
        return self.statement_before != self.statement_after

    @property
    def restated(self) -> bool:
        return self.status_before != self.status_after


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

    @property
    def empty(self) -> bool:
        return not any(v for k, v in asdict(self).items() if k not in ("before", "after"))


_STANDING_EPSILON = 0.005


def diff_kbs(a: KnowledgeBase, b: KnowledgeBase, label_a: str, label_b: str) -> Diff:
    """Everything that changed in the framework from ``a`` to ``b``."""
    out = Diff(label_a, label_b)
    text = b.text
    out.hypotheses_added = [{"id": h, "title": text(b.hypotheses[h].title), "status": b.hypotheses[h].status}
                            for h in b.hypotheses if h not in a.hypotheses]
    out.hypotheses_removed = [{"id": h, "title": a.text(a.hypotheses[h].title), "status": a.hypotheses[h].status}
                              for h in a.hypotheses if h not in b.hypotheses]
    new_ev = [e for e in b.evidence if e not in a.evidence]
    out.evidence_added = [_evidence_row(b, e) for e in new_ev]
    out.evidence_removed = [_evidence_row(a, e) for e in a.evidence if e not in b.evidence]
    out.constructs_added = [c for c in b.constructs if c not in a.constructs]
    out.constructs_removed = [c for c in a.constructs if c not in b.constructs]
    out.contexts_added = [c for c in b.contexts if c not in a.contexts]
    out.contexts_removed = [c for c in a.contexts if c not in b.contexts]
    sa, sb = standings(a), standings(b)
    for hid, hb in b.hypotheses.items():
        ha = a.hypotheses.get(hid)
        if ha is None:
            continue
        change = HypothesisChange(hid, text(hb.title))
        before, after = a.text(ha.statement), text(hb.statement)
        if before != after:
            change.statement_before, change.statement_after = before, after
        if ha.status != hb.status:
            change.status_before, change.status_after = ha.status, hb.status
        o_a, o_b = _opinion(sa[hid]), _opinion(sb[hid])
        if any(abs(o_a[k] - o_b[k]) >= _STANDING_EPSILON for k in o_a):
            change.standing_before, change.standing_after = o_a, o_b
        change.new_evidence = [
            {"id": e, "stance": link.stance, "context": _context_label(b, b.evidence[e].context),
             "kind": b.evidence[e].kind}
            for e in new_ev for link in b.evidence[e].links if link.hypothesis == hid
        ]
        if change.reworded or change.restated or change.standing_after or change.new_evidence:
            out.hypotheses_changed.append(change)
    return out


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
            "title": kb.text(e.title),
            "links": ", ".join(f"{link.stance} {link.hypothesis}" for link in e.links)}


def diff(root: Path, rev_a: str, rev_b: str | None = WORKTREE) -> Diff:
    a, label_a = load_clean_at(root, rev_a)
    b, label_b = load_clean_at(root, rev_b)
    return diff_kbs(a, b, label_a, label_b)


# --- word diffs and formats -------------------------------------------------------------


def word_diff(before: str, after: str, style: str = "text") -> str:
    """The change word by word: [-old-]{+new+} in text, ~~old~~ **new** in Markdown."""
    a, b = before.split(), after.split()
    out: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            out += a[i1:i2]
            continue
        old, new = " ".join(a[i1:i2]), " ".join(b[j1:j2])
        if style == "markdown":
            if old:
                out.append(f"~~{_md(old)}~~")
            if new:
                out.append(f"**{_md(new)}**")
        else:
            if old:
                out.append(f"[-{old}-]")
            if new:
                out.append(f"{{+{new}+}}")
    if style == "markdown":
        return " ".join(w if w.startswith(("~~", "**")) else _md(w) for w in out)
    return " ".join(out)


def _md(text: str) -> str:
    """Escape Markdown (and HTML) in text from YAML so a comment renders it literally."""
    return re.sub(r"([\\`*_{}\[\]()#+!|<>~])", r"\\\1", text)


def _evidence_phrase(items: list[dict[str, str]]) -> str:
    """'2 new contradicting observations from Nordre Follo'."""
    groups: dict[tuple[str, str], int] = {}
    for item in items:
        key = (item["stance"], item["context"])
        groups[key] = groups.get(key, 0) + 1
    words = {"supports": "supporting", "contradicts": "contradicting", "qualifies": "qualifying"}
    parts = []
    for (stance, ctx), n in sorted(groups.items()):
        noun = "item" if n == 1 else "items"
        parts.append(f"{n} new {words[stance]} evidence {noun} from {ctx}")
    return "; ".join(parts)


def format_text(d: Diff) -> str:
    lines = [f"kb diff {d.before} -> {d.after}"]
    if d.empty:
        return "\n".join(lines + ["no changes to the framework"]) + "\n"
    for h in d.hypotheses_added:
        lines.append(f"+ {h['id']} added ({h['status']}): {h['title']}")
    for h in d.hypotheses_removed:
        lines.append(f"- {h['id']} removed (was {h['status']}): {h['title']}")
    for c in d.hypotheses_changed:
        head = f"~ {c.id} {c.title}"
        if c.restated:
            head += f": {c.status_before} -> {c.status_after}"
        if c.new_evidence:
            head += f"; {_evidence_phrase(c.new_evidence)}"
        lines.append(head)
        if c.reworded:
            lines.append(f"    statement: {word_diff(c.statement_before or '', c.statement_after or '')}")
        if c.standing_after:
            lines.append(f"    standing: {_standing(c.standing_before)} -> {_standing(c.standing_after)}")
    for label, items in (("evidence added", d.evidence_added), ("evidence removed", d.evidence_removed)):
        for e in items:
            lines.append(f"{'+' if 'added' in label else '-'} {e['id']} {label.split()[1]} ({e['kind']}, {e['date']}"
                         f"{', ' + e['context'] if e['context'] else ''}){': ' + e['links'] if e['links'] else ''}")
    for label, items in (("construct", d.constructs_added), ("context", d.contexts_added)):
        lines += [f"+ {label} {i} added" for i in items]
    for label, items in (("construct", d.constructs_removed), ("context", d.contexts_removed)):
        lines += [f"- {label} {i} removed" for i in items]
    return "\n".join(lines) + "\n"


def _standing(o: dict[str, float] | None) -> str:
    if not o:
        return "-"
    return f"b {o['belief']:.2f} / d {o['disbelief']:.2f} / u {o['uncertainty']:.2f}"


def format_markdown(d: Diff) -> str:
    """A pull-request comment: the framework's changes, most important first."""
    lines = [f"### Framework changes: `{d.before}` → `{d.after}`", ""]
    if d.empty:
        return "\n".join(lines + ["No changes to hypotheses, evidence, constructs or contexts."]) + "\n"
    changed = [c for c in d.hypotheses_changed if c.restated or c.reworded or c.standing_after or c.new_evidence]
    if d.hypotheses_added or d.hypotheses_removed or changed:
        lines += ["**Hypotheses**", ""]
        for h in d.hypotheses_added:
            lines.append(f"- **{h['id']}** added ({h['status']}): {_md(h['title'])}")
        for h in d.hypotheses_removed:
            lines.append(f"- **{h['id']}** removed (was {h['status']}): {_md(h['title'])}")
        for c in changed:
            bits = []
            if c.restated:
                bits.append(f"{c.status_before} → {c.status_after}")
            if c.new_evidence:
                bits.append(_evidence_phrase(c.new_evidence))
            if c.standing_after:
                bits.append(f"standing {_standing(c.standing_before)} → {_standing(c.standing_after)}")
            lines.append(f"- **{c.id}** {_md(c.title)}: " + "; ".join(bits) if bits else f"- **{c.id}** {_md(c.title)}")
            if c.reworded:
                lines.append(f"  - reworded: {word_diff(c.statement_before or '', c.statement_after or '', 'markdown')}")
        lines.append("")
    if d.evidence_added or d.evidence_removed:
        lines += [f"**Evidence**: {len(d.evidence_added)} added, {len(d.evidence_removed)} removed", ""]
        for e in d.evidence_added:
            lines.append(f"- {e['id']} ({e['kind']}, {e['date']}{', ' + e['context'] if e['context'] else ''})"
                         f"{': ' + e['links'] if e['links'] else ''}")
        for e in d.evidence_removed:
            lines.append(f"- ~~{e['id']}~~ removed")
        lines.append("")
    for label, added, removed in (("Constructs", d.constructs_added, d.constructs_removed),
                                  ("Contexts", d.contexts_added, d.contexts_removed)):
        if added or removed:
            lines.append(f"**{label}**: " + ", ".join([f"+{i}" for i in added] + [f"−{i}" for i in removed]))
    return "\n".join(lines).rstrip() + "\n"


def format_json(d: Diff) -> str:
    data = asdict(d)
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


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
            restricted: Iterable[str] = ()) -> list[Commit]:
    """Commits that changed KB files, newest first, each summarised item by item.

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
    for commit, changes in commits:
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
    if folder not in FOLDERS or not rel.endswith(YAML_SUFFIXES):
        return {}
    items, _ = parse_file(folder, rel, raw)
    return {item.id: item for _, item, _, _ in items}


def _file_change(rel: str, old: bytes | None, new: bytes | None) -> tuple[list[str], list[str], set[str]]:
    """What one file's change did to the framework: short phrases, item ids, and the restricted ones among them."""
    if rel == CONFIG_FILE:
        return ["settings changed"], [], set()
    before, after = _items(rel, old), _items(rel, new)
    secret = {iid for items in (before, after) for iid, item in items.items() if getattr(item, "restricted", False)}
    if new is not None and not after and rel.endswith(YAML_SUFFIXES):
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


def git_history(root: Path, kb: KnowledgeBase, limit: int | None = 2000) -> GitHistory:
    """Everything the website needs from git, never raising for a missing history."""
    try:
        repo = Repo.of(root)
        if repo.shallow:
            return GitHistory(reason="this is a shallow clone, so the full history is not available")
        commits = history(root, limit=limit, restricted=(e.id for e in kb.evidence.values() if e.restricted))
    except HistoryError as exc:
        return GitHistory(reason=str(exc))
    by_item: dict[str, list[Commit]] = {}
    for commit in commits:
        for iid in dict.fromkeys(commit.ids):
            by_item.setdefault(iid, []).append(commit)
    diffs = []
    tagged = milestone_revisions(root, kb)
    for (m_a, tag_a), (m_b, tag_b) in zip(tagged, tagged[1:]):
        try:
            diffs.append((m_a, m_b, diff(root, tag_a, tag_b)))
        except (HistoryError, ConfigError):
            continue  # a milestone whose KB does not load is left out, not fatal
    return GitHistory(by_item, diffs)
