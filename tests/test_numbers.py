"""Numbers that explain themselves: standings linked and worked out in place, saved-question answers in
words with their items linked, sortable and filterable lists, and search that finds an item's own page."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from kb.graph.score import standings
from kb.load import checked
from kb.public import public_view
from kb.site.fmt import Words
from kb.site.items import evidence_index_pages, hypotheses_index_page, hypotheses_index_view, hypothesis_page, \
    hypothesis_view
from kb.site.kit import Render, SavedQuery, Site
from kb.site.questions import Names, questions_page, questions_view
from kb.site.standing import explanation_page, explanation_view

ROOT = Path(__file__).resolve().parents[1]
BANNER = Words("en")("illustrative_page").split(":")[0]  # "This page shows illustrative data"


@pytest.fixture(scope="module")
def shipped() -> Site:
    kb, _ = checked(ROOT)
    return Site(public_view(kb), build_date="2024-01-01")


def _render(site: Site) -> Render:
    return Render(site.words, site.directory_urls)


# --- the arithmetic, from kb.graph.score ------------------------------------------------


def test_the_arithmetic_block_shows_the_models_own_numbers(shipped):
    st = standings(shipped.kb)["H04"]
    page = hypothesis_page(hypothesis_view(shipped, "H04"), _render(shipped))
    block = re.search(r'<details class="kb-arithmetic"[^>]*>(.*?)</details>', page, re.S).group(1)
    n = st.positive + st.negative + st.prior_weight
    for line in (f"r = {st.positive:.3f}", f"s = {st.negative:.3f}", f"W = {st.prior_weight:g}",
                 f"a = {st.base_rate:g}", f"= {st.positive:.3f} / {n:.3f} = {st.belief:.3f}",
                 f"= {st.negative:.3f} / {n:.3f} = {st.disbelief:.3f}", f"= {st.uncertainty:.3f}",
                 f"= {st.probability:.3f}"):
        assert line in block, line
    rows = re.findall(r"<tr><td>(.*?)</tr>", block)
    assert len(rows) == len(st.contributions)
    for c, row in zip(st.contributions, rows):
        assert f">{c.evidence}</a>" in row
        if c.stance != "qualifies":
            assert f"<td>{c.counted:.3f}</td>" in row
    # the numbers in the docs' worked example are the ones the page shows
    assert "0.500 / 8.375 = 0.060" in block and "= 0.179" in block


def test_every_standing_links_to_the_explanation(shipped):
    index = hypotheses_index_page(hypotheses_index_view(shipped), _render(shipped))
    bars = re.findall(r'<a class="kb-bar-link" href="([^"]+)"', index)
    assert len(bars) == len(shipped.kb.hypotheses) and set(bars) == {"../standing/"}
    page = hypothesis_page(hypothesis_view(shipped, "H01"), _render(shipped))
    assert 'href="../../standing/"' in page


def test_the_explanation_page_states_this_kbs_weights(shipped, make_kb):
    page = explanation_page(explanation_view(shipped), _render(shipped))
    scoring = shipped.kb.config.scoring
    assert f"<td>prior weight</td><td>{scoring.prior_weight:g}</td>" in page
    assert f"<td>base rate</td><td>{scoring.base_rate:g}</td>" in page
    assert 'href="../confidence/"' in page  # this repository's docs explain the model at length
    root = make_kb(files={"kb.yaml": "title: T\nbase_iri: https://example.org/t/\n"
                                     "scoring: {prior_weight: 3.5, base_rate: 0.25}\n"})
    kb, _ = checked(root)
    other = Site(kb)
    page = explanation_page(explanation_view(other), _render(other))
    assert "<td>prior weight</td><td>3.5</td>" in page and "<td>base rate</td><td>0.25</td>" in page
    assert 'href="../confidence/"' not in page  # no hand-written page to point to


# --- saved questions' answers -------------------------------------------------------------


def test_answer_cells_link_items_and_speak_words(shipped):
    base = shipped.kb.config.base_iri
    q = SavedQuery("q", "", "SELECT ...", ("h", "status", "belief", "id", "when"),
                   ((f"{base}hypothesis/H01", "kbv:proposed", "0.157895", "H02", "2021-01-01"),
                    ("https://elsewhere.example/x", "kbv:arenaRecord", "0.5", "not-an-item", "true")),
                   types=(("iri", "iri", "decimal", "", "date"), ("iri", "iri", "decimal", "", "boolean")))
    site = Site(shipped.kb, queries=[q])
    page = html.unescape(questions_page(questions_view(Names.of(site), site.queries, site.words), _render(site)))  # ':' is escaped for Markdown
    title = site.title_of("H01")
    assert f'<a href="../hypotheses/H01/" title="{title}">H01: {title}</a>' in page
    assert "kbv:" not in re.sub(r"```.*?```", "", page, flags=re.S)  # the query text may name terms
    assert "<td>proposed</td>" in page and "<td>arena record</td>" in page
    assert '<span title="0.157895">0.16</span>' in page and "<td>0.50</td>" in page
    assert '<a href="../hypotheses/H02/"' in page  # a plain id of this KB's item
    assert "<td>not-an-item</td>" in page and "<td>https://elsewhere.example/x</td>" in page
    assert "<td>2021-01-01</td>" in page and "<td>true</td>" in page
    nb = Site(shipped.kb, queries=[q])
    nb.words = Words("nb")
    assert "<td>foreslått</td>" in questions_page(questions_view(Names.of(nb), nb.queries, nb.words), _render(nb))


def test_the_saved_questions_answer_with_their_types(shipped, tmp_path):
    from kb.rdf.export import write_rdf_downloads
    from kb.rdf.questions import answer_saved_questions

    written = write_rdf_downloads(shipped.kb, shipped.standings, tmp_path)
    turtle = next(p for p in written if p.suffix == ".ttl")
    found, _ = answer_saved_questions(ROOT, turtle, shipped.kb.config.query_timeout)
    q = next(q for q in found if q.name == "standings")
    assert q.types and len(q.types) == len(q.rows)
    column = dict(zip(q.columns, zip(*q.types)))
    assert set(column["declared"]) == {"iri"} and set(column["belief"]) == {"decimal"}


# --- sortable lists ---------------------------------------------------------------------


def test_the_lists_carry_sort_keys_written_at_build_time(shipped):
    index = hypotheses_index_page(hypotheses_index_view(shipped), _render(shipped))
    assert '<div class="kb-sortable"' in index and "kb-tables.js" in index
    st = shipped.standings["H04"]
    row = re.search(r'<tr><td data-sort="H04">.*?</tr>', index).group(0)
    assert f'data-sort="{st.probability:.6f}"' in row
    assert re.search(r'<th data-type="number">', index)
    evidence = evidence_index_pages(shipped)["evidence/index.md"]
    e = shipped.kb.evidence["E014"]
    row = re.search(r'<tr><td data-sort="E014">.*?</tr>', evidence).group(0)
    assert f'data-sort="{e.date.isoformat()}"' in row and f'data-sort="{e.kind}"' in row
    assert 'data-choice="2"' in evidence


# --- in the browser ---------------------------------------------------------------------


def _rows(page, selector="div.kb-sortable tbody tr"):
    return page.eval_on_selector_all(selector, "rows => rows.filter(r => !r.hidden).map(r => r.cells[0].innerText)")


def test_sorting_and_filtering_the_hypotheses(watched, shipped_site, shots, shipped):
    page = watched.open(shipped_site + "hypotheses/", diagrams=False)
    before = _rows(page)
    standing = page.get_by_role("button", name=re.compile("Standing"))
    standing.click()
    assert page.locator("th[aria-sort]").get_attribute("aria-sort") == "ascending"
    by_p = sorted(shipped.kb.hypotheses, key=lambda h: (shipped.standings[h].probability, before.index(h)))
    assert _rows(page) == by_p and by_p != before
    standing.click()
    assert page.locator("th[aria-sort]").get_attribute("aria-sort") == "descending"
    assert _rows(page)[0] == max(shipped.kb.hypotheses, key=lambda h: shipped.standings[h].probability)
    page.set_viewport_size({"width": 1366, "height": 900})
    page.screenshot(path=str(shots / "numbers-hypotheses-sorted-1366.png"), full_page=True)
    box = page.get_by_label("Filter the rows", exact=True)
    title = shipped.title_of("H04")
    box.fill(title)
    assert _rows(page) == ["H04"]
    assert "1 of" in page.locator(".kb-table-controls output").inner_text()
    box.fill("")
    assert len(_rows(page)) == len(shipped.kb.hypotheses)
    assert not watched.errors and not watched.outside


def test_choosing_a_kind_of_evidence(watched, shipped_site, shots, shipped):
    page = watched.open(shipped_site + "evidence/", diagrams=False)
    page.get_by_label("Kind", exact=True).select_option("survey_measurement")
    shown = _rows(page)
    assert shown and set(shown) == {e.id for e in shipped.kb.evidence.values() if e.kind == "survey_measurement"}
    page.get_by_role("button", name=re.compile("Date")).click()
    dates = [str(shipped.kb.evidence[i].date) for i in _rows(page)]
    assert dates == sorted(dates)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(shots / "numbers-evidence-kind-390.png"), full_page=True)
    assert not watched.errors and not watched.outside


def test_the_arithmetic_opens_under_the_bar(watched, shipped_site, shots, shipped):
    page = watched.open(shipped_site + "hypotheses/H04/", diagrams=False)
    details = page.locator("details.kb-arithmetic")
    st = shipped.standings["H04"]
    assert not details.locator("ul.kb-sums").is_visible()
    details.locator("summary").click()
    sums = details.locator("ul.kb-sums")
    assert sums.is_visible() and f"= {st.belief:.3f}" in sums.inner_text()
    page.set_viewport_size({"width": 1366, "height": 900})
    details.scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "numbers-arithmetic-1366.png"))
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(shots / "numbers-arithmetic-390.png"))
    page.locator("a.kb-bar-link").first.click()
    page.wait_for_load_state("load")
    assert page.url.endswith("/standing/")
    assert "How a standing is worked out" in page.locator("h1").inner_text()
    assert not watched.errors and not watched.outside


def _search(page, query: str) -> list[tuple[str, str]]:
    """Type into Material's search box; the results as (link, text), in the order shown."""
    page.wait_for_load_state("networkidle")  # the search index is in
    box = page.locator("input.md-search__input")
    box.click()
    box.fill("")
    box.press_sequentially(query)  # Material searches on key presses, not on a filled value
    page.wait_for_selector(".md-search-result__item", timeout=15_000)
    # the worker answers every key press: wait until the list stops changing
    last = None
    for _ in range(40):
        now = page.eval_on_selector_all(".md-search-result__item > a", "ls => ls.map(a => a.href).join()")
        if now == last:
            break
        last = now
        page.wait_for_timeout(250)
    return page.eval_on_selector_all(
        ".md-search-result__item > a.md-search-result__link",
        "links => links.map(a => [a.getAttribute('href'), a.innerText])")


def test_search_finds_the_item_whose_title_is_typed_first(watched, shipped_site, shots, shipped):
    page = watched.open(shipped_site, diagrams=False)
    for hid in ("H04", "H01", "H09"):
        found = _search(page, shipped.title_of(hid))
        assert found and re.search(rf"/hypotheses/{hid}/(\?[^#]*)?(#.*)?$", found[0][0]), (hid, found[:3])
        page.keyboard.press("Escape")
    eid = "E014"
    found = _search(page, shipped.title_of(eid))
    assert re.search(rf"/evidence/{eid}/(\?[^#]*)?(#.*)?$", found[0][0]), found[:3]
    page.screenshot(path=str(shots / "numbers-search-1366.png"))
    assert not watched.errors and not watched.outside


def test_no_search_result_carries_the_illustrative_banner(watched, shipped_site):
    page = watched.open(shipped_site, diagrams=False)
    entries = page.request.get(shipped_site + "search/search_index.json").json()["docs"]
    assert len(entries) > 100
    assert not [e["location"] for e in entries if BANNER in e["text"]]
    for query in ("illustrative data examples", "participation"):
        found = _search(page, query)
        assert found
        assert not [text for _, text in found if BANNER.lower() in " ".join(text.split()).lower()], query
        page.keyboard.press("Escape")
    assert not watched.errors
