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

from typing import Any, Sequence

from .model import KnowledgeBase
from .siteitems import (
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
from .sitefmt import STYLESHEET, Words
from .sitekit import Download, Render, SavedQuery, Site, timeline_events
from .siteoverview import (
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

__all__ = ["Download", "SavedQuery", "nav", "render_site"]


# --- the pure function ----------------------------------------------------------------


def render_site(kb: KnowledgeBase, *, build_date: str = "", directory_urls: bool = True,
                downloads: Sequence[Download] = (), queries: Sequence[SavedQuery] = (),
                history: Any = None) -> dict[str, str]:
    """Every page of the site, by path; see the module's docstring for the layout.

    ``downloads`` are the files the caller puts beside the pages, ``queries``
    the saved questions with their answers, ``history`` a
    :class:`kb.history.GitHistory` (commits per item, diffs between tagged
    milestones) or None; ``directory_urls`` says how the engine serves pages
    (``a/b.md`` at ``a/b/`` or at ``a/b.html``), for links it does not rewrite.
    """
    site = Site(kb, build_date=build_date, directory_urls=directory_urls,
                downloads=downloads, queries=queries, history=history)
    events = timeline_events(site)
    w = Render(site.words, directory_urls)
    pages: dict[str, str] = {
        "index.md": home_page(home_view(site, events), w),
        "map.md": map_page(map_view(site, "map.md"), w),
        "hypotheses/index.md": hypotheses_index_page(hypotheses_index_view(site), w),
        "constructs/index.md": constructs_index_page(constructs_index_view(site), w),
        "contexts/index.md": contexts_index_page(contexts_index_view(site), w),
        "sources.md": sources_page(sources_view(site), w),
        "gaps.md": gaps_page(gaps_view(site), w),
        "changes.md": changes_page(changes_view(site, events), w),
        "questions.md": questions_page(questions_view(site), w),
        "downloads.md": downloads_page(downloads_view(site), w),
        "assets/kb.css": STYLESHEET,
    }
    pages.update(evidence_index_pages(site))
    for hid in kb.hypotheses:
        pages[site.paths[hid]] = hypothesis_page(hypothesis_view(site, hid), w)
    for eid in kb.evidence:
        pages[site.paths[eid]] = evidence_page(evidence_view(site, eid), w)
    for cid in kb.constructs:
        pages[site.paths[cid]] = construct_page(construct_view(site, cid), w)
    for cid in kb.contexts:
        pages[site.paths[cid]] = context_page(context_view(site, cid), w)
    return dict(sorted(pages.items()))


def nav(kb: KnowledgeBase) -> list[dict[str, str]]:
    """The site's navigation in MkDocs' form: the index pages only."""
    w = Words(kb.config.site_language)
    entries = [("home", "index.md"), ("map", "map.md"), ("hypotheses", "hypotheses/index.md"),
               ("evidence", "evidence/index.md"), ("constructs", "constructs/index.md"),
               ("contexts", "contexts/index.md"), ("gaps", "gaps.md"), ("changes", "changes.md"),
               ("questions", "questions.md"), ("sources", "sources.md"), ("downloads", "downloads.md")]
    return [{w(key): path} for key, path in entries]
