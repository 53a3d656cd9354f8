"""The website's pages: a knowledge base in, ``{relative path: text}`` out.

Takes a :class:`~kb.model.KnowledgeBase` (and, from the caller, the build
date, the names of the download files and the saved questions with their
answers); returns Markdown pages and one stylesheet keyed by their path in
the site's docs tree. Pure: it reads and writes nothing, imports no MkDocs,
and the same knowledge base always gives the same pages (everything is
sorted or in the KB's file order; the build date is the one moving part).
``kb.mkdocs_plugin`` hands the pages to MkDocs.

Each page is made in two steps: a *view* function gathers what the page
shows into small frozen dataclasses (plain strings, numbers and ``Ref``
links), and a *page* function only loops over the view and prints Markdown
(lists and tables as HTML blocks, which Markdown leaves alone). Every text
from YAML is printed through :mod:`kb.sitefmt` (escaped, or sanitised
Markdown for long texts). Restricted evidence never contributes more than
its id, kind, date, context, phase and links; pages that show illustrative
items say so.

The modules: :mod:`kb.sitefmt` (safe text, the interface's words, the
stylesheet), :mod:`kb.sitekit` (the KB's index, the page printer, diagrams,
the timeline of events), :mod:`kb.siteitems` (hypothesis, evidence,
construct and context pages) and :mod:`kb.siteoverview` (home, map, gap
map, timeline, questions, sources, downloads); this one puts them together.

Pages (paths relative to the docs directory)::

    index.md                 the framework at a glance
    map.md                   the framework map (constructs, hypotheses between them)
    hypotheses/index.md      all hypotheses;   hypotheses/<id>.md   one each
    evidence/index.md        all evidence;     evidence/<id>.md     one each
                             (evidence/years/<year>.md when there is a lot)
    constructs/index.md, constructs/<id>.md
    contexts/index.md,   contexts/<id>.md
    sources.md               the bibliography
    gaps.md                  the evidence gap map
    changes.md               how the framework changed, milestone by milestone
    questions.md             the saved SPARQL questions and their answers
    downloads.md             RDF and GraphML downloads
    assets/kb.css            the styles of these pages

Only the index pages belong in a site's navigation (:func:`nav`); item pages
are reached from them, from each other and from search, which keeps a site
of thousands of items fast to build.
"""

from __future__ import annotations

from functools import partial
from typing import Any, Callable, Sequence

from kb.model import KnowledgeBase
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
from kb.site.fmt import STYLESHEET, Words
from kb.site.kit import Download, Render, SavedQuery, Site, timeline_events
from kb.site.overview import (
    changes_page,
    changes_view,
    downloads_page,
    downloads_view,
    gaps_page,
    gaps_view,
    home_page,
    home_view,
    map_page,
    map_view,
    questions_page,
    questions_view,
    sources_page,
    sources_view,
)

__all__ = ["Download", "SavedQuery", "has_illustrative_items", "nav", "page_makers", "questions_page_maker",
           "render_site"]


# --- the pure function ----------------------------------------------------------------


def render_site(kb: KnowledgeBase, *, build_date: str = "", directory_urls: bool = True,
                downloads: Sequence[Download] = (), queries: Sequence[SavedQuery] = (),
                history: Any = None) -> dict[str, str]:
    """Every page of the site, by path; see the module's docstring for the layout.

    ``downloads`` are the files the caller puts beside the pages, ``queries``
    the saved questions with their answers, ``history`` a
    :class:`kb.history.git.GitHistory` (commits per item, diffs between tagged
    milestones) or None; ``directory_urls`` says how the engine serves pages
    (``a/b.md`` at ``a/b/`` or at ``a/b.html``), for links it does not rewrite.
    """
    makers = page_makers(kb, build_date=build_date, directory_urls=directory_urls,
                         downloads=downloads, queries=queries, history=history)
    return {path: make() for path, make in makers.items()}


def page_makers(kb: KnowledgeBase, *, build_date: str = "", directory_urls: bool = True,
                downloads: Sequence[Download] = (),
                queries: Sequence[SavedQuery] | Callable[[], Sequence[SavedQuery]] = (),
                history: Any = None) -> dict[str, Callable[[], str]]:
    """The pages of :func:`render_site`, sorted by path, each made only when called.

    A site engine can then hold one page's text at a time instead of all of
    them (at 100,000 evidence items, the difference is gigabytes). ``queries``
    may be a function that answers the saved questions when their page is
    made; that page's maker holds no reference to ``kb``, so an engine that
    makes it last can let the KB go before the questions' store is filled.
    """
    answer = queries if callable(queries) else None
    site = Site(kb, build_date=build_date, directory_urls=directory_urls,
                downloads=downloads, queries=() if answer else queries, history=history)
    w = Render(site.words, directory_urls)
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
        "gaps.md": lambda: gaps_page(gaps_view(site), w),
        "changes.md": with_events(lambda ev: changes_page(changes_view(site, ev), w)),
        "questions.md": questions_page_maker(answer or (lambda q=site.queries: q), illustrative=bool(site.illustrative),
                                             language=kb.config.site_language, directory_urls=directory_urls),
        "downloads.md": lambda: downloads_page(downloads_view(site), w),
        "assets/kb.css": lambda: STYLESHEET,
    }
    # the evidence index is one page, or one per year, depending on the whole KB: made now
    makers.update({path: (lambda text=text: text) for path, text in evidence_index_pages(site).items()})
    for items, page, view in ((kb.hypotheses, hypothesis_page, hypothesis_view),
                              (kb.evidence, evidence_page, evidence_view),
                              (kb.constructs, construct_page, construct_view),
                              (kb.contexts, context_page, context_view)):
        for item_id in items:
            makers[site.paths[item_id]] = partial(_item_page, page, view, site, item_id, w)
    return dict(sorted(makers.items()))


def questions_page_maker(answer: Callable[[], Sequence[SavedQuery]], *, illustrative: bool, language: str,
                         directory_urls: bool = True) -> Callable[[], str]:
    """The maker of the questions page alone, for an engine that answers the questions away from the KB.

    ``illustrative`` says whether the KB has illustrative items (the page
    then says its answers include them); ``language`` is kb.yaml's
    ``site_language``. Gives the page :func:`page_makers` gives, with the
    same answers.
    """
    return partial(_questions_page, answer, illustrative, Render(Words(language), directory_urls))


def has_illustrative_items(kb: KnowledgeBase) -> bool:
    """Whether any hypothesis or evidence item is marked illustrative (pages that show them say so)."""
    return any(h.illustrative for h in kb.hypotheses.values()) or any(e.illustrative for e in kb.evidence.values())


def _questions_page(answer: Callable[[], Sequence[SavedQuery]], illustrative: bool, w: Render) -> str:
    return questions_page(questions_view(answer(), illustrative), w)


def _item_page(page: Callable, view: Callable, site: Site, item_id: str, w: Render) -> str:
    return page(view(site, item_id), w)


def nav(language: str) -> list[dict[str, str]]:
    """The site's navigation in MkDocs' form: the index pages only, named in ``language`` (kb.yaml's site_language)."""
    w = Words(language)
    entries = [("home", "index.md"), ("map", "map.md"), ("hypotheses", "hypotheses/index.md"),
               ("evidence", "evidence/index.md"), ("constructs", "constructs/index.md"),
               ("contexts", "contexts/index.md"), ("gaps", "gaps.md"), ("changes", "changes.md"),
               ("questions", "questions.md"), ("sources", "sources.md"), ("downloads", "downloads.md")]
    return [{w(key): path} for key, path in entries]
