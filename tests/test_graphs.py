"""The framework's diagrams drawn at build time (kb.site.graphs) and the map page as a tool (kb-map.js).

Unit tests on the layout and the SVG; browser tests on the shipped site's map
page in Chromium: zoom, pan, filters, the map at a milestone, links, and text
no smaller than 11 px on a phone.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.browsing import Watched

ROOT = Path(__file__).resolve().parents[1]
SVG = "{http://www.w3.org/2000/svg}"


def _graph(edges, labels=None):
    from kb.site.graphs import Graph

    g = Graph()
    for a, b, *label in edges:
        for k in (a, b):
            g.node(k, (labels or {}).get(k, k), href=f"../{k}/")
        g.edge(a, b, *label)
    return g


def _overlap(p, q) -> bool:
    return p.x < q.x + q.w and q.x < p.x + p.w and p.y < q.y + q.h and q.y < p.y + p.h


@pytest.fixture(scope="module")
def shipped():
    from kb.load import checked
    from kb.public import public_view
    from kb.site.kit import Site

    kb, _ = checked(ROOT)
    return Site(public_view(kb))


def _parse(html: str) -> ET.Element:
    return ET.fromstring(html)  # the figure is well-formed XML: every text escaped


# --- the layout --------------------------------------------------------------------------


def test_layout_is_deterministic_and_nodes_do_not_overlap():
    from kb.site.graphs import layout, svg

    edges = [("a", "b"), ("b", "c"), ("a", "c", "long"), ("c", "d"), ("e", "d"), ("b", "e", "x"), ("f", "a")]
    first, second = svg(_graph(edges), "g"), svg(_graph(edges), "g")
    assert first == second
    boxes = list(layout(_graph(edges)).boxes.values())
    assert len(boxes) == 6
    assert not [(p, q) for i, p in enumerate(boxes) for q in boxes[i + 1:] if _overlap(p, q)]
    lay = layout(_graph(edges))
    assert lay.boxes["a"].x < lay.boxes["b"].x < lay.boxes["c"].x < lay.boxes["d"].x  # left to right


def test_a_cycle_is_drawn_with_both_edges_pointing_the_right_way():
    from kb.site.graphs import layout

    lay = layout(_graph([("a", "b"), ("b", "a")]))
    routes = {(r.edge.a, r.edge.b): r.points for r in lay.routes}
    assert set(routes) == {("a", "b"), ("b", "a")}
    a, b = lay.boxes["a"], lay.boxes["b"]
    # each route ends at its own target's side
    assert routes[("a", "b")][-1][0] in (b.x, b.x + b.w)
    assert routes[("b", "a")][-1][0] in (a.x, a.x + a.w)


def test_shipped_map_every_node_links_and_nothing_overlaps(shipped):
    from kb.site.graphs import framework_diagram

    d = framework_diagram(shipped, "map.md")
    assert d == framework_diagram(shipped, "map.md")  # byte for byte
    fig = _parse(d.html)
    svg = fig.find(f"{SVG}svg")
    nodes = svg.findall(f".//{SVG}g[@class='kb-nodes']/*")
    assert nodes and all(n.tag == f"{SVG}a" and n.get("href") for n in nodes)
    hyps = [n for n in nodes if "kb-hypothesis" in n.get("class")]
    assert len(hyps) == sum(1 for h in shipped.kb.hypotheses.values() if h.relation)
    assert {n.get("href") for n in hyps} >= {"../hypotheses/H04/", "../hypotheses/H11/"}
    rects = [(float(r.get("x")), float(r.get("y")), float(r.get("width")), float(r.get("height")))
             for r in svg.findall(f".//{SVG}g[@class='kb-nodes']//{SVG}rect")]
    clashes = [(p, q) for i, p in enumerate(rects) for q in rects[i + 1:]
               if p[0] < q[0] + q[2] and q[0] < p[0] + p[2] and p[1] < q[1] + q[3] and q[1] < p[1] + p[3]]
    assert not clashes
    sizes = {float(t.get("font-size")) for t in svg.iter(f"{SVG}text")}
    assert min(sizes) >= 12


def test_hostile_labels_and_links_are_escaped():
    from kb.site.graphs import Graph, svg

    g = Graph()
    evil = '</text><script>alert(1)</script><text a="'
    g.node("x", evil, href='" onclick="alert(1)', title=evil)
    g.node("y", "y & <b>")
    g.edge("x", "y", '"><img src=x onerror=alert(1)>', data={"h": '"><script>'})
    html = svg(g, '"><script>')
    fig = _parse(html)  # still well-formed: nothing broke out of its attribute or text
    assert "<script" not in html and "<img" not in html
    a = fig.find(f".//{SVG}a")
    assert a.get("href") == '" onclick="alert(1)' and a.get("onclick") is None
    texts = "".join(fig.itertext())
    assert "<script>" in texts  # shown as text, not run


def test_long_labels_wrap_and_keep_their_full_text_in_the_title():
    from kb.site.graphs import LABEL_MAX_LINES, svg, wrap

    long = "a very long construct name that goes on and on " * 3
    lines = wrap(long)
    assert 1 < len(lines) <= LABEL_MAX_LINES and lines[-1].endswith("…")
    g = _graph([("x", "y")], {"x": long})
    fig = _parse(svg(g, "g"))
    assert " ".join(long.split()) in fig.find(f".//{SVG}title").text


REGISTRY = """\
constructs:
  - {id: trust, label: "Trust </text><script>alert(1)</script>"}
  - {id: co-creation, label: Co-creation}
"""


def _hypothesis(hid: str) -> str:
    return (f"id: {hid}\ntitle: {hid}\nstatement: S.\nstatus: proposed\nproposed: 2021-01-01\n"
            "relation: {from: trust, to: co-creation, effect: positive}\n")


def _site(root):
    from kb.load import checked
    from kb.public import public_view
    from kb.site.kit import Site

    kb, _ = checked(root)
    return Site(public_view(kb))


def test_a_large_map_aggregates_pairs_and_offers_no_status_or_time_controls(make_kb):
    from kb.site.kit import MAP_MAX_HYPOTHESES
    from kb.site.overview import map_page, map_view
    from kb.site.kit import Render

    n = MAP_MAX_HYPOTHESES + 1
    files = {"registry/registry.yaml": REGISTRY} | {f"hypotheses/X{i}.yaml": _hypothesis(f"X{i}") for i in range(n)}
    site = _site(make_kb(files))
    view = map_view(site, "map.md")
    assert view.aggregated and not view.moments
    svg = _parse(view.diagram.html).find(f"{SVG}svg")
    nodes = svg.findall(f".//{SVG}g[@class='kb-nodes']/*")
    assert len(nodes) == 2 and all(a.get("href") for a in nodes)  # constructs only, each a link
    assert [t.text for t in svg.findall(f".//{SVG}g[@class='kb-edges']//{SVG}text")] == [f"{n} × +"]
    page = map_page(view, Render(site.words))
    assert "data-map-status" not in page and 'data-map="when"' not in page and "data-map-construct" in page
    assert "X99" in page  # the table still lists every hypothesis
    assert "<script>alert" not in page


def test_the_map_page_carries_each_hypothesis_state_at_each_milestone(make_kb):
    from kb.site.overview import map_view

    config = ("title: T\nbase_iri: https://kb.example.org/t/\nlanguages: [en]\nmilestones:\n"
              "  - {id: early, date: 2021-03-01, label: Early}\n  - {id: late, date: 2022-01-01, label: Late}\n")
    later = _hypothesis("H2").replace("2021-01-01", "2021-06-01")
    successor = _hypothesis("H3").replace("2021-01-01", "2021-09-01") + "supersedes: [H1]\n"
    site = _site(make_kb({"kb.yaml": config, "registry/registry.yaml": REGISTRY,
                          "hypotheses/H1.yaml": _hypothesis("H1"), "hypotheses/H2.yaml": later,
                          "hypotheses/H3.yaml": successor}))
    view = map_view(site, "map.md")
    assert len(view.moments) == 3 and view.moments[0] == site.words("map_now")
    at = {a.get("data-h"): a.get("data-at").split() for a in _parse(view.diagram.html).iter(f"{SVG}a")
          if a.get("data-h")}
    # now, early, late: H2 came after the early milestone, H3 superseded H1 before the late one
    assert at == {"H1": ["-", "proposed", "-"], "H2": ["proposed", "-", "proposed"], "H3": ["proposed", "-", "proposed"]}


# --- the map page in a browser -------------------------------------------------------------


def _open(browser, url: str, width: int = 1366, height: int = 900, js: bool = True):
    context = browser.new_context(viewport={"width": width, "height": height}, java_script_enabled=js)
    w = Watched(context)
    page = w.open(url, diagrams=False)
    return context, w, page


def _finish(context, w) -> None:
    context.close()
    assert not w.outside, w.outside
    assert not w.errors, w.errors


def _view_box(page) -> list[float]:
    return [float(v) for v in page.get_attribute("figure.kb-map svg", "viewBox").split()]


def _visible_hypotheses(page) -> set[str]:
    return set(page.eval_on_selector_all(
        "figure.kb-map .kb-hypothesis", "els => els.filter(e => getComputedStyle(e).display !== 'none')"
        ".map(e => e.getAttribute('data-h'))"))


def test_map_zooms_and_pans(browser, shipped_site, shots):
    context, w, page = _open(browser, shipped_site + "map/")
    page.screenshot(path=shots / "map-tool-1366.png", full_page=True)
    start = _view_box(page)
    page.click("button[data-map='in']")
    zoomed = _view_box(page)
    assert zoomed[2] < start[2] * 0.9 and zoomed[3] < start[3] * 0.9
    page.focus("figure.kb-map")
    page.keyboard.press("ArrowRight")
    assert _view_box(page)[0] > zoomed[0]
    drawing = page.locator("figure.kb-map svg")
    drawing.scroll_into_view_if_needed()
    box = drawing.bounding_box()
    assert box["width"] > 600  # the map fills the page's width (it once collapsed to 1 px)
    # a point of the drawing that is on the screen (a tall map runs below the window's edge)
    y = (max(box["y"], 0) + min(box["y"] + box["height"], page.viewport_size["height"])) / 2
    x0 = _view_box(page)[0]
    page.mouse.move(box["x"] + 30, y)
    page.mouse.down()
    page.mouse.move(box["x"] + 230, y, steps=5)
    page.mouse.up()
    assert _view_box(page)[0] < x0  # dragged right: the view moves left
    page.keyboard.press("0")
    assert _view_box(page) == start
    page.keyboard.press("-")
    assert _view_box(page)[2] > start[2]
    _finish(context, w)


def test_map_filters_by_status_and_construct(browser, shipped_site, shots):
    context, w, page = _open(browser, shipped_site + "map/")
    now = _visible_hypotheses(page)
    statuses = dict(page.eval_on_selector_all(
        "figure.kb-map .kb-hypothesis", "els => els.map(e => [e.getAttribute('data-h'), "
        "e.getAttribute('data-at').split(' ')[0]])"))
    assert "supported" in statuses.values()
    page.uncheck("input[data-map-status='supported']")
    left = _visible_hypotheses(page)
    assert left == {h for h in now if statuses[h] != "supported"} and left
    page.check("input[data-map-status='supported']")
    assert _visible_hypotheses(page) == now
    page.uncheck("input[data-map-construct='co-creation']")
    touching = set(page.eval_on_selector_all(
        "figure.kb-map .kb-hypothesis", "els => els.filter(e => e.dataset.from === 'co-creation' || "
        "e.dataset.to === 'co-creation').map(e => e.dataset.h)"))
    assert touching and not (_visible_hypotheses(page) & touching)
    assert page.eval_on_selector("figure.kb-map .kb-construct[data-c='co-creation']",
                                 "e => getComputedStyle(e).display") == "none"
    edges = page.eval_on_selector_all("figure.kb-map .kb-edge", "els => els.filter(e => "
                                      "getComputedStyle(e).display !== 'none').map(e => e.dataset.h)")
    assert not (set(edges) & touching)
    page.screenshot(path=shots / "map-tool-filtered-1366.png", full_page=True)
    _finish(context, w)


def test_map_at_a_milestone_shows_the_hypotheses_of_then(browser, shipped_site, shipped, shots):
    from kb.history.asof import framework_as_of

    kb = shipped.kb
    context, w, page = _open(browser, shipped_site + "map/")
    now = _visible_hypotheses(page)
    options = page.eval_on_selector_all("select[data-map='when'] option", "os => os.map(o => o.textContent)")
    milestones = sorted(kb.config.milestones, key=lambda m: (m.date, m.id))
    assert len(options) == 1 + len(milestones)
    i, m = next((i, m) for i, m in enumerate(milestones, 1) if m.id == "baseline")
    past = framework_as_of(kb, m.id).kb
    expected = {hid for hid, h in past.hypotheses.items() if h.relation and h.status != "retired"
                and not any(hid in o.supersedes for o in past.hypotheses.values())}
    page.select_option("select[data-map='when']", str(i))
    then = _visible_hypotheses(page)
    assert then == expected and len(then) < len(now)
    assert "H11" not in then and "H11" in now  # proposed after the baseline
    shown = page.text_content(".kb-map-shown")
    assert str(len(then)) in shown
    page.screenshot(path=shots / "map-tool-baseline-1366.png", full_page=True)
    page.select_option("select[data-map='when']", "0")
    assert _visible_hypotheses(page) == now
    _finish(context, w)


def test_clicking_a_node_opens_its_page(browser, shipped_site):
    context, w, page = _open(browser, shipped_site + "map/")
    page.click("figure.kb-map a[data-h='H01']")
    page.wait_for_url("**/hypotheses/H01/")
    assert "H01" in page.text_content("h1")
    _finish(context, w)


def test_map_without_javascript_is_a_plain_map_with_links(browser, shipped_site):
    context, w, page = _open(browser, shipped_site + "map/", js=False)
    assert not page.is_visible(".kb-map-controls")
    assert page.locator("figure.kb-map svg a[href]").count() > 10
    _finish(context, w)


RENDERED_SIZES = """() => [...document.querySelectorAll('figure.kb-graph-figure svg text')]
  .filter(t => t.getClientRects().length)
  .map(t => parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a)"""


@pytest.mark.parametrize("path,name", [("map/", "map-tool"), ("", "home-map"), ("hypotheses/H12/", "neighbourhood"),
                                       ("constructs/co-creation/", "construct")])
def test_diagram_text_is_at_least_11px_on_a_phone(browser, shipped_site, shots, path, name):
    context, w, page = _open(browser, shipped_site + path, width=390, height=844)
    sizes = page.evaluate(RENDERED_SIZES)
    assert sizes, f"no diagram text on {path!r}"
    assert min(sizes) >= 11, min(sizes)
    page.locator("figure.kb-graph-figure").first.scroll_into_view_if_needed()
    page.screenshot(path=shots / f"{name}-390.png")
    _finish(context, w)


def test_nodes_take_the_keyboard_focus_visibly(browser, shipped_site):
    context, w, page = _open(browser, shipped_site + "map/")
    node = page.locator("figure.kb-map a[data-h='H01']")
    node.focus()
    assert page.evaluate("() => document.activeElement.getAttribute('data-h')") == "H01"
    page.keyboard.press("Tab")  # the focus ring comes from :focus-visible, which the keyboard sets
    page.keyboard.press("Shift+Tab")
    width = page.eval_on_selector("figure.kb-map a[data-h='H01'] > rect", "r => getComputedStyle(r).strokeWidth")
    assert width == "3px"
    _finish(context, w)
