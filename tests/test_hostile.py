"""Hostile knowledge bases: what a stranger's pull request may hold cannot turn kb against its user.

Three classes, each with real files, real processes and a real store:
nothing from outside the KB is read or written (symlinks, FIFOs, huge
files, alias bombs, writes through links); SPARQL cannot reach the network,
crash kb or run forever; the parse cache holds data, never code.
"""

from __future__ import annotations

import os
import pickle
import socket
import subprocess
import sys
import threading
import time
import tracemalloc
from contextlib import nullcontext
from pathlib import Path

import pytest

from kb.errors import KbError, QueryError, StoreError

H01 = "id: H01\ntitle: First\nstatement: S\nstatus: testing\nproposed: 2021-01-01\n"
SECRET = "secret-outside-the-kb-4711"


def kb_subprocess(*args: str, cwd: Path, timeout: float = 60, env: dict | None = None):
    """kb as users start it, in its own process: a crash or a hang shows as one, not as a pass."""
    return subprocess.run([sys.executable, "-m", "kb", "-C", str(cwd), *args], capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **(env or {})})


# --- 1. nothing from outside the KB --------------------------------------------------------


def test_a_symlink_out_of_the_kb_is_refused_and_its_content_never_shown(make_kb, run_kb, tmp_path):
    outside = tmp_path / "outside.yaml"
    outside.write_text(f"id: H02\ntitle: {SECRET}: broken\n", encoding="utf-8")
    root = make_kb({"hypotheses/H01.yaml": H01})
    (root / "hypotheses" / "H02.yaml").symlink_to(outside)
    result = run_kb("check", cwd=root)
    assert result.exit_code == 1, result.output
    assert "hypotheses/H02.yaml:1:1: error KB110" in result.stderr
    assert "symlink to a file outside the knowledge base" in result.stderr
    assert SECRET not in result.output
    again = run_kb("check", cwd=root)  # the stored outcome of the check still reports it
    assert again.exit_code == 1 and "KB110" in again.stderr


def test_a_symlink_inside_the_kb_is_read_but_never_one_into_git(make_kb, run_kb):
    root = make_kb({"hypotheses/H01.yaml": H01, "drafts/H02.yaml": H01.replace("H01", "H02"),
                    ".git/H03.yaml": H01.replace("H01", "H03")})
    (root / "hypotheses" / "H02.yaml").symlink_to(root / "drafts" / "H02.yaml")
    (root / "hypotheses" / "H03.yaml").symlink_to(root / ".git" / "H03.yaml")
    result = run_kb("check", cwd=root)
    assert result.exit_code == 1, result.output
    assert [line.split(" error ")[0] for line in result.stderr.splitlines() if "KB110" in line] == [
        "hypotheses/H03.yaml:1:1:"]
    assert "2 hypotheses" in result.stdout


def test_a_fifo_does_not_hang_kb_check_and_is_named(make_kb):
    root = make_kb({"hypotheses/H01.yaml": H01})
    (root / "evidence").mkdir()
    os.mkfifo(root / "evidence" / "E001.yaml")
    result = kb_subprocess("check", cwd=root, timeout=60, env={"KB_NO_CACHE": "1"})
    assert result.returncode == 1, result.stderr
    assert "evidence/E001.yaml:1:1: error KB110 is a FIFO (named pipe), not a regular file" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_kb_yaml_that_is_a_fifo_or_a_link_out_cannot_be_used(make_kb, run_kb, tmp_path):
    root = make_kb({"hypotheses/H01.yaml": H01})
    (tmp_path / "elsewhere.yaml").write_text((root / "kb.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    (root / "kb.yaml").unlink()
    (root / "kb.yaml").symlink_to(tmp_path / "elsewhere.yaml")
    result = run_kb("check", cwd=root)
    assert result.exit_code == 2, result.output
    assert "kb.yaml:1:1: error KB110" in result.stderr


#: ``kb check`` as an unprivileged user: root reads every folder whatever its mode, so the test
#: (run as root in CI) imports what the check needs, then drops to ``nobody`` before kb reads the KB.
AS_NOBODY = """
import os, sys
import kb.cli, kb.load.loader, kb.load.check, kb.load.files, kb.load.cache, kb.history.checks, kb.history.git
import pydantic, yaml, click.testing, unicodedata, difflib, json, csv, io, hashlib, encodings.idna  # what the check imports lazily
os.setgroups([]); os.setgid(65534); os.setuid(65534)
kb.cli.main(["check"], standalone_mode=True)
"""


def test_an_unreadable_folder_is_an_error_not_skipped(tmp_path):
    import shutil
    import subprocess
    import sys
    import tempfile

    from conftest import write_files

    base = Path(tempfile.mkdtemp(prefix="kb-unreadable-"))  # pytest's own folders are closed to others
    try:
        root = base / "kb"
        root.mkdir()
        write_files(root, {"kb.yaml": "title: T\nbase_iri: https://kb.example.org/t/\nlanguages: [en]\n",
                           "hypotheses/H01.yaml": H01, "evidence/closed/E001.yaml": "id: E001\n"})
        for path in [base, *base.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        (root / "evidence" / "closed").chmod(0)
        env = {"KB_NO_CACHE": "1", "HOME": str(base), "PATH": "/usr/bin:/bin"}
        result = subprocess.run([sys.executable, "-c", AS_NOBODY] if os.geteuid() == 0 else
                                [sys.executable, "-m", "kb", "check"], cwd=root, capture_output=True, text=True,
                                env=env, timeout=120)
    finally:
        (base / "kb" / "evidence" / "closed").chmod(0o755)
        shutil.rmtree(base, ignore_errors=True)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "evidence/closed:1:1: error KB110 the folder cannot be read" in result.stderr


def test_a_symlinked_folder_is_reported_not_followed(make_kb, run_kb, tmp_path):
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "E001.yaml").write_text(SECRET, encoding="utf-8")
    root = make_kb({"hypotheses/H01.yaml": H01})
    (root / "evidence").mkdir()
    (root / "evidence" / "more").symlink_to(tmp_path / "elsewhere")
    result = run_kb("check", cwd=root)
    assert result.exit_code == 1, result.output
    assert "evidence/more:1:1: error KB110 the folder is a symlink" in result.stderr
    assert SECRET not in result.output


def test_a_file_past_the_size_limit_is_refused_before_it_is_read(make_kb, run_kb):
    from kb.load.files import MAX_FILE_BYTES

    root = make_kb({"hypotheses/H01.yaml": H01,
                    "registry/sources.yaml": "sources:\n" + "# padding\n" * (MAX_FILE_BYTES // 10 + 1)})
    result = run_kb("check", cwd=root)
    assert result.exit_code == 1, result.output
    assert "registry/sources.yaml:1:1: error KB111 the file is larger than 2 MB" in result.stderr


def test_a_long_text_and_deep_nesting_are_refused_with_a_message(make_kb, run_kb):
    root = make_kb({"hypotheses/H01.yaml": H01.replace("statement: S", "statement: " + "x" * 100_001),
                    "hypotheses/H02.yaml": "id: H02\ntags: " + "[" * 30_000 + "]" * 30_000 + "\n"})
    result = kb_subprocess("check", cwd=root)  # 30,000 levels overflow the YAML composer's C stack
    assert result.returncode == 1, result.stderr
    assert "hypotheses/H01.yaml:3:12: error KB111 statement: this text is 100,001 characters long" in result.stderr
    assert "hypotheses/H02.yaml:2:70: error KB111 values are nested more than 64 deep" in result.stderr


def test_a_200_kb_file_of_aliases_is_refused_quickly_within_100_mb():
    from kb.load.yamlread import read_yaml

    one_list = "[" + ", ".join(f"v{i}" for i in range(2_000)) + "]"
    text = f"id: H01\nbase: &a {one_list}\ntags:\n" + "  - *a\n" * 99  # 99 aliases: under the count limit
    text += "# " + "x" * (200_000 - len(text)) + "\n"
    assert len(text) >= 200_000
    tracemalloc.start()
    started = time.monotonic()
    try:
        data, _, diags = read_yaml(text.encode(), "hypotheses/H01.yaml")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert data is None and [d.code for d in diags] == ["KB107"], diags
    assert "aliases expand to more than 10,000 values" in diags[0].message
    assert time.monotonic() - started < 2 and peak < 100 * 2**20, (time.monotonic() - started, peak)


def test_saved_queries_never_publish_a_file_they_point_to(make_kb, tmp_path):
    from kb.rdf.queries import read_saved_queries

    (tmp_path / "secret.rq").write_text(f"# {SECRET}\nSELECT * WHERE {{ ?s ?p ?o }}\n", encoding="utf-8")
    root = make_kb({"queries/good.rq": "SELECT * WHERE { ?s ?p ?o }\n", "queries/bad.rq": b"\xff\xfe"})
    (root / "queries" / "leak.rq").symlink_to(tmp_path / "secret.rq")
    (root / "queries" / "git.rq").symlink_to(root / "kb.yaml")  # inside the KB, not a dot-folder: read
    os.mkfifo(root / "queries" / "pipe.rq")
    queries, problems = read_saved_queries(root)
    assert [name for name, _ in queries] == ["git", "good"]
    assert SECRET not in repr(queries)
    assert sorted((d.path, d.code) for d in problems) == [
        ("queries/bad.rq", "KB101"), ("queries/leak.rq", "KB110"), ("queries/pipe.rq", "KB110")]


def test_writes_never_follow_a_symlink(make_kb, run_kb, tmp_path):
    from kb.output import write_atomic

    victim = tmp_path / "victim.txt"
    victim.write_text("keep me", encoding="utf-8")
    (tmp_path / "out.ttl").symlink_to(victim)
    with pytest.raises(KbError, match="symlink"):
        write_atomic(tmp_path / "out.ttl", "overwritten")
    assert victim.read_text(encoding="utf-8") == "keep me"

    root = make_kb({"hypotheses/H01.yaml": H01})
    (tmp_path / "elsewhere").mkdir()
    (root / "schema").symlink_to(tmp_path / "elsewhere")
    result = run_kb("schema", cwd=root)
    assert result.exit_code == 2 and "symlink" in result.stderr, result.output
    assert not any((tmp_path / "elsewhere").iterdir())
    (root / "hypotheses" / "H02.yaml").symlink_to(victim)
    result = run_kb("new", "hypothesis", "--id", "H02", cwd=root)
    assert result.exit_code == 1, result.output
    assert victim.read_text(encoding="utf-8") == "keep me"


def test_kb_new_with_an_undecodable_title_leaves_no_file(make_kb):
    root = make_kb({"hypotheses/H01.yaml": H01})
    before = sorted(p.name for p in (root / "hypotheses").iterdir())
    result = subprocess.run([os.fsencode(sys.executable), b"-m", b"kb", b"-C", os.fsencode(root), b"new",
                             b"hypothesis", b"--title", b"caf\xe9"], capture_output=True, timeout=60)
    assert result.returncode == 2, result.stderr
    assert b"Traceback" not in result.stderr
    assert sorted(p.name for p in (root / "hypotheses").iterdir()) == before


def test_kb_init_leaves_nothing_half_made(tmp_path, monkeypatch):
    from kb import scaffold

    real = scaffold.create_file
    calls = [0]

    def failing(path, text, inside=None):
        calls[0] += 1
        if calls[0] == 4:
            raise OSError(28, "No space left on device")
        return real(path, text, inside)

    monkeypatch.setattr(scaffold, "create_file", failing)
    files = scaffold.init_files("T", "en")
    with pytest.raises(OSError):
        scaffold.create_kb(tmp_path / "new-kb", files)
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no KB and no work folder
    (tmp_path / "existing").mkdir()
    (tmp_path / "existing" / "notes.txt").write_text("mine", encoding="utf-8")
    calls[0] = 0
    with pytest.raises(OSError):
        scaffold.create_kb(tmp_path / "existing", files)
    assert sorted(p.name for p in (tmp_path / "existing").iterdir()) == ["notes.txt"]
    monkeypatch.setattr(scaffold, "create_file", real)
    scaffold.create_kb(tmp_path / "new-kb", files)
    assert (tmp_path / "new-kb" / "kb.yaml").is_file()


# --- 2. SPARQL that cannot be turned against the machine -------------------------------------

FEDERATED = [
    "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
    "select * where { service silent <http://127.0.0.1:9/> { ?s ?p ?o } }",
    "SELECT * WHERE { SeRvIcE ?endpoint { ?s ?p ?o } VALUES ?endpoint { <http://127.0.0.1:9/> } }",
    "SELECT * WHERE { \\u0053ERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
    "SELECT * WHERE { \\U00000073ervice <http://127.0.0.1:9/> { ?s ?p ?o } }",
    "SELECT * WHERE { SERVICE#comment\n<http://127.0.0.1:9/> { ?s ?p ?o } }",
    "SELECT * WHERE { ?s ?p 'a \\' quote' . SERVICE <http://127.0.0.1:9/> {} }",
    "SELECT * WHERE { OPTIONAL { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } } }",
    "SELECT * WHERE { { } UNION { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } } }",
    "SELECT * WHERE { { SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } } } }",
    "SELECT * WHERE { FILTER EXISTS { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } } }",
    "SELECT * WHERE { ?s ?p ?o .SERVICE<http://127.0.0.1:9/>{} }",
    "ASK { MINUS { SERVICE <http://127.0.0.1:9/> {} } }",
    "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } } }",
]


@pytest.fixture
def listener():
    """A local port that records whether anything connected to it (a SERVICE call would)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    server.settimeout(0.2)
    yield server
    server.close()


@pytest.mark.parametrize("query", FEDERATED)
def test_every_form_of_service_is_refused_and_nothing_is_contacted(query, listener):
    import pyoxigraph as ox

    from kb.rdf.queries import run_query

    port = listener.getsockname()[1]
    query = query.replace("127.0.0.1:9", f"127.0.0.1:{port}")
    with pytest.raises(QueryError, match="federated SERVICE"):
        run_query(ox.Store(), query)
    with pytest.raises(socket.timeout):
        listener.accept()


def test_a_string_that_is_not_closed_hides_nothing_and_costs_linear_time():
    from kb.rdf.queries import guard_query

    with pytest.raises(QueryError, match="string starting on line 2 is not closed"):
        guard_query("SELECT * WHERE {\n ?s ?p 'never closed . SERVICE <http://127.0.0.1:9/> {} }")
    started = time.monotonic()
    for text in ("'" + "\\'" * 49_000, "'''" + "''a" * 33_000, "<" * 99_000, "<a" * 49_000):
        with pytest.raises(QueryError) if text[0] == "'" else nullcontext():
            guard_query(text)
    assert time.monotonic() - started < 2  # a regex tried at every quote took 54 s on the first


def test_the_guard_does_not_refuse_the_word_where_it_is_not_the_keyword():
    import pyoxigraph as ox

    from kb.rdf.queries import run_query

    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("http://x/a"), ox.NamedNode("http://x/service"), ox.Literal("SERVICE")))
    result = run_query(store, "SELECT ?service WHERE { ?s <http://x/service> ?service . "
                              "FILTER(?service = 'SERVICE') } # no SERVICE here")
    assert [s["service"].value for s in result] == ["SERVICE"]


def test_a_deeply_nested_query_is_refused_before_the_engine_without_a_crash(make_kb):
    root = make_kb({"hypotheses/H01.yaml": H01})
    result = kb_subprocess("query", "SELECT * WHERE " + "{" * 5_000 + "}" * 5_000, cwd=root)
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert "nests brackets 5000 deep; the limit is 64" in result.stderr
    long = kb_subprocess("query", "SELECT * WHERE { ?s ?p ?o } #" + "x" * 100_000, cwd=root)
    assert long.returncode == 2 and "characters long; the limit is 100,000" in long.stderr


def test_a_query_that_still_crashes_the_engine_costs_only_its_child(make_kb, tmp_path):
    root = make_kb({"hypotheses/H01.yaml": H01})
    work = tmp_path / "tmp"
    work.mkdir()
    chained = "SELECT * WHERE { FILTER(" + "!" * 30_000 + "true) }"  # no nesting, but the parser recurses
    result = kb_subprocess("query", chained, cwd=root, env={"TMPDIR": str(work)})
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert "crashed the SPARQL engine" in result.stderr and "Traceback" not in result.stderr
    assert list(work.iterdir()) == []  # no work folder or file left behind


def test_a_slow_query_is_stopped_at_the_time_limit(make_kb, tmp_path):
    evidence = {f"evidence/E{i:03d}.yaml": f"id: E{i:03d}\nkind: interview\ntitle: T{i}\ndate: 2021-01-01\nsummary: S\n"
                for i in range(20)}
    root = make_kb({"hypotheses/H01.yaml": H01, **evidence})
    work = tmp_path / "tmp"
    work.mkdir()
    slow = "SELECT (COUNT(*) AS ?n) WHERE { " + " ".join(f"?s{i} ?p{i} ?o{i} ." for i in range(8)) + " }"
    started = time.monotonic()
    result = kb_subprocess("query", slow, "--timeout", "1", cwd=root, env={"TMPDIR": str(work)})
    took = time.monotonic() - started
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert "did not finish within 1 s and was stopped" in result.stderr
    assert took < 30, took
    assert list(work.iterdir()) == []
    (root / "kb.yaml").write_text((root / "kb.yaml").read_text(encoding="utf-8") + "query_timeout: 0.5\n",
                                  encoding="utf-8")
    result = kb_subprocess("query", slow, cwd=root)
    assert result.returncode == 2 and "within 0.5 s" in result.stderr, result.stderr


def test_the_answer_through_the_child_is_the_engines_answer():
    import pyoxigraph as ox

    from kb.rdf.queries import Triples, run_query

    store = ox.Store()
    a, p = ox.NamedNode("http://x/a"), ox.NamedNode("http://x/p")
    store.add(ox.Quad(a, p, ox.Literal("ja", language="nb")))
    store.add(ox.Quad(a, p, ox.Literal("1.50", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#decimal"))))
    direct = sorted(str(s["o"]) for s in store.query("SELECT ?o WHERE { ?s ?p ?o }"))
    assert sorted(str(s["o"]) for s in run_query(store, "SELECT ?o WHERE { ?s ?p ?o }")) == direct
    assert bool(run_query(store, "ASK { ?s ?p 'nothing' }")) is False
    built = run_query(store, "CONSTRUCT { ?o ?p ?s } WHERE { ?s ?p ?o FILTER(isIRI(?s)) }")
    assert isinstance(built, Triples) and len(built) == 0
    built = run_query(store, "CONSTRUCT { ?s <http://x/q> ?o } WHERE { ?s ?p ?o }")
    assert sorted(str(t.object) for t in built) == direct


def test_after_a_stopped_or_crashed_query_the_next_one_is_answered():
    import pyoxigraph as ox

    from kb.rdf.queries import run_query

    store = ox.Store()
    for i in range(30):
        store.add(ox.Quad(ox.NamedNode(f"http://x/{i}"), ox.NamedNode("http://x/p"), ox.Literal(str(i))))
    slow = "SELECT (COUNT(*) AS ?n) WHERE { " + " ".join(f"?s{i} ?p{i} ?o{i} ." for i in range(8)) + " }"
    started = time.monotonic()
    with pytest.raises(QueryError, match="did not finish within 0.5 s"):
        run_query(store, slow, timeout=0.5)
    assert time.monotonic() - started < 5
    assert int(next(iter(run_query(store, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")))["n"].value) == 30
    with pytest.raises(QueryError, match="crashed the SPARQL engine"):
        run_query(store, "SELECT * WHERE { FILTER(" + "!" * 30_000 + "true) }")
    assert bool(run_query(store, "ASK { ?s ?p '7' }")) is True


class Trickle(threading.Thread):
    """A store that accepts the request and answers one byte every 0.2 s, forever."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(1)
        self.port = self.server.getsockname()[1]
        self.stop = threading.Event()

    def run(self) -> None:
        conn, _ = self.server.accept()
        conn.settimeout(0.2)
        try:
            while not self.stop.is_set():
                try:
                    conn.recv(65536)
                except socket.timeout:
                    pass
                conn.sendall(b"H")
                time.sleep(0.2)
        except OSError:
            pass
        finally:
            conn.close()


def test_publish_to_a_store_that_trickles_bytes_ends_at_the_total_limit():
    from kb.rdf.publish import publish_graph

    store = Trickle()
    store.start()
    started = time.monotonic()
    try:
        with pytest.raises(StoreError, match="did not answer within 1.5 s"):
            publish_graph(f"http://127.0.0.1:{store.port}/store", "https://kb.example.org/g/",
                          "<http://x/a> <http://x/p> <http://x/o> .\n", connect_timeout=1, total_timeout=1.5)
    finally:
        store.stop.set()
        store.server.close()
    assert time.monotonic() - started < 5


def test_publish_never_prints_a_password_from_the_url(make_kb, run_kb):
    root = make_kb({"hypotheses/H01.yaml": H01})
    result = run_kb("publish", "--store", "http://reviewer:hunter2-pw@127.0.0.1:9/store", cwd=root)
    assert result.exit_code == 2, result.output
    assert "hunter2" not in result.output and "reviewer" not in result.output
    assert "http://***@127.0.0.1:9/store" in result.stderr and "KB_STORE_PASSWORD" in result.stderr


# --- 3. a cache that stores data, not code ----------------------------------------------------


class _Planted:
    """Unpickling this creates the marker file: what a planted pickle would do."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def test_a_planted_cache_file_runs_no_code(make_kb, run_kb, tmp_path):
    from kb.load.cache import cache_dir

    root = make_kb({"hypotheses/H01.yaml": H01})
    assert run_kb("check", cwd=root).exit_code == 0
    marker = tmp_path / "code-ran"
    names = sorted(cache_dir().iterdir())
    assert names and all(p.suffix == ".json" for p in names)
    for path in names:  # every cache file, and its old pickle name, replaced by a planted pickle
        for target in (path, path.with_suffix(".pickle")):
            target.write_bytes(pickle.dumps({"code": b"", "entries": {}, "key": b"", "value": _Planted(marker)}))
    assert not marker.exists()
    result = run_kb("check", cwd=root)
    assert result.exit_code == 0, result.output
    assert "ok: 1 hypotheses" in result.stdout
    assert not marker.exists()
    result = run_kb("status", cwd=root)
    assert result.exit_code == 0 and not marker.exists(), result.output


def test_a_cache_entry_of_the_wrong_shape_is_parsed_again(make_kb, run_kb):
    import json

    from kb.load.cache import _cache_path
    from kb.load.loader import load

    root = make_kb({"hypotheses/H01.yaml": H01})
    load(root)
    path = _cache_path(root, True, "")
    stored = json.loads(path.read_text(encoding="utf-8"))
    for key in stored["entries"]:
        stored["entries"][key] = [[["hypotheses", '{"id": "H01", "title": 5}', ["x", 1, 1], {}]], []]
    path.write_text(json.dumps(stored), encoding="utf-8")
    kb, diags = load(root)
    assert kb.hypotheses["H01"].title == "First" and not diags
