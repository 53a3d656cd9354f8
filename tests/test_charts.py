"""Charts drawn at build time (kb.site.charts): dates to scale, markers, legends, readable on a phone.

The unit tests parse the SVG kb writes; the browser tests measure the charts
as Chromium lays them out on the shipped knowledge base's pages, at desktop
and at phone width (screenshots into the ``shots`` directory).
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET

import pytest

from browsing import ROOT, Watched
from kb.site.charts import Marker, Series, bar_chart, contrast, date_ticks, on_white, time_chart

SVG = "{http://www.w3.org/2000/svg}"
D = dt.date


def _svg(html: str) -> ET.Element:
    m = re.search(r"<svg\b.*?</svg>", html, re.S)
    assert m, html[:200]
    return ET.fromstring(m.group(0))


def _chart() -> str:
    series = [Series("belief", "#2e7d32", ((D(2024, 1, 1), 0.1), (D(2024, 1, 22), 0.3), (D(2024, 7, 1), 0.6)),
                     step=True),
              Series("uncertainty", "#9e9e9e", ((D(2024, 1, 1), 0.9), (D(2024, 7, 1), 0.4)))]
    markers = [Marker(D(2024, 3, 1), "Midterm <script>x</script>"), Marker(D(2024, 5, 15), "revised", "revision")]
    chart = time_chart(series, "Standing", "Standing", y_range=(0, 1), markers=markers,
                       marker_words=("milestone", "revision"))
    assert chart is not None
    return chart.html


def _points(svg: ET.Element) -> list[tuple[D, float]]:
    return [(D.fromisoformat(c.get("data-date")), float(c.get("cx"))) for c in svg.iter(f"{SVG}circle")]


def _proportional(points: list[tuple[D, float]]) -> None:
    """x grows by the same number of pixels per day between every pair of points."""
    points = sorted(set(points))
    (d0, x0), (d1, x1) = points[0], points[-1]
    per_day = (x1 - x0) / (d1 - d0).days
    assert per_day > 0
    for day, x in points:
        assert abs(x - (x0 + (day - d0).days * per_day)) < 1.0, (day, x)


def test_x_positions_are_proportional_to_the_dates():
    svg = _svg(_chart())
    points = _points(svg)
    assert len(points) == 5
    _proportional(points)
    by_date = dict(points)
    # three weeks are far narrower than the five months after them
    assert (by_date[D(2024, 1, 22)] - by_date[D(2024, 1, 1)]) * 5 < by_date[D(2024, 7, 1)] - by_date[D(2024, 1, 22)]


def test_milestones_and_revisions_are_marked_with_labels():
    html = _chart()
    svg = _svg(html)
    groups = {g.get("class"): g for g in svg.iter(f"{SVG}g") if g.get("class") in ("kb-milestone", "kb-revision")}
    milestone = groups["kb-milestone"]
    assert milestone.get("data-date") == "2024-03-01"
    assert "Midterm <script>x</script>" in "".join(milestone.find(f"{SVG}text").itertext())
    assert "<script>" not in html  # escaped, shown as text
    assert groups["kb-revision"].get("data-date") == "2024-05-15"
    points = dict(_points(svg))
    line = milestone.find(f"{SVG}line")
    x0, x1 = points[D(2024, 1, 1)], points[D(2024, 7, 1)]
    expected = x0 + (x1 - x0) * (D(2024, 3, 1) - D(2024, 1, 1)).days / (D(2024, 7, 1) - D(2024, 1, 1)).days
    assert abs(float(line.get("x1")) - expected) < 1.0
    legend = [t.text for t in svg.iter(f"{SVG}text")]
    assert {"belief", "uncertainty", "milestone", "revision"} <= set(legend)


def test_every_point_says_its_value():
    svg = _svg(_chart())
    titles = [c.find(f"{SVG}title").text for c in svg.iter(f"{SVG}circle")]
    assert "2024-01-22: belief 0.3" in titles and "2024-07-01: uncertainty 0.4" in titles
    assert svg.get("role") == "img" and svg.get("aria-label") == "Standing"


def test_ticks_fall_on_round_dates_not_on_every_point():
    ticks = date_ticks(D(2023, 11, 20), D(2025, 2, 3), 6)
    assert 2 <= len(ticks) <= 6
    assert all(d.day == 1 for d, _ in ticks)
    assert date_ticks(D(2020, 1, 5), D(2030, 7, 1), 6)[0] == (D(2022, 1, 1), "2022")
    short = date_ticks(D(2024, 3, 1), D(2024, 3, 4), 6)
    assert [label for _, label in short] == ["2024-03-01", "2024-03-02", "2024-03-03", "2024-03-04"]


def test_lines_stand_out_against_white():
    assert contrast("#9e9e9e") < 3 <= contrast(on_white("#9e9e9e"))
    assert on_white("#2e7d32") == "#2e7d32"  # already dark enough: unchanged
    for path in _svg(_chart()).iter(f"{SVG}path"):
        colour = path.get("stroke") or path.get("fill")
        if colour and colour != "none":
            assert contrast(colour) >= 3, colour


def test_text_is_at_least_eleven_pixels_at_natural_size():
    svg = _svg(_chart())
    assert float(svg.get("width")) == float(svg.get("viewBox").split()[2])  # drawn 1:1, never squeezed
    assert all(float(t.get("font-size")) >= 11 for t in svg.iter(f"{SVG}text"))


def test_the_same_input_gives_the_same_bytes():
    assert _chart() == _chart()


def test_bars_are_proportional_to_their_values():
    chart = bar_chart([("Trust", [(0, 2.0, "Trust start"), (1, 4.0, "Trust end")]), ("Voice", [(1, 1.0, "v")])],
                      [("start", "#00796b"), ("end", "#5e35b1")], "1-5", (0, 5))
    assert chart is not None
    bars = list(_svg(chart.html).iter(f"{SVG}rect"))
    widths = {b.find(f"{SVG}title").text: float(b.get("width")) for b in bars}
    assert abs(widths["Trust end"] - 2 * widths["Trust start"]) < 1.0
    assert abs(widths["Trust start"] - 2 * widths["v"]) < 1.0


def test_the_hypothesis_page_marks_its_milestones_and_revisions(kitchen_sink):
    from kb.load.loader import load
    from kb.site.pages import render_site

    kb, _ = load(kitchen_sink)
    page = render_site(kb)["hypotheses/H01.md"]
    assert "```mermaid" not in page
    chart = next(m.group(0) for m in re.finditer(r'<figure class="kb-diagram kb-chart".*?</figure>', page, re.S))
    svg = _svg(chart)
    dates = {g.get("class"): set() for g in svg.iter(f"{SVG}g")}
    for g in svg.iter(f"{SVG}g"):
        dates[g.get("class")].add(g.get("data-date"))
    proposed = kb.hypotheses["H01"].proposed
    expected = {m.date.isoformat() for m in kb.config.milestones if m.date >= proposed}
    assert expected and dates["kb-milestone"] == expected
    assert dates["kb-revision"] == {r.date.isoformat() for r in kb.hypotheses["H01"].revisions}
    _proportional(_points(svg))


def test_the_changes_page_puts_milestones_on_a_time_axis(kitchen_sink):
    from kb.load.loader import load
    from kb.site.pages import render_site

    kb, _ = load(kitchen_sink)
    page = render_site(kb)["changes.md"]
    chart = re.search(r'<figure class="kb-diagram kb-chart".*?</figure>', page, re.S).group(0)
    points = _points(_svg(chart))
    assert {d for d, _ in points} == {m.date for m in kb.config.milestones}
    _proportional(points)
    # what a hypothesis stood at is two readings of one day, not a change from one to the other
    assert "→" not in page.split("## ", 2)[1].split("###")[0]


# --- in the browser ---------------------------------------------------------------------

#: Every chart's points, ticks and milestone lines as laid out: (date, centre x in CSS px).
LAYOUT = """() => [...document.querySelectorAll("figure.kb-chart")].map(f => ({
  points: [...f.querySelectorAll("circle.kb-point")].map(c => {
    const r = c.getBoundingClientRect(); return [c.dataset.date, r.left + r.width / 2]; }),
  milestones: [...f.querySelectorAll("g.kb-milestone")].map(g => {
    const r = g.querySelector("line").getBoundingClientRect();
    return [g.parentNode.closest("figure") && g.dataset.date, r.left + r.width / 2, r.height,
            getComputedStyle(g).visibility, g.querySelector("text").textContent]; }),
}))"""

#: Every text in a chart: its computed font size and its laid-out height, in CSS px.
TEXT_SIZES = """() => [...document.querySelectorAll("figure.kb-diagram svg text")].map(t => [
  t.textContent, parseFloat(getComputedStyle(t).fontSize), t.getBoundingClientRect().height])"""


def _hypothesis_with_milestones() -> tuple[str, object]:
    from kb.load.loader import load

    kb, _ = load(ROOT)
    for hid, h in kb.hypotheses.items():
        if any(m.date >= h.proposed for m in kb.config.milestones):
            return hid, kb
    pytest.fail("no hypothesis of the shipped KB lives through a milestone: the chart tests need one")


def test_shipped_hypothesis_chart_is_to_scale_with_milestones(watched, shipped_site, shots):
    hid, kb = _hypothesis_with_milestones()
    page = watched.open(f"{shipped_site}hypotheses/{hid}/", diagrams=True)
    charts = [c for c in page.evaluate(LAYOUT) if c["points"]]
    assert charts, "no chart with points on the hypothesis page"
    chart = charts[0]
    points = [(D.fromisoformat(d), x) for d, x in chart["points"]]
    _proportional(points)
    assert chart["milestones"], "no milestone marker"
    labels = {text for m in kb.config.milestones
              for text in (m.label.values() if isinstance(m.label, dict) else [m.label])}  # in any language
    (d0, x0), (d1, x1) = min(points), max(points)
    for day, x, height, visibility, text in chart["milestones"]:
        assert visibility == "visible" and height > 50
        assert text.rstrip("…") and any(label.startswith(text.rstrip("…")) for label in labels)
        expected = x0 + (x1 - x0) * (D.fromisoformat(day) - d0).days / (d1 - d0).days
        assert abs(x - expected) < 1.5
    page.locator("figure.kb-chart").first.scroll_into_view_if_needed()
    page.screenshot(path=shots / "chart-hypothesis-desktop.png", full_page=True)


def _context_with_measurements() -> str | None:
    from kb.load.loader import load

    kb, _ = load(ROOT)
    measured = [e.context for e in kb.evidence.values() if e.measurement and e.context and not e.restricted]
    if not measured:
        return None
    top = measured[0]
    return ([top, *kb.context_ancestors(top)])[-1]


def test_no_chart_text_is_smaller_than_eleven_pixels_on_a_phone(browser, shipped_site, shots):
    hid, _ = _hypothesis_with_milestones()
    pages = {"hypothesis": f"hypotheses/{hid}/", "changes": "changes/"}
    context = _context_with_measurements()
    if context:
        pages["context"] = f"contexts/{context}/"
    phone = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    try:
        w = Watched(phone)
        seen = 0
        for name, path in pages.items():
            page = w.open(shipped_site + path, diagrams=True)
            sizes = page.evaluate(TEXT_SIZES)
            small = [(text, size, height) for text, size, height in sizes if size < 11 or 0 < height < 11]
            assert not small, f"/{path}: text under 11 px: {small[:5]}"
            seen += len(sizes)
            # the chart scrolls inside its own box; the page itself does not scroll sideways
            assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1
            page.screenshot(path=shots / f"chart-{name}-phone.png", full_page=True)
        assert seen > 0
        assert not w.errors and not w.outside
    finally:
        phone.close()
