"""The DAGitty export, read back by DAGitty's own parser.

The parser is the one the ``jupyterlab-dagitty`` wheel ships (a test
dependency): tests/dagitty_parse.js loads its bundle in Node and prints the
graph DAGitty understood. Nothing is installed while the tests run.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from importlib import metadata
from pathlib import Path

import pytest

from kb.graph.network import to_dagitty
from kb.load.loader import load

REPO = Path(__file__).resolve().parent.parent
LOADER = REPO / "tests" / "dagitty_parse.js"


def _static_dir() -> Path:
    dist = metadata.distribution("jupyterlab-dagitty")
    chunks = [f for f in dist.files or () if f.name.startswith("109.") and f.name.endswith(".js")
              and "labextensions/jupyterlab-dagitty/static" in f.as_posix()]
    assert chunks, "the jupyterlab-dagitty wheel holds no DAGitty bundle (chunk 109)"
    return Path(dist.locate_file(chunks[0])).resolve().parent


@pytest.fixture(scope="module")
def dagitty():
    """``dagitty(text)`` -> what DAGitty's parser read: {type, nodes, edges} or {error}."""
    node = shutil.which("node")
    assert node, "Node.js is needed to run DAGitty's parser (tests/dagitty_parse.js)"
    static = _static_dir()

    def parse(text: str) -> dict:
        done = subprocess.run([node, str(LOADER), str(static)], input=text, capture_output=True,
                              text=True, encoding="utf-8", timeout=60)
        assert done.stdout, done.stderr
        return json.loads(done.stdout)

    return parse


def _read(parsed: dict) -> tuple[str, dict[str, str | None], list[tuple[str, str]]]:
    assert "error" not in parsed, parsed["error"]
    assert {kind for *_, kind in parsed["edges"]} <= {"directed"}
    return (parsed["type"], {n["id"]: n["label"] for n in parsed["nodes"]},
            [(a, b) for a, b, _ in parsed["edges"]])


def _constructs(*entries: tuple[str, str]) -> str:
    return "constructs:\n" + "".join(f"  - id: {cid}\n    label: {json.dumps(label)}\n" for cid, label in entries)


def _claim(hid: str, source: str, target: str, status: str = "testing") -> str:
    return (f"id: {hid}\ntitle: t\nstatement: s\nrelation: {{from: {source}, to: {target}, effect: positive}}\n"
            f"status: {status}\nproposed: 2021-01-01\n")


def test_the_parser_is_real_and_strict(dagitty):
    # the harness must be able to fail: DAGitty refuses a broken model and keeps names apart
    assert "error" in dagitty('dag { "a" -> }')
    assert _read(dagitty("dag { a -> b }")) == ("dag", {"a": None, "b": None}, [("a", "b")])


def test_kitchen_sink_reads_back_as_its_framework_map(kitchen_sink, run_kb, dagitty):
    result = run_kb("graph", "--format", "dagitty", cwd=kitchen_sink)
    assert result.exit_code == 0, result.output
    # H04 (social-capital -> co-creation) is retired, so it is no claim of the map
    assert _read(dagitty(result.stdout)) == (
        "dag",
        {"trust": "Tillit", "co-creation": "Samskaping", "learning": "Learning"},
        [("trust", "co-creation"), ("trust", "learning"), ("learning", "co-creation")],
    )


def test_shipped_kb_reads_back_with_every_claim(dagitty):
    kb, _ = load(REPO)
    claims = {(h.relation.from_, h.relation.to) for h in kb.hypotheses.values()
              if h.relation is not None and h.status not in ("retired", "refuted")}
    assert len(claims) >= 5, "the shipped KB should make causal claims"
    kind, nodes, edges = _read(dagitty(to_dagitty(kb)))
    # attractiveness -> co-creation (H04) and back (H11): a feedback loop, so no DAG
    assert {("attractiveness", "co-creation"), ("co-creation", "attractiveness")} <= claims
    assert kind == "graph"
    assert sorted(edges) == sorted(claims) and len(edges) == len(claims)
    assert set(nodes) == {end for claim in claims for end in claim}
    assert nodes == {cid: kb.text(kb.constructs[cid].label) for cid in nodes}


def test_a_cycle_makes_a_graph_not_a_dag(make_kb, run_kb, dagitty):
    root = make_kb({
        "registry/constructs.yaml": _constructs(("a", "A"), ("b", "B"), ("c", "C")),
        "hypotheses/H01.yaml": _claim("H01", "a", "b"),
        "hypotheses/H02.yaml": _claim("H02", "b", "c"),
        "hypotheses/H03.yaml": _claim("H03", "c", "a"),
    })
    result = run_kb("graph", "--format", "dagitty", cwd=root)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("graph {\n")
    assert _read(dagitty(result.stdout)) == (
        "graph", {"a": "A", "b": "B", "c": "C"}, [("a", "b"), ("b", "c"), ("c", "a")])


def test_a_retired_claim_closing_a_cycle_leaves_a_dag(make_kb, dagitty):
    root = make_kb({
        "registry/constructs.yaml": _constructs(("a", "A"), ("b", "B")),
        "hypotheses/H01.yaml": _claim("H01", "a", "b"),
        "hypotheses/H02.yaml": _claim("H02", "b", "a", status="retired"),
    })
    assert _read(dagitty(to_dagitty(load(root)[0])))[0] == "dag"


def test_ids_that_differ_only_in_dash_and_underscore_stay_two_nodes(make_kb, dagitty):
    root = make_kb({
        "registry/constructs.yaml": _constructs(("a-b", "Dash"), ("a_b", "Underscore"), ("x", "X")),
        "hypotheses/H01.yaml": _claim("H01", "a-b", "x"),
        "hypotheses/H02.yaml": _claim("H02", "x", "a_b"),
    })
    assert _read(dagitty(to_dagitty(load(root)[0]))) == (
        "dag", {"a-b": "Dash", "a_b": "Underscore", "x": "X"}, [("a-b", "x"), ("x", "a_b")])


@pytest.mark.parametrize("label", [
    'The "best" trust',
    'C:\\temp\\ "quoted" \\"odd\\"',
    '"',
    "Tillit – æøå ✓",
])
def test_labels_survive_quotes_and_backslashes(make_kb, dagitty, label):
    root = make_kb({
        "registry/constructs.yaml": _constructs(("p", label), ("q", "Q")),
        "hypotheses/H01.yaml": _claim("H01", "p", "q"),
    })
    assert _read(dagitty(to_dagitty(load(root)[0])))[1] == {"p": label, "q": "Q"}


def test_a_label_that_ends_in_a_backslash_does_not_swallow_the_quote(make_kb, dagitty):
    root = make_kb({
        "registry/constructs.yaml": _constructs(("p", "ends in \\"), ("q", "line one\nline two")),
        "hypotheses/H01.yaml": _claim("H01", "p", "q"),
    })
    nodes = _read(dagitty(to_dagitty(load(root)[0])))[1]
    # DAGitty has no escape for a final backslash, nor any for a line break
    assert nodes == {"p": "ends in \\ ", "q": "line one line two"}


def test_ids_dagitty_reserves_become_nodes_of_their_own(make_kb, dagitty):
    root = make_kb({
        "registry/constructs.yaml": _constructs(("graph", "G"), ("node", "N"), ("edge", "E")),
        "hypotheses/H01.yaml": _claim("H01", "graph", "node"),
        "hypotheses/H02.yaml": _claim("H02", "node", "edge"),
    })
    assert _read(dagitty(to_dagitty(load(root)[0]))) == (
        "dag", {"graph*": "G", "node*": "N", "edge": "E"}, [("graph*", "node*"), ("node*", "edge")])
