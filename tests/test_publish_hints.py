"""``kb publish`` against wrong URLs and redirects, and the README's read-only recipe, run for real.

A real Oxigraph server for its own answers (404 from the root, ``/query``
and ``/update``; 403 from ``serve-read-only``), and a real ``http.server``
in a thread for redirects, which Oxigraph never sends. Every failure is
exit 2 with a message, never a traceback.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _oxigraph() -> str:
    binary = shutil.which("oxigraph")
    if binary is None:
        if os.environ.get("CI") == "true":
            pytest.fail("the oxigraph server (PyPI package 'oxigraph') is not installed")
        pytest.skip("the oxigraph server (PyPI package 'oxigraph') is not installed")
    return binary


def _wait_for(base: str, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + "/query?query=ASK%7B%7D", timeout=1).read()
            return
        except OSError:
            if proc.poll() is not None:
                pytest.fail(f"oxigraph stopped at once (exit {proc.returncode})")
            time.sleep(0.1)
    proc.kill()
    pytest.fail("oxigraph server did not start")


@pytest.fixture()
def oxigraph(tmp_path):
    port = _free_port()
    proc = subprocess.Popen([_oxigraph(), "serve", "--location", str(tmp_path / "ox"), "--bind", f"127.0.0.1:{port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    _wait_for(base, proc)
    yield base
    proc.terminate()
    proc.wait(timeout=10)


def _count(base: str, graph: str | None = None) -> int:
    pattern = f"GRAPH <{graph}> {{ ?s ?p ?o }}" if graph else "GRAPH ?g { ?s ?p ?o }"
    q = urllib.parse.quote(f"SELECT (COUNT(*) AS ?n) WHERE {{ {pattern} }}")
    req = urllib.request.Request(f"{base}/query?query={q}", headers={"Accept": "text/csv"})
    return int(urllib.request.urlopen(req, timeout=10).read().decode().split()[-1])


def _publish(run_kb, kb: Path, url: str):
    result = run_kb("publish", "--store", url, cwd=kb)
    assert "Traceback" not in result.output
    return result


# --- wrong paths ------------------------------------------------------------------------------


@pytest.mark.parametrize("path, what", [("", "root"), ("/", "root"), ("/query", "query endpoint"),
                                        ("/update", "update endpoint")])
def test_oxigraph_paths_that_are_not_its_graph_store_get_the_store_hint(oxigraph, run_kb, kitchen_sink, path, what):
    result = _publish(run_kb, kitchen_sink, oxigraph + path)
    assert result.exit_code == 2, result.output
    assert "refused the graph: HTTP 404" in result.output
    assert f"this is Oxigraph's {what}, not its Graph Store endpoint: use --store {oxigraph}/store" in result.output
    assert _count(oxigraph) == 0
    hinted = _publish(run_kb, kitchen_sink, f"{oxigraph}/store")
    assert hinted.exit_code == 0, hinted.output
    assert _count(oxigraph, "https://kb.example.org/sink/") > 0


class _Recorder(BaseHTTPRequestHandler):
    """A store that takes PUT /store, redirects /r301 /r302 /r307 /r308 /loop /away..., and refuses the rest."""

    routes: dict[str, tuple[int, str]] = {}
    received: list[tuple[str, bytes]] = []

    def do_PUT(self) -> None:  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        path = urllib.parse.urlsplit(self.path).path
        if path in self.routes:
            status, location = self.routes[path]
            self.send_response(status)
            self.send_header("Location", location.replace("{query}", urllib.parse.urlsplit(self.path).query))
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if path == "/store":
            self.received.append((self.path, body))
            self.send_response(204)
            self.end_headers()
            return
        self.send_response(404)
        message = b"no such endpoint"
        self.send_header("Content-Length", str(len(message)))
        self.end_headers()
        self.wfile.write(message)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def http_store():
    """(base URL, its handler class, a second server's base URL and handler) on 127.0.0.1."""
    servers = []
    for _ in range(2):
        handler = type("Handler", (_Recorder,), {"routes": {}, "received": []})
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append((server, handler))
    (one, h1), (two, h2) = servers
    yield f"http://127.0.0.1:{one.server_port}", h1, f"http://127.0.0.1:{two.server_port}", h2
    for server, _ in servers:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("path", ["/query", "/sparql", "/"])
def test_other_servers_get_a_generic_hint(http_store, run_kb, kitchen_sink, path):
    base, _, _, _ = http_store
    result = _publish(run_kb, kitchen_sink, base + path)
    assert result.exit_code == 2, result.output
    assert "refused the graph: HTTP 404 Not Found: no such endpoint" in result.output
    assert "is not a Graph Store endpoint" in result.output
    assert f"such as {base}/store (Oxigraph) or {base}/DATASET/data (Fuseki)" in result.output
    assert "Oxigraph's root" not in result.output  # it is not known to be Oxigraph


def test_an_unknown_path_asks_whether_it_is_the_endpoint(http_store, run_kb, kitchen_sink):
    base, _, _, _ = http_store
    result = _publish(run_kb, kitchen_sink, base + "/data/things")
    assert result.exit_code == 2 and "Graph Store HTTP Protocol endpoint?" in result.output, result.output


# --- redirects ----------------------------------------------------------------------------


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_within_the_server_is_followed_with_the_graph(http_store, run_kb, kitchen_sink, status):
    base, handler, _, _ = http_store
    handler.routes = {"/old": (status, "/older"), "/older": (status, f"{base}/store?{{query}}")}
    result = _publish(run_kb, kitchen_sink, f"{base}/old")
    assert result.exit_code == 0, result.output
    assert "published" in result.output
    [(target, body)] = handler.received
    assert target == "/store?graph=" + urllib.parse.quote("https://kb.example.org/sink/", safe="")
    assert b"<https://kb.example.org/sink/" in body and body.endswith(b" .\n")


def test_a_redirect_that_drops_the_graph_gets_it_back(http_store, run_kb, kitchen_sink):
    base, handler, _, _ = http_store
    handler.routes = {"/gsp": (308, "/store")}  # without ?graph= the PUT would replace the default graph
    result = _publish(run_kb, kitchen_sink, f"{base}/gsp")
    assert result.exit_code == 0, result.output
    assert [t for t, _ in handler.received] == ["/store?graph=" + urllib.parse.quote("https://kb.example.org/sink/",
                                                                                   safe="")]


@pytest.mark.parametrize("elsewhere", ["other port", "other host", "https"])
def test_a_redirect_to_another_server_is_not_followed(http_store, run_kb, kitchen_sink, elsewhere):
    base, handler, other, other_handler = http_store
    port = urllib.parse.urlsplit(base).port
    target = {"other port": f"{other}/store", "other host": f"http://localhost:{port}/store",
              "https": f"https://127.0.0.1:{port}/store"}[elsewhere]
    handler.routes = {"/old": (307, target)}
    result = _publish(run_kb, kitchen_sink, f"{base}/old")
    assert result.exit_code == 2, result.output
    assert f"redirects to {target}, on another host, scheme or port" in result.output
    assert not handler.received and not other_handler.received


def test_a_redirect_loop_ends(http_store, run_kb, kitchen_sink):
    base, handler, _, _ = http_store
    handler.routes = {"/a": (302, "/b"), "/b": (302, "/a")}
    result = _publish(run_kb, kitchen_sink, f"{base}/a")
    assert result.exit_code == 2, result.output
    assert "redirected more than 5 times" in result.output


def test_a_redirect_without_a_location_is_an_error(http_store, run_kb, kitchen_sink):
    base, handler, _, _ = http_store
    handler.routes = {"/a": (301, "")}
    result = _publish(run_kb, kitchen_sink, f"{base}/a")
    assert result.exit_code == 2 and "no Location header" in result.output, result.output


# --- the README's read-only recipe ------------------------------------------------------------


def _recipe() -> list[str]:
    """The command lines of the README's shared-store block, comments left out."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    block = re.search(r"A shared store for many projects.*?```sh\n(.*?)```", text, re.S)
    assert block, "README.md has no shared-store recipe"
    lines = [line.split("  #")[0].strip() for line in block.group(1).splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


def test_the_readme_read_only_recipe_runs_and_serves_a_copy(tmp_path, kitchen_sink):
    """Each line of the README's block, run as written (paths and ports moved into the test's own)."""
    binary = _oxigraph()
    ports = {"7878": str(_free_port()), "7879": str(_free_port())}
    places = {"/srv/kb-store.nq": str(tmp_path / "kb-store.nq"), "/srv/kb-store": str(tmp_path / "kb-store"),
              "/srv/kb-copy": str(tmp_path / "kb-copy")}
    jobs: list[subprocess.Popen] = []
    graph = "https://kb.example.org/sink/"
    kinds = []
    try:
        for line in _recipe():
            for old, new in [*places.items(), *((f":{p}", f":{q}") for p, q in ports.items())]:
                line = line.replace(old, new)
            if line.startswith("kill %1"):
                assert line == "kill %1; wait %1", line
                jobs[0].terminate()
                jobs[0].wait(timeout=10)
                kinds.append("stop")
                continue
            background = line.endswith("&")
            argv = shlex.split(line.rstrip("&"))
            kinds.append(argv[1])
            if argv[0] == "kb":
                argv = [sys.executable, "-m", "kb", *argv[1:]]
                cwd = kitchen_sink
            else:
                assert argv[0] == "oxigraph", line
                argv[0], cwd = binary, tmp_path
            if background:
                jobs.append(subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
                _wait_for("http://" + argv[argv.index("--bind") + 1], jobs[-1])
            else:
                done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=120)
                assert done.returncode == 0, (line, done.stdout, done.stderr)
        assert kinds == ["serve", "publish", "stop", "dump", "serve", "load", "serve-read-only"], kinds
        writer = f"http://127.0.0.1:{ports['7878']}"
        reader = f"http://127.0.0.1:{ports['7879']}"
        published = _count(writer, graph)
        assert published > 0 and _count(reader, graph) == published  # the copy holds the graph
        # the writer takes more while reviewers read the copy, which nothing writes
        again = subprocess.run([sys.executable, "-m", "kb", "publish", "--store", f"{writer}/store", "--graph",
                                "http://example.org/later"], cwd=kitchen_sink, capture_output=True, text=True)
        assert again.returncode == 0, again.stderr
        assert _count(writer, "http://example.org/later") == published
        assert _count(reader, "http://example.org/later") == 0
        refused = subprocess.run([sys.executable, "-m", "kb", "publish", "--store", f"{reader}/store"],
                                 cwd=kitchen_sink, capture_output=True, text=True)
        assert refused.returncode == 2, refused.stderr
        assert "HTTP 403" in refused.stderr and "serve-read-only" in refused.stderr
        assert "Traceback" not in refused.stderr
    finally:
        for job in jobs:
            job.terminate()
            job.wait(timeout=10)
