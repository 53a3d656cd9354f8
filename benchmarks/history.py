"""A git repository with a long history of a synthetic KB, for ``kb diff`` and ``kb history``.

Takes a scale and a number of commits; writes a repository whose first
commit is the generated KB and whose later commits each change a few files
the way researchers do: new evidence, a link re-judged, a hypothesis
reworded (its revision log growing), a status changed, a new hypothesis, an
evidence item withdrawn. Every commit leaves a KB without errors. Built with
``git fast-import`` (seconds, not minutes); the working tree is checked out
at the end. Tags ``bench-first`` and ``bench-last`` mark the ends.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import shutil
import subprocess
from pathlib import Path

from .generate import (END, KBS, SEED, START, VERSION, EvidenceMaker, Synthetic, Words, _as_nb, build, files,
                       to_yaml)

PEOPLE = [("Kari Nordmann", "kari@example.org"), ("Åse Bjørnstad", "ase@example.org"),
          ("Per Sæther", "per@example.org"), ("Øystein Lie", "oystein@example.org")]


def _data(text: str | bytes) -> bytes:
    raw = text.encode("utf-8") if isinstance(text, str) else text
    return b"data %d\n" % len(raw) + raw + b"\n"


class _History:
    def __init__(self, kb: Synthetic, seed: int) -> None:
        self.kb = kb
        self.rng = random.Random(seed + 1)
        self.words = Words(self.rng)
        self.maker = EvidenceMaker(kb, self.rng, self.words)
        self.next_e = len(kb.evidence) + 1
        self.next_h = len(kb.hypotheses) + 1
        self.evidence = {e["id"]: e for e in kb.evidence}
        self.hypotheses = {h["id"]: h for h in kb.hypotheses}
        self.cited = {eid for h in kb.hypotheses for r in h.get("revisions", ()) for eid in r.get("because", ())}

    def change(self, day: dt.date) -> tuple[str, dict[str, str | None]]:
        """One commit's worth of changes: (message, {path: new text or None to delete})."""
        rng = self.rng
        op = rng.choices(["add", "relink", "revise", "status", "hypothesis", "remove"], [40, 20, 15, 10, 5, 10])[0]
        out: dict[str, str | None] = {}
        if op == "add":
            n = rng.randint(1, 3)
            for _ in range(n):
                e = self.maker.make(self.next_e, date=day)
                self.next_e += 1
                self.evidence[e["id"]] = e
                out[self.kb.evidence_path(e)] = to_yaml(e)
            where = e.get("context", "the literature")
            return f"Add {n} evidence item(s) from {where}", out
        if op == "relink":
            e = self.evidence[rng.choice(list(self.evidence))]
            if e.get("links"):
                link = rng.choice(e["links"])
                link["strength"] = rng.choice(["weak", "moderate", "strong"])
                link["stance"] = rng.choice(["supports", "contradicts", "qualifies"])
                out[self.kb.evidence_path(e)] = to_yaml(e)
                return f"Re-judge {e['id']} on {link['hypothesis']}", out
            return self.change(day)
        if op in ("revise", "status"):
            h = self.hypotheses[rng.choice(list(self.hypotheses))]
            if op == "revise":
                last = max([h["proposed"]] + [r["date"] for r in h.get("revisions", ())])
                h.setdefault("revisions", []).append({
                    "date": max(day, last),
                    "previous": h["statement"],
                    "change": self.words.text(1, 2, 0.5),
                    "by": [rng.choice(PEOPLE)[0]],
                })
                h["statement"] = {"nb": _as_nb(h["statement"]) + " " + self.words.sentence()[0],
                                  "en": h["statement"]["en"] if isinstance(h["statement"], dict) else "Reworded."}
                msg = f"Reword {h['id']}"
            else:
                h["status"] = rng.choice(["testing", "revised", "retired"])
                msg = f"{h['id']}: status {h['status']}"
            out[self.kb.hypothesis_path(h)] = to_yaml(h)
            return msg, out
        if op == "hypothesis":
            base = self.hypotheses[rng.choice(list(self.hypotheses))]
            hid = f"H{self.next_h:04d}"
            self.next_h += 1
            h = {
                "id": hid,
                "title": {"nb": f"Presisering av {base['id']}", "en": f"Refinement of {base['id']}"},
                "statement": self.words.text(2, 3, 0.5), "status": "proposed", "proposed": day,
                "authors": [rng.choice(PEOPLE)[0]], "refines": [base["id"]],
            }
            self.hypotheses[hid] = h
            self.kb.hypotheses.append(h)
            self.maker.refresh()
            out[self.kb.hypothesis_path(h)] = to_yaml(h)
            return f"Propose {hid}, refining {base['id']}", out
        candidates = [eid for eid in rng.sample(list(self.evidence), 20) if eid not in self.cited]
        if not candidates:
            return self.change(day)
        e = self.evidence.pop(candidates[0])
        out[self.kb.evidence_path(e)] = None
        return f"Withdraw {e['id']} (duplicate record)", out


def build_repo(repo: Path, scale: str = "medium", commits: int = 500, seed: int = SEED) -> Path:
    """Write the repository (replacing what was there); returns its path."""
    if repo.exists():
        shutil.rmtree(repo)
    repo.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    kb = build(scale, seed)
    history = _History(kb, seed)
    stream: list[bytes] = []
    span = (END - START).days
    for n in range(commits):
        day = START + dt.timedelta(days=span * n // max(1, commits - 1))
        name, email = PEOPLE[n % len(PEOPLE)]
        stamp = int(dt.datetime(day.year, day.month, day.day, 12, tzinfo=dt.timezone.utc).timestamp())
        if n == 0:
            message, changes = "Knowledge base as the project started", dict(files(kb))
        else:
            message, changes = history.change(day)
        stream.append(b"commit refs/heads/main\n")
        stream.append(f"author {name} <{email}> {stamp} +0000\n".encode())
        stream.append(f"committer {name} <{email}> {stamp} +0000\n".encode())
        stream.append(_data(message))
        for path, text in changes.items():
            if text is None:
                stream.append(f"D {path}\n".encode())
            else:
                stream.append(f"M 100644 inline {path}\n".encode() + _data(text))
        stream.append(b"\n")
    subprocess.run(["git", "-C", str(repo), "fast-import", "--quiet"], input=b"".join(stream), check=True)
    subprocess.run(["git", "-C", str(repo), "reset", "-q", "--hard", "main"], check=True)
    first = subprocess.run(["git", "-C", str(repo), "rev-list", "--max-parents=0", "main"], check=True,
                           capture_output=True, text=True).stdout.split()[0]
    subprocess.run(["git", "-C", str(repo), "tag", "bench-first", first], check=True)
    subprocess.run(["git", "-C", str(repo), "tag", "bench-last", "main"], check=True)
    marker = {"scale": scale, "commits": commits, "seed": seed, "version": VERSION}
    (repo / ".git" / "bench.json").write_text(json.dumps(marker))
    return repo


def ensure_repo(scale: str = "medium", commits: int = 500, seed: int = SEED) -> Path:
    """The history repository under benchmarks/kbs/, built unless an identical one is there."""
    repo = KBS / f"{scale}-history"
    marker = repo / ".git" / "bench.json"
    if marker.is_file() and json.loads(marker.read_text()) == {"scale": scale, "commits": commits, "seed": seed,
                                                          "version": VERSION}:
        return repo
    return build_repo(repo, scale, commits, seed)
