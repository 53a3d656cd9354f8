"""The website in a real browser: diagrams render, links work, nothing leaves the machine.

Builds the shipped knowledge base's site and a hostile one (titles and
summaries carrying <script>, <img onerror> and javascript: links), serves
each from 127.0.0.1 and opens them in headless Chromium through Playwright.

Needs /usr/bin/chromium (Debian's chromium); kb draws every diagram at
build time as inline SVG, so no diagram library is loaded. Outside CI the tests skip when Chromium is missing; under
CI=true they fail instead. Screenshots go to a temporary
directory, or to $KB_SCREENSHOTS when set.
"""

from __future__ import annotations

import re

import pytest

from browsing import CHROMIUM, DIAGRAMS_DONE, ROOT, _build, _require_browser  # noqa: F401


HOSTILE = {
    "kb.yaml": """\
title: "Hostile </title><script>window.__xss = 'kb-title'</script>"
base_iri: https://kb.example.org/hostile/
languages: [en]
milestones:
  - {id: start, date: 2021-01-01, label: "Start <img src=x onerror=\\"window.__xss='milestone'\\">"}
""",
    "registry/registry.yaml": """\
constructs:
  - id: a
    label: "A <img src=x onerror=\\"window.__xss='construct'\\">"
  - id: b
    label: 'B "] --> x; click x call alert(1) ["'
contexts:
  - id: town
    kind: municipality
    label: "Town <script>window.__xss='context'</script>"
""",
    "hypotheses/H1.yaml": """\
id: H1
title: "</title><script>window.__xss = 'title'</script>"
statement: "Says <img src=x onerror=\\"window.__xss='statement'\\"> and [a link](javascript:window.__xss='link')"
relation: {from: a, to: b, effect: positive}
status: testing
proposed: 2021-01-01
illustrative: true
""",
    "evidence/E1.yaml": """\
id: E1
kind: field_observation
title: "<img src=x onerror=\\"window.__xss='evidence'\\">"
date: 2021-02-01
context: town
summary: "<script>window.__xss='summary'</script> <a href=\\"javascript:window.__xss='a'\\">click</a>"
links:
  - hypothesis: H1
    stance: supports
    strength: strong
    note: "<b onmouseover=\\"window.__xss='note'\\">note</b>"
""",
}


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory, serve):
    _require_browser()
    root = tmp_path_factory.mktemp("hostile")
    for rel, text in HOSTILE.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    # the repository's site settings
    (root / "mkdocs.yml").write_text((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), encoding="utf-8")
    (root / "docs").mkdir()
    return serve(_build(root, root / "site"))


def _svg_count(page) -> int:
    return page.evaluate("""() => [...document.querySelectorAll("figure.kb-diagram")]
        .filter(b => b.querySelector("svg")).length""")


def _first_hypothesis() -> str:
    from kb.load.loader import load

    kb, _ = load(ROOT)
    return next(iter(kb.hypotheses))


# --- the shipped knowledge base ---------------------------------------------------------


def test_home_shows_the_framework_map(watched, shipped_site, shots):
    page = watched.open(shipped_site)
    assert _svg_count(page) >= 1
    assert page.locator("h1").first.is_visible()
    page.screenshot(path=shots / "home.png", full_page=True)


def test_map_leads_to_a_hypothesis_page(watched, shipped_site, shots):
    page = watched.open(shipped_site + "map/")
    page.screenshot(path=shots / "map.png", full_page=True)
    anchors = page.locator("figure.kb-diagram a")
    targets = [anchors.nth(i).evaluate("a => a.getAttribute('href') || a.getAttribute('xlink:href')")
               for i in range(anchors.count())]
    index = next(i for i, t in enumerate(targets) if t and "hypotheses/" in t)
    target = targets[index]
    anchors.nth(index).focus()  # the keyboard's way in: works wherever the map has panned to
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/hypotheses/[^/]+/$"))
    hid = target.rstrip("/").rsplit("/", 1)[-1]
    assert page.locator("h1").first.inner_text().startswith(hid)


def test_hypothesis_page_has_its_chart_and_bar(watched, shipped_site, shots):
    hid = _first_hypothesis()
    page = watched.open(f"{shipped_site}hypotheses/{hid}/")
    assert _svg_count(page) >= 2  # the chart of standing over time and the neighbourhood
    charts = page.evaluate("""() => [...document.querySelectorAll("figure.kb-chart")]
        .filter(b => b.querySelector("g.kb-series path")).length""")
    assert charts >= 1
    assert page.locator(".kb-bar").first.is_visible()
    page.screenshot(path=shots / "hypothesis.png", full_page=True)


def test_timeline_renders(watched, shipped_site, shots):
    page = watched.open(shipped_site + "changes/")
    assert _svg_count(page) >= 1
    page.screenshot(path=shots / "changes.png", full_page=True)


def test_a_context_page_renders(watched, shipped_site, shots):
    from kb.load.loader import load

    kb, _ = load(ROOT)
    measured = [e.context for e in kb.evidence.values() if e.measurement and e.context and not e.restricted]
    assert measured, "the shipped KB should have open measurements"
    top = measured[0]
    while kb.contexts[top].part_of:
        top = kb.contexts[top].part_of
    page = watched.open(f"{shipped_site}contexts/{top}/")
    page.screenshot(path=shots / "context.png", full_page=True)


# --- a hostile knowledge base -----------------------------------------------------------

#: Pages of the hostile KB to open, and whether they carry diagrams.
HOSTILE_PAGES = {"": True, "map/": True, "hypotheses/H1/": True, "evidence/E1/": False,
                 "constructs/a/": True, "contexts/town/": False, "changes/": True, "gaps/": False}


def test_markup_in_the_yaml_is_shown_never_run(watched, hostile_site, shots):
    texts = {}
    for path, diagrams in HOSTILE_PAGES.items():
        page = watched.open(hostile_site + path, diagrams=diagrams)
        assert page.evaluate("window.__xss") is None, f"script ran on /{path}"
        javascript_links = page.evaluate("""() => {
            return [...document.querySelectorAll("a")]
              .map(a => a.getAttribute("href") || a.getAttribute("xlink:href") || "")
              .filter(h => h.trim().toLowerCase().startsWith("javascript:"));
        }""")
        assert javascript_links == [], f"javascript: link on /{path}"
        texts[path] = page.locator("article").inner_text()
        if path == "hypotheses/H1/":
            page.screenshot(path=shots / "hostile.png", full_page=True)
    assert "</title><script>window.__xss = 'title'</script>" in texts["hypotheses/H1/"]
    assert "<img src=x onerror=" in texts["hypotheses/H1/"]
    assert "Illustrative data" in texts["hypotheses/H1/"]
    assert "<script>window.__xss='summary'</script>" in texts["evidence/E1/"]


# --- a KB made by kb init, with no network --------------------------------------------


@pytest.fixture(scope="module")
def init_site(tmp_path_factory, serve):
    """`kb init`, two constructs and a hypothesis between them, `kb build`: no cache, no network."""
    from click.testing import CliRunner

    from kb.cli import main

    _require_browser()
    root = tmp_path_factory.mktemp("init") / "kb"
    result = CliRunner().invoke(main, ["init", str(root), "--title", "Fresh"])
    assert result.exit_code == 0, result.output
    registry = root / "registry" / "constructs.yaml"
    text = registry.read_text(encoding="utf-8")
    text = text.replace("constructs: []", "constructs:\n  - {id: trust, label: Trust}\n  - {id: voice, label: Voice}")
    registry.write_text(text, encoding="utf-8")
    (root / "hypotheses" / "H01.yaml").write_text(
        "id: H01\ntitle: Trust gives voice\nstatement: Trust gives residents a voice.\n"
        "relation: {from: trust, to: voice, effect: positive}\nstatus: proposed\nproposed: 2024-01-01\n",
        encoding="utf-8")
    result = CliRunner().invoke(main, ["-C", str(root), "build"])
    assert result.exit_code == 0, result.output
    return serve(root / "site")


def test_a_kb_made_by_kb_init_draws_its_diagrams_offline(init_site, watched):
    loaded: list[str] = []
    watched.page.on("request", lambda r: loaded.append(r.url))
    page = watched.open(init_site + "map/")
    assert page.evaluate(DIAGRAMS_DONE)  # every diagram container holds its SVG
    assert page.locator("figure.kb-diagram svg").count() >= 1
    assert not _foreign_scripts(loaded)  # drawn by kb at build time: no diagram library
    loaded.clear()
    page = watched.open(init_site + "sources/", diagrams=False)
    assert page.locator("figure.kb-diagram").count() == 0
    assert loaded and not _foreign_scripts(loaded)  # no diagram, no diagram script


def _foreign_scripts(urls: list[str]) -> list[str]:
    """Scripts other than the engine's own (Material's assets/javascripts/) and kb's small page scripts."""
    from kb.site.pages import SCRIPTS

    ours = tuple(f"/assets/{name}" for name in SCRIPTS)
    return [u for u in urls if u.split("?")[0].endswith(".js")
            and "/assets/javascripts/" not in u and not u.split("?")[0].endswith(ours)]
