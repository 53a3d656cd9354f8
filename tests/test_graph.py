"""kb.graph.network: the evidence graph, its serialisations, the framework map and the gap map.

Counts are from the kitchen sink (conftest.py): 4 constructs, 7 contexts,
3 sources, 4 hypotheses and 7 evidence items make 25 nodes; the 34 edges
are tallied by type in EDGE_TYPES.
"""

from __future__ import annotations

import io
import json
from collections import Counter
from pathlib import Path

import networkx as nx
import pytest

from kb.graph.network import build_graph, framework_map, gap_map, to_dagitty, to_dot, to_graphml, to_node_link
from kb.load.loader import load
from kb.graph.score import standings
from kb.public import public_view

NODES = 25
EDGE_TYPES = {
    "supports": 7,        # E01, E02, E04, E05 (two judges), E06, E07
    "contradicts": 1,     # E03
    "qualifies": 1,       # E02 -> H02
    "refines": 1,         # H02 -> H01
    "supersedes": 1,      # H03 -> H04
    "competes_with": 1,   # H02 -> H03
    "relates_from": 4,    # every hypothesis has a relation
    "relates_to": 4,
    "cites": 4,           # H01, H03, E06, E07
    "observed_in": 6,     # every evidence item but the literature finding
    # no "measures": E05 measures trust, but it is restricted, so its measurement is not published
    "part_of": 3,         # stad-arena, follo-ws, ks
    "broader": 1,         # trust -> social-capital
}
EDGES = sum(EDGE_TYPES.values())


@pytest.fixture
def graph(kitchen_kb):
    """The graph as published: of the public view (kb.public)."""
    public = public_view(kitchen_kb)
    return build_graph(public, standings(public))


def test_nodes_and_edges(graph):
    assert graph.number_of_nodes() == NODES
    assert graph.number_of_edges() == EDGES == 34
    assert Counter(attrs["type"] for _, attrs in graph.nodes(data=True)) == {
        "construct": 4, "context": 7, "source": 3, "hypothesis": 4, "evidence": 7}
    assert Counter(attrs["type"] for _, _, attrs in graph.edges(data=True)) == EDGE_TYPES


def test_node_and_edge_attributes(graph):
    h01 = graph.nodes["H01"]
    assert (h01["label"], h01["status"], h01["suggested"], h01["proposed"]) == (
        "Tillit fremmer samskaping", "supported", "supported", "2020-02-01")
    assert h01["belief"] == pytest.approx(6 / 8.5)
    assert graph.nodes["stad"]["role"] == "project"
    assert graph.nodes["ansell-gash-2008"]["doi"] == "10.1093/jopart/mum032"
    judges = sorted((attrs["by"], attrs["strength"], attrs["date"]) for attrs in graph.get_edge_data("E05", "H01").values())
    # E05 is restricted: its judges are pseudonyms, numbered in the order of its links
    assert judges == [("judge 1", "strong", "2022-03-15"), ("judge 2", "moderate", "2022-04-01")]
    relation = [attrs for _, v, attrs in graph.out_edges("H02", data=True) if attrs["type"] == "relates_to"]
    assert relation == [{"type": "relates_to", "effect": "nonlinear"}] and graph.has_edge("H02", "learning")


def test_restricted_evidence_keeps_its_text_out(graph):
    assert graph.nodes["E04"]["label"] == "E04" and graph.nodes["E04"]["restricted"] is True
    assert graph.nodes["E05"]["label"] == "E05"
    (attrs,) = graph.get_edge_data("E04", "H02").values()
    assert "note" not in attrs
    (attrs,) = graph.get_edge_data("E01", "H01").values()
    assert attrs["note"] == "Trust was visible at once."


def test_graphml_reads_back(graph):
    text = to_graphml(graph)
    back = nx.read_graphml(io.StringIO(text))
    assert back.number_of_nodes() == NODES
    assert back.number_of_edges() == EDGES
    assert back.nodes["H01"]["type"] == "hypothesis"
    assert back.nodes["E05"]["restricted"] is True


def _networkx_graphml(g: nx.MultiDiGraph) -> str:
    """What networkx itself writes for kb's graph (None values left out, as GraphML needs)."""
    plain = nx.MultiDiGraph(**{k: str(v) for k, v in g.graph.items()})
    for n, attrs in g.nodes(data=True):
        plain.add_node(n, **{k: v for k, v in attrs.items() if v is not None})
    for u, v, k, attrs in g.edges(keys=True, data=True):
        plain.add_edge(u, v, key=k, **{a: b for a, b in attrs.items() if b is not None})
    buffer = io.BytesIO()
    # networkx's own ElementTree writer: nx.write_graphml switches to an lxml one (other bytes for
    # the same graph) whenever lxml is installed, as citeproc-py and pyrefiqda install it
    nx.readwrite.graphml.write_graphml_xml(plain, buffer, encoding="utf-8", prettyprint=True)
    return buffer.getvalue().decode("utf-8")


@pytest.mark.parametrize("which", ["kitchen_sink", "shipped"])
def test_graphml_is_what_networkx_writes(which, request):
    """kb streams GraphML (networkx's writer holds the whole document as a tree); the bytes are the same."""
    root = request.getfixturevalue("kitchen_sink") if which == "kitchen_sink" else Path(__file__).parents[1]
    kb, _ = load(root)
    g = build_graph(kb, standings(kb))
    # what the writer must escape: markup, quotes, line breaks and tabs, in ids and in texts
    g.add_node('odd "id" <&>\t\n', type="note", label="a < b & c > d\nsecond line\t'q'", empty="", none=None)
    g.add_edge('odd "id" <&>\t\n', "trust" if which == "shipped" else next(iter(g.nodes)), type="x", weight=2.5)
    assert to_graphml(g) == _networkx_graphml(g)


def test_graphml_on_the_command_line(kitchen_sink, run_kb, tmp_path):
    result = run_kb("graph", cwd=kitchen_sink)
    assert result.exit_code == 0, result.output
    back = nx.read_graphml(io.StringIO(result.stdout))
    assert (back.number_of_nodes(), back.number_of_edges()) == (NODES, EDGES)
    out = tmp_path / "out" / "kb.graphml"
    result = run_kb("graph", "--format", "graphml", "-o", str(out), cwd=kitchen_sink)
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert out.read_text(encoding="utf-8") == run_kb("graph", cwd=kitchen_sink).stdout


def test_node_link_json(kitchen_sink, run_kb):
    result = run_kb("graph", "--format", "json", cwd=kitchen_sink)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert len(data["nodes"]) == NODES and len(data["links"]) == EDGES
    assert "Politikerverksted på Ås" in result.stdout  # not escaped
    back = nx.node_link_graph(data, edges="links")
    assert back.number_of_edges() == EDGES
    kb = public_view(load(kitchen_sink)[0])
    assert result.stdout == to_node_link(build_graph(kb, standings(kb)))  # stable: sorted keys


def test_dot(graph):
    text = to_dot(graph)
    lines = text.splitlines()
    assert lines[0] == "digraph kb {" and lines[-1] == "}"
    assert sum(" -> " in line for line in lines) == EDGES
    assert sum("type=" in line and " -> " not in line for line in lines) == NODES
    assert '  "E03" -> "H01" [label="contradicts"];' in lines


def test_dot_escapes_quotes(make_kb, run_kb):
    root = make_kb({"hypotheses/H01.yaml": 'id: H01\ntitle: The "best" claim\nstatement: s\nstatus: proposed\nproposed: 2021-01-01\n'})
    result = run_kb("graph", "--format", "dot", cwd=root)
    assert result.exit_code == 0, result.output
    assert '"H01" [label="The \\"best\\" claim", type="hypothesis"];' in result.stdout


def test_dagitty_is_the_framework_map(kitchen_sink, run_kb):
    result = run_kb("graph", "--format", "dagitty", cwd=kitchen_sink)
    assert result.exit_code == 0, result.output
    # H04 is retired, so social-capital takes part in no claim
    assert result.stdout == (
        "dag {\n"
        '  "trust" [label="Tillit"]\n'
        '  "co-creation" [label="Samskaping"]\n'
        '  "learning" [label="Learning"]\n'
        '  "trust" -> "co-creation"\n'
        '  "trust" -> "learning"\n'
        '  "learning" -> "co-creation"\n'
        "}\n"
    )
    assert result.stdout == to_dagitty(load(kitchen_sink)[0])


def test_framework_map(kitchen_kb):
    edges = framework_map(kitchen_kb, standings(kitchen_kb))
    assert [(e.hypothesis, e.source, e.target, e.effect, e.suggested) for e in edges] == [
        ("H01", "trust", "co-creation", "positive", "supported"),
        ("H02", "trust", "learning", "nonlinear", "testing"),
        ("H03", "learning", "co-creation", "unknown", "testing"),
        ("H04", "social-capital", "co-creation", "negative", "proposed"),
    ]


def test_graph_as_of_a_date(kitchen_sink, run_kb):
    # on 2020-07-01: H01, H02, H04; evidence E01, E02, E07; H03 not yet proposed
    result = run_kb("graph", "--format", "json", "--as-of", "2020-07-01", cwd=kitchen_sink)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    types = Counter(node.get("type") for node in data["nodes"])
    assert types == {"construct": 4, "context": 7, "source": 3, "hypothesis": 3, "evidence": 3}, types


def test_dot_as_of_a_date(kitchen_sink, run_kb):
    result = run_kb("graph", "--format", "dot", "--as-of", "2020-07-01", cwd=kitchen_sink)
    assert result.exit_code == 0, result.output
    assert '"H03"' not in result.stdout


# --- the gap map ---------------------------------------------------------------------


def cells(rows, hid):
    return {col: (c.supports, c.contradicts, c.qualifies) for col, c in rows[hid].items()}


def test_gap_map_by_context(kitchen_kb):
    columns, rows = gap_map(kitchen_kb)
    # top-level municipalities, plus exchange (used), plus literature; 'elsewhere' is unused
    assert columns == ["stad", "follo", "exchange", "literature"]
    # E05 is from stad, but Ola's judgement of it is scoped to follo and counts there
    assert cells(rows, "H01") == {"stad": (3, 0, 0), "follo": (1, 1, 0), "exchange": (0, 0, 0), "literature": (1, 0, 0)}
    assert cells(rows, "H02") == {"stad": (0, 0, 1), "follo": (1, 0, 0), "exchange": (0, 0, 0), "literature": (0, 0, 0)}
    assert cells(rows, "H03")["exchange"] == (1, 0, 0)
    assert sum(c.total for c in rows["H04"].values()) == 0
    gaps = sum(1 for r in rows.values() for c in r.values() if not c.total)
    assert gaps == 10


def test_gap_map_by_phase(kitchen_kb):
    columns, rows = gap_map(kitchen_kb, "phase")
    assert columns == ["start", "midterm", "end", "none"]
    assert cells(rows, "H01") == {"start": (2, 0, 0), "midterm": (0, 1, 0), "end": (2, 0, 0), "none": (1, 0, 0)}
    assert cells(rows, "H02") == {"start": (0, 0, 1), "midterm": (1, 0, 0), "end": (0, 0, 0), "none": (0, 0, 0)}
    assert cells(rows, "H03")["none"] == (1, 0, 0)


def test_gap_map_without_contexts(make_kb):
    root = make_kb({"hypotheses/H01.yaml": "id: H01\ntitle: t\nstatement: s\nstatus: proposed\nproposed: 2021-01-01\n"})
    columns, rows = gap_map(load(root)[0])
    assert columns == ["literature"] and rows["H01"]["literature"].total == 0


def test_gaps_on_the_command_line(kitchen_sink, run_kb):
    result = run_kb("gaps", cwd=kitchen_sink)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["id", "stad", "follo", "exchange", "literature"]
    assert lines[1].split() == ["H01", "+3", "-0", "~0", "+1", "-1", "~0", ".", "+1", "-0", "~0"]
    assert lines[-1] == "10 of 16 cells have no evidence ('.')"
    as_json = json.loads(run_kb("gaps", "--format", "json", cwd=kitchen_sink).stdout)
    assert as_json["columns"] == ["stad", "follo", "exchange", "literature"]
    assert as_json["rows"]["H01"]["stad"] == {"supports": 3, "contradicts": 0, "qualifies": 0}
    as_csv = run_kb("gaps", "--by", "phase", "--format", "csv", cwd=kitchen_sink).stdout.splitlines()
    assert as_csv[0].startswith("id,start:supports,start:contradicts,start:qualifies,midterm:supports")
    assert as_csv[1] == "H01,2,0,0,0,1,0,2,0,0,1,0,0"
