"""Accessibility of every page type, checked by axe-core in a real browser, desktop and phone.

Builds the shipped knowledge base's site once (as the ``shipped_site`` fixture does), finds its page types from
the built files (so a page type added later is checked without touching
this file), opens one page of each (plus the variants that print
differently: a restricted and an open evidence item, a context with
measurements, the biggest page of a type) at 1366 px and 390 px, runs
axe-core (WCAG 2.0 A/AA, 2.1 AA) and fails on any serious or critical
violation, and on an unnamed dialog or an empty table header. The search dialog is checked open, with a query and its results.
A second check walks the pages with the Tab key: every button, input,
select and [tabindex] control shown must be focusable, named, and reached.

axe-core comes from npm (``.ci/run`` installs it into .ci/axe); without it
the tests skip, and under CI=true they fail.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from browsing import IN_CI, ROOT, Watched

AXE = ROOT / ".ci" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21aa"]
SIZES = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
#: A word the shipped KB's search finds (most evidence is about it).
QUERY = "barnehage"


def _require_axe() -> None:
    if not AXE.exists():
        reason = f"axe-core is not installed at {AXE.relative_to(ROOT)} (run .ci/run, or npm install --prefix .ci/axe axe-core)"
        if IN_CI:
            pytest.fail(f"accessibility tests must run under CI: {reason}")
        pytest.skip(reason)


# --- which pages ------------------------------------------------------------------------


def _pattern(rel: str) -> str:
    """A page's type: its path with the item's own folder replaced by '*' (hypotheses/H01/ -> hypotheses/*/)."""
    parts = rel.split("/")[:-1]  # without index.html
    if len(parts) >= 2:
        parts[-1] = "*"
    return "/".join(parts) + "/"


def _restricted_and_measured() -> tuple[set[str], set[str]]:
    """Ids of the shipped KB's restricted evidence items and of the contexts holding measurements."""
    from kb.load.loader import load

    kb, _ = load(ROOT)
    restricted = {e.id for e in kb.evidence.values() if e.restricted}
    measured = {e.context for e in kb.evidence.values() if e.measurement is not None and e.context}
    return restricted, measured


#: kb's own pages at the top of a site (anything else at the top is a hand-written page of docs/).
KB_PAGES = {"/", "map/", "hypotheses/", "evidence/", "constructs/", "contexts/", "gaps/", "findings/",
            "agreement/", "changes/", "questions/", "sources/", "downloads/", "measurements/", "standing/"}


def pages_to_check(site: Path) -> dict[str, str]:
    """{what: relative URL}: one page of every type in ``site``, and the variants worth seeing.

    A type is the path pattern of a page (``evidence/*/``); pages in another
    language (``nb/...``) count as types of their own only at the top level
    and for one item, since they share the templates of the first language.
    """
    restricted, measured = _restricted_and_measured()
    by_type: dict[str, list[Path]] = {}
    for page in sorted(site.rglob("index.html")):
        rel = page.relative_to(site).as_posix()
        if rel.startswith(("assets/", "search/")):
            continue
        by_type.setdefault(_pattern(rel), []).append(page)
    # a whole site in another language sits in a folder named by its language code
    other = {k.split("/")[0] for k in by_type
             if re.fullmatch(r"[a-z]{2,3}(-[A-Za-z]+)?", k.split("/")[0]) and (site / k.split("/")[0] / "hypotheses").is_dir()}
    chosen: dict[str, str] = {}

    def url(page: Path) -> str:
        folder = page.parent.relative_to(site).as_posix()
        return "" if folder == "." else folder + "/"

    for kind, pages in by_type.items():
        top = kind.split("/")[0]
        if top in other and kind not in {f"{top}/", f"{top}/hypotheses/*/", f"{top}/map/", f"{top}/gaps/"}:
            continue  # the other language's pages share the first one's templates: a few kinds are enough
        if kind.count("/") == 1 and top not in other and kind not in KB_PAGES and kind != "format/":
            continue  # a hand-written page of docs/: Material's template, as format/ (checked) has it
        # the biggest page of a type: the one most likely to hold every part its template can print
        chosen["home" if kind == "/" else kind] = url(max(pages, key=lambda p: (p.stat().st_size, p.as_posix())))
        if kind == "evidence/*/":
            ids = {p.parent.name: p for p in pages}
            hidden = sorted(i for i in ids if i in restricted)
            shown = sorted(i for i in ids if i not in restricted)
            assert hidden and shown, "the shipped KB should have restricted and open evidence"
            chosen["evidence/* (restricted)"] = url(ids[hidden[0]])
            chosen["evidence/* (open)"] = url(ids[shown[0]])
        if kind == "contexts/*/":
            ids = {p.parent.name: p for p in pages}
            with_data = sorted(i for i in ids if i in measured)
            assert with_data, "the shipped KB should have a context with measurements"
            chosen["contexts/* (measurements)"] = url(ids[with_data[0]])
    for needed in ("", "hypotheses/", "evidence/", "constructs/", "contexts/", "gaps/", "map/",
                   "findings/", "agreement/", "changes/", "questions/", "sources/", "downloads/",
                   "measurements/", "format/"):
        assert needed in chosen.values(), f"no page {needed} in the built site: {sorted(chosen.values())}"
    return chosen


# --- axe --------------------------------------------------------------------------------

#: Rules outside the WCAG tags (axe's best practices) that fail at any impact: the issue asks for
#: named controls, the search dialog among them, and for table headers.
EXTRA_RULES = ["aria-dialog-name", "empty-table-header"]

RUN_AXE = """async ([tags, extra]) => {
  const rules = Object.fromEntries(extra.map(id => [id, {enabled: true}]));
  const r = await axe.run(document, {runOnly: {type: "tag", values: tags}, rules, resultTypes: ["violations"]});
  return r.violations.filter(v => v.impact === "serious" || v.impact === "critical" || extra.includes(v.id)).map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 6).map(n => ({target: n.target.join(" "), summary: (n.failureSummary || "").split("\\n").slice(1, 2).join("")})),
    count: v.nodes.length}));
}"""


def _axe(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    return page.evaluate(RUN_AXE, [TAGS, EXTRA_RULES])


def _report(where: str, violations: list[dict]) -> list[str]:
    lines = []
    for v in violations:
        lines.append(f"{where}: {v['impact']} {v['id']} ({v['help']}) on {v['count']} element(s):")
        lines += [f"    {n['target']}  {n['summary'].strip()}" for n in v["nodes"]]
    return lines


def _shot_name(what: str, size: str) -> str:
    return "a11y-" + (re.sub(r"[^a-z0-9]+", "-", what.lower()).strip("-") or "home") + f"-{size}.png"


@pytest.fixture(scope="module")
def site_pages(shipped_build, shipped_site) -> tuple[str, dict[str, str]]:
    """The shipped site's URL, and the pages to check, found in its folder."""
    _require_axe()
    return shipped_site, pages_to_check(shipped_build)


@pytest.mark.parametrize("size", list(SIZES))
def test_every_page_type_has_no_serious_axe_violation(browser, site_pages, shots, size):
    base, pages = site_pages
    context = browser.new_context(viewport=SIZES[size])
    watched = Watched(context)
    problems: list[str] = []
    try:
        for what, rel in sorted(pages.items()):
            page = watched.open(base + rel, diagrams=False)
            page.screenshot(path=str(shots / _shot_name(what, size)), full_page=False)
            problems += _report(f"{what} ({rel}) at {SIZES[size]['width']} px", _axe(page))
        problems += _search_dialog(watched, base, shots, size)
    finally:
        context.close()
    assert not watched.outside, f"requests left 127.0.0.1: {watched.outside}"
    assert not problems, "serious or critical axe-core violations:\n" + "\n".join(problems)


def _search_dialog(watched, base: str, shots: Path, size: str) -> list[str]:
    page = watched.open(base, diagrams=False)
    opener = page.locator("label.md-header__button[for='__search']")
    if opener.is_visible():  # on a phone the field hides behind the header's search button
        opener.click()
    box = page.locator("input.md-search__input")
    box.wait_for(state="visible")
    box.focus()
    box.press_sequentially(QUERY, delay=30)  # key by key, as Material's search listens to typing
    page.locator(".md-search-result__item").first.wait_for(state="visible", timeout=30_000)
    page.screenshot(path=str(shots / _shot_name("search", size)))
    return _report(f"the search dialog with '{QUERY}' at {SIZES[size]['width']} px", _axe(page))


# --- the keyboard -----------------------------------------------------------------------

#: The controls shown on the page that are not plain links: [{index, what, focusable, name}].
CONTROLS = """() => {
  // shown now: not in a closed <details>, not faded out (Material's back-to-top button waits so)
  const shown = el => el.checkVisibility({contentVisibilityAuto: true, opacityProperty: true,
                                          visibilityProperty: true});
  axe.setup(document);
  const found = [...document.querySelectorAll("button, input, select, textarea, [tabindex]")]
    .filter(el => shown(el) && !el.disabled && el.getAttribute("tabindex") !== "-1"
                  && !(el.type === "hidden"));
  const out = found.map((el, i) => {
    el.dataset.kbA11y = String(i);
    el.focus();
    const focused = document.activeElement === el;
    const name = axe.commons.text.accessibleText(el).trim();
    return {index: i, what: el.outerHTML.slice(0, 140), focusable: focused && el.tabIndex >= 0, name};
  });
  axe.teardown();
  document.activeElement && document.activeElement.blur();
  return out;
}"""


def test_every_control_is_reached_by_tab_and_named(browser, site_pages):
    base, pages = site_pages
    context = browser.new_context(viewport=SIZES["desktop"])
    watched = Watched(context)
    problems: list[str] = []
    try:
        for what, rel in sorted(pages.items()):
            page = watched.open(base + rel, diagrams=False)
            page.add_script_tag(path=str(AXE))
            controls = page.evaluate(CONTROLS)
            for c in controls:
                if not c["focusable"]:
                    problems.append(f"{what} ({rel}): not focusable: {c['what']}")
                if not c["name"]:
                    problems.append(f"{what} ({rel}): no accessible name: {c['what']}")
            # the Tab walk where kb's pages have controls of their own (the theme's are the same on every page)
            own = page.evaluate("() => !!document.querySelector("
                                "'article button, article input, article select, article [tabindex]')")
            wanted = {c["index"] for c in controls if c["focusable"]} if own or what == "home" else set()
            problems += [f"{what} ({rel}): Tab never reaches {controls[i]['what']}" for i in sorted(_tab_walk(page, wanted))]
    finally:
        context.close()
    assert not problems, "keyboard problems:\n" + "\n".join(problems)


def _tab_walk(page, wanted: set[int]) -> set[int]:
    """Press Tab until every wanted control has had the focus or the focus comes round again; the ones never reached."""
    if not wanted:
        return set()
    links = page.evaluate("() => document.querySelectorAll('a[href], [tabindex], button, input, select, textarea').length")
    seen: set[int] = set()
    page.evaluate("() => document.body.focus()")
    for _ in range(links + 5):
        page.keyboard.press("Tab")
        index = page.evaluate("() => document.activeElement && document.activeElement.dataset.kbA11y")
        if index is not None:
            seen.add(int(index))
        if wanted <= seen:
            break
    return wanted - seen
