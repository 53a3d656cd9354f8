"""One language at a time: a KB with two languages gets a whole site in each, with a switch between them.

The shipped KB (languages nb and en, site_language en) is built once, as
``kb build`` builds it: English at the site's root, Norwegian under ``nb/``.
Each page type of each site is read as a reader sees it (scripts, code and
anything marked with another ``lang`` left out) and must hold none of the
other language's interface words, which the test lists from :class:`Words`.
The browser test clicks the switch in Chromium.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

import pytest

from kb.build import build
from kb.site.fmt import Words
from browsing import ROOT, _require_browser
from conftest import KITCHEN_SINK

#: One page of each type, by path in either site.
PAGE_TYPES = ("index.html", "map/index.html", "hypotheses/index.html", "hypotheses/H02/index.html",
              "evidence/index.html", "evidence/E001/index.html", "constructs/index.html",
              "constructs/trust/index.html", "contexts/index.html", "contexts/stad/index.html", "gaps/index.html",
              "findings/index.html", "changes/index.html", "questions/index.html", "sources/index.html",
              "downloads/index.html")
#: Words that are each language's own whatever the page's language (the switch names each language in itself).
OWN_NAMES = {"language_name"}


@pytest.fixture(scope="module")
def sites(shipped_build) -> Path:
    """The shipped KB built as ``kb build`` builds it: English at the root, Norwegian under nb/."""
    assert (shipped_build / "nb" / "index.html").is_file() and not (shipped_build / "en").exists()
    return shipped_build


def other_words(page: str, other: str) -> set[str]:
    """The interface words of ``other`` that a page in ``page`` must not show: those that differ, over 4 letters."""
    mine, theirs = Words(page), Words(other)
    found = set()
    for key, text in theirs.words.items():
        if key in OWN_NAMES:
            continue
        for piece in re.split(r"\{[^}]*\}", text):  # the literal parts of a word with numbers in it
            piece = piece.strip(" :.,;()·–-")
            if len(piece) > 4 and piece not in (mine.words.get(key) or ""):
                found.add(piece)
    return found


class _Visible(HTMLParser):
    """A page's text in its own language: no scripts, no code, nothing inside an element of another ``lang``."""

    SKIP = {"script", "style", "template", "code", "pre"}
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self, language: str) -> None:
        super().__init__()
        self.language = language
        self.open: list[tuple[str, bool]] = []
        self.parts: list[str] = []
        self.html_lang = ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.html_lang = attrs.get("lang", "")
            return
        if tag in self.VOID:
            return
        hidden = tag in self.SKIP or attrs.get("lang", self.language) != self.language
        self.open.append((tag, hidden or bool(self.open and self.open[-1][1])))

    def handle_endtag(self, tag):
        for i in range(len(self.open) - 1, -1, -1):
            if self.open[i][0] == tag:
                del self.open[i:]
                break

    def handle_data(self, data):
        if not (self.open and self.open[-1][1]):
            self.parts.append(data)


def visible(html: str, language: str) -> tuple[str, str]:
    """(the ``<html lang>``, the text a reader of ``language`` sees)."""
    parser = _Visible(language)
    parser.feed(html)
    return parser.html_lang, " ".join(" ".join(parser.parts).split())


def _without_answers(html: str) -> str:
    """The questions page without its answer tables: they show the data a query returned, as it returned it."""
    return re.sub(r"<table>.*?</table>", "", html, flags=re.S)


@pytest.mark.parametrize("language,other", [("en", "nb"), ("nb", "en")])
def test_each_site_speaks_only_its_language(sites, language, other):
    root = sites if language == "en" else sites / language
    forbidden = other_words(language, other)
    assert {"Hypoteser", "Evidenskart"} & forbidden if language == "en" else {"Evidence gap map"} & forbidden
    for page in PAGE_TYPES:
        html = (root / page).read_text(encoding="utf-8")
        if page.startswith("questions/"):
            html = _without_answers(html)
        lang, text = visible(html, language)
        assert lang == language, page
        leaks = sorted(w for w in forbidden if re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", text))
        assert not leaks, f"{language}/{page} shows {other} words: {leaks}"


def test_each_site_shows_the_kbs_texts_in_its_language(sites):
    en = (sites / "hypotheses" / "H02" / "index.html").read_text(encoding="utf-8")
    nb = (sites / "nb" / "hypotheses" / "H02" / "index.html").read_text(encoding="utf-8")
    # title, statement, the revision's change and its text before it, each in the page's language first
    assert "<h1" in en and re.search(r"<h1[^>]*>H02&#58; Identifying with", en)
    assert re.search(r"<h1[^>]*>H02&#58; Identitet med", nb)
    for html, language, other in ((en, "en", "nb"), (nb, "nb", "en")):
        statement = _section(html, language, "statement")
        first_text = re.search(r'<div class="kb-text"( lang="\w+")?>', statement)
        assert first_text.group(1) is None, "the statement in the page's language carries no foreign lang"
        folded = re.search(r'<details class="kb-other-languages">\s*<summary>([^<]*)</summary>\s*'
                           r'<div class="kb-text" lang="(\w+)">', statement)
        assert folded and folded.group(2) == other
        assert folded.group(1) == Words(language)("other_languages")
    assert "Presiserte hvilket sted identiteten gjelder" in _section(nb, "nb", "revisions")
    assert "Made explicit which place the identity is with" in _section(en, "en", "revisions")
    assert "Made explicit which place" not in nb and "Presiserte hvilket" not in en  # the change: one language
    # the text before the revision: the page's language first, the other folded away
    before = _section(nb, "nb", "revisions").split("kb-other-languages")
    assert "Sterk stedsidentitet" in before[0] and "A strong place identity" in before[1]
    # nav names and the milestone labels of the changes page
    assert "Hypoteser" in (sites / "nb" / "index.html").read_text(encoding="utf-8")
    assert "Startmåling" in (sites / "nb" / "changes" / "index.html").read_text(encoding="utf-8")


def _section(html: str, language: str, key: str) -> str:
    """The page from its heading ``key`` (in ``language``) on."""
    return re.split(rf"<h2[^>]*>{re.escape(Words(language)(key))}</h2>", html, maxsplit=1)[1]


def test_the_switch_links_every_page_to_the_other_language(sites):
    by_hand = {f"{p.stem}/index.html" for p in (ROOT / "docs").glob("*.md")}  # the shipped KB's docs/
    for page in PAGE_TYPES:
        for language, root in (("en", sites), ("nb", sites / "nb")):
            html = (root / page).read_text(encoding="utf-8")
            here = f"http://x/{'' if language == 'en' else 'nb/'}{page.removesuffix('index.html')}"
            links = dict((lang, urljoin(here, href)) for href, lang in
                         re.findall(r'<a href="([^"]*)" hreflang="(\w+)" class="md-select__link"', html))
            assert links == {"en": "http://x/", "nb": "http://x/nb/"}, (language, page)
            alternates = dict((lang, urljoin(here, href)) for href, lang in
                              re.findall(r'<link rel="alternate" href="([^"]*)" hreflang="(\w+)">', html))
            assert alternates == links
            goes_along = re.search(r'<script src="[./]*assets/languages\.js"', html)
            assert bool(goes_along) == (language != "en" or page not in by_hand), page
    assert (sites / "nb" / "assets" / "languages.js").is_file()
    # a page written by hand has no twin in the other language: its switch goes to the other's home page
    assert "languages.js" not in (sites / "architecture" / "index.html").read_text(encoding="utf-8")


def test_each_site_has_its_own_search_index_and_the_downloads_are_shared(sites):
    en = (sites / "search" / "search_index.json").read_text(encoding="utf-8")
    nb = (sites / "nb" / "search" / "search_index.json").read_text(encoding="utf-8")
    assert '"lang":["en"]' in en.replace(" ", "") and '"lang":["no"]' in nb.replace(" ", "")  # Material's name for nb
    assert '"location":"hypotheses/H01/","title":"H01: Tillit fremmer samskaping"' in nb
    assert '"location":"hypotheses/H01/","title":"H01: Trust furthers co-creation"' in en
    assert not (sites / "nb" / "downloads" / "kb.ttl").exists()
    page = (sites / "nb" / "downloads" / "index.html").read_text(encoding="utf-8")
    href = re.search(r'<a href="([^"]*kb\.ttl)"', page).group(1)
    assert urljoin("http://x/nb/downloads/", href) == "http://x/downloads/kb.ttl"
    # pages written by hand (docs/, in English) belong to the root site only
    assert (sites / "architecture" / "index.html").is_file() and not (sites / "nb" / "architecture").exists()


def test_text_missing_in_the_pages_language_is_marked_with_its_own(make_kb, tmp_path):
    """The kitchen sink: site_language nb; the construct trust has its definition in English only."""
    kb = make_kb(KITCHEN_SINK)
    made = build(kb, tmp_path / "site")
    assert made.languages == ["nb", "en"]
    nb = (tmp_path / "site" / "constructs" / "trust" / "index.html").read_text(encoding="utf-8")
    assert re.search(r'<div class="kb-text" lang="en">\s*<div class="kb-lang">en</div>\s*<p>Confidence in the '
                     r"others&#x27;|<div class=\"kb-text\" lang=\"en\">\s*<div class=\"kb-lang\">en</div>\s*<p>"
                     r"Confidence", nb)
    changes = (tmp_path / "site" / "changes" / "index.html").read_text(encoding="utf-8")
    assert '<span lang="en">Midterm</span>' in changes  # a milestone labelled in English only
    en = (tmp_path / "site" / "en" / "constructs" / "trust" / "index.html").read_text(encoding="utf-8")
    assert '<span lang="nb">' not in en.split('id="trust"')[0] and "Trust" in en
    assert re.search(r'<div class="kb-text">\s*<p>Confidence', en)  # in its own language: no mark
    title = re.search(r"<title>([^<]*)</title>", nb).group(1)
    assert "<span" not in title and "&lt;span" not in title


def test_a_kb_in_one_language_gets_one_site_without_a_switch(make_kb, tmp_path):
    kb = make_kb({"kb.yaml": "title: One language\nbase_iri: https://kb.example.org/one/\nlanguages: [en]\n",
                  "hypotheses/H01.yaml": "id: H01\ntitle: Alone\nstatement: Just one.\nstatus: proposed\nproposed: 2020-01-01\n"})
    made = build(kb, tmp_path / "site")
    assert made.languages == ["en"]
    html = (tmp_path / "site" / "hypotheses" / "H01" / "index.html").read_text(encoding="utf-8")
    assert "md-select__link" not in html and "hreflang" not in html and "languages.js" not in html
    assert sorted(p.name for p in (tmp_path / "site").iterdir() if p.is_dir() and len(p.name) == 2) == []


# --- in a browser -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def served(sites, serve):
    _require_browser()
    return serve(sites)


def _switch(page, language: str) -> None:
    page.hover(".md-header__option .md-select")
    page.click(f'a.md-select__link[hreflang="{language}"]')
    page.wait_for_load_state("load")


def test_the_switch_goes_to_the_same_page_in_chromium(served, browser, watched, shots):
    page = watched.open(served + "hypotheses/H02/", diagrams=False)
    assert page.locator("html").get_attribute("lang") == "en"
    page.screenshot(path=str(shots / "languages-H02-en-1366.png"), full_page=False)
    _switch(page, "nb")
    page.wait_for_url(served + "nb/hypotheses/H02/")
    assert page.locator("html").get_attribute("lang") == "nb"
    assert page.locator("h1").inner_text().startswith("H02: Identitet med")
    page.screenshot(path=str(shots / "languages-H02-nb-1366.png"), full_page=False)
    _switch(page, "en")
    page.wait_for_url(served + "hypotheses/H02/")
    # a page written by hand exists in the first language only: the switch goes to the other's home
    page.goto(served + "architecture/")
    _switch(page, "nb")
    page.wait_for_url(served + "nb/")
    assert page.locator("html").get_attribute("lang") == "nb"


def test_hypothesis_pages_on_a_phone_in_each_language(served, browser, shots):
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    try:
        page = context.new_page()
        for language, prefix in (("en", ""), ("nb", "nb/")):
            page.goto(served + prefix + "hypotheses/H02/")
            page.wait_for_load_state("load")
            assert page.locator("html").get_attribute("lang") == language
            folded = page.locator("details.kb-other-languages").first
            assert not folded.evaluate("d => d.open")  # the other language waits, folded
            page.screenshot(path=str(shots / f"languages-H02-{language}-390.png"), full_page=False)
    finally:
        context.close()
