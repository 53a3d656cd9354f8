"""kb.site.gapmap: the evidence gap map, its drill-down pages, and how they read in a browser.

The KB below has three levels of contexts and scoped links, the counts worked
out by hand from the rule in KnowledgeBase's docstring (a link is placed in its
scope, else its evidence's context, and counts there and in every context
enclosing it):

    vest (region)                     nord (region)
      by (municipality)                 fjell (municipality)    no evidence at all
        by-arena (arena)
        by-ws (workshop)              no evidence
      dal (municipality)              no parts

    E1  at by-arena   H1 supports
    E2  at by         H1 contradicts; H2 qualifies scoped to by-arena
    E3  literature    H2 supports scoped to dal
    E4  literature    H1 supports (no scope: the literature column)
    E5  at vest       H2 supports (placed at the region: in no column below it)
    H3  no evidence anywhere
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from kb.graph.network import gap_map
from kb.load.loader import load
from test_contexts import link  # a judgement in a test KB's YAML, written as the context tests write it

CONFIG = """\
title: Gap map test
base_iri: https://kb.example.org/gaps/
languages: [en]
phases: [start, end]
"""

REGISTRY = """\
contexts:
  - {id: vest, label: Region West, kind: other}
  - {id: by, label: Town municipality, kind: municipality, role: project, part_of: vest}
  - {id: by-arena, label: Town arena, kind: co_creation_arena, part_of: by}
  - {id: by-ws, label: Town workshop, kind: politician_workshop, part_of: by}
  - {id: dal, label: Valley municipality, kind: municipality, role: sparring, part_of: vest}
  - {id: nord, label: Region North, kind: other}
  - {id: fjell, label: Mountain municipality, kind: municipality, role: follower, part_of: nord}
"""


def hypothesis(hid: str) -> str:
    return f"id: {hid}\ntitle: Hypothesis {hid}\nstatement: Claim {hid}.\nstatus: testing\nproposed: 2021-01-01\n"


def evidence(eid: str, context: str | None, phase: str, *links: str) -> str:
    where = f"context: {context}\n" if context else ""
    kind = "field_observation" if context else "literature_finding"
    body = "".join(f"  - {link}\n" for link in links)
    return (f"id: {eid}\nkind: {kind}\ntitle: Evidence {eid}\ndate: 2022-01-01\n{where}phase: {phase}\n"
            f"summary: Illustrative.\nlinks:\n{body}")


FILES = {
    "kb.yaml": CONFIG,
    "registry/contexts.yaml": REGISTRY,
    "hypotheses/H1.yaml": hypothesis("H1"),
    "hypotheses/H2.yaml": hypothesis("H2"),
    "hypotheses/H3.yaml": hypothesis("H3"),
    "evidence/E1.yaml": evidence("E1", "by-arena", "start", link("H1", "supports")),
    "evidence/E2.yaml": evidence("E2", "by", "start", link("H1", "contradicts"),
                                 link("H2", "qualifies", "by-arena")),
    "evidence/E3.yaml": evidence("E3", None, "start", link("H2", "supports", "dal")),
    "evidence/E4.yaml": evidence("E4", None, "start", link("H1", "supports")),
    "evidence/E5.yaml": evidence("E5", "vest", "start", link("H2", "supports")),
}

NONE = (0, 0, 0)
#: page -> column -> hypothesis -> (supports, contradicts, qualifies); missing cells are NONE
EXPECTED = {
    "gaps.md": {"vest": {"H1": (1, 1, 0), "H2": (2, 0, 1)}, "literature": {"H1": (1, 0, 0)}},
    "gaps/vest.md": {"by": {"H1": (1, 1, 0), "H2": (0, 0, 1)}, "dal": {"H2": (1, 0, 0)}},
    "gaps/by.md": {"by-arena": {"H1": (1, 0, 0), "H2": (0, 0, 1)}},
}
FOLDED = {"gaps.md": ["nord"], "gaps/vest.md": [], "gaps/by.md": ["by-ws"], "gaps/nord.md": ["fjell"]}


@pytest.fixture
def root(make_kb) -> Path:
    return make_kb(FILES)


@pytest.fixture
def kb(root):
    found, diagnostics = load(root)
    assert not [d for d in diagnostics if d.severity == "error"], diagnostics
    return found


@pytest.fixture
def site(kb):
    from kb.site.kit import Site

    return Site(kb)


def cells_of(view) -> dict[str, dict[str, tuple[int, int, int]]]:
    m = view.matrix
    return {col.key: {row.ref.label: (c.supports, c.contradicts, c.qualifies)
                      for row in m.rows if (c := row.cells[i]).total}
            for i, col in enumerate(m.columns)}


# --- the views ---------------------------------------------------------------------------


def test_the_top_level_map_has_gap_maps_counts_and_folds_empty_columns(kb, site):
    from kb.site.gapmap import gaps_view

    view = gaps_view(site)
    assert [c.key for c in view.matrix.columns] == ["vest", "literature"]
    assert [c.key for c in view.matrix.folded] == FOLDED["gaps.md"]
    assert cells_of(view) == EXPECTED["gaps.md"]
    columns, rows = gap_map(kb, "context", 0)
    for row in view.matrix.rows:  # the same numbers as `kb gaps`, cell by cell
        for col, cell in zip(view.matrix.columns, row.cells):
            assert cell == rows[row.ref.label][col.key]
    assert [r.ref.label for r in view.matrix.rows] == ["H1", "H2", "H3"]  # H3: a whole row of gaps
    assert view.matrix.columns[0].down is not None and view.matrix.columns[1].down is None
    assert [c.key for c in view.phases.columns] == ["start"] and [c.key for c in view.phases.folded] == ["end"]


@pytest.mark.parametrize("cid", ["vest", "by"])
def test_drill_down_views_count_only_what_is_placed_in_the_parts(kb, site, cid):
    from kb.site.gapmap import drill_path, drill_view

    view = drill_view(site, cid)
    page = drill_path(cid)
    assert cells_of(view) == EXPECTED[page]
    level = kb.context_level(cid) + 1
    _, rows = gap_map(kb, "context", level)
    for row in view.matrix.rows:
        for col, cell in zip(view.matrix.columns, row.cells):
            assert cell == rows[row.ref.label][col.key], (cid, col.key, row.ref.label)
    assert [c.key for c in view.matrix.folded] == FOLDED[page]
    assert [r.label for r in view.trail] == ["Evidence gap map"] + (["Region West"] if cid == "by" else [])


def test_scoped_links_land_in_the_right_column(site):
    from kb.site.gapmap import drill_view, gaps_view

    # E3, literature scoped to the valley: in the region's column, not in literature's
    assert cells_of(gaps_view(site))["literature"] == {"H1": (1, 0, 0)}
    assert cells_of(drill_view(site, "vest"))["dal"] == {"H2": (1, 0, 0)}
    # E2's H2 judgement, recorded at the town and scoped to its arena, is in the arena's column;
    # E2's unscoped H1 judgement, placed at the town, is in no arena's column
    arena = cells_of(drill_view(site, "by"))["by-arena"]
    assert arena == {"H1": (1, 0, 0), "H2": (0, 0, 1)}
    # E5, placed at the region, counts in none of its municipalities
    assert cells_of(drill_view(site, "vest"))["by"]["H2"] == (0, 0, 1)


def test_pages_exist_for_contexts_with_parts_and_show_the_parts(kb):
    from kb.site.pages import page_makers

    makers = page_makers(kb)
    gap_pages = sorted(p for p in makers if p == "gaps.md" or p.startswith("gaps/"))
    assert gap_pages == ["gaps.md", "gaps/by.md", "gaps/nord.md", "gaps/vest.md"]
    top = makers["gaps.md"]()
    assert 'href="vest/"' in top and 'href="nord/"' not in top  # nord is folded: no column, no arrow
    assert re.search(r'No evidence yet in&#58;</span> <a href="../contexts/nord/">Region North</a>', top)
    vest = makers["gaps/vest.md"]()
    assert "Town municipality" in vest and "Valley municipality" in vest
    assert 'href="../by/"' in vest  # the town has parts: its column drills further
    assert "counts in no column here" in vest  # what happens to links placed at the region itself
    by = makers["gaps/by.md"]()
    assert "Town arena" in by and re.search(r"No evidence yet in&#58;</span> <a [^>]*>Town workshop</a>", by)
    assert re.search(r'<nav class="kb-gm-trail"[^>]*><a href="../">Evidence gap map</a> › '
                     r'<a href="../vest/">Region West</a></nav>', by)
    nord = makers["gaps/nord.md"]()
    assert "No evidence here yet." in nord and "Mountain municipality" in nord


def test_the_table_is_accessible(kb):
    from kb.site.pages import page_makers

    page = page_makers(kb)["gaps.md"]()
    table = page[page.index('<table class="kb-gm-table">'):page.index("</table>")]
    assert "<caption>" in table
    assert not re.search(r"<th[^>]*>\s*</th>", table)  # no empty header cells
    assert all('scope="' in th for th in re.findall(r"<th\b[^>]*>", table))
    # every mark is focusable, and its numbers are text (the tooltip) for screen readers
    marks = [html.unescape(m) for m in
             re.findall(r'<span class="kb-gm-cell" tabindex="0">.*?<span class="kb-gm-tip">(.*?)</span>', table)]
    assert "H2 · Region West: 2 supporting, 0 contradicting, 1 qualifying" in marks
    assert len(marks) == 3  # H1 and H2 in the west, H1 in literature
    assert table.count("<td></td>") == 3 * 2 - 3  # the other cells of the shown columns: visible gaps


def test_pages_are_deterministic_and_escape_yaml_text(make_kb):
    from kb.site.pages import page_makers

    files = dict(FILES)
    files["registry/contexts.yaml"] = REGISTRY.replace("label: Region West", 'label: "<b>West</b>"')
    kb = load(make_kb(files))[0]
    first = {p: m() for p, m in page_makers(kb).items() if p.startswith("gaps")}
    again = {p: m() for p, m in page_makers(kb).items() if p.startswith("gaps")}
    assert first == again
    assert "<b>West</b>" not in "".join(first.values()) and "&lt;b&gt;West&lt;/b&gt;" in first["gaps.md"]


def test_many_columns_are_grouped(make_kb):
    from kb.site.gapmap import MAX_GAP_COLUMNS
    from kb.site.pages import page_makers

    files = dict(FILES)
    many = "".join(f"  - {{id: m{i}, label: M{i}, kind: municipality, role: sparring}}\n"
                   for i in range(MAX_GAP_COLUMNS))
    files["registry/contexts.yaml"] = REGISTRY + many
    for i in range(MAX_GAP_COLUMNS):
        files[f"evidence/EM{i}.yaml"] = evidence(f"EM{i}", f"m{i}", "end", link("H3", "supports"))
    page = page_makers(load(make_kb(files))[0])["gaps.md"]()
    head = page[page.index("<thead>"):page.index("</thead>")]
    assert f"sparring ({MAX_GAP_COLUMNS})" in head and "contexts/m1/" not in head
    assert f"There are {MAX_GAP_COLUMNS + 2} columns with evidence" in page
    assert f"H3 · sparring ({MAX_GAP_COLUMNS}): {MAX_GAP_COLUMNS} supporting" in html.unescape(page)


# --- in a browser ------------------------------------------------------------------------

FITS = """() => {
  const box = document.querySelector('.kb-gm'), table = box.querySelector('table');
  const article = document.querySelector('article');
  return {page: document.documentElement.scrollWidth, viewport: window.innerWidth,
          box: box.clientWidth, table: table.scrollWidth, article: article.clientWidth,
          right: table.getBoundingClientRect().right, articleRight: article.getBoundingClientRect().right};
}"""


def test_the_shipped_gap_map_fits_1366_and_shows_counts_on_focus(browser, shipped_site, shots):
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.goto(shipped_site + "gaps/")
    size = page.evaluate(FITS)
    page.screenshot(path=str(shots / "gapmap-1366.png"), full_page=True)
    assert size["page"] <= size["viewport"], size
    assert size["table"] <= size["box"] and size["right"] <= size["articleRight"] + 1, size  # not clipped
    cell = page.locator(".kb-gm-cell").first
    tip = cell.locator(".kb-gm-tip")
    assert tip.bounding_box()["width"] <= 1  # hidden until asked for
    page.keyboard.press("Tab")  # reach the first mark by keyboard, as a reader would
    for _ in range(200):
        if page.evaluate("document.activeElement.classList.contains('kb-gm-cell')"):
            break
        page.keyboard.press("Tab")
    focused = page.locator(".kb-gm-cell:focus")
    shown = focused.locator(".kb-gm-tip")
    assert shown.bounding_box()["width"] > 100
    assert re.fullmatch(r"H\d+ · .+: \d+ supporting, \d+ contradicting, \d+ qualifying", shown.inner_text())
    page.screenshot(path=str(shots / "gapmap-1366-focus.png"))
    down = page.locator("a.kb-gm-down").first  # Stad's arenas and workshops
    down.click()
    page.wait_for_load_state("load")
    assert page.url.endswith("/gaps/stad/"), page.url
    assert page.locator(".kb-gm-table caption").inner_text().endswith("(level 1)")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    context.close()
    phone = browser.new_context(viewport={"width": 390, "height": 844})
    page = phone.new_page()
    page.goto(shipped_site + "gaps/")
    size = page.evaluate(FITS)
    page.screenshot(path=str(shots / "gapmap-390.png"), full_page=True)
    assert size["page"] <= size["viewport"], size  # the matrix scrolls inside its wrapper, not the page
    phone.close()


def test_drill_down_in_a_three_level_kb(browser, serve, root, tmp_path, shots):
    from kb.build import build

    build(root, tmp_path / "site")
    url = serve(tmp_path / "site")
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.goto(url + "gaps/")
    heads = " ".join(page.locator(".kb-gm-table").first.locator("thead th").all_inner_texts())
    assert "Region West" in heads and "literature" in heads and "Region North" not in heads
    assert "Region North" in page.locator("p", has_text="No evidence yet in").first.inner_text()
    page.get_by_role("link", name="Gap map of the parts of Region West").click()
    page.wait_for_load_state("load")
    assert page.url.endswith("/gaps/vest/")
    assert "Town municipality" in page.locator(".kb-gm-table thead").inner_text()
    page.get_by_role("link", name="Gap map of the parts of Town municipality").click()
    page.wait_for_load_state("load")
    assert page.url.endswith("/gaps/by/")
    row = page.locator(".kb-gm-table tbody tr", has_text="H2")
    assert row.locator(".kb-gm-tip").all_inner_texts() == [
        "H2 · Town arena: 0 supporting, 0 contradicting, 1 qualifying"]  # E2's scoped judgement
    assert "H1 · Town arena: 1 supporting, 0 contradicting, 0 qualifying" in page.content()  # E2's H1 is not here
    assert "Town workshop" in page.locator("p", has_text="No evidence yet in").inner_text()
    page.screenshot(path=str(shots / "gapmap-drill-1366.png"), full_page=True)
    context.close()
    phone = browser.new_context(viewport={"width": 390, "height": 844})
    page = phone.new_page()
    page.goto(url + "gaps/by/")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(shots / "gapmap-drill-390.png"), full_page=True)
    phone.close()
