"""One measurement, run in a fresh process by ``python -m benchmarks``.

Each call measures one side (kb or its floor) of one stage and prints one
line ``BENCH-RESULT {json}`` on stdout: the seconds of the timed part plus
whatever the stage counts. Only this module's own imports come before the
timer for the whole-process stages, so every library import is counted.
The parent reads this process's peak memory (ru_maxrss) from os.wait4.

    python -m benchmarks.child check-floor ROOT
    python -m benchmarks.child graph ROOT kb|floor
    python -m benchmarks.child turtle ROOT kb|floor TTL_FILE
    python -m benchmarks.child queries ROOT kb|floor TTL_FILE QUERY_DIR
    python -m benchmarks.child site ROOT OUT_DIR
    python -m benchmarks.child diff-floor REPO REV_A REV_B
    python -m benchmarks.child history-floor REPO
    python -m benchmarks.child kb-cli ARGS...      (for --profile only)

``--profile FILE`` (first argument) writes the top of a cProfile of the
timed part to FILE.
"""

from __future__ import annotations

import gc
import json
import os
import sys
import time
from contextlib import contextmanager
from typing import Any, Iterator

PROFILE: str | None = None


def report(**values: Any) -> None:
    print("BENCH-RESULT " + json.dumps(values), flush=True)


@contextmanager
def timed(out: dict, key: str = "seconds", gc_off: bool = False) -> Iterator[None]:
    """Time the block into out[key]; with gc_off the cyclic collector is paused (floors)."""
    prof = None
    if PROFILE:
        import cProfile

        prof = cProfile.Profile()
    was = gc.isenabled()
    if gc_off:
        gc.disable()
    if prof:
        prof.enable()
    t0 = time.perf_counter()
    try:
        yield
    finally:
        out[key] = time.perf_counter() - t0
        if prof:
            prof.disable()
            _write_profile(prof, PROFILE)  # type: ignore[arg-type]
        if gc_off and was:
            gc.enable()


def _write_profile(prof: Any, path: str) -> None:
    import io
    import pstats

    buf = io.StringIO()
    stats = pstats.Stats(prof, stream=buf)
    stats.sort_stats("cumulative").print_stats(30)
    stats.sort_stats("tottime").print_stats(30)
    with open(path, "w", encoding="utf-8") as f:
        f.write(buf.getvalue())


# --- kb check's floor -----------------------------------------------------------------


def check_floor(root: str) -> None:
    """Read every file, parse it with PyYAML's C loader, validate the dicts with pydantic."""
    out: dict[str, Any] = {}
    with timed(out, gc_off=True):
        import yaml

        from kb.model import Config, Evidence, Hypothesis, Registry

        models = {"hypotheses": Hypothesis, "evidence": Evidence, "registry": Registry}
        loader = yaml.CSafeLoader
        with open(os.path.join(root, "kb.yaml"), "rb") as f:
            Config.model_validate(yaml.load(f.read(), Loader=loader))
        items = []  # kept, as any loader keeps them
        for folder, model in models.items():
            for dirpath, dirnames, filenames in os.walk(os.path.join(root, folder)):
                dirnames.sort()
                for name in sorted(filenames):
                    if name.endswith((".yaml", ".yml")):
                        with open(os.path.join(dirpath, name), "rb") as f:
                            items.append(model.model_validate(yaml.load(f.read(), Loader=loader)))
    report(files=len(items), **out)


# --- graph and standings --------------------------------------------------------------


def _load(root: str) -> Any:
    from kb import gcpolicy
    from kb.load.loader import load

    kb, diags = load(root)
    gcpolicy.loaded()  # as the kb program does after its load
    errors = [d for d in diags if d.severity == "error"]
    if errors:
        raise SystemExit(f"the KB has {len(errors)} errors, first: {errors[0].format()}")
    return kb


def graph(root: str, side: str) -> None:
    kb = _load(root)
    from kb.graph.network import build_graph
    from kb.graph.score import standings

    out: dict[str, Any] = {}
    if side == "kb":
        with timed(out):
            g = build_graph(kb, standings(kb))
    else:
        import networkx as nx

        # the same nodes and edges, with their attributes, as plain data
        ref = build_graph(kb, standings(kb))
        nodes = [(n, dict(a)) for n, a in ref.nodes(data=True)]
        edges = [(u, v, dict(a)) for u, v, a in ref.edges(data=True)]
        del ref, kb
        gc.collect()
        with timed(out, gc_off=True):
            g = nx.MultiDiGraph()
            g.add_nodes_from(nodes)
            g.add_edges_from(edges)
    report(nodes=g.number_of_nodes(), edges=g.number_of_edges(), **out)


# --- Turtle export --------------------------------------------------------------------


def turtle(root: str, side: str, ttl_file: str) -> None:
    kb = _load(root)
    import pyoxigraph as ox

    from kb.rdf.export import PREFIXES, serialize, triples

    out: dict[str, Any] = {}
    if side == "kb":
        with timed(out):
            text = serialize(kb, "ttl")
        with open(ttl_file, "w", encoding="utf-8") as f:
            f.write(text)
        report(bytes=len(text.encode("utf-8")), **out)
        return
    # the same triples as plain strings; the floor makes the terms and serialises them
    plain = []
    for t in triples(kb):
        o = t.object
        if isinstance(o, ox.Literal):
            plain.append((t.subject.value, t.predicate.value, 1, o.value, o.language, o.datatype.value))
        else:
            plain.append((t.subject.value, t.predicate.value, 0, o.value, None, None))
    del kb
    gc.collect()
    with timed(out, gc_off=True):
        named: dict[str, ox.NamedNode] = {}

        def iri(value: str) -> ox.NamedNode:
            node = named.get(value)
            if node is None:
                node = named[value] = ox.NamedNode(value)
            return node

        items = []
        for s, p, is_lit, value, lang, datatype in plain:
            if is_lit:
                obj = ox.Literal(value, language=lang) if lang else ox.Literal(value, datatype=iri(datatype))
            else:
                obj = iri(value)
            items.append(ox.Triple(iri(s), iri(p), obj))
        data = ox.serialize(items, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES).decode("utf-8")
    report(bytes=len(data.encode("utf-8")), triples=len(items), **out)


# --- saved queries --------------------------------------------------------------------


def _consume(result: Any) -> int:
    import pyoxigraph as ox

    if isinstance(result, ox.QueryBoolean):
        return 1
    rows = 0
    if isinstance(result, ox.QuerySolutions):
        names = list(result.variables)
        for row in result:
            for v in names:
                row[v]
            rows += 1
        return rows
    return sum(1 for _ in result)


def queries(root: str, side: str, ttl_file: str, query_dir: str) -> None:
    import pyoxigraph as ox

    texts = {name: open(os.path.join(query_dir, name), encoding="utf-8").read()
             for name in sorted(os.listdir(query_dir)) if name.endswith(".rq")}
    if side == "kb":
        kb = _load(root)
        from kb.rdf.export import load_store_draining
        from kb.rdf.queries import run_query

        store = load_store_draining(kb)  # as kb query does
        del kb

        def run(text: str) -> Any:
            return run_query(store, text)

        def in_process(text: str) -> Any:  # the same, without the killable child (no time limit)
            return run_query(store, text, timeout=None)
    else:
        from kb.rdf.export import PREFIXES

        store = ox.Store()
        with open(ttl_file, "rb") as f:
            store.bulk_load(f.read(), format=ox.RdfFormat.TURTLE)

        def run(text: str) -> Any:
            return store.query(text, prefixes=PREFIXES)

        in_process = None
    gc.collect()
    per: dict[str, dict] = {}
    for name, text in texts.items():
        best, rows, reps = _best(run, text)
        per[name] = {"seconds": best, "rows": rows, "repeats": reps}
        if in_process is not None:
            per[name]["in_process_seconds"] = _best(in_process, text)[0]
    report(seconds=sum(q["seconds"] for q in per.values()), queries=per)


def _best(run: Any, text: str) -> tuple[float, int, int]:
    """(best seconds, rows, runs) of up to 5 runs of one query, within about a second."""
    best, rows, spent, reps = float("inf"), 0, 0.0, 0
    while reps < 5 and (reps == 0 or spent < 1.0):
        out: dict[str, float] = {}
        with timed(out):
            rows = _consume(run(text))
        best = min(best, out["seconds"])
        spent += out["seconds"]
        reps += 1
    return best, rows, reps


# --- the site ------------------------------------------------------------------------


def site(root: str, out_dir: str) -> None:
    """The whole pipeline of kb build, in-process (its site engine and saved questions run in children)."""
    from kb.build import build

    out: dict[str, Any] = {}
    with timed(out):
        build(root, out_dir)
    report(**out)


# --- kb diff's floor -----------------------------------------------------------------


def diff_floor(repo: str, *revs: str) -> None:
    """Read every YAML blob of the KB at two revisions from git, parse and validate them."""
    out: dict[str, Any] = {}
    with timed(out, gc_off=True):
        import subprocess

        import yaml

        from kb.model import Config, Evidence, Hypothesis, Registry

        models = {"hypotheses": Hypothesis, "evidence": Evidence, "registry": Registry}
        items = []
        for rev in revs:
            listing = subprocess.run(["git", "-C", repo, "ls-tree", "-r", "-z", rev], check=True,
                                     capture_output=True).stdout.decode("utf-8").split("\0")
            wanted = []
            for entry in listing:
                if not entry:
                    continue
                meta, path = entry.split("\t", 1)
                top = path.split("/", 1)[0]
                if path == "kb.yaml" or (top in models and path.endswith((".yaml", ".yml"))):
                    wanted.append((path, meta.split()[2]))
            batch = subprocess.run(["git", "-C", repo, "cat-file", "--batch"], check=True, capture_output=True,
                                   input="".join(f"{sha}\n" for _, sha in wanted).encode()).stdout
            pos = 0
            for path, _sha in wanted:
                header_end = batch.index(b"\n", pos)
                size = int(batch[pos:header_end].split()[2])
                raw = batch[header_end + 1: header_end + 1 + size]
                pos = header_end + 1 + size + 1
                data = yaml.load(raw, Loader=yaml.CSafeLoader)
                model = Config if path == "kb.yaml" else models[path.split("/", 1)[0]]
                items.append(model.model_validate(data))
    report(files=len(items), **out)


# --- a kb command in-process, for profiling ------------------------------------------------


def kb_cli(*args: str) -> None:
    from kb.cli import main as kb_main

    out: dict[str, Any] = {}
    with timed(out):
        try:
            kb_main(list(args), prog_name="kb", standalone_mode=False)
        except SystemExit:
            pass
    report(**out)


def history_floor(repo: str) -> None:
    """git log of the KB's files, then read, parse and validate every blob version it names."""
    out: dict[str, Any] = {}
    with timed(out, gc_off=True):
        import subprocess

        import yaml

        from kb.model import Evidence, Hypothesis, Registry

        models = {"hypotheses": Hypothesis, "evidence": Evidence, "registry": Registry}
        log = subprocess.run(["git", "-C", repo, "log", "--format=%x1e%H%x1f%aI%x1f%an%x1f%s", "--raw",
                              "--no-abbrev", "-z", "--no-renames", "--", *models], check=True,
                             capture_output=True).stdout
        wanted: dict[str, str] = {}
        commits = 0
        for record in log.split(b"\x1e")[1:]:
            commits += 1
            fields = record.split(b"\0")
            for i, meta in enumerate(fields):
                text = meta.decode("utf-8", "replace").strip().rsplit("\n", 1)[-1]
                if text.startswith(":") and i + 1 < len(fields):
                    parts = text.split()
                    path = fields[i + 1].decode("utf-8")
                    for sha in parts[2:4]:
                        if set(sha) != {"0"}:
                            wanted[sha] = path.split("/", 1)[0]
        batch = subprocess.run(["git", "-C", repo, "cat-file", "--batch"], check=True, capture_output=True,
                               input="".join(f"{sha}\n" for sha in wanted).encode()).stdout
        pos, items = 0, []
        for sha, folder in wanted.items():
            header_end = batch.index(b"\n", pos)
            size = int(batch[pos:header_end].split()[2])
            raw = batch[header_end + 1: header_end + 1 + size]
            pos = header_end + 1 + size + 1
            items.append(models[folder].model_validate(yaml.load(raw, Loader=yaml.CSafeLoader)))
    report(commits=commits, blobs=len(items), **out)


STAGES = {
    "history-floor": history_floor,
    "kb-cli": kb_cli,
    "check-floor": check_floor, "graph": graph, "turtle": turtle, "queries": queries, "site": site,
    "diff-floor": diff_floor,
}


def main(argv: list[str]) -> None:
    global PROFILE
    from kb.gcpolicy import for_batch_program

    for_batch_program()  # as the kb program starts, so the kb side measures what users get
    if argv[:1] == ["--profile"]:
        PROFILE, argv = argv[1], argv[2:]
    STAGES[argv[0]](*argv[1:])


if __name__ == "__main__":
    main(sys.argv[1:])
