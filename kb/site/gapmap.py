"""The evidence gap map pages: a coloured matrix of hypotheses by contexts (and by phases).

In the manner of the evidence gap maps of evidence synthesis: each cell is a
mark whose size says how many judgements there are and whose colours say which
way they point, the exact counts in a tooltip shown on hover and on keyboard
focus (and read by screen readers as text). Columns with no evidence in any row
are folded into one line under the matrix. ``gaps.md`` has the top-level
contexts; each context with parts gets ``gaps/<id>.md``, the level below
restricted to its parts, recursively.

The counts are :func:`kb.graph.network.gap_map`'s (the same as ``kb gaps
--level``), computed once per level however many pages read them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Callable

from kb.graph.network import GapCell, gap_map
from kb.site.fmt import attr, esc
from kb.site.kit import LIST_MAX, Out, Ref, Render, Site, item_path

#: More columns than this (after folding the empty ones), and the matrix groups them: municipalities
#: by role, other contexts by kind. 300 municipalities by 5,000 hypotheses would make a page of
#: tens of MB that no one can read, and a build that grows with the square of the KB.
MAX_GAP_COLUMNS = 24

PAGE = "gaps.md"

#: Okabe-Ito's blue and vermillion with a neutral grey: apart under every common colour vision
#: deficiency, each at least 3:1 against the white page (5.2, 3.9, 5.0).
MARK_COLOURS = {"supports": "#0072B2", "contradicts": "#D55E00", "qualifies": "#707070"}
#: Upper bounds of the size classes of a mark (number of judgements in the cell); the last is open.
SIZES = (1, 2, 4, 8)

_EMPTY = GapCell()
#: The class of a mark of one stance only.
_PAINT = {"supports": "s", "contradicts": "x", "qualifies": "q"}


def drill_path(cid: str) -> str:
    """The gap map of a context's parts."""
    return item_path("gaps", cid)


# --- views ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str  # a context id, 'literature', a phase, or a group's name
    label: str
    ref: Ref | None = None  # the context's own page
    down: Ref | None = None  # the gap map of its parts


@dataclass(frozen=True)
class Row:
    ref: Ref
    title: str
    cells: tuple[GapCell, ...]


@dataclass(frozen=True)
class Matrix:
    caption: str
    corner: str
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    folded: tuple[Column, ...] = ()  # columns with no evidence in any row
    grouped: int = 0  # how many columns the groups stand for, when grouped


@dataclass(frozen=True)
class GapMapView:
    path: str
    title: str
    trail: tuple[Ref, ...]  # the maps above this one, top first
    context: Ref | None  # the context whose parts are the columns (drill-down pages)
    matrix: Matrix
    phases: Matrix | None  # the top-level page only
    without: tuple[Ref, ...]  # drill-down: hypotheses with no evidence in any part
    illustrative: bool


class GapMaps:
    """The gap map's counts at each level of the context hierarchy, each computed once."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self._levels: dict[int, dict[str, dict[str, GapCell]]] = {}

    def at(self, level: int) -> dict[str, dict[str, GapCell]]:
        """column -> hypothesis -> cell, non-empty cells only."""
        found = self._levels.get(level)
        if found is None:
            _, rows = gap_map(self.site.kb, "context", level)
            found = {}
            for hid, cells in rows.items():
                for col, cell in cells.items():
                    if cell.total:
                        found.setdefault(col, {})[hid] = cell
            self._levels[level] = found
        return found

    @cached_property
    def phases(self) -> tuple[list[str], dict[str, dict[str, GapCell]]]:
        return gap_map(self.site.kb, "phase")

    @cached_property
    def with_parts(self) -> dict[str, None]:
        """Contexts that have parts, in KB order: each gets a drill-down page."""
        kb = self.site.kb
        return dict.fromkeys(cid for cid in kb.contexts if kb.context_descendants(cid))

    def parts(self, cid: str) -> list[str]:
        """The contexts one level below ``cid`` and inside it, in KB order."""
        kb = self.site.kb
        below = kb.context_level(cid) + 1
        return [p for p in kb.context_descendants(cid) if kb.context_level(p) == below]


def _column(site: Site, maps: GapMaps, cid: str) -> Column:
    down = Ref(cid, drill_path(cid)) if cid in maps.with_parts else None
    return Column(cid, site.title_of(cid) or cid, site.ref(cid), down)


def _matrix(site: Site, caption: str, keys: list[str], counts: dict[str, dict[str, GapCell]],
            hypotheses: list[str], make_column: Callable[[str], Column], fold: Callable[[str], bool]) -> Matrix:
    """Fold the columns with no evidence (those ``fold`` names), group the rest if too many, lay out the rows."""
    shown = [k for k in keys if k in counts]
    folded = tuple(make_column(k) for k in keys if k not in counts and fold(k))
    grouped = 0
    if len(shown) > MAX_GAP_COLUMNS:
        grouped = len(shown)
        columns, counts, shown = _groups(site, shown, counts)
    else:
        columns = tuple(make_column(k) for k in shown)
    rows = tuple(Row(Ref(hid, site.paths[hid]), site.title_of(hid),
                     tuple(counts[k].get(hid, _EMPTY) for k in shown)) for hid in hypotheses)
    return Matrix(caption, site.words("hypothesis"), columns, rows, folded, grouped)


def _groups(site: Site, shown: list[str], counts: dict[str, dict[str, GapCell]]
            ) -> tuple[tuple[Column, ...], dict[str, dict[str, GapCell]], list[str]]:
    """Columns grouped: municipalities by their role, other contexts by their kind; a group's cell adds up its members'."""
    kb, w = site.kb, site.words

    def group(key: str) -> str:
        context = kb.contexts.get(key)
        if context is None:
            return ""  # literature
        return context.role if context.kind == "municipality" and context.role else context.kind

    members: dict[str, list[str]] = {}
    for key in shown:
        members.setdefault(group(key), []).append(key)
    summed: dict[str, dict[str, GapCell]] = {}
    for name, keys in members.items():
        cells: dict[str, list[int]] = {}
        for key in keys:
            for hid, c in counts[key].items():
                acc = cells.setdefault(hid, [0, 0, 0])
                acc[0] += c.supports
                acc[1] += c.contradicts
                acc[2] += c.qualifies
        summed[name] = {hid: GapCell(*acc) for hid, acc in cells.items()}
    columns = tuple(Column(name, f"{w.value(name)} ({len(keys)})" if name else w("literature"))
                    for name, keys in members.items())
    return columns, summed, list(members)


def gaps_view(site: Site, maps: GapMaps | None = None) -> GapMapView:
    """The top-level map: hypotheses by top-level contexts (and literature), then by phases."""
    maps = maps or GapMaps(site)
    kb, w = site.kb, site.words
    counts = maps.at(0)
    keys = [cid for cid in kb.contexts if kb.context_level(cid) == 0] + ["literature"]
    hypotheses = list(kb.hypotheses)

    def column(key: str) -> Column:
        return _column(site, maps, key) if key in kb.contexts else Column(key, w("literature"))

    matrix = _matrix(site, w("gm_caption"), keys, counts, hypotheses, column, lambda k: k in kb.contexts)
    pcolumns, prows = maps.phases
    pcounts: dict[str, dict[str, GapCell]] = {}
    for hid, cells in prows.items():
        for col, cell in cells.items():
            if cell.total:
                pcounts.setdefault(col, {})[hid] = cell
    phases = _matrix(site, w("gm_caption_phase"), pcolumns, pcounts, hypotheses,
                     lambda p: Column(p, w("gm_no_phase") if p == "none" else p), lambda p: True)
    return GapMapView(PAGE, w("gaps"), (), None, matrix, phases, (), bool(site.illustrative))


def drill_view(site: Site, cid: str, maps: GapMaps | None = None) -> GapMapView:
    """The map one level below ``cid``, its columns ``cid``'s parts."""
    maps = maps or GapMaps(site)
    kb, w = site.kb, site.words
    level = kb.context_level(cid) + 1
    counts = maps.at(level)
    parts = maps.parts(cid)
    touched = {hid for p in parts for hid in counts.get(p, ())}
    hypotheses = [hid for hid in kb.hypotheses if hid in touched]
    name = site.title_of(cid) or cid
    matrix = _matrix(site, w("gm_caption_parts", name=name, level=level), parts, counts, hypotheses,
                     lambda key: _column(site, maps, key), lambda key: True)
    trail = (Ref(w("gaps"), PAGE),) + tuple(Ref(site.title_of(a) or a, drill_path(a))
                                            for a in reversed(kb.context_ancestors(cid)))
    without = tuple(Ref(hid, site.paths[hid]) for hid in kb.hypotheses if hid not in touched)
    return GapMapView(drill_path(cid), w("gm_parts_title", name=name), trail, site.named(cid), matrix, None,
                      without, bool(site.illustrative))


# --- pages ------------------------------------------------------------------------------


def gap_makers(site: Site, r: Render) -> dict[str, Callable[[], str]]:
    """The gap map's pages by path, each made when called; the counts are shared between them."""
    maps = GapMaps(site)
    makers: dict[str, Callable[[], str]] = {PAGE: lambda: gap_page(gaps_view(site, maps), r)}
    for cid in maps.with_parts:
        makers[drill_path(cid)] = lambda cid=cid: gap_page(drill_view(site, cid, maps), r)
    return makers


def gap_page(v: GapMapView, r: Render) -> str:
    out = Out(v.path, r)
    w = out.w
    out.title(v.title)
    if v.trail:
        crumbs = " › ".join(out.link(ref) for ref in v.trail)
        out(f'<nav class="kb-gm-trail" aria-label="{attr(w("gm_trail"))}">{crumbs}</nav>', "")
    out.illustrative_notice(v.illustrative)
    if v.context is None:
        out.paragraph(esc(w("gm_note")))
    else:
        out.paragraph(esc(w("gm_parts_note", name=v.context.label)) + " " + out.link(v.context, w("gm_context_page")))
    _legend(out, any(c.down for c in v.matrix.columns))
    _matrix_html(out, v.matrix)
    if v.without:
        out.paragraph(esc(w("gm_without")) + " " + out.links(v.without, LIST_MAX))
    if v.phases is not None:
        out(f"## {esc(w('gaps_by_phase'))}", "")
        _matrix_html(out, v.phases)
    return out.text()


def _legend(out: Out, drills: bool) -> None:
    w = out.w
    stances = " ".join(f'<span class="kb-gm-key"><span class="kb-gm-m kb-gm-z2 kb-gm-{paint}"></span>'
                       f'{esc(w("gm_" + s))}</span>' for s, paint in _PAINT.items())
    sizes = " ".join(f'<span class="kb-gm-key"><span class="kb-gm-m kb-gm-z{i + 1} kb-gm-s"></span>'
                     f"{esc(_size_words(i, w))}</span>" for i in range(len(SIZES) + 1))
    out('<div class="kb-gm-legend">',
        f"<p><strong>{esc(w('gm_colour'))}</strong> {stances} "
        f'<span class="kb-gm-key"><span class="kb-gm-m kb-gm-z2" style="{_pie(GapCell(2, 1, 1))}"></span>'
        f"{esc(w('gm_mixed'))}</span> "
        f'<span class="kb-gm-key"><span class="kb-gm-gap"></span>{esc(w("gm_gap"))}</span></p>',
        f"<p><strong>{esc(w('gm_size'))}</strong> {sizes}</p>",
        *([f"<p>{esc(w('gm_how'))}</p>"] if drills else []),
        "</div>", "")


def _size_words(i: int, w) -> str:
    low = SIZES[i - 1] + 1 if i else 1
    if i == len(SIZES):
        return w("gm_size_more", n=low)
    return str(low) if low == SIZES[i] else f"{low}–{SIZES[i]}"


def _size(n: int) -> int:
    return next((i + 1 for i, top in enumerate(SIZES) if n <= top), len(SIZES) + 1)


def _pie(c: GapCell) -> str:
    """A mark's colours as a pie in the proportions of the three stances (CSS, made of numbers only)."""
    a = round(100 * c.supports / c.total, 1)
    b = round(100 * (c.supports + c.contradicts) / c.total, 1)
    return (f"background:conic-gradient({MARK_COLOURS['supports']} 0 {a:g}%,"
            f"{MARK_COLOURS['contradicts']} 0 {b:g}%,{MARK_COLOURS['qualifies']} 0)")


def _cell(out: Out, c: GapCell, row: Row, column: Column) -> str:
    if not c.total:
        return "<td></td>"  # a gap: an empty cell, which screen readers also announce as blank
    single = [_PAINT[s] for s, n in (("supports", c.supports), ("contradicts", c.contradicts),
                                      ("qualifies", c.qualifies)) if n]
    paint = f' kb-gm-{single[0]}"' if len(single) == 1 else f'" style="{_pie(c)}"'
    tip = esc(out.w("gm_cell", row=row.ref.label, column=column.label, supports=c.supports,
                    contradicts=c.contradicts, qualifies=c.qualifies))
    return (f'<td><span class="kb-gm-cell" tabindex="0"><span class="kb-gm-m kb-gm-z{_size(c.total)}{paint}'
            f' aria-hidden="true"></span><span class="kb-gm-n" aria-hidden="true">{c.total}</span>'
            f'<span class="kb-gm-tip">{tip}</span></span></td>')


def _head(out: Out, column: Column) -> str:
    name = f'<span class="kb-gm-v">{esc(column.label)}</span>'
    if column.ref is not None:
        name = f'<a href="{attr(out.href(column.ref))}" title="{attr(column.label)}">{name}</a>'
    down = ""
    if column.down is not None:
        label = out.w("gm_drill", name=column.label)
        down = (f'<a class="kb-gm-down" href="{attr(out.href(column.down))}" title="{attr(label)}">'
                f'<span aria-hidden="true">▾</span><span class="kb-gm-sr">{esc(label)}</span></a>')
    return f'<th scope="col" class="kb-gm-col">{name}{down}</th>'


def _matrix_html(out: Out, m: Matrix) -> None:
    w = out.w
    if m.grouped:
        out.paragraph(esc(w("gm_grouped", columns=m.grouped, most=MAX_GAP_COLUMNS)))
    if m.columns and m.rows:
        out('<div class="kb-gm">', '<table class="kb-gm-table">', f"<caption>{esc(m.caption)}</caption>",
            f'<thead><tr><th scope="col" class="kb-gm-corner">{esc(m.corner)}</th>'
            + "".join(_head(out, c) for c in m.columns) + "</tr></thead>", "<tbody>")
        out(*(f'<tr><th scope="row"><a href="{attr(out.href(row.ref))}">{esc(row.ref.label)}</a> '
              f'<span class="kb-gm-t">{esc(row.title)}</span></th>'
              + "".join(_cell(out, c, row, col) for c, col in zip(row.cells, m.columns)) + "</tr>"
              for row in m.rows))
        out("</tbody>", "</table>", "</div>", "")
        empty = sum(1 for row in m.rows for c in row.cells if not c.total)
        out.paragraph(esc(w("gap_cells", empty=empty, total=len(m.rows) * len(m.columns))))
    else:
        out.paragraph(esc(w("gm_nothing")))
    if m.folded:
        items = [out.link(c.ref, c.label) if c.ref else esc(c.label) for c in m.folded]
        out.paragraph(f'<span class="kb-gm-folded">{esc(w("gm_folded"))}</span> ' + ", ".join(items))


CSS = f"""\
/* kb: the evidence gap map (kb.site.gapmap) */
.kb-gm {{ overflow-x: auto; max-width: 100%; margin: 0.5em 0 1em; }}
.kb-gm-table {{ border-collapse: collapse; font-size: 0.75rem; line-height: 1.3; }}
.kb-gm-table caption {{ caption-side: top; text-align: left; font-weight: bold; padding: 0.2em 0 0.5em; }}
.kb-gm-table th, .kb-gm-table td {{ border: 1px solid #d4d4d8; padding: 0.2em 0.3em; }}
.kb-gm-table tbody th {{ text-align: left; font-weight: normal; min-width: min(20em, 40vw); max-width: 24em;
  position: sticky; left: 0; background: #fff; z-index: 1; }}
.kb-gm-table tbody th a {{ font-weight: bold; }}
.kb-gm-t {{ color: #333; }}
.kb-gm-corner {{ vertical-align: bottom; text-align: left; position: sticky; left: 0; background: #fff; z-index: 1; }}
.kb-gm-col {{ vertical-align: bottom; text-align: center; width: 2.6em; min-width: 2.6em; padding: 0.3em 0.1em; }}
.kb-gm-col > a:first-child {{ display: block; margin: 0 auto; width: max-content; }}
.kb-gm-v {{ display: inline-block; writing-mode: vertical-rl; transform: rotate(180deg); white-space: nowrap;
  max-height: 14em; overflow: hidden; text-overflow: ellipsis; font-weight: normal; }}
.kb-gm-down {{ display: block; font-size: 1.1em; line-height: 1; margin-top: 0.2em; text-decoration: none; }}
.kb-gm-table td {{ text-align: center; vertical-align: middle; position: relative; height: 2.1em; background: #fff; }}
.kb-gm-table td:empty {{ background: #f4f4f5; }}
.kb-gm-cell {{ display: inline-flex; align-items: center; gap: 0.15em; border-radius: 0.3em; padding: 0.1em; }}
.kb-gm-cell:focus {{ outline: 2px solid #1a1a1a; outline-offset: 1px; }}
.kb-gm-m {{ display: inline-block; border-radius: 50%; vertical-align: middle; flex: none; }}
.kb-gm-s {{ background: {MARK_COLOURS["supports"]}; }}
.kb-gm-x {{ background: {MARK_COLOURS["contradicts"]}; }}
.kb-gm-q {{ background: {MARK_COLOURS["qualifies"]}; }}
.kb-gm-z1 {{ width: 0.6em; height: 0.6em; }}
.kb-gm-z2 {{ width: 0.8em; height: 0.8em; }}
.kb-gm-z3 {{ width: 1em; height: 1em; }}
.kb-gm-z4 {{ width: 1.25em; height: 1.25em; }}
.kb-gm-z5 {{ width: 1.5em; height: 1.5em; }}
.kb-gm-n {{ font-size: 0.9em; color: #1a1a1a; font-variant-numeric: tabular-nums; }}
.kb-gm-tip, .kb-gm-sr {{ position: absolute; width: 1px; height: 1px; overflow: hidden;
  clip: rect(0 0 0 0); clip-path: inset(50%); white-space: nowrap; }}
.kb-gm-cell:hover .kb-gm-tip, .kb-gm-cell:focus .kb-gm-tip {{ height: auto; clip: auto; clip-path: none;
  width: max-content; max-width: 16em; white-space: normal; right: 0; bottom: 100%; z-index: 3; background: #1a1a1a; color: #fff; padding: 0.3em 0.5em;
  border-radius: 0.3em; font-size: 0.95em; text-align: left; pointer-events: none; }}
.kb-gm-legend p {{ margin: 0.3em 0; font-size: 0.8rem; }}
.kb-gm-key {{ display: inline-flex; align-items: center; gap: 0.3em; margin-right: 0.9em; white-space: nowrap; }}
.kb-gm-gap {{ display: inline-block; width: 1.1em; height: 1.1em; background: #f4f4f5; border: 1px solid #d4d4d8; }}
.kb-gm-trail {{ font-size: 0.8rem; margin-bottom: 0.8em; }}
.kb-gm-folded {{ font-weight: bold; }}
"""
