"""The website's pages: a knowledge base in, ``{relative path: text}`` out.

Takes a :class:`~kb.model.KnowledgeBase` (and, from the caller, the build
date, the names of the download files and the saved questions with their
answers); returns Markdown pages and one stylesheet keyed by their path in
the site's docs tree. Pure: it reads and writes nothing, imports no MkDocs,
and the same knowledge base always gives the same pages (everything is
sorted or in the KB's file order; the build date is the one moving part).

:func:`write_pages` is the pipeline's pages stage: it writes them one at a
time into a plain docs folder (any MkDocs-like engine builds it) and returns
the :class:`SiteInfo` an engine needs besides the pages.

Each page is made in two steps: a *view* function gathers what the page
shows into small frozen dataclasses (plain strings, numbers and ``Ref``
links), and a *page* function only loops over the view and prints Markdown
(lists and tables as HTML blocks, which Markdown leaves alone). Every text
from YAML is printed through :mod:`kb.site.fmt` (escaped, or sanitised
Markdown for long texts). Restricted evidence never contributes more than
its id, kind, date, context, phase and links; pages that show illustrative
items say so.

The modules: :mod:`kb.site.fmt` (safe text, the interface's words, the
stylesheet), :mod:`kb.site.kit` (the KB's index in one language, the page
printer, the timeline of events), :mod:`kb.site.items` (hypothesis,
evidence, construct and context pages), :mod:`kb.site.overview` (home, the
map tool, timeline, sources, downloads), :mod:`kb.site.gapmap`
(the evidence gap maps), :mod:`kb.site.questions` (the saved questions'
answers), :mod:`kb.site.charts` and :mod:`kb.site.graphs` (diagrams drawn
as SVG at build time: charts on a time axis, layered graphs), :mod:`kb.site.standing` (a standing explained, its arithmetic),
:mod:`kb.site.tables` (sortable lists), :mod:`kb.site.cerqual`
(GRADE-CERQual: assessments, the summary of findings, appraisals,
agreement) and :mod:`kb.site.surveys`; this one puts them together, and computes what the whole KB
gives once (the standings in :class:`~kb.site.kit.Site`, the timeline's
events and the agreement between researchers here).

Pages (paths relative to the docs directory)::

    index.md                 the framework at a glance
    map.md                   the framework map (constructs, hypotheses between them)
    hypotheses/index.md      all hypotheses;   hypotheses/<id>.md   one each
    evidence/index.md        all evidence;     evidence/<id>.md     one each
                             (evidence/years/<year>.md when there is a lot)
    constructs/index.md, constructs/<id>.md
    contexts/index.md,   contexts/<id>.md
    sources.md               the bibliography
    gaps.md                  the evidence gap map (top-level contexts, and by phase)
    gaps/<context>.md        the gap map of a context's parts (drill-down; for contexts with parts)
    standing.md              what a standing means, with this KB's weights (linked from every bar)
    findings.md              the Summary of Qualitative Findings (GRADE-CERQual; says so when none)
    agreement.md             agreement between researchers (linked from findings.md, not in the nav)
    changes.md               how the framework changed, milestone by milestone
    questions.md             the saved SPARQL questions and their answers
    downloads.md             RDF and GraphML downloads
    measurements.md          the survey datasets' aggregates (when kb.yaml has datasets; linked from the home page)
    assets/kb.css            the styles of these pages
    assets/*.js              the pages' small scripts (SCRIPTS), each loaded only where used

A KB with two or more languages gets these pages once per language
(:func:`write_pages` with ``language``), each in its own docs folder.

Only the index pages belong in a site's navigation (:func:`nav`); item pages
are reached from them, from each other and from search, which keeps a site
of thousands of items fast to build.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Callable, Sequence

from kb.graph.score import Standing
from kb.model import KnowledgeBase
from kb.site.cerqual import AGREEMENT, FINDINGS, agreement_page, agreement_view, findings_page, findings_view
from kb.site.items import (
    construct_page,
    construct_view,
    constructs_index_page,
    constructs_index_view,
    context_page,
    context_view,
    contexts_index_page,
    contexts_index_view,
    evidence_index_pages,
    evidence_page,
    evidence_view,
    hypotheses_index_page,
    hypotheses_index_view,
    hypothesis_page,
    hypothesis_view,
)
from kb.site.charts import CSS as CHARTS_CSS
from kb.site.fmt import STYLESHEET, Words
from kb.site.gapmap import CSS as GAPMAP_CSS, gap_makers
from kb.site.graphs import CSS as GRAPHS_CSS
from kb.site.citations import Citations
from kb.site.kit import (SWITCH_SCRIPT, Download, Render, SavedQuery, Site, item_path, switch_script,
                         timeline_events)
from kb.site.standing import CSS as STANDING_CSS, PAGE as EXPLAINED, explanation_page, explanation_view
from kb.site.tables import CSS as TABLES_CSS, SCRIPT as TABLES_SCRIPT
from kb.site.surveys import PAGE as SURVEYS, surveys_page, surveys_view
from kb.site.questions import PAGE as QUESTIONS, Names, questions_page, questions_view
from kb.site.overview import (
    changes_page,
    changes_view,
    downloads_page,
    downloads_view,
    home_page,
    home_view,
    map_page,
    map_view,
    sources_page,
    sources_view,
)

__all__ = ["Download", "SavedQuery", "SiteInfo", "has_illustrative_items", "nav", "page_makers", "render_site",
           "write_pages"]


# --- the pure function ----------------------------------------------------------------


def render_site(kb: KnowledgeBase, *, build_date: str = "", directory_urls: bool = True,
                downloads: Sequence[Download] = (), queries: Sequence[SavedQuery] = (),
                history: Any = None, computed: dict[str, Standing] | None = None,
                surveys: Any = None, language: str | None = None,
                citations: Citations | None = None) -> dict[str, str]:
    """Every page of the site in ``language`` (kb.yaml's site_language unless told), by path; see the module's docstring.

    ``downloads`` are the files the caller puts beside the pages, ``queries``
    the saved questions with their answers, ``history`` a
    :class:`kb.history.git.GitHistory` (commits per item, diffs between tagged
    milestones) or None, ``computed`` the standings when the caller has them,
    ``citations`` the sources' citations in ``language`` when they were
    formatted ahead (:mod:`kb.site.citations`); ``directory_urls`` says how the engine serves pages (``a/b.md`` at
    ``a/b/`` or at ``a/b.html``), for links it does not rewrite.
    """
    makers = page_makers(kb, build_date=build_date, directory_urls=directory_urls, downloads=downloads,
                         queries=queries, history=history, computed=computed, surveys=surveys, language=language,
                         citations=citations)
    return {path: make() for path, make in makers.items()}


def page_makers(kb: KnowledgeBase, *, build_date: str = "", directory_urls: bool = True,
                downloads: Sequence[Download] = (), queries: Sequence[SavedQuery] = (),
                history: Any = None, computed: dict[str, Standing] | None = None,
                surveys: Any = None, language: str | None = None,
                citations: Citations | None = None) -> dict[str, Callable[[], str]]:
    """The pages of :func:`render_site`, sorted by path, each made only when called.

    A caller can then hold one page's text at a time instead of all of them
    (at 100,000 evidence items, the difference is gigabytes).
    """
    site = Site(kb, build_date=build_date, directory_urls=directory_urls,
                downloads=downloads, queries=queries, history=history, computed=computed, surveys=surveys,
                language=language, citations=citations)
    return _makers(site)


def _makers(site: Site, *, questions: bool = True) -> dict[str, Callable[[], str]]:
    """:func:`page_makers` of a :class:`Site`; without the questions page when ``questions`` is false."""
    kb, surveys, w = site.kb, site.surveys, Render(site.words, site.directory_urls)
    events: list = []

    def with_events(page: Callable[[list], str]) -> Callable[[], str]:
        def make() -> str:
            if not events:
                events.extend(timeline_events(site))
            return page(events)
        return make

    makers: dict[str, Callable[[], str]] = {
        "index.md": with_events(lambda ev: home_page(home_view(site, ev), w)),
        "map.md": lambda: map_page(map_view(site, "map.md"), w),
        "hypotheses/index.md": lambda: hypotheses_index_page(hypotheses_index_view(site), w),
        "constructs/index.md": lambda: constructs_index_page(constructs_index_view(site), w),
        "contexts/index.md": lambda: contexts_index_page(contexts_index_view(site), w),
        "sources.md": lambda: sources_page(sources_view(site), w),
        **gap_makers(site, w),  # gaps.md and a page per context with parts
        FINDINGS: lambda: findings_page(findings_view(site), w),
        AGREEMENT: lambda: agreement_page(agreement_view(site, _agreement(kb)), w),
        "changes.md": with_events(lambda ev: changes_page(changes_view(site, ev), w)),
        EXPLAINED: lambda: explanation_page(explanation_view(site), w),
        "downloads.md": lambda: downloads_page(downloads_view(site), w),
        "assets/kb.css": lambda: "".join(STYLES),
    }
    if questions:
        makers[QUESTIONS] = lambda: questions_page(questions_view(Names.of(site), site.queries, site.words), w)
    if surveys is not None:
        makers[SURVEYS] = lambda: surveys_page(surveys_view(site, surveys), w)
    # the evidence index is one page, or one per year, depending on the whole KB: made now
    makers.update({path: (lambda text=text: text) for path, text in evidence_index_pages(site).items()})
    for items, page, view in ((kb.hypotheses, hypothesis_page, hypothesis_view),
                              (kb.evidence, evidence_page, evidence_view),
                              (kb.constructs, construct_page, construct_view),
                              (kb.contexts, context_page, context_view)):
        for item_id in items:
            makers[site.paths[item_id]] = partial(_item_page, page, view, site, item_id, w)
    return dict(sorted(makers.items()))


def has_illustrative_items(kb: KnowledgeBase) -> bool:
    """Whether any hypothesis or evidence item is marked illustrative (pages that show them say so)."""
    return any(h.illustrative for h in kb.hypotheses.values()) or any(e.illustrative for e in kb.evidence.values())


def _item_page(page: Callable, view: Callable, site: Site, item_id: str, w: Render) -> str:
    return page(view(site, item_id), w)


def _agreement(kb: KnowledgeBase):
    """Agreement between researchers over the whole KB: computed once, for the one page that shows it."""
    from kb.appraise.agreement import agreement  # NumPy and krippendorff: only when the page is made

    return agreement(kb)


#: The stylesheet, in parts: kb.site.fmt's and each page module's own CSS (joined into assets/kb.css).
STYLES: tuple[str, ...] = (STYLESHEET, CHARTS_CSS, GRAPHS_CSS, GAPMAP_CSS, STANDING_CSS, TABLES_CSS,)

#: Scripts in kb/site/assets/ that pages load through ``Out.script``; copied into every docs folder.
SCRIPTS: tuple[str, ...] = (SWITCH_SCRIPT, "kb-map.js", TABLES_SCRIPT, "kb-a11y.js",)

NAV = (("home", "index.md"), ("map", "map.md"), ("hypotheses", "hypotheses/index.md"),
       ("evidence", "evidence/index.md"), ("constructs", "constructs/index.md"),
       ("contexts", "contexts/index.md"), ("gaps", "gaps.md"), ("findings", FINDINGS), ("changes", "changes.md"),
       ("questions", "questions.md"), ("sources", "sources.md"), ("downloads", "downloads.md"))


def nav(language: str) -> list[dict[str, str]]:
    """The site's navigation in MkDocs' form: the index pages only, named in ``language`` (the pages' language)."""
    w = Words(language)
    return [{w(key): path} for key, path in NAV]


# --- the pages stage: a docs folder -----------------------------------------------------


@dataclass(frozen=True)
class SiteInfo:
    """What a site engine needs besides the pages: the site's name and language, its nav, and which pages are kb's."""

    title: str
    language: str
    nav: list[dict[str, str]]
    #: every page and asset written, relative to the docs folder
    pages: tuple[str, ...]
    #: evidence pages (the search index gives each one entry)
    evidence_pages: tuple[str, ...]
    directory_urls: bool = True
    #: the language switch in Material's ``extra.alternate`` form ({name, link, lang}, links relative
    #: to this site's root); empty for a site in one language
    alternate: tuple[dict[str, str], ...] = ()

    MANIFEST = "kb-site.json"

    @staticmethod
    def switch(language: str, languages: Sequence[str]) -> tuple[dict[str, str], ...]:
        """The language switch of the site in ``language``, among sites in ``languages`` (the root site's first).

        Each language is named in itself, and linked relative to this site's
        root, so the sites work under any address.
        """
        if len(languages) < 2:
            return ()
        up = "" if language == languages[0] else "../"
        return tuple({"name": Words(lang)("language_name"), "link": up + (f"{lang}/" if i else "") or "./",
                      "lang": lang} for i, lang in enumerate(languages))

    def write(self, folder: Path) -> None:
        data = {"title": self.title, "language": self.language, "nav": self.nav, "pages": list(self.pages),
                "evidence_pages": list(self.evidence_pages), "directory_urls": self.directory_urls,
                "alternate": list(self.alternate)}
        (folder / self.MANIFEST).write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")

    @classmethod
    def read(cls, folder: Path) -> SiteInfo:
        data = json.loads((folder / cls.MANIFEST).read_text(encoding="utf-8"))
        return cls(data["title"], data["language"], data["nav"], tuple(data["pages"]),
                   tuple(data["evidence_pages"]), data["directory_urls"], tuple(data.get("alternate", ())))


def write_pages(kb: KnowledgeBase, computed: dict[str, Standing], *, history: Any, downloads: Sequence[Download],
                queries: Sequence[SavedQuery] | None, folder: Path, build_date: str = "",
                directory_urls: bool = True, surveys: Any = None, language: str | None = None,
                languages: Sequence[str] = (), citations: Citations | None = None) -> SiteInfo:
    """Write every page into ``folder`` (a docs folder), one at a time; returns what the engine needs.

    ``queries`` None: the saved questions are answered later, when this
    process has ended (:mod:`kb.build`); ``questions.md`` is then left to
    :func:`kb.site.questions.write_questions`, and what it needs of the KB
    (:class:`~kb.site.questions.Names`) goes beside the folder.

    ``kb`` is the public view (:func:`kb.public.public_view`); ``downloads``
    are already in the folder, or, with paths starting ``../``, in the root
    site's (a site in another language shares them). The pages are in
    ``language`` (kb.yaml's site_language unless told); ``languages`` are
    the languages of every site built with this one, the root site's first
    (each other one is at ``<lang>/`` under it), for the language switch. The
    manifest (:class:`SiteInfo`) goes beside the folder, not in it, so no
    engine publishes it.
    """
    from kb.model import text_in
    from kb.site.fmt import inert

    language = language or kb.config.site_language
    site = Site(kb, build_date=build_date, directory_urls=directory_urls, downloads=downloads,
                queries=queries or (), history=history, computed=computed, surveys=surveys, language=language,
                citations=citations)
    makers = _makers(site, questions=queries is not None)
    switch = SiteInfo.switch(language, languages)
    written = []
    for path, make in makers.items():
        target = folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        text = make()
        if switch and path.endswith(".md"):
            text += switch_script(path, directory_urls)
        target.write_text(text, encoding="utf-8", newline="\n")
        written.append(path)
    for name in SCRIPTS:
        shutil.copyfile(Path(__file__).with_name("assets") / name, folder / "assets" / name)
        written.append(f"assets/{name}")
    if queries is None:
        Names.of(site).write(folder.parent)
        written.append(QUESTIONS)
    written += [d.path for d in downloads if not d.path.startswith("../")]  # the root site's are not this one's
    evidence = tuple(sorted(item_path("evidence", eid) for eid in kb.evidence))
    title = text_in(kb.config.title, [language, *kb.config.languages])
    info = SiteInfo(inert(title), language, nav(language), tuple(sorted(written)), evidence, directory_urls, switch)
    info.write(folder.parent)
    return info
