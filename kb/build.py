"""``kb build`` and ``kb pages``: the pipeline, one named stage after another.

    load -> check -> public view -> standings -> survey measurements (when kb.yaml has datasets)
         -> downloads (RDF, GraphML) -> history -> pages          (a process of its own, which then ends)
         -> saved questions -> site engine -> swap into place

Only the pages and the site engine run once per language: a KB with two or
more ``languages`` gets a whole site in each, kb.yaml's ``site_language``
at the root and each other one under ``<lang>/`` (pages in
``project/<lang>/docs``, built into ``site/<lang>/``), with a language switch
between them. The downloads are made once, in the root site; the others
link to them there.

Each stage is a function of its package, computed once, and hands plain
objects to the next; docs/architecture.md draws it. The site's pages are a
plain docs folder (Markdown with HTML, assets, downloads) that any engine can
build: ``kb pages`` stops there and adds an ``mkdocs.yml``; ``kb build``
goes on with MkDocs and swaps the finished site in.

Memory is bounded by processes, at every size: the stages that need the
knowledge base (load to pages, :func:`kb_half`) run in a child process
(:mod:`kb.apart`), which hands its memory back when it ends (1.5 GB at
100,000 evidence items, which Python would otherwise keep). Then come the
saved questions, whose SPARQL store of the whole KB (1.3 GB there) lives in
a child of its own under a time limit (a query that crashes its engine
cannot take kb with it), and the site engine, a MkDocs child per language
(each holds its whole site), two at a time. Those children read files the
downloads and pages stages wrote: that is how memory is bounded, and it is
the only re-reading in the pipeline.

Raises :class:`~kb.errors.ProblemsFound` (the KB has errors) and other
:class:`~kb.errors.KbError` subclasses; never prints.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kb.errors import Diagnostic, ProblemsFound
from kb.progress import SILENT, Progress  # told each stage's name as it starts, and its counts


@dataclass
class Built:
    """What a build made: the site (or pages folder), its counts, and the warnings on the way."""

    where: Path
    hypotheses: int
    evidence: int
    warnings: list[Diagnostic] = field(default_factory=list)
    engine_messages: list[str] = field(default_factory=list)
    #: the languages of the sites made, the root site's first (each other one is under ``<lang>/``)
    languages: list[str] = field(default_factory=list)


@dataclass
class Made:
    """What the stages that need the KB hand on: what was built, the Turtle download, kb.yaml's query_timeout."""

    built: Built
    turtle: Path
    query_timeout: float | None


def build(root: Path, out_dir: Path, *, strict: bool = False, progress: Progress = SILENT) -> Built:
    """Check the KB at ``root`` and build its website into ``out_dir``, all or nothing."""
    from kb.engine.mkdocs import build_sites
    from kb.engine.staging import staging

    root, out_dir = Path(root).resolve(), Path(out_dir).resolve()
    with staging(out_dir) as work:
        built = pages(root, work.project, strict=strict, progress=progress, portable=False)
        progress("site engine")
        built.engine_messages = build_sites(root, work.project, work.site, built.languages, strict=strict)
        progress("swap")
        work.swap_into_place()
    built.where = out_dir
    return built


def pages(root: Path, project: Path, *, strict: bool = False, progress: Progress = SILENT,
          portable: bool = True, every_language: bool = True) -> Built:
    """Every stage up to the pages: ``project/docs`` and ``project/mkdocs.yml``, buildable by any MkDocs-like engine.

    With two or more languages, also ``project/<lang>/docs`` and
    ``project/mkdocs.<lang>.yml`` for each language but kb.yaml's
    site_language (that one builds into ``site/<lang>/``, after the root
    site). ``portable``: the folder must build elsewhere (``kb pages``): the
    KB's hand-written pages are copied in (into the root site only: they are
    written in one language); otherwise they are used where they are.
    ``every_language=False``: the root site only (``mkdocs build`` and
    ``mkdocs serve`` build one site).
    """
    from kb.apart import apart
    from kb.engine.config import docs_folder
    from kb.rdf.questions import answer_saved_questions
    from kb.site.questions import write_questions

    root, project = Path(root).resolve(), Path(project).resolve()
    made = apart(kb_half, root, project, strict=strict, progress=progress, portable=portable,
                 every_language=every_language)  # load -> ... -> pages, its memory handed back when it ends
    built, languages = made.built, made.built.languages
    progress("saved questions")
    answers, failed = answer_saved_questions(root, made.turtle, made.query_timeout)
    built.warnings += failed
    if strict and failed:
        raise ProblemsFound(f"{len(failed)} saved question(s) failed, and --strict makes that fail", failed)
    for lang in languages:
        first = lang == languages[0]
        write_questions(docs_folder(project, None if first else lang),
                        answers if first else [_written_in(q, languages[0]) for q in answers],
                        language=lang, switch=len(languages) > 1)
    return built


def kb_half(root: Path, project: Path, *, strict: bool = False, progress: Progress = SILENT,
            portable: bool = True, every_language: bool = True) -> Made:
    """The stages that need the knowledge base, from loading it to its pages (:func:`pages` runs it apart)."""
    from kb.graph.network import write_graph_download
    from kb.graph.score import standings
    from kb.history.git import git_history
    from kb.load import checked
    from kb.public import public_view
    from kb.rdf.export import write_rdf_downloads
    from kb.site.kit import Download

    docs = project / "docs"
    progress("load and check")
    kb, warnings = checked(root, strict=strict, on_file=progress.counter("files"))
    progress("public view")
    public = public_view(kb)
    del kb  # nothing after this line sees what restricted items keep to themselves
    languages = site_languages(public.config) if every_language else [public.config.site_language]
    cited = citations_ahead(public, languages)  # for the pages stage; formatted meanwhile, on another core
    try:
        progress("standings")
        computed = standings(public)
        progress("survey measurements")
        surveys = survey_results(root, public)
        public = with_survey_numbers(public, surveys)
        progress("downloads")
        written = write_rdf_downloads(public, computed, docs / "downloads", surveys=surveys)
        written.append(write_graph_download(public, computed, docs / "downloads"))
        downloads = [Download.written_in(docs, path) for path in written]
        progress("history")
        history = git_history(root, public, progress=progress)
    except BaseException:
        cited.close()  # a build that fails does not wait for it
        raise
    ready = Ready(public, computed, surveys, downloads, history, cited, languages, _build_date())
    for lang in languages:
        progress("pages" if len(languages) < 2 else f"pages ({lang})")
        write_language(ready, root, project, lang, portable=portable)
    built = Built(project, len(public.hypotheses), len(public.evidence), warnings, languages=languages)
    return Made(built, downloads[0].written, public.config.query_timeout)


@dataclass
class Ready:
    """What every language's pages are made from: the stages before the pages, each computed once."""

    public: Any
    computed: dict
    surveys: Any
    downloads: list
    history: Any
    cited: Any  # kb.site.citations.Ahead: the citations of each language, formatted in a child process
    languages: list[str]
    build_date: str


def write_language(ready: Ready, root: Path, project: Path, lang: str, *, portable: bool) -> None:
    """The pages stage for one language: its docs folder and engine configuration (the root site's in ``project``).

    The saved questions' page is left for later (:func:`pages`), with what it needs of the KB beside it.
    """
    from kb.engine.config import docs_folder
    from kb.site.kit import Download
    from kb.site.pages import write_pages

    first = lang == ready.languages[0]
    shared = ready.downloads
    if not first:
        shared = [Download(f"../{d.path}", d.kind, d.written) for d in ready.downloads]
    site = write_pages(ready.public, ready.computed, history=ready.history, downloads=shared, queries=None,
                       folder=docs_folder(project, None if first else lang), build_date=ready.build_date, surveys=ready.surveys, language=lang,
                       languages=ready.languages, citations=ready.cited.get(lang))
    _engine_files(root, project, site, portable, None if first else lang)


def _written_in(question, language: str):
    """A saved question whose comment is marked as written in ``language``.

    Texts written by hand outside the YAML (a query's comment, the pages in
    docs/) carry no language; kb takes them to be in the site_language, so
    the sites in other languages mark them so.
    """
    from dataclasses import replace

    from kb.site.fmt import Foreign

    return replace(question, description=Foreign(question.description, language)) if question.description \
        else question


def citations_ahead(kb, languages):
    """The sources' citations in each language, started now in a child process (:func:`kb.site.citations.ahead`)."""
    from kb.site.citations import ahead
    from kb.site.kit import in_language

    return ahead(kb, {lang: in_language(kb, lang).config for lang in languages})


def site_languages(config) -> list[str]:
    """The languages the site is made in: site_language (the root site), then kb.yaml's other languages.

    A KB with one language (or none listed) gets one site, in its site_language.
    """
    if len(config.languages) < 2:
        return [config.site_language]
    return [config.site_language, *(lang for lang in config.languages if lang != config.site_language)]


def with_survey_numbers(kb, surveys):
    """The KB with measurements that cite a dataset filled in from it (:func:`kb.survey.with_survey_numbers`)."""
    if surveys is None:
        return kb
    from kb.survey import with_survey_numbers as fill

    return fill(kb, surveys)


def survey_results(root: Path, kb):
    """The datasets' publishable aggregates (:func:`kb.survey.compute`), or None for a KB without datasets.

    Computed once for the downloads and the pages; kb.survey (NumPy, SciPy) is
    imported only when there is something to compute.
    """
    if not kb.config.datasets:
        return None
    from kb.survey import compute

    return compute(root, kb)


def _build_date() -> str:
    """The one moving part of the pages; ``SOURCE_DATE_EPOCH`` fixes it, as for reproducible builds."""
    import datetime as dt
    import os

    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    when = dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc) if epoch and epoch.isdigit() else \
        dt.datetime.now(dt.timezone.utc)
    return when.strftime("%Y-%m-%d")


def _engine_files(root: Path, project: Path, site, portable: bool, language: str | None = None) -> None:
    """The project's ``mkdocs.yml``; for a portable folder also the KB's own hand-written pages.

    ``language``: the site in another language than the first, with its
    ``mkdocs.<language>.yml`` (:func:`kb.engine.config.config_text`) and
    without the hand-written pages, which are written in one language.
    """
    import shutil

    from kb.engine.config import write_config

    if not portable or language:  # kb build's own engine: the kb plugin adds the KB's pages, quicker
        write_config(project, site, with_kb_plugin=not portable, language=language)
        return
    hand = root / "docs"
    if (root / "mkdocs.yml").is_file() and hand.is_dir():
        for path in sorted(hand.rglob("*")):
            target = project / "docs" / path.relative_to(hand)
            if path.is_file() and not path.is_symlink():
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, target)  # a page written by hand wins, as in kb build
    write_config(project, site)
