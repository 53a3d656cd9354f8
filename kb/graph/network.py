"""The evidence graph, the framework map and the evidence gap map.

Takes a :class:`~kb.model.KnowledgeBase` (and its standings); returns a
networkx ``MultiDiGraph`` of the whole KB, or the smaller views built from
it. Node ids are the KB's ids (unique across the KB); every node has a
``type``; every edge a ``type`` and, where it has them, strength and note.

Edges:
    evidence -> hypothesis     supports | contradicts | qualifies
    hypothesis -> hypothesis   refines | supersedes | competes_with
    hypothesis -> construct    relates_from | relates_to (with effect)
    evidence -> construct      measures
    evidence -> context        observed_in
    context -> context         part_of
    construct -> construct     broader
    hypothesis|evidence -> source   cites
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO
from xml.sax.saxutils import escape

import networkx as nx

from kb.model import KnowledgeBase
from kb.graph.score import Standing


def build_graph(kb: KnowledgeBase, standings: dict[str, Standing] | None = None) -> nx.MultiDiGraph:
    """One directed multigraph of the whole KB, built in one pass."""
    return _build_graph(kb, standings)


def _build_graph(kb: KnowledgeBase, standings: dict[str, Standing] | None) -> nx.MultiDiGraph:
    g = nx.MultiDiGraph(title=kb.text(kb.config.title))
    text = kb.text
    nodes: list[tuple[str, dict]] = []
    for c in kb.constructs.values():
        nodes.append((c.id, {"type": "construct", "label": text(c.label), "kind": c.kind}))
    for c in kb.contexts.values():
        nodes.append((c.id, {"type": "context", "label": text(c.label), "kind": c.kind, "role": c.role or ""}))
    for s in kb.sources.values():
        nodes.append((s.id, {"type": "source", "label": s.title, "year": s.year, "doi": s.doi or ""}))
    for h in kb.hypotheses.values():
        attrs = {"type": "hypothesis", "label": text(h.title), "status": h.status,
                 "proposed": h.proposed.isoformat()}
        if standings and h.id in standings:
            st = standings[h.id]
            attrs.update(belief=st.belief, disbelief=st.disbelief, uncertainty=st.uncertainty,
                         probability=st.probability, suggested=st.suggested)
        nodes.append((h.id, attrs))
    edges = []
    for h in kb.hypotheses.values():
        for rel in ("refines", "supersedes", "competes_with"):
            edges += [(h.id, t, {"type": rel}) for t in getattr(h, rel)]
        if h.relation is not None:
            edges.append((h.id, h.relation.from_, {"type": "relates_from", "effect": h.relation.effect}))
            edges.append((h.id, h.relation.to, {"type": "relates_to", "effect": h.relation.effect}))
        edges += [(h.id, s, {"type": "cites"}) for s in h.derived_from]
    for e in kb.evidence.values():
        # callers pass the public view (kb.public): a restricted item has no title, recorders or notes
        recorders = ", ".join(e.recorded_by)
        day = e.date.isoformat()
        nodes.append((e.id, {"type": "evidence", "label": text(e.title) or e.id,
                             "kind": e.kind, "date": day, "phase": e.phase or "",
                             "illustrative": e.illustrative, "restricted": e.restricted}))
        for link in e.links:
            attrs = {"type": link.stance, "strength": link.strength, "by": link.by or recorders,
                     "date": link.date.isoformat() if link.date else day}
            if link.note is not None:
                attrs["note"] = text(link.note)
            edges.append((e.id, link.hypothesis, attrs))
        if e.context:
            edges.append((e.id, e.context, {"type": "observed_in"}))
        if e.measurement is not None:
            edges.append((e.id, e.measurement.construct_, {"type": "measures"}))
        edges += [(e.id, s, {"type": "cites"}) for s in e.sources]
    for c in kb.contexts.values():
        if c.part_of:
            edges.append((c.id, c.part_of, {"type": "part_of"}))
    for c in kb.constructs.values():
        if c.broader:
            edges.append((c.id, c.broader, {"type": "broader"}))
    g.add_nodes_from(nodes)  # first, so that every node keeps its attributes and the KB's order
    g.add_edges_from(edges)
    return g


# --- the framework map ----------------------------------------------------------------


@dataclass(frozen=True)
class MapEdge:
    hypothesis: str
    source: str
    target: str
    effect: str
    status: str
    suggested: str
    belief: float
    disbelief: float
    uncertainty: float


def framework_map(kb: KnowledgeBase, standings: dict[str, Standing]) -> list[MapEdge]:
    """Constructs as nodes, each hypothesis with a relation as a signed edge."""
    out = []
    for h in kb.hypotheses.values():
        if h.relation is None:
            continue
        st = standings[h.id]
        out.append(MapEdge(h.id, h.relation.from_, h.relation.to, h.relation.effect, h.status,
                           st.suggested, st.belief, st.disbelief, st.uncertainty))
    return out


# --- the evidence gap map -------------------------------------------------------------


@dataclass(frozen=True)
class GapCell:
    supports: int = 0
    contradicts: int = 0
    qualifies: int = 0

    @property
    def total(self) -> int:
        return self.supports + self.contradicts + self.qualifies


def gap_map(kb: KnowledgeBase, by: str = "context", level: int = 0
            ) -> tuple[list[str], dict[str, dict[str, GapCell]]]:
    """Hypotheses x contexts (or x phases): counts of links for, against and qualifying.

    By context, the columns are the contexts at ``level`` of the hierarchy
    (0: the top-level ones; 1: their parts...) that are municipalities or
    hold a judgement, plus 'literature' for judgements placed in no context.
    A link counts in the column of the context at that level where it holds
    (KnowledgeBase.link_holds_in: its scope, else its evidence's context, or
    a context inside them), once per column; a link placed above the level
    (at a municipality, when the columns are its arenas) is in no column.
    By phase, the columns are the phases in kb.yaml (and 'none'); scopes do
    not matter there. Empty cells are the gaps.
    """
    at_level = {cid: kb.context_at_level(cid, level) for cid in kb.contexts} if by != "phase" else {}
    counts: dict[tuple[str, str], dict[str, int]] = {}
    for e in kb.evidence.values():
        for link in e.links:
            if by == "phase":
                columns_of: tuple = (e.phase or "none",)
            else:
                places = kb.link_places(e, link)
                if not places:
                    columns_of = () if link.scope or e.context else ("literature",)
                else:
                    columns_of = tuple(dict.fromkeys(c for p in places if (c := at_level[p]) is not None))
            for column in columns_of:
                cell = counts.setdefault((link.hypothesis, column), {})
                cell[link.stance] = cell.get(link.stance, 0) + 1
    if by == "phase":
        columns = list(kb.config.phases) + (["none"] if any(c == "none" for _, c in counts) else [])
    else:
        used = {c for _, c in counts}
        columns = [cid for cid, c in kb.contexts.items()
                   if at_level[cid] == cid and (c.kind == "municipality" or cid in used)]
        columns += ["literature"] if "literature" in used or not columns else []
    # Most cells are empty and share one value: the map has a cell per hypothesis and column
    # (5,000 x 330 at the benchmark's large scale), its evidence only a few per hypothesis.
    empty = GapCell()
    rows = {
        hid: {col: GapCell(**found) if (found := counts.get((hid, col))) else empty for col in columns}
        for hid in kb.hypotheses
    }
    return columns, rows


def deepest_level(kb: KnowledgeBase) -> int:
    """The level of the deepest context (0 when there are none or all are top-level)."""
    return max((kb.context_level(cid) for cid in kb.contexts), default=0)


# --- serialisations -------------------------------------------------------------------


def to_graphml(g: nx.MultiDiGraph) -> str:
    """GraphML for Gephi, Cytoscape or networkx.read_graphml."""
    buffer = io.StringIO()
    write_graphml(g, buffer)
    return buffer.getvalue()


#: GraphML's names for the attribute types kb's graph uses (as networkx names them).
_GRAPHML_TYPES = {str: "string", bool: "boolean", int: "long", float: "double"}
_GRAPHML_NS = ('xmlns="http://graphml.graphdrawing.org/xmlns" '
               'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
               'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
               'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd"')
_ATTR_ESCAPES = {'"': "&quot;", "\r": "&#13;", "\n": "&#10;", "\t": "&#09;"}


def write_graphml(g: nx.MultiDiGraph, out: TextIO) -> None:
    """GraphML of ``g`` written to ``out`` as it goes, byte for byte what
    ``networkx.write_graphml`` writes (a test holds it to that).

    networkx builds the whole document as an XML tree before writing it: at
    100,000 evidence items that tree is a gigabyte, more than the graph.
    Here the keys are found in a first pass, then every node and edge is
    written straight away. None values are left out (GraphML has no null).
    """
    title = {k: str(v) for k, v in g.graph.items()}
    keys: dict[tuple[str, str, str], str] = {}

    def key_of(name: str, value: object, scope: str) -> str:
        kind = _GRAPHML_TYPES[type(value)]
        found = keys.get((name, kind, scope))
        if found is None:
            found = keys[(name, kind, scope)] = f"d{len(keys)}"
        return found

    def data(attrs: dict, scope: str, indent: str) -> str:
        lines = []
        for name, value in attrs.items():
            if value is None:
                continue
            text = escape(str(value))
            key = key_of(name, value, scope)
            lines.append(f'{indent}<data key="{key}">{text}</data>' if text else f'{indent}<data key="{key}" />')
        return "\n".join(lines)

    # keys are numbered as networkx numbers them: the graph's, then the nodes', then the edges'
    for name, value in title.items():
        key_of(name, value, "graph")
    for _, attrs in g.nodes(data=True):
        for name, value in attrs.items():
            if value is not None:
                key_of(name, value, "node")
    for _, _, attrs in g.edges(data=True):
        for name, value in attrs.items():
            if value is not None:
                key_of(name, value, "edge")

    out.write(f"<?xml version='1.0' encoding='utf-8'?>\n<graphml {_GRAPHML_NS}>\n")
    for (name, kind, scope), key in reversed(keys.items()):
        out.write(f'  <key id="{key}" for="{scope}" attr.name="{_attr(name)}" attr.type="{kind}" />\n')
    out.write('  <graph edgedefault="directed">\n')
    for node, attrs in g.nodes(data=True):
        inner = data(attrs, "node", "      ")
        out.write(f'    <node id="{_attr(node)}">\n{inner}\n    </node>\n' if inner
                  else f'    <node id="{_attr(node)}" />\n')
    for u, v, k, attrs in g.edges(keys=True, data=True):
        head = f'    <edge source="{_attr(u)}" target="{_attr(v)}" id="{_attr(k)}"'
        inner = data(attrs, "edge", "      ")
        out.write(f"{head}>\n{inner}\n    </edge>\n" if inner else f"{head} />\n")
    inner = data(title, "graph", "    ")
    if inner:
        out.write(inner + "\n")
    out.write("  </graph>\n</graphml>\n")


def _attr(value: object) -> str:
    return escape(str(value), _ATTR_ESCAPES)


def to_node_link(g: nx.MultiDiGraph) -> str:
    data = nx.node_link_data(g, edges="links")
    return json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True, default=str) + "\n"


def to_dot(g: nx.MultiDiGraph) -> str:
    """Graphviz DOT, written by hand to avoid a pydot/pygraphviz dependency."""
    lines = ["digraph kb {", "  rankdir=LR;"]
    for node, attrs in g.nodes(data=True):
        lines.append(f"  {_dot_id(node)} [label={_dot_id(attrs.get('label', node))}, type={_dot_id(attrs['type'])}];")
    for u, v, attrs in g.edges(data=True):
        lines.append(f"  {_dot_id(u)} -> {_dot_id(v)} [label={_dot_id(attrs['type'])}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def to_dagitty(kb: KnowledgeBase) -> str:
    """The framework map (constructs and the causal claims between them) as a DAGitty model.

    Declared ``dag { }``, or ``graph { }`` when the claims run in a directed
    cycle: such a map is no DAG, and DAGitty's DAG analyses (adjustment sets,
    implied independences) would read it as one. Every name is quoted and keeps the
    construct's id exactly, so ids such as ``a-b`` and ``a_b`` stay two nodes.
    """
    claims: dict[tuple[str, str], None] = {}
    for h in kb.hypotheses.values():
        if h.relation is None or h.status in ("retired", "refuted"):
            continue
        claims[(h.relation.from_, h.relation.to)] = None
    used = {end for claim in claims for end in claim}
    graph = nx.DiGraph(list(claims))
    lines = ["dag {" if nx.is_directed_acyclic_graph(graph) else "graph {"]
    for cid, construct in kb.constructs.items():
        if cid in used:
            lines.append(f"  {_dag_id(cid)} [label={_dag_string(kb.text(construct.label))}]")
    lines += [f"  {_dag_id(a)} -> {_dag_id(b)}" for a, b in claims]
    lines.append("}")
    return "\n".join(lines) + "\n"


# DAGitty refuses a variable named 'graph' or 'node' (its DOT heritage), quoted or not.
# '*' is in no kb id, so the renamed node cannot meet another construct.
_DAG_RESERVED = {"graph", "node"}


def _dag_id(cid: str) -> str:
    return _dag_string(f"{cid}*" if cid in _DAG_RESERVED else cid)


def _dag_string(text: str) -> str:
    """``text`` as a DAGitty quoted string.

    DAGitty's grammar reads ``\\"`` as a quote and keeps any other backslash as
    it is; it has no escape for a backslash itself, so one at the very end
    (which would swallow the closing quote) gets a space after it. Control
    characters are not allowed in a string: they become spaces.
    """
    text = "".join(" " if ord(c) < 0x20 or ord(c) == 0x7F else c for c in text)
    if text.endswith("\\"):
        text += " "
    return '"' + text.replace('"', '\\"') + '"'


def _dot_id(value: object) -> str:
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'



def write_graph_download(kb: KnowledgeBase, computed: dict[str, Standing], folder: Path) -> Path:
    """The downloads stage's graph: ``kb.graphml`` written into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "kb.graphml"
    with open(target, "w", encoding="utf-8", newline="\n") as handle:
        write_graphml(build_graph(kb, computed), handle)
    return target


def layers_of(keys: list[str], dag: set[tuple[str, str]]) -> dict[str, int]:
    """The layer of each node of an acyclic drawing (longest path from a source; ties in ``keys`` order).

    For :mod:`kb.site.graphs`, which lays out the site's diagrams; here because
    this module is the one that knows networkx.
    """

    order = {k: i for i, k in enumerate(keys)}
    g = nx.DiGraph()
    g.add_nodes_from(keys)
    g.add_edges_from(sorted(dag, key=lambda e: (order[e[0]], order[e[1]])))
    topo = list(nx.lexicographical_topological_sort(g, key=order.__getitem__))
    layer: dict[str, int] = {}
    for v in topo:
        layer[v] = max((layer[u] + 1 for u in g.predecessors(v)), default=0)
    for v in reversed(topo):  # a source sits just before its nearest successor, not far left
        if g.in_degree(v) == 0 and g.out_degree(v):
            layer[v] = min(layer[s] for s in g.successors(v)) - 1
    return layer
