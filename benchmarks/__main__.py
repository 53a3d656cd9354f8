"""Time each stage of kb against its floor, at one scale, in one run.

    python -m benchmarks --scale small|medium|large [--stages check,graph,...]
                         [--json OUT.json] [--repeat N] [--profile]

Generates the synthetic KB if needed (benchmarks/kbs/, not timed), then
measures each stage of kb and the floor for the same work, each side in a
fresh Python process (so imports are counted and the peak memory is that
process's own ru_maxrss). Prints a table of seconds, ratio (kb / floor) and
peak memory, and writes it as JSON (default benchmarks/out/SCALE.json).
A stage whose kb feature is missing is reported as n/a with the reason.

Stages (default: all; ``diff`` only at medium unless named):

    check   kb check, cold (empty cache) and warm (second run, nothing changed)
            floor: read files + yaml.load(CSafeLoader) + pydantic model_validate, gc off
    graph   standings + build_graph, timed in-process after loading
            floor: nx.MultiDiGraph of the same nodes and edges, from plain data
    turtle  kb.rdf.export.serialize(kb, 'ttl')
            floor: the same triples made with pyoxigraph and serialised by it
    queries queries/*.rq by kb.rdf.queries.run_query (guarded, time-limited) on kb's store
            floor: the same queries by a plain pyoxigraph Store loaded from the Turtle
    site    kb build
            floor: mkdocs build (Material) of as many simple pages, item pages out of the nav
    diff    kb diff FIRST HEAD and kb history over 500 commits
            floor: read + parse + validate both revisions' files from git; git log --name-status
    cli     peak memory of the other commands (status, export, query, graph, gaps); no floor
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, Callable

from . import generate

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
OUT = HERE / "out"
QUERIES = REPO / "queries"
STAGES = ["check", "graph", "turtle", "queries", "site", "diff", "cli"]
TARGETS = {  # ratio limits from issue 7 (medium scale)
    "check cold": 1.5, "check warm": 0.25, "graph + standings": 2.0, "turtle export": 2.0,
    "queries (median)": 2.0, "site (kb build)": 1.3,
}
PEAK_LIMIT_MB = 2048.0


# --- running one process -------------------------------------------------------------


@dataclass
class Proc:
    """One child process: wall time, peak memory, exit status, and its BENCH-RESULT."""

    wall: float
    peak_mb: float
    rc: int
    result: dict = field(default_factory=dict)
    tail: str = ""
    timed_out: bool = False
    stdout: str = ""
    #: the largest sum of the resident memory of the process and its descendants at one time (sampled)
    tree_mb: float = 0.0

    @property
    def ok(self) -> bool:
        return self.rc == 0 and not self.timed_out

    def has(self, key: str) -> bool:
        """Did the child report ``key``? (If not, its output tail says why.)"""
        return key in self.result


def run(argv: list[str], cwd: Path | None = None, env: dict | None = None, timeout: float = 3600) -> Proc:
    """Run argv; measure its wall time and its own peak RSS (os.wait4 gives the child's rusage)."""
    full_env = {**os.environ, "PYTHONPATH": str(REPO), **(env or {})}
    work = OUT / ".proc"
    work.mkdir(parents=True, exist_ok=True)
    with open(work / "stdout", "w+b") as out, open(work / "stderr", "w+b") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, env=full_env, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        killed = threading.Event()

        def kill() -> None:
            killed.set()
            proc.kill()

        timer = threading.Timer(timeout, kill)
        timer.start()
        tree = _TreeMemory(proc.pid)
        tree.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        timer.cancel()
        tree.done.set()
        tree.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    result = {}
    for line in stdout.splitlines():
        at = line.find("BENCH-RESULT ")  # a library may have printed without a newline before it
        if at >= 0:
            result = json.loads(line[at + len("BENCH-RESULT "):])
    tail = "\n".join((stderr.strip() or stdout.strip()).splitlines()[-3:])
    return Proc(wall, usage.ru_maxrss / 1024, proc.returncode, result, tail, killed.is_set(), stdout, tree.peak_mb)


class _TreeMemory(threading.Thread):
    """The peak of the summed memory of a process and all its descendants, read from /proc every 0.2 s.

    ``ru_maxrss`` is the largest single process; kb build runs the KB's
    process, the saved questions' store, MkDocs and the citations beside one
    another, and what a machine must have is their sum. Each process counts
    its proportional set size (``Pss`` of ``/proc/PID/smaps_rollup``): a page
    that several processes share (a forked child's copy-on-write store, the
    libraries) is divided among them instead of counted in each; where that
    file cannot be read, the process's RSS.
    """

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak_mb, self.done = pid, 0.0, threading.Event()
        self.page = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096

    def run(self) -> None:
        while not self.done.wait(0.2):
            self.peak_mb = max(self.peak_mb, self.sample())

    def sample(self) -> float:
        parents: dict[int, int] = {}
        rss: dict[int, int] = {}
        for entry in os.listdir("/proc") if os.path.isdir("/proc") else ():
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat", "rb") as f:
                    fields = f.read().rsplit(b")", 1)[1].split()
                parents[int(entry)] = int(fields[1])
                rss[int(entry)] = int(fields[21]) * self.page
            except (OSError, IndexError, ValueError):
                continue
        tree, grew = {self.pid}, True
        while grew:
            more = {pid for pid, parent in parents.items() if parent in tree and pid not in tree}
            tree |= more
            grew = bool(more)
        return sum(_pss(pid, rss.get(pid, 0)) for pid in tree) / 2**20


def _pss(pid: int, rss: int) -> int:
    """A process's proportional set size in bytes; ``rss`` where the kernel does not say."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as f:
            for line in f:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return rss


def child(*args: str, **kw: Any) -> list[str]:
    return [sys.executable, "-m", "benchmarks.child", *args]


def kb_cmd(root: Path, *args: str) -> list[str]:
    # as the kb program starts (python -m kb is the same program, with this interpreter)
    return [sys.executable, "-m", "kb", "-C", str(root), *args]


# --- results -------------------------------------------------------------------------


@dataclass
class Row:
    stage: str
    kb_s: float | None = None
    floor_s: float | None = None
    kb_mb: float | None = None
    floor_mb: float | None = None
    target: float | None = None
    note: str = ""
    details: dict = field(default_factory=dict)
    #: a ratio that is not kb_s / floor_s (the queries' median of per-query ratios)
    ratio_of_parts: float | None = None
    #: the stage (of STAGES) that measured this row
    group: str = ""

    @property
    def ratio(self) -> float | None:
        if self.ratio_of_parts is not None:
            return self.ratio_of_parts
        if self.kb_s is None or not self.floor_s:
            return None
        return self.kb_s / self.floor_s

    @property
    def met(self) -> bool | None:
        if self.target is None or self.ratio is None:
            return None
        return self.ratio <= self.target

    def as_dict(self) -> dict:
        d = asdict(self)
        d.update(ratio=self.ratio, met=self.met)
        return d


class Bench:
    def __init__(self, scale: str, repeat: int, profile: bool, timeout: float) -> None:
        self.scale, self.repeat, self.profile, self.timeout = scale, repeat, profile, timeout
        self.root = generate.ensure(scale)
        self.counts = json.loads((self.root / "MANIFEST.json").read_text())["counts"]
        self.work = OUT / f"work-{scale}"
        if self.work.exists():
            shutil.rmtree(self.work)
        self.work.mkdir(parents=True)
        # the in-process stages load through the cache the warm check filled (or fill it first)
        self.shared_cache = self.work / "cache-warm"
        self.ttl = self.work / "kb.ttl"
        self.rows: list[Row] = []
        self.stage = ""

    # helpers

    def env(self, cache: Path | None = None) -> dict:
        return {"KB_CACHE_DIR": str(cache or self.shared_cache)}

    def best(self, make: Callable[[int], Proc], key: Callable[[Proc], float], times: int | None = None) -> Proc:
        """The fastest of ``repeat`` runs (the peak memory is the largest seen)."""
        runs = [make(i) for i in range(times or self.repeat)]
        bad = [p for p in runs if not p.ok]
        if bad:
            return bad[0]
        fastest = min(runs, key=key)
        fastest.peak_mb = max(p.peak_mb for p in runs)
        return fastest

    def prof_args(self, name: str) -> list[str]:
        if not self.profile:
            return []
        (OUT / "profiles").mkdir(parents=True, exist_ok=True)
        return ["--profile", str(OUT / "profiles" / f"{self.scale}-{name}.txt")]

    def add(self, row: Row) -> None:
        row.group = self.stage
        self.rows.append(row)
        print(format_row(row), file=sys.stderr, flush=True)

    def failed(self, stage: str, proc: Proc, what: str) -> None:
        reason = "timed out" if proc.timed_out else f"{what} failed (exit {proc.rc}): {proc.tail}"
        self.add(Row(stage, note=f"n/a: {reason}"))

    def has_command(self, name: str) -> tuple[bool, str]:
        p = run(kb_cmd(self.root, name, "--help"), env=self.env())
        return p.rc == 0, p.tail

    # stages

    def stage_check(self) -> None:
        floor = self.best(lambda i: run(child(*self.prof_args("check-floor"), "check-floor", str(self.root))),
                          key=lambda p: p.wall)
        if not floor.ok:
            return self.failed("check floor", floor, "the floor")

        def cold(i: int) -> Proc:
            cache = self.work / f"cache-cold-{i}"
            return run(kb_cmd(self.root, "check"), env=self.env(cache), timeout=self.timeout)

        kb_cold = self.best(cold, key=lambda p: p.wall)
        if not kb_cold.ok:
            return self.failed("check cold", kb_cold, "kb check")
        cached = any((self.work / "cache-cold-0").rglob("*"))
        self.add(Row("check cold", kb_cold.wall, floor.wall, kb_cold.peak_mb, floor.peak_mb, TARGETS["check cold"],
                     details={"floor_work_s": floor.result.get("seconds"), "files": floor.result.get("files")}))
        warm_cache = self.work / "cache-warm"
        run(kb_cmd(self.root, "check"), env=self.env(warm_cache), timeout=self.timeout)  # fill the cache
        kb_warm = self.best(lambda i: run(kb_cmd(self.root, "check"), env=self.env(warm_cache), timeout=self.timeout),
                            key=lambda p: p.wall)
        note = "" if cached else "kb wrote no cache (KB_CACHE_DIR stayed empty): warm = cold"
        self.add(Row("check warm", kb_warm.wall, floor.wall, kb_warm.peak_mb, floor.peak_mb, TARGETS["check warm"],
                     note=note))
        if self.profile:
            run(child(*self.prof_args("check-kb"), "kb-cli", "-C", str(self.root), "check"),
                env={"KB_NO_CACHE": "1"})

    def _pair(self, stage: str, name: str, kb_args: list[str], floor_args: list[str],
              times: int | None = None) -> tuple[Proc, Proc] | None:
        kb = self.best(lambda i: run(child(*self.prof_args(f"{name}-kb"), *kb_args), env=self.env(),
                                     timeout=self.timeout), key=lambda p: p.result.get("seconds", 1e9), times=times)
        if not (kb.ok and kb.has("seconds")):
            self.failed(stage, kb, "kb")
            return None
        floor = self.best(lambda i: run(child(*self.prof_args(f"{name}-floor"), *floor_args), env=self.env(),
                                        timeout=self.timeout), key=lambda p: p.result.get("seconds", 1e9),
                          times=times)
        if not (floor.ok and floor.has("seconds")):
            self.failed(stage, floor, "the floor")
            return None
        return kb, floor

    def stage_graph(self) -> None:
        pair = self._pair("graph + standings", "graph", ["graph", str(self.root), "kb"],
                          ["graph", str(self.root), "floor"])
        if pair:
            kb, floor = pair
            self.add(Row("graph + standings", kb.result["seconds"], floor.result["seconds"], kb.peak_mb,
                         floor.peak_mb, TARGETS["graph + standings"],
                         details={"nodes": kb.result["nodes"], "edges": kb.result["edges"]}))

    def stage_turtle(self) -> None:
        pair = self._pair("turtle export", "turtle", ["turtle", str(self.root), "kb", str(self.ttl)],
                          ["turtle", str(self.root), "floor", str(self.ttl)])
        if pair:
            kb, floor = pair
            self.add(Row("turtle export", kb.result["seconds"], floor.result["seconds"], kb.peak_mb, floor.peak_mb,
                         TARGETS["turtle export"],
                         details={"triples": floor.result["triples"], "kb_bytes": kb.result["bytes"],
                                  "floor_bytes": floor.result["bytes"]}))

    def stage_queries(self) -> None:
        if not self.ttl.is_file():
            p = run(child("turtle", str(self.root), "kb", str(self.ttl)), env=self.env(), timeout=self.timeout)
            if not p.ok:
                return self.failed("queries (median)", p, "the Turtle export")
        pair = self._pair("queries (median)", "queries",
                          ["queries", str(self.root), "kb", str(self.ttl), str(QUERIES)],
                          ["queries", str(self.root), "floor", str(self.ttl), str(QUERIES)],
                          times=1)  # each query is already the best of up to 5 runs
        if not pair:
            return
        kb, floor = pair
        per = {}
        for name, q in kb.result["queries"].items():
            f = floor.result["queries"][name]
            per[name] = {"kb_s": q["seconds"], "floor_s": f["seconds"], "rows": q["rows"],
                         "floor_rows": f["rows"], "ratio": q["seconds"] / f["seconds"] if f["seconds"] else None,
                         "in_process_s": q.get("in_process_seconds")}
        ratios = [q["ratio"] for q in per.values() if q["ratio"] is not None]
        median = statistics.median(ratios)
        mismatch = [n for n, q in per.items() if q["rows"] != q["floor_rows"]]
        # seconds are the totals over all queries; the ratio is the median of the per-query ratios
        self.add(Row("queries (median)", kb.result["seconds"], floor.result["seconds"], kb.peak_mb, floor.peak_mb,
                     TARGETS["queries (median)"], details={"queries": per}, ratio_of_parts=median,
                     note=f"rows differ: {', '.join(mismatch)}" if mismatch else "seconds: sum of all queries"))
        # the same queries in kb's process, without the child that the time limit kills (issue 16's guard):
        # what the guard costs, apart from the rest of kb's query path
        inside = [q["in_process_s"] / q["floor_s"] for q in per.values() if q["in_process_s"] and q["floor_s"]]
        if inside:
            self.add(Row("  queries in process, no time limit (median)",
                          sum(q["in_process_s"] for q in per.values() if q["in_process_s"]), floor.result["seconds"],
                          ratio_of_parts=statistics.median(inside), note="detail: the guard's child left out"))
        for name, q in per.items():
            self.add(Row(f"  {name}", q["kb_s"], q["floor_s"], note=f"{q['rows']} rows"))

    def stage_site(self) -> None:
        present, why = self.has_command("build")
        if not present:
            self.add(Row("site (kb build)", note="n/a: kb has no 'build' command yet (issue 5)"))
            return
        out = self.work / "site-kb"
        build_args = ["build"]
        args_help = run(kb_cmd(self.root, "build", "--help"), env=self.env()).stdout
        if "--site-dir" in args_help:
            build_args += ["--site-dir", str(out)]
        elif "-o" in args_help or "--output" in args_help:
            build_args += ["-o", str(out)]
        else:
            out = self.root / "site"

        def kb_build(i: int) -> Proc:
            if out.exists():
                shutil.rmtree(out)
            return run(kb_cmd(self.root, *build_args), env=self.env(), timeout=self.timeout)

        kb = self.best(kb_build, key=lambda p: p.wall, times=1)  # the slowest stage: one run each
        if not kb.ok:
            return self.failed("site (kb build)", kb, "kb build")
        pages = [p for p in out.rglob("*.html") if p.name != "404.html"]
        c = self.counts
        sections = {"hypotheses": c["hypotheses"], "evidence": c["evidence"], "constructs": c["constructs"],
                    "contexts": c["contexts"]}
        floor_dir = self.work / "site-floor"
        from .sitefloor import write_floor_site

        language = "en"
        n = write_floor_site(floor_dir, len(pages), sections, language)

        def floor_build(i: int) -> Proc:
            shutil.rmtree(floor_dir / "site", ignore_errors=True)
            return run([sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(floor_dir / "mkdocs.yml"),
                        "-d", str(floor_dir / "site")], timeout=self.timeout)

        floor = self.best(floor_build, key=lambda p: p.wall, times=1)
        if not floor.ok:
            return self.failed("site (kb build)", floor, "mkdocs build")
        size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
        floor_size = sum(p.stat().st_size for p in (floor_dir / "site").rglob("*") if p.is_file())
        self.add(Row("site (kb build)", kb.wall, floor.wall, kb.peak_mb, floor.peak_mb, TARGETS["site (kb build)"],
                     details={"pages": len(pages), "floor_pages": n, "kb_site_mb": size / 2**20,
                              "floor_site_mb": floor_size / 2**20, "kb_tree_peak_mb": kb.tree_mb,
                              "floor_tree_peak_mb": floor.tree_mb}))
        if not self.profile:
            return  # the site once more, in-process: only when profiling (it doubles the stage's time)
        try:
            import kb.build  # noqa: F401
        except ImportError as exc:
            self.add(Row("  kb.build.build only", note=f"n/a: {exc}"))
            return
        inner = self.best(lambda i: run(child(*self.prof_args("site-kb"), "site", str(self.root),
                                              str(self.work / "site-inner")), env=self.env(), timeout=self.timeout),
                          key=lambda p: p.result.get("seconds", 1e9), times=1)
        if inner.ok and inner.has("seconds"):
            self.add(Row("  kb.build.build only", inner.result["seconds"], floor.wall, inner.peak_mb, floor.peak_mb,
                         note="in-process pipeline; floor is the whole mkdocs build"))
        else:
            self.failed("  kb.build.build only", inner, "kb.build.build")

    def stage_diff(self) -> None:
        from .history import ensure_repo

        present, _ = self.has_command("diff")
        t0 = time.perf_counter()
        repo = ensure_repo(self.scale)
        setup = time.perf_counter() - t0
        commits = int(subprocess.run(["git", "-C", str(repo), "rev-list", "--count", "HEAD"], check=True,
                                     capture_output=True, text=True).stdout)
        floor = run(child("diff-floor", str(repo), "bench-first", "bench-last"), timeout=self.timeout)
        detail = {"commits": commits, "repo_setup_s": setup}
        if not present:
            self.add(Row("diff FIRST HEAD", None, floor.wall, None, floor.peak_mb, details=detail,
                         note="n/a: kb has no 'diff' command yet (issue 6)"))
        else:
            kb = run(kb_cmd(repo, "diff", "bench-first", "bench-last"), env=self.env(self.work / "cache-diff"),
                     timeout=self.timeout)
            if kb.ok:
                self.add(Row("diff FIRST HEAD", kb.wall, floor.wall, kb.peak_mb, floor.peak_mb, details=detail,
                             note=f"{commits} commits; floor: both revisions' files read from git, parsed, validated"))
            else:
                self.failed("diff FIRST HEAD", kb, "kb diff")
        floor = run(child("history-floor", str(repo)), timeout=self.timeout)
        if not floor.ok:
            return self.failed("history", floor, "the floor")
        present, _ = self.has_command("history")
        if not present:
            self.add(Row("history", None, floor.wall, None, floor.peak_mb,
                         note="n/a: kb has no 'history' command yet (issue 6)"))
            return
        kb = run(kb_cmd(repo, "history"), env=self.env(self.work / "cache-history"), timeout=self.timeout)
        if kb.ok:
            self.add(Row("history", kb.wall, floor.wall, kb.peak_mb, floor.peak_mb,
                         details={"blobs": floor.result.get("blobs")},
                         note=f"{commits} commits; floor: git log + parse/validate every blob version it names"))
        else:
            self.failed("history", kb, "kb history")

    def stage_cli(self) -> None:
        # every command here runs with the cache filled, as it would after a kb check
        run(kb_cmd(self.root, "check"), env=self.env(), timeout=self.timeout)
        commands = {
            "kb status --format json": ["status", "--format", "json"],
            "kb export": ["export", "-o", str(self.work / "export.ttl")],
            "kb query standings.rq": ["query", str(QUERIES / "standings.rq"), "--format", "json"],
            "kb graph --format json": ["graph", "--format", "json", "-o", str(self.work / "graph.json")],
            "kb gaps": ["gaps"],
        }
        for label, args in commands.items():
            p = run(kb_cmd(self.root, *args), env=self.env(), timeout=self.timeout)
            if p.ok:
                self.add(Row(f"cli: {label}", p.wall, None, p.peak_mb, note="peak memory check, no floor",
                             details={"kb_tree_peak_mb": p.tree_mb}))
            else:
                self.failed(f"cli: {label}", p, label)


# --- output --------------------------------------------------------------------------


HEADER = f"{'stage':<34} {'kb s':>8} {'floor s':>8} {'ratio':>7} {'target':>7} {'met':>4} {'kb MB':>7} {'floor MB':>8}  note"


def _num(x: float | None, fmt: str) -> str:
    if x is None:
        width = fmt.split(".")[0]
        return "-".rjust(int(width)) if width.isdigit() else "-"
    return format(x, fmt)


def format_row(r: Row) -> str:
    met = {None: "", True: "yes", False: "NO"}[r.met]
    ratio = "-" if r.ratio is None else f"{r.ratio:.2f}x"
    target = "" if r.target is None else f"≤{r.target:g}x"
    return (f"{r.stage:<34} {_num(r.kb_s, '8.3f')} {_num(r.floor_s, '8.3f')} {ratio:>7} {target:>7} {met:>4} "
            f"{_num(r.kb_mb, '7.0f')} {_num(r.floor_mb, '8.0f')}  {r.note}").rstrip()


def table(rows: list[Row]) -> str:
    return "\n".join([HEADER] + [format_row(r) for r in rows])


def markdown_table(rows: list[Row]) -> str:
    # the largest process (ru_maxrss), and where measured, all of the command's processes together (Pss)
    lines = ["| stage | kb s | floor s | ratio | target | met | kb peak MB | kb, all processes MB | floor peak MB |",
             "| --- | ---: | ---: | ---: | ---: | :---: | ---: | ---: | ---: |"]
    for r in rows:
        if r.stage.startswith("  "):
            continue
        met = {None: "", True: "yes", False: "**no**"}[r.met]
        ratio = "n/a" if r.ratio is None else f"{r.ratio:.2f}x"
        lines.append(f"| {r.stage} | {_num(r.kb_s, '.2f')} | {_num(r.floor_s, '.2f')} | {ratio} | "
                     f"{'' if r.target is None else f'≤ {r.target:g}x'} | {met} | {_num(r.kb_mb, '.0f')} | "
                     f"{_num(r.details.get('kb_tree_peak_mb'), '.0f')} | {_num(r.floor_mb, '.0f')} |")
    return "\n".join(lines)


def _group(row: dict) -> str:
    """The stage of a row (rows written before rows carried it: from the name)."""
    if row.get("group"):
        return row["group"]
    name = row["stage"].strip()
    if name.endswith(".rq") and not name.startswith("cli"):
        return "queries"
    prefixes = {"check": "check", "graph": "graph", "turtle": "turtle", "queries": "queries", "site": "site",
                "build_site": "site", "diff": "diff", "history": "diff", "cli": "cli"}
    return next((g for p, g in prefixes.items() if name.startswith(p)), "")


def merge(old: dict, new: dict) -> dict:
    """``old`` with the rows of the stages in ``new`` replaced, in STAGES order."""
    if old["scale"] != new["scale"] or old["counts"] != new["counts"]:
        raise SystemExit("--merge: the existing file is for another KB; not merged")
    redone = set(new["stages"])
    rows = [r for r in old["rows"] if _group(r) not in redone] + new["rows"]
    rows.sort(key=lambda r: STAGES.index(_group(r)) if _group(r) in STAGES else len(STAGES))
    runs = old.get("runs", [{k: old[k] for k in ("date", "stages", "environment") if k in old}])
    runs.append({k: new[k] for k in ("date", "stages", "environment")})
    return {**new, "stages": [s for s in STAGES if s in redone or s in old["stages"]], "rows": rows, "runs": runs}


def _rows(data: dict) -> list[Row]:
    return [Row(**{k: v for k, v in r.items() if k not in ("ratio", "met")}) for r in data["rows"]]


def markdown_report() -> str:
    """The tables of every scale with results in benchmarks/out/, for the README."""
    parts = []
    for scale in generate.SCALES:
        path = OUT / f"{scale}.json"
        if not path.is_file():
            continue
        data = json.loads(path.read_text(encoding="utf-8"))
        env = data["environment"]
        c = data["counts"]
        runs = data.get("runs") or [data]
        when = "; ".join(f"{', '.join(r['stages'])}: {r['date']}, kb {r['environment']['kb_commit']}" for r in runs)
        parts.append(f"### {scale}: {c['hypotheses']:,} hypotheses, {c['evidence']:,} evidence items, "
                     f"{c['links']:,} links\n\n{when}; Python {env['python']}, {env['cpus']} CPUs, "
                     f"best of {data['repeat']}\n\n{markdown_table(_rows(data))}\n")
    return "\n".join(parts)


def environment() -> dict:
    versions = {}
    for dist in ("pydantic", "pydantic-core", "PyYAML", "networkx", "pyoxigraph", "mkdocs", "mkdocs-material",
                 "click"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = None
    rev = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True,
                         text=True).stdout.strip()
    dirty = bool(subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "kb"], capture_output=True,
                                text=True).stdout.strip())
    return {"python": platform.python_version(), "machine": platform.machine(), "cpus": os.cpu_count(),
            "kb_commit": rev + ("+dirty" if dirty else ""), "libraries": versions}


def scaling(current: dict) -> str:
    """kb seconds per 1,000 evidence items at each scale with a result in benchmarks/out/."""
    results = {}
    for scale in generate.SCALES:
        path = OUT / f"{scale}.json"
        data = current if current["scale"] == scale else (json.loads(path.read_text()) if path.is_file() else None)
        if data:
            results[scale] = data
    if len(results) < 2:
        return ""
    stages = [r["stage"] for r in current["rows"] if not r["stage"].startswith("  ")]
    lines = ["kb seconds per 1,000 evidence items (flat across scales = linear):",
             f"{'stage':<34} " + " ".join(f"{s:>10}" for s in results)]
    for stage in stages:
        cells = []
        for scale, data in results.items():
            row = next((r for r in data["rows"] if r["stage"] == stage), None)
            n = data["counts"]["evidence"] / 1000
            cells.append(f"{row['kb_s'] / n:10.3f}" if row and row.get("kb_s") is not None else f"{'-':>10}")
        lines.append(f"{stage:<34} " + " ".join(cells))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=generate.SCALES, default="small")
    parser.add_argument("--stages", default=None,
                        help=f"Comma-separated stages among {', '.join(STAGES)} (default: all).")
    parser.add_argument("--json", type=Path, help="Where to write the results (default: benchmarks/out/SCALE.json).")
    parser.add_argument("--repeat", type=int,
                        help="Runs per measurement, best kept (default: 2 small, else 1; the site: always 1).")
    parser.add_argument("--profile", action="store_true",
                        help="Also write cProfile tops of the timed parts to benchmarks/out/profiles/.")
    parser.add_argument("--timeout", type=float, default=3600, help="Seconds before a child is killed.")
    parser.add_argument("--merge", action="store_true",
                        help="Update the stages measured now in an existing JSON file, keeping its other rows.")
    parser.add_argument("--markdown", action="store_true",
                        help="Measure nothing: print the results in benchmarks/out/*.json as Markdown tables.")
    args = parser.parse_args(argv)
    if args.markdown:
        print(markdown_report())
        return 0
    if args.stages:
        stages = [s.strip() for s in args.stages.split(",") if s.strip()]
        unknown = [s for s in stages if s not in STAGES]
        if unknown:
            parser.error(f"unknown stage(s): {', '.join(unknown)}")
    else:
        stages = [s for s in STAGES if s != "diff" or args.scale == "medium"]
    repeat = args.repeat or (2 if args.scale == "small" else 1)
    t0 = time.perf_counter()
    env = environment()  # before the run: kb's commit is the one measured
    print(f"generating or reusing the {args.scale} KB...", file=sys.stderr, flush=True)
    bench = Bench(args.scale, repeat, args.profile, args.timeout)
    print(f"{bench.counts}; repeat {repeat}\n{HEADER}", file=sys.stderr, flush=True)
    for stage in stages:
        bench.stage = stage
        getattr(bench, f"stage_{stage}")()
    total = time.perf_counter() - t0
    data = {"scale": args.scale, "counts": bench.counts, "stages": stages, "repeat": repeat,
            "date": time.strftime("%Y-%m-%d %H:%M:%S"), "total_s": total, "environment": env,
            "peak_limit_mb": PEAK_LIMIT_MB, "rows": [r.as_dict() for r in bench.rows]}
    over = [r.stage for r in bench.rows if r.kb_mb is not None and r.kb_mb > PEAK_LIMIT_MB]
    print(f"\n{args.scale}: {bench.counts}\n{table(bench.rows)}")
    print(f"peak memory over {PEAK_LIMIT_MB:.0f} MB: {', '.join(over) or 'none'}; total {total:.0f} s")
    target = args.json or OUT / f"{args.scale}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    if args.merge and target.is_file():
        data = merge(json.loads(target.read_text(encoding="utf-8")), data)
    target.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    lines = scaling(data)
    if lines:
        print("\n" + lines)
    print(f"\nwritten to {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
