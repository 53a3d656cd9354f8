"""Diagrams of the framework drawn at build time: small directed graphs as inline SVG.

Takes nodes (a label, a link, a shape, CSS classes, data attributes) and
edges (optionally labelled, drawn solid, dashed or without an arrowhead);
returns a :class:`~kb.site.kit.Diagram` holding a ``<figure>`` with one
``<svg>``, laid out left to right in the layered (Sugiyama) manner:

1. cycles are broken by turning the back edges of a depth-first search in
   insertion order around (drawn with their arrowhead where it belongs);
2. layers by longest path (networkx's topological order, ties by insertion),
   sources pulled right up to their first successor;
3. edges longer than one layer get a bend point in every layer they cross;
4. the order within each layer by barycenter sweeps, keeping the order with
   the fewest crossings;
5. heights by a few passes that pull each node towards its neighbours
   without overlapping the one above it.

Everything is a function of the insertion order, so the same KB gives the
same bytes. Text is wrapped to a width estimated from its length (no font is
measured at build time) and printed at 14 px (12 px on edges), so a diagram
shown at its natural size is readable on a phone; pages let it scroll rather
than shrink. Every text and attribute goes through :func:`kb.site.fmt.esc`
and :func:`kb.site.fmt.attr`.

:class:`ItemGraph` and :func:`framework_diagram` draw the KB's own pictures:
constructs as boxes, hypotheses as rounded nodes coloured by the status
their evidence suggests, each node a link to its page.
"""

from __future__ import annotations

import bisect

from collections import Counter
from dataclasses import dataclass, field
from typing import Mapping

from kb.graph.network import layers_of
from kb.site.fmt import COLOURS, attr, esc, url_link
from kb.site.kit import LINE_COLOURS, MAP_MAX_HYPOTHESES, SIGNS, Diagram, Site

NODE_FONT = 14
EDGE_FONT = 12
#: A rough average advance of a sans-serif character, in em (slightly generous, so text fits its box).
CHAR_EM = 0.6
LABEL_MAX_WIDTH = 180
LABEL_MAX_LINES = 3
PAD_X, PAD_Y, LINE_HEIGHT = 10, 7, 17
LAYER_GAP, NODE_GAP, MARGIN = 56, 18, 8
ARROW = 8
SWEEPS = 8

CONSTRUCT_FILL, CONSTRUCT_LINE = "#ffffff", "#37474f"
EDGE_LINE, EDGE_TEXT = "#546e7a", "#263238"


@dataclass
class Node:
    key: str
    label: str
    href: str | None = None
    shape: str = "box"  # box | round
    classes: tuple[str, ...] = ()
    data: dict[str, str] = field(default_factory=dict)
    title: str = ""
    fill: str = CONSTRUCT_FILL
    line: str = CONSTRUCT_LINE


@dataclass
class Edge:
    a: str
    b: str
    label: str = ""
    style: str = "arrow"  # arrow | dashed | line (no arrowhead)
    data: dict[str, str] = field(default_factory=dict)


class Graph:
    """Nodes and edges in the order they were added (the order decides every tie of the layout)."""

    def __init__(self) -> None:
        self.nodes: dict[str, Node] = {}
        self.edges: list[Edge] = []

    def node(self, key: str, label: str, **kw) -> str:
        if key not in self.nodes:
            self.nodes[key] = Node(key, label, **kw)
        return key

    def edge(self, a: str, b: str, label: str = "", style: str = "arrow", data: dict[str, str] | None = None) -> None:
        self.edges.append(Edge(a, b, label, style, dict(data or {})))


# --- text --------------------------------------------------------------------------------


def text_width(text: str, size: int) -> float:
    return len(text) * size * CHAR_EM


def wrap(text: str, size: int = NODE_FONT, width: float = LABEL_MAX_WIDTH, lines: int = LABEL_MAX_LINES) -> list[str]:
    """Greedy word wrap to ``width`` px; over-long words are cut, and a last line that does not fit ends in '…'."""
    per_line = max(4, int(width // (size * CHAR_EM)))
    out: list[str] = []
    current = ""
    for word in " ".join(str(text).split()).split(" "):
        while len(word) > per_line:
            if current:
                out.append(current)
                current = ""
            out.append(word[:per_line])
            word = word[per_line:]
        if not current:
            current = word
        elif len(current) + 1 + len(word) <= per_line:
            current += " " + word
        else:
            out.append(current)
            current = word
    if current:
        out.append(current)
    if len(out) > lines:
        out = out[:lines]
        out[-1] = out[-1][: per_line - 1].rstrip() + "…"
    return out or [""]


# --- layout ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Box:
    x: float  # left
    y: float  # top
    w: float
    h: float
    lines: tuple[str, ...]


@dataclass(frozen=True)
class Route:
    edge: Edge
    points: tuple[tuple[float, float], ...]  # from the edge's source to its target (arrowhead at the end)


@dataclass(frozen=True)
class Layout:
    boxes: dict[str, Box]
    routes: tuple[Route, ...]
    width: float
    height: float


def _back_edges(keys: list[str], succ: dict[str, list[str]]) -> set[tuple[str, str]]:
    """Edges closing a cycle in a depth-first search that visits nodes and successors in insertion order."""
    state: dict[str, int] = {}  # 1 on the stack, 2 done
    back: set[tuple[str, str]] = set()
    for root in keys:
        if root in state:
            continue
        state[root] = 1
        stack = [(root, iter(succ[root]))]
        while stack:
            v, it = stack[-1]
            for w in it:
                if state.get(w) == 1:
                    back.add((v, w))
                elif w not in state:
                    state[w] = 1
                    stack.append((w, iter(succ[w])))
                    break
            else:
                state[v] = 2
                stack.pop()
    return back


def _crossings(upper: list[str], lower: list[str], links: list[tuple[str, str]]) -> int:
    """How many of ``links`` (all from ``upper`` to ``lower``) cross: the inversions of their lower ends.

    With the links sorted by their upper end (then lower), two cross exactly
    when a later one ends further up; counted in O(n log n) with a sorted list,
    since the map of a big KB has thousands of links between two layers.
    """
    pu = {k: i for i, k in enumerate(upper)}
    pl = {k: i for i, k in enumerate(lower)}
    seen: list[int] = []
    crossed = 0
    for _, b in sorted((pu[a], pl[b]) for a, b in links):
        crossed += len(seen) - bisect.bisect_right(seen, b)
        bisect.insort(seen, b)
    return crossed


def _close_bands(cy: dict[str, float], heights: dict[str, float]) -> None:
    """Narrow every horizontal band that no node reaches to one gap (the pulling leaves some between parts)."""
    spans = sorted((cy[k] - heights[k] / 2, cy[k] + heights[k] / 2) for k in cy)
    cuts: list[tuple[float, float]] = []  # (from this y down, move up by)
    reach = spans[0][1] if spans else 0.0
    for top, bottom in spans[1:]:
        if top - reach > NODE_GAP:
            cuts.append((top, top - reach - NODE_GAP))
        reach = max(reach, bottom)
    for k in cy:
        cy[k] -= sum(by for start, by in cuts if cy[k] >= start)


def layout(g: Graph) -> Layout:
    """Where every node and edge of ``g`` goes (see the module's docstring for how)."""
    keys = list(g.nodes)
    order = {k: i for i, k in enumerate(keys)}
    succ: dict[str, list[str]] = {k: [] for k in keys}
    for e in g.edges:
        if e.a != e.b and e.b not in succ[e.a]:
            succ[e.a].append(e.b)
    back = _back_edges(keys, succ)
    dag = {(b, a) if (a, b) in back else (a, b) for a in keys for b in succ[a]}
    layer = layers_of(keys, dag)

    # bend points: one dummy per layer crossed, shared by parallel edges between the same two nodes
    chains: dict[tuple[str, str], list[str]] = {}
    members: dict[int, list[str]] = {}
    for k in keys:
        members.setdefault(layer[k], []).append(k)
    links: list[tuple[str, str]] = []
    for u, v in sorted(dag, key=lambda e: (order[e[0]], order[e[1]])):
        chain = [u]
        for lv in range(layer[u] + 1, layer[v]):
            d = f"\0{u}\0{v}\0{lv}"
            layer[d] = lv
            members.setdefault(lv, []).append(d)
            chain.append(d)
        chain.append(v)
        chains[(u, v)] = chain
        links += list(zip(chain, chain[1:]))
    levels = sorted(members)
    rows = [members[lv] for lv in levels]
    preds: dict[str, list[str]] = {k: [] for k in layer}
    succs: dict[str, list[str]] = {k: [] for k in layer}
    for a, b in links:
        succs[a].append(b)
        preds[b].append(a)

    between: dict[int, list[tuple[str, str]]] = {}  # links by the level they start from (each spans one)
    for a, b in links:
        between.setdefault(layer[a], []).append((a, b))

    def total(rs: list[list[str]]) -> int:
        return sum(_crossings(rs[i], rs[i + 1], between.get(levels[i], [])) for i in range(len(rs) - 1))

    best, best_n = [list(r) for r in rows], total(rows)
    for sweep in range(SWEEPS):
        down = sweep % 2 == 0
        span = range(1, len(rows)) if down else range(len(rows) - 2, -1, -1)
        for i in span:
            ref = {k: j for j, k in enumerate(rows[i - 1 if down else i + 1])}
            here = {k: j for j, k in enumerate(rows[i])}

            def centre(k: str) -> float:
                near = [ref[n] for n in (preds if down else succs)[k] if n in ref]
                return sum(near) / len(near) if near else here[k]
            rows[i] = sorted(rows[i], key=lambda k: (centre(k), here[k]))
        n = total(rows)
        if n < best_n:
            best, best_n = [list(r) for r in rows], n
    rows = best

    # sizes
    size: dict[str, tuple[float, float, tuple[str, ...]]] = {}
    for k, node in g.nodes.items():
        lines = tuple(wrap(node.label))
        w = max(text_width(t, NODE_FONT) for t in lines) + 2 * PAD_X + (NODE_FONT if node.shape == "round" else 0)
        size[k] = (max(w, 40.0), len(lines) * LINE_HEIGHT + 2 * PAD_Y, lines)
    for k in layer:
        if k not in size:
            size[k] = (0.0, 6.0, ())

    # x: one column per layer; a gap wide enough for the labels of the edges crossing it
    gaps = [LAYER_GAP] * len(rows)
    index = {lv: i for i, lv in enumerate(levels)}
    for e in g.edges:
        if e.label and e.a != e.b:
            u, v = (e.b, e.a) if (e.a, e.b) in back else (e.a, e.b)
            chain = chains.get((u, v), [u, v])
            mid = (len(chain) - 2) // 2
            gi = index[layer[chain[mid]]]
            gaps[gi] = max(gaps[gi], text_width(e.label, EDGE_FONT) + 2 * ARROW + 16)
    xs, x = [], float(MARGIN)
    for i, row in enumerate(rows):
        width = max(size[k][0] for k in row)
        xs.append((x, width))
        x += width + gaps[i]
    width_total = x - gaps[-1] + MARGIN if rows else 2 * MARGIN

    # y: stack each layer, then pull nodes towards their neighbours, keeping order and spacing
    cy: dict[str, float] = {}
    for row in rows:
        y = 0.0
        for k in row:
            cy[k] = y + size[k][1] / 2
            y += size[k][1] + NODE_GAP
    for sweep in range(4):
        down = sweep % 2 == 0
        span = range(1, len(rows)) if down else range(len(rows) - 2, -1, -1)
        for i in span:
            row = rows[i]
            want = []
            for k in row:
                near = [cy[n] for n in (preds if down else succs)[k]]
                want.append(sum(near) / len(near) if near else cy[k])
            placed: list[float] = []
            for j, k in enumerate(row):
                y = want[j]
                if j:
                    prev = row[j - 1]
                    y = max(y, placed[-1] + size[prev][1] / 2 + NODE_GAP + size[k][1] / 2)
                placed.append(y)
            # what the top-down pass pushed too far is shared out by moving the whole run up
            shift = (sum(placed) - sum(want)) / len(row)
            for j, k in enumerate(row):
                cy[k] = placed[j] - max(0.0, shift)
            for j in range(1, len(row)):
                prev, k = row[j - 1], row[j]
                cy[k] = max(cy[k], cy[prev] + size[prev][1] / 2 + NODE_GAP + size[k][1] / 2)
    _close_bands(cy, {k: size[k][1] for k in layer})
    top = min(cy[k] - size[k][1] / 2 for k in layer) if layer else 0.0
    bottom = max(cy[k] + size[k][1] / 2 for k in layer) if layer else 0.0
    height_total = bottom - top + 2 * MARGIN

    boxes: dict[str, Box] = {}
    centre_x: dict[str, float] = {}
    for i, row in enumerate(rows):
        x0, width = xs[i]
        for k in row:
            w, h, lines = size[k]
            centre_x[k] = x0 + width / 2
            cy[k] = round(cy[k] - top + MARGIN, 1)
            if k in g.nodes:
                boxes[k] = Box(round(x0 + (width - w) / 2, 1), round(cy[k] - h / 2, 1), round(w, 1), round(h, 1), lines)

    routes = []
    for e in g.edges:
        if e.a == e.b:
            continue
        flipped = (e.a, e.b) in back
        u, v = (e.b, e.a) if flipped else (e.a, e.b)
        chain = chains[(u, v)]
        pts = [(boxes[u].x + boxes[u].w, cy[u])]
        pts += [(centre_x[d], cy[d]) for d in chain[1:-1]]
        pts.append((boxes[v].x, cy[v]))
        if flipped:
            # drawn from its source's left side back to its target's right side
            pts = [(boxes[v].x, cy[v])] + [(centre_x[d], cy[d]) for d in reversed(chain[1:-1])] + \
                  [(boxes[u].x + boxes[u].w, cy[u])]
        routes.append(Route(e, tuple((round(px, 1), round(py, 1)) for px, py in pts)))
    return Layout(boxes, tuple(routes), round(width_total, 1), round(height_total, 1))


# --- SVG ---------------------------------------------------------------------------------


def _n(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".")


def _path(points: tuple[tuple[float, float], ...], arrow: bool) -> tuple[str, str]:
    """A smooth path through the points (horizontal at each one), and its arrowhead's polygon."""
    pts = list(points)
    tip = pts[-1]
    sign = 1 if pts[-1][0] >= pts[-2][0] else -1
    if arrow:
        pts[-1] = (tip[0] - sign * ARROW, tip[1])
    d = [f"M{_n(pts[0][0])} {_n(pts[0][1])}"]
    for (x0, y0), (x1, y1) in zip(pts, pts[1:]):
        mx = (x0 + x1) / 2
        d.append(f"C{_n(mx)} {_n(y0)} {_n(mx)} {_n(y1)} {_n(x1)} {_n(y1)}")
    head = ""
    if arrow:
        bx = tip[0] - sign * ARROW
        head = f"{_n(tip[0])},{_n(tip[1])} {_n(bx)},{_n(tip[1] - 4.5)} {_n(bx)},{_n(tip[1] + 4.5)}"
    return " ".join(d), head


def _data(data: Mapping[str, str]) -> str:
    """Data attributes; their names are kb's own (never from YAML), their values escaped."""
    return "".join(f' data-{attr(k)}="{attr(v)}"' for k, v in data.items())


def svg(g: Graph, label: str, figure_class: str = "") -> str:
    """The graph as a ``<figure>`` holding an inline ``<svg>`` at its natural size."""
    lay = layout(g)
    out = [f'<figure class="kb-diagram kb-graph-figure{(" " + attr(figure_class)) if figure_class else ""}">',
           f'<svg class="kb-graph" xmlns="http://www.w3.org/2000/svg" width="{_n(lay.width)}" '
           f'height="{_n(lay.height)}" viewBox="0 0 {_n(lay.width)} {_n(lay.height)}" role="group" '
           f'aria-label="{attr(label)}" font-family="sans-serif">', '<g class="kb-edges">']
    for r in lay.routes:
        e = r.edge
        d, head = _path(r.points, e.style != "line")
        dash = ' stroke-dasharray="5 4"' if e.style == "dashed" else ""
        part = [f'<g class="kb-edge"{_data(e.data)}><path d="{d}" fill="none" stroke="{EDGE_LINE}" '
                f'stroke-width="1.5"{dash}/>']
        if head:
            part.append(f'<polygon points="{head}" fill="{EDGE_LINE}"/>')
        if e.label:
            k = (len(r.points) - 2) // 2
            (x0, y0), (x1, y1) = r.points[k], r.points[k + 1]
            mx, my = (x0 + x1) / 2, (y0 + y1) / 2
            w = text_width(e.label, EDGE_FONT) + 6
            part.append(f'<rect class="kb-edge-label" x="{_n(mx - w / 2)}" y="{_n(my - 9)}" width="{_n(w)}" '
                        f'height="16" rx="3" fill="#ffffff"/>')
            part.append(f'<text x="{_n(mx)}" y="{_n(my + 4)}" font-size="{EDGE_FONT}" text-anchor="middle" '
                        f'fill="{EDGE_TEXT}">{esc(e.label)}</text>')
        out.append("".join(part) + "</g>")
    out.append('</g><g class="kb-nodes">')
    for key, node in g.nodes.items():
        b = lay.boxes[key]
        rx = b.h / 2 if node.shape == "round" else 3
        classes = " ".join(("kb-node", f"kb-{node.shape}") + node.classes)
        tag, end = (f'<a href="{attr(node.href)}"', "</a>") if node.href else ("<g", "</g>")
        title = f"<title>{esc(node.title or node.label)}</title>"
        first = b.y + PAD_Y + LINE_HEIGHT / 2 + NODE_FONT * 0.35
        spans = "".join(f'<tspan x="{_n(b.x + b.w / 2)}" y="{_n(first + i * LINE_HEIGHT)}">{esc(t)}</tspan>'
                        for i, t in enumerate(b.lines))
        out.append(f'{tag} class="{attr(classes)}"{_data(node.data)}>{title}'
                   f'<rect x="{_n(b.x)}" y="{_n(b.y)}" width="{_n(b.w)}" height="{_n(b.h)}" rx="{_n(rx)}" '
                   f'fill="{node.fill}" stroke="{node.line}" stroke-width="1.5"/>'
                   f'<text font-size="{NODE_FONT}" text-anchor="middle" fill="#000000">{spans}</text>{end}')
    out += ["</g>", "</svg>", "</figure>"]
    return "".join(out)


# --- the KB's diagrams -------------------------------------------------------------------


class ItemGraph:
    """A graph of the KB's items, each node a link to its page relative to ``page``."""

    def __init__(self, site: Site, page: str, tool: bool = False) -> None:
        self.site, self.page, self.tool = site, page, tool
        self.graph = Graph()

    def _href(self, item_id: str) -> str | None:
        ref = self.site.ref(item_id)
        return url_link(self.page, ref.path, self.site.directory_urls) if ref is not None else None

    def construct(self, cid: str) -> str:
        data = {"c": cid} if self.tool else {}
        return self.graph.node(f"c:{cid}", self.site.title_of(cid) or cid, href=self._href(cid),
                               classes=("kb-construct",), data=data)

    def hypothesis(self, hid: str, suffix: str = "", data: Mapping[str, str] | None = None) -> str:
        st = self.site.standings[hid].suggested
        title = self.site.title_of(hid)
        return self.graph.node(f"h:{hid}", f"{hid} {suffix}".strip(), href=self._href(hid), shape="round",
                               classes=("kb-hypothesis", f"kb-st-{st}"), data=dict(data or {}),
                               title=f"{hid}: {title}" if title and title != hid else hid,
                               fill=COLOURS.get(st, "#eeeeee"), line=LINE_COLOURS.get(st, "#555555"))

    def edge(self, a: str, b: str, label: str = "", style: str = "arrow", data: Mapping[str, str] | None = None) -> None:
        self.graph.edge(a, b, label, style, dict(data or {}))

    def diagram(self, label: str, figure_class: str = "") -> Diagram:
        return Diagram(svg(self.graph, label, figure_class))


def framework_diagram(site: Site, page: str, at: Mapping[str, str] | None = None) -> Diagram | None:
    """Constructs, with each hypothesis as a signed, coloured node between them.

    ``at`` (the map tool) maps hypothesis ids to their statuses at each
    moment the page offers, space-separated ('-' where it was not on the
    map then); the nodes and edges then carry data attributes for the
    page's script. Above :data:`MAP_MAX_HYPOTHESES` hypotheses, each pair
    of constructs is one edge labelled 'n × sign'.
    """
    from kb.graph.network import framework_map

    edges = [e for e in framework_map(site.kb, site.standings)
             if e.source in site.kb.constructs and e.target in site.kb.constructs]
    if not edges:
        return None
    chart = ItemGraph(site, page, tool=at is not None)
    if len(edges) <= MAP_MAX_HYPOTHESES:
        for e in edges:
            a = chart.construct(e.source)
            data = {}
            if at is not None:
                data = {"h": e.hypothesis, "from": e.source, "to": e.target, "at": at.get(e.hypothesis, "")}
            h = chart.hypothesis(e.hypothesis, SIGNS[e.effect], data)
            b = chart.construct(e.target)
            mine = {"h": e.hypothesis} if at is not None else {}
            chart.edge(a, h, style="line", data=mine)
            chart.edge(h, b, data=mine)
    else:
        pairs: Counter = Counter((e.source, e.target, SIGNS[e.effect]) for e in edges)
        order = {cid: i for i, cid in enumerate(site.kb.constructs)}
        for (source, target, sign), n in sorted(pairs.items(),
                                                key=lambda kv: (order[kv[0][0]], order[kv[0][1]], kv[0][2])):
            data = {"from": source, "to": target} if at is not None else {}
            chart.edge(chart.construct(source), chart.construct(target), f"{n} × {sign}", data=data)
    return chart.diagram(site.words("map"), "kb-map" if at is not None else "")


# --- styles ------------------------------------------------------------------------------

#: The diagrams' part of assets/kb.css. Diagrams keep their natural size (a phone scrolls them rather than
#: shrinking their text); the map tool's viewport (kb-map.js) pans and zooms inside a frame instead,
#: as wide as the page (the theme sizes figures to their content, and a 100 % wide drawing in a
#: figure as wide as its content collapses to nothing in Chromium).
CSS = f"""\
.kb-graph-figure {{ overflow-x: auto; margin: 1em 0; }}
.kb-diagram svg.kb-graph {{ display: block; max-width: none; height: auto; }}
.kb-graph a {{ cursor: pointer; }}
.kb-graph a:focus {{ outline: none; }}
.kb-graph a:hover > rect, .kb-graph a:focus-visible > rect {{ stroke: #000000; stroke-width: 3px; }}
.kb-graph a:focus-visible > text {{ text-decoration: underline; font-weight: bold; }}
{"".join(f".kb-graph .kb-st-{s} > rect {{ fill: {COLOURS[s]}; stroke: {LINE_COLOURS[s]}; }}" + chr(10)
         for s in LINE_COLOURS)}\
.kb-graph .kb-map-hidden {{ display: none; }}
.kb-graph-figure.kb-map-live {{ display: block; width: 100%; overflow: hidden; border: 1px solid #78909c; border-radius: 4px; touch-action: none;
  cursor: grab; background: #ffffff; }}
.kb-map-live.kb-map-dragging {{ cursor: grabbing; }}
.kb-map-live:focus-visible {{ outline: 3px solid #0d47a1; outline-offset: 2px; }}
.kb-map-live svg.kb-graph {{ width: 100%; }}
.kb-map-controls {{ font-size: 0.8rem; }}
.kb-map-controls button {{ min-width: 2.6em; min-height: 2.2em; margin: 0 0.3em 0.3em 0; padding: 0 0.6em;
  border: 1px solid #455a64; border-radius: 4px; background: #ffffff; color: #000000; cursor: pointer; }}
.kb-map-controls select {{ border: 1px solid #455a64; border-radius: 4px; padding: 0.2em; color: #000000;
  background: #ffffff; }}
.kb-map-controls button:focus-visible, .kb-map-controls select:focus-visible,
.kb-map-controls input:focus-visible {{
  outline: 3px solid #0d47a1; outline-offset: 2px; }}
.kb-map-filter {{ border: 1px solid #b0bec5; border-radius: 4px; margin: 0 0 0.6em; padding: 0.2em 0.6em; }}
.kb-map-check {{ display: inline-block; margin: 0.15em 1em 0.15em 0; white-space: nowrap; }}
.kb-map-check input {{ margin-right: 0.3em; }}
.kb-map-check .kb-key {{ margin-left: 0; }}
"""
