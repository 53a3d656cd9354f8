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
from collections import Counter
from dataclasses import dataclass

import networkx as nx

from .bulk import gc_paused
from .model import KnowledgeBase
from .score import Standing


def build_graph(kb: KnowledgeBase, standings: dict[str, Standing] | None = None) -> nx.MultiDiGraph:
    """One directed multigraph of the whole KB, built in one pass."""
    with gc_paused():
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
        # a restricted item's recorders are not published; a link's own judge is
        recorders = "" if e.restricted else ", ".join(e.recorded_by)
        day = e.date.isoformat()
        nodes.append((e.id, {"type": "evidence", "label": e.id if e.restricted else text(e.title) or e.id,
                             "kind": e.kind, "date": day, "phase": e.phase or "",
                             "illustrative": e.illustrative, "restricted": e.restricted}))
        for link in e.links:
            attrs = {"type": link.stance, "strength": link.strength, "by": link.by or recorders,
                     "date": link.date.isoformat() if link.date else day}
            if link.note is not None and not e.restricted:
                attrs["note"] = text(link.note)
            edges.append((e.id, link.hypothesis, attrs))
        if e.context:
            edges.append((e.id, e.context, {"type": "observed_in"}))
        if e.restricted:
            continue  # only its existence, date, context and links leave the repository
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


def gap_map(kb: KnowledgeBase, by: str = "context") -> tuple[list[str], dict[str, dict[str, GapCell]]]:
    """Hypotheses x contexts (or x phases): counts of links for, against and qualifying.

    Columns are the top-level contexts evidence comes from (arenas and
    workshops count for their municipality), plus 'literature' for evidence
    with no context; or the phases in kb.yaml. Empty cells are the gaps.
    """
    top = {cid: _top_context(kb, cid) for cid in kb.contexts}
    counts: dict[tuple[str, str], Counter] = {}
    for e in kb.evidence.values():
        if by == "phase":
            column = e.phase or "none"
        else:
            column = top.get(e.context, "literature") if e.context else "literature"
        for link in e.links:
            counts.setdefault((link.hypothesis, column), Counter())[link.stance] += 1
    if by == "phase":
        columns = list(kb.config.phases) + (["none"] if any(c == "none" for _, c in counts) else [])
    else:
        used = {c for _, c in counts}
        columns = [c.id for c in kb.contexts.values()
                   if c.part_of is None and (c.kind == "municipality" or c.id in used)]
        columns += ["literature"] if "literature" in used or not columns else []
    rows = {
        hid: {col: GapCell(**{k: counts.get((hid, col), Counter())[k]
                              for k in ("supports", "contradicts", "qualifies")}) for col in columns}
        for hid in kb.hypotheses
    }
    return columns, rows


def _top_context(kb: KnowledgeBase, cid: str) -> str:
    seen = set()
    while kb.contexts[cid].part_of in kb.contexts and cid not in seen:
        seen.add(cid)
        cid = kb.contexts[cid].part_of  # type: ignore[assignment]
    return cid


# --- serialisations -------------------------------------------------------------------


def to_graphml(g: nx.MultiDiGraph) -> str:
    """GraphML for Gephi, Cytoscape or networkx.read_graphml."""
    buffer = io.BytesIO()
    nx.write_graphml(_plain(g), buffer, encoding="utf-8", prettyprint=True)
    text = buffer.getvalue().decode("utf-8")
    return text if text.endswith("\n") else text + "\n"


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
    """The framework map in DAGitty's ``dag { }`` syntax (constructs and causal claims)."""
    lines = ["dag {"]
    used = set()
    claims = []
    for h in kb.hypotheses.values():
        if h.relation is None or h.status in ("retired", "refuted"):
            continue
        used.update((h.relation.from_, h.relation.to))
        claims.append(f'  {_dag_id(h.relation.from_)} -> {_dag_id(h.relation.to)}')
    for cid in kb.constructs:
        if cid in used:
            lines.append(f'  {_dag_id(cid)} [label="{kb.text(kb.constructs[cid].label)}"]')
    lines += sorted(set(claims), key=claims.index)
    lines.append("}")
    return "\n".join(lines) + "\n"


def _dag_id(cid: str) -> str:
    return cid.replace("-", "_")


def _dot_id(value: object) -> str:
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def _plain(g: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """GraphML takes only str/int/float/bool attributes and no None."""
    h = nx.MultiDiGraph()
    h.graph.update({k: str(v) for k, v in g.graph.items()})
    for n, attrs in g.nodes(data=True):
        h.add_node(n, **{k: v for k, v in attrs.items() if v is not None})
    for u, v, k, attrs in g.edges(keys=True, data=True):
        h.add_edge(u, v, key=k, **{a: b for a, b in attrs.items() if b is not None})
    return h
