"""The MkDocs plugin: the knowledge base's pages and downloads, generated into the build.

Takes the MkDocs config (and the KB next to ``mkdocs.yml``, or ``root:``);
adds the pages :func:`kb.site.pages.render_site` returns and the download files to
the build's files, so ``mkdocs build`` and ``mkdocs serve`` work directly and
nothing is written into ``docs/``. ``mkdocs serve`` also watches the KB's
YAML and saved queries and rebuilds when they change.

Only this module (with :mod:`kb.sitebuild`) knows MkDocs; the pages come from
the engine-independent :mod:`kb.site`. In ``mkdocs.yml``::

    plugins:
      - search
      - privacy      # makes Mermaid a local file at build time
      - kb           # options: root (default: the folder of mkdocs.yml), downloads, questions, history

The plugin also sets what the pages rely on unless ``mkdocs.yml`` says
otherwise: the site's name and language from ``kb.yaml``, its stylesheet,
the Markdown extensions for tables, notices and Mermaid fences, and a
navigation of index pages only (item pages are reached by links and search,
which keeps large sites fast to build).

What keeps a site of 100,000 items within time and memory (see
benchmarks/README.md): ``kb build`` makes a large KB's pages and downloads
in the process that loaded the KB and runs MkDocs in a fresh one
(:class:`PreparedPages`); within one process (``mkdocs build``), each page's
text is made only when MkDocs reads it, the KB is let go once the last page
that needs it is made, and the saved questions are answered after that,
from the Turtle download. Each page's HTML waits, compressed in a temporary
file, until the page is written; the
downloads are streamed to temporary files, and so are each page's search
entries, from which the search index is written; kb's HTML blocks skip
Python-Markdown's raw-HTML parsing (:class:`GeneratedHtml`), and item pages
share one converter (:class:`ItemPage`); the search index gets each page's
words without diagrams, inline tags and the tables that list other items.
"""

from __future__ import annotations

import gc
import logging
import os
import re
import shutil
import tempfile
import zlib
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Callable, Iterator

from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor
from mkdocs.config import config_options as c
from mkdocs.config.base import Config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import get_toc

from kb.site.fmt import inert

log = logging.getLogger("mkdocs.plugins.kb")

QUERY_DIR = "queries"
#: The page made last: the saved questions, answered once the KB has gone.
LAST_PAGE = "questions.md"
#: Rows of a saved question's answer shown on the site.
MAX_ANSWER_ROWS = 200
_WATCHED = ("kb.yaml", "hypotheses", "evidence", "registry", QUERY_DIR)


class KbPluginConfig(Config):
    root = c.Optional(c.Type(str))
    downloads = c.Type(bool, default=True)
    questions = c.Type(bool, default=True)
    history = c.Type(bool, default=True)


class KbPlugin(BasePlugin[KbPluginConfig]):
    """Generates the knowledge base's pages into the MkDocs build."""

    #: A KnowledgeBase loaded by the caller (``kb build``); loaded from ``root`` when None.
    kb: Any = None
    #: The pages and downloads another process made (:class:`PreparedPages`); then no KB is loaded.
    prepared: Any = None

    @event_priority(100)  # before search and privacy read the language and the cache
    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        base = Path(config.config_file_path or ".").resolve().parent
        self.root = (base / self.config.root).resolve() if self.config.root else base
        if self.prepared is not None:
            title, language = self.prepared.title, self.prepared.language
        else:
            if self.kb is None:
                self.kb = load_kb(self.root)
            title, language = site_title(self.kb), self.kb.config.site_language
        config.site_name = title
        config.theme["language"] = _theme_language(config, language)
        if "assets/kb.css" not in config.extra_css:
            config.extra_css.append("assets/kb.css")
        _require_extensions(config)
        self.generated_html = GeneratedHtml()
        config.markdown_extensions.append(self.generated_html)
        _anchor_privacy_cache(config, base)
        if not config.nav:
            from kb.site.pages import nav

            config.nav = nav(language)
        return config

    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files:
        self._drop_downloads()
        if self.prepared is not None:
            made = self.prepared.pages()
        else:
            self.downloads_dir = Path(tempfile.mkdtemp(prefix="kb-downloads-"))
            made = make_pages(self.kb, self.root, self.config, config.use_directory_urls, self.downloads_dir)
        makers, downloads = made.makers, made.downloads
        self.own_paths: set[str] = set()
        self.own_pages: dict[str, Any] = {}
        in_nav = set(_nav_paths(config.nav))
        self._markdown = None
        self.evidence_pages = made.evidence_pages
        self._full_content = None
        self._stored_html = StoredHtml()
        self._search_index = SearchIndexOnDisk.taking_over(config)
        for path, make in makers.items():
            if files.get_file_from_path(path) is not None:
                log.info("kb: docs/%s is written by hand; the generated page is not used", path)
            elif path.endswith(".md"):
                # the page's text is made when MkDocs reads it (on_page_markdown), one at a time
                file = File.generated(config, path, content="")
                files.append(file)
                self.own_pages[path] = make
                self.own_paths.add(path)
                if path not in in_nav:
                    ItemPage(file, config, self)
            else:
                files.append(File.generated(config, path, content=make()))
        for d, written in downloads:
            if files.get_file_from_path(d.path) is None:
                files.append(File.generated(config, d.path, abs_src_path=str(written)))
        return files

    def on_page_markdown(self, markdown: str, *, page: Any, config: MkDocsConfig, files: Files) -> str:
        make = self.own_pages.pop(page.file.src_uri, None)  # each page is made once
        # only kb's own pages: hand-written ones may rely on Markdown inside their HTML
        self.generated_html.active = make is not None
        if make is None:
            return markdown
        if not self.own_pages:
            self._let_the_kb_go()  # only this page is left to make, and it needs no KB
        from mkdocs.utils.meta import get_data

        markdown, page.meta = get_data(make())
        return markdown

    def item_markdown(self, config: MkDocsConfig) -> Any:
        """One Markdown converter for every item page of this build, with the site's extensions."""
        if self._markdown is None:
            import markdown

            extensions = [e for e in config.markdown_extensions if e is not self.generated_html]
            shortcut = GeneratedHtml()
            shortcut.active = True
            self._markdown = markdown.Markdown(extensions=[*extensions, shortcut],
                                               extension_configs=config.mdx_configs or {})
        return self._markdown

    @event_priority(-100)  # after every other plugin has seen the page's HTML
    def on_page_content(self, html: str, *, page: Any, config: MkDocsConfig, files: Files) -> str:
        if not self.generated_html.active:
            return html
        self.generated_html.active = False
        if not isinstance(page, ItemPage):  # an ItemPage found its anchors as it rendered
            # MkDocs finds a page's anchors in raw HTML only where Python-Markdown saw it
            page.present_anchor_ids = (page.present_anchor_ids or set()) | set(_ID_ATTR.findall(html))
        # MkDocs keeps every page's source and HTML until the last page is written; at
        # 100,000 pages that is gigabytes. Until this page's turn, its HTML waits on disk.
        page.markdown = ""
        self._stored_html.put(page.file.src_uri, html)
        return ""

    def on_env(self, env: Any, *, config: MkDocsConfig, files: Files) -> Any:
        # MkDocs has read every page (even where some of kb's were left out by its settings)
        self.own_pages = {}
        self._let_the_kb_go()
        return env

    def _let_the_kb_go(self) -> None:
        """Drop the KB (with the makers of pages, which hold it) once no page needs it.

        What kb does after that (answer the saved questions, write the pages,
        fill the search index) then does not share memory with the KB: at
        100,000 evidence items it is a gigabyte.
        """
        if self.kb is not None:
            self.kb = None
            gc.collect()

    @event_priority(100)  # before the search plugin reads the page
    def _search_sees_text(self, context: Any, *, page: Any, config: MkDocsConfig, nav: Any) -> Any:
        stored = self._stored_html.pop(page.file.src_uri)
        if stored is not None:
            self._full_content = stored
            evidence = page.file.src_uri in self.evidence_pages
            page.content = searchable(self._full_content, keep_tables=evidence, one_entry=evidence)
        return context

    @event_priority(-100)  # after it, before the page is written
    def _reader_sees_all(self, context: Any, *, page: Any, config: MkDocsConfig, nav: Any) -> Any:
        if self._full_content is not None:
            page.content, self._full_content = self._full_content, None
        if self._search_index is not None:
            self._search_index.take_entries()
        return context

    def on_post_page(self, output: str, *, page: Any, config: MkDocsConfig) -> str:
        if page.file.src_uri in self.own_paths:
            page.content = ""  # written: its HTML need not stay in memory
        return output

    @event_priority(100)  # before the search plugin writes its index
    def _write_index(self, *, config: MkDocsConfig) -> None:
        self._drop_downloads()
        if self.prepared is not None:
            self.prepared.close()
        self._stored_html.close()
        if self._search_index is not None:
            self._search_index.write(config.site_dir)

    @event_priority(-100)  # after the search plugin has had its turn
    def _give_the_index_back(self, *, config: MkDocsConfig) -> None:
        self._close_search_index()

    on_post_build = CombinedEvent(_write_index, _give_the_index_back)

    def on_build_error(self, *, error: Exception) -> None:
        self._drop_downloads()
        if self.prepared is not None:
            self.prepared.close()
        if getattr(self, "_stored_html", None) is not None:
            self._stored_html.close()
        self._close_search_index()

    def _close_search_index(self) -> None:
        if getattr(self, "_search_index", None) is not None:
            self._search_index.close()
            self._search_index = None

    def _drop_downloads(self) -> None:
        folder = getattr(self, "downloads_dir", None)
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
            self.downloads_dir = None

    on_page_context = CombinedEvent(_search_sees_text, _reader_sees_all)

    def on_serve(self, server: Any, *, config: MkDocsConfig, builder: Any) -> Any:
        for name in _WATCHED:
            path = self.root / name
            if path.exists():
                server.watch(str(path))
        return server


class StoredHtml:
    """Pages' HTML between MkDocs' two passes, compressed in a temporary file.

    MkDocs renders every page before it writes the first one; at 100,000
    pages, even compressed, their HTML would take hundreds of megabytes of
    memory until then.
    """

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile(prefix="kb-pages-")
        self._at: dict[str, tuple[int, int]] = {}

    def put(self, path: str, html: str) -> None:
        data = zlib.compress(html.encode("utf-8"), 1)
        self._file.seek(0, os.SEEK_END)
        self._at[path] = (self._file.tell(), len(data))
        self._file.write(data)

    def pop(self, path: str) -> str | None:
        """The HTML stored for ``path`` (once), or None."""
        at = self._at.pop(path, None)
        if at is None:
            return None
        self._file.seek(at[0])
        return zlib.decompress(self._file.read(at[1])).decode("utf-8")

    def close(self) -> None:
        self._file.close()
        self._at.clear()


class SearchIndexOnDisk:
    """Material's search index, moved page by page to a temporary file and written from there.

    Material's search plugin keeps every page's entries until the build ends,
    then turns them into one string and encodes that: at 100,000 pages, the
    entries' text (over 100 MB) is held through the whole build, and the end
    briefly needs as much again twice over. Each page's
    entries are encoded here as Material encodes them, and the index file is
    byte for byte the one Material would write (a test compares them). Under
    ``mkdocs serve --dirty`` Material merges the index with the previous one,
    and is left to do so.
    """

    _ENCODE = {"separators": (",", ":"), "default": str}  # as Material writes the index

    def __init__(self, search: Any) -> None:
        self._search = search
        self._file = tempfile.TemporaryFile(prefix="kb-search-")
        self._entries = 0

    @classmethod
    def taking_over(cls, config: MkDocsConfig) -> SearchIndexOnDisk | None:
        """One for Material's search plugin in ``config``, or None where it should be left alone."""
        try:
            from material.plugins.search.plugin import SearchPlugin
        except ImportError:
            return None
        found = [p for p in config.plugins.values() if isinstance(p, SearchPlugin)]
        if len(found) != 1 or not found[0].config.enabled or getattr(found[0], "is_dirty", True):
            return None
        return cls(found[0])

    def take_entries(self) -> None:
        """Move the entries the search plugin has made so far (one page's) to the file."""
        import json

        entries = self._search.search_index.entries
        for entry in entries:
            self._file.write(b"," if self._entries else b"")
            self._file.write(json.dumps(entry, **self._ENCODE).encode("utf-8"))
            self._entries += 1
        entries.clear()

    def write(self, site_dir: str) -> None:
        """Write the index where Material would, and keep Material from writing it again."""
        # Material's own code makes the part around the entries, so its settings come out as it writes them
        frame = self._search.search_index.generate_search_index(None)
        if not frame.endswith("[]}"):
            raise PluginError("kb: Material's search index has a form kb does not know; "
                              "please report this with your mkdocs-material version")
        folder = Path(site_dir) / "search"
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / "search_index.json", "wb") as out:
            out.write(frame[:-2].encode("utf-8"))
            self._file.seek(0)
            shutil.copyfileobj(self._file, out)
            out.write(frame[-2:].encode("utf-8"))
        self._search.config.enabled = False  # for this build's last step only; see close()

    def close(self) -> None:
        """Give the search plugin back as it was (``mkdocs serve`` builds again with the same plugins)."""
        self._search.config.enabled = True
        self._file.close()


# --- the stages the plugin calls ------------------------------------------------------


def site_title(kb: Any) -> str:
    """The site's name from kb.yaml, safe in HTML (themes print it raw, or through filters that unescape it)."""
    return inert(kb.text(kb.config.title))


@dataclass
class SitePages:
    """What kb adds to a build: the pages' makers by path, in the order MkDocs should read them, and the downloads."""

    title: str
    language: str
    makers: dict[str, Callable[[], str]]
    downloads: list[tuple[Any, Path]]
    #: The evidence items' pages (the search index gives each one entry).
    evidence_pages: set[str]
    #: Has the KB illustrative items (the questions page says so)?
    illustrative: bool = False
    #: The Turtle file the saved questions are answered from when their page is made (None: no questions).
    questions_from: Path | None = None


def make_pages(kb: Any, root: Path, options: KbPluginConfig, directory_urls: bool, folder: Path) -> SitePages:
    """The KB's pages, each made when called, and its downloads, written in ``folder``."""
    from mkdocs.utils import get_build_date

    from kb.graph.score import standings
    from kb.site.pages import has_illustrative_items, page_makers
    from kb.site.kit import item_path

    computed = standings(kb)
    downloads = make_downloads(kb, computed, folder) if options.downloads else []
    data = questions_data(kb, computed, folder, downloads) if options.questions else None
    # answered when their page is made, which is made last, once the KB has gone:
    # the KB and the questions' store are never in memory together
    queries = partial(saved_queries, root, data) if options.questions else []
    history = git_history(root, kb) if options.history else None
    makers = page_makers(kb, build_date=get_build_date(), directory_urls=directory_urls,
                         downloads=[d for d, _ in downloads], queries=queries, history=history)
    if LAST_PAGE in makers:  # MkDocs reads the pages in the order of its files
        makers[LAST_PAGE] = makers.pop(LAST_PAGE)
    return SitePages(site_title(kb), kb.config.site_language, makers, downloads,
                     {item_path("evidence", eid) for eid in kb.evidence}, has_illustrative_items(kb), data)


class PreparedPages:
    """The KB's pages made by one process and built into the site by another.

    ``kb build`` makes every page and download in the process that loaded
    the KB, writes them to a folder (:meth:`write`), and runs MkDocs in a
    fresh process that reads them from there (:meth:`read`): the KB's
    memory goes back to the system with the first process, so MkDocs and
    the saved questions' store never share a process with it. In one
    process Python keeps most of the memory a freed KB held (it returns an
    arena only when every object in it has gone), and at 100,000 items the
    store would come on top of it. The saved questions are still answered
    in the second process, from the Turtle download.
    """

    MANIFEST = "pages.json"
    TEXTS = "pages.txt"

    def __init__(self, folder: Path, manifest: dict[str, Any]) -> None:
        self.folder = folder
        self._manifest = manifest
        self.title: str = manifest["title"]
        self.language: str = manifest["language"]
        self._texts: Any = None

    @classmethod
    def write(cls, kb: Any, root: Path, options: KbPluginConfig, directory_urls: bool, folder: Path) -> None:
        """Make the pages and downloads of ``kb`` into ``folder`` (which must not exist yet)."""
        import json

        folder.mkdir()
        made = make_pages(kb, root, options, directory_urls, folder)
        later = made.questions_from is not None
        pages: list[tuple[str, int, int]] = []
        with open(folder / cls.TEXTS, "wb") as out:
            for path, make in made.makers.items():
                if later and path == LAST_PAGE:
                    continue  # answered in the process that never held the KB
                data = make().encode("utf-8")
                pages.append((path, out.tell(), len(data)))
                out.write(data)
        manifest = {
            "root": str(root), "title": made.title, "language": made.language, "directory_urls": directory_urls,
            "pages": pages, "questions_from": made.questions_from.name if later else None,
            "illustrative": made.illustrative, "evidence_pages": sorted(made.evidence_pages),
            "downloads": [(d.path, d.kind, written.name) for d, written in made.downloads],
        }
        (folder / cls.MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def read(cls, folder: Path) -> PreparedPages:
        import json

        return cls(folder, json.loads((folder / cls.MANIFEST).read_text(encoding="utf-8")))

    @property
    def root(self) -> Path:
        return Path(self._manifest["root"])

    def pages(self) -> SitePages:
        """The pages as the plugin takes them: each read from the folder when MkDocs reads it."""
        from kb.site.pages import Download, questions_page_maker

        m = self._manifest
        self._texts = open(self.folder / self.TEXTS, "rb")  # noqa: SIM115 (closed by close())
        makers: dict[str, Callable[[], str]] = {path: partial(self._text, at, size) for path, at, size in m["pages"]}
        if m["questions_from"] is not None:
            answer = partial(saved_queries, self.root, self.folder / m["questions_from"])
            makers[LAST_PAGE] = questions_page_maker(answer, illustrative=m["illustrative"], language=self.language,
                                                     directory_urls=m["directory_urls"])
        downloads = [(Download(path, kind), self.folder / name) for path, kind, name in m["downloads"]]
        return SitePages(self.title, self.language, makers, downloads, set(m["evidence_pages"]), m["illustrative"])

    def _text(self, at: int, size: int) -> str:
        self._texts.seek(at)
        return self._texts.read(size).decode("utf-8")

    def close(self) -> None:
        if self._texts is not None:
            self._texts.close()
            self._texts = None


def load_kb(root: Path) -> Any:
    """Load and check the KB; a KB with errors stops the build with every error listed."""
    from kb.load.check import check
    from kb.errors import KbError, errors_in
    from kb.load.loader import load

    try:
        kb, diags = load(root)
    except KbError as exc:
        details = "".join(f"\n  {d.format()}" for d in getattr(exc, "diagnostics", []))
        raise PluginError(f"kb: {exc}{details}") from exc
    problems = errors_in(sorted(set(diags + check(kb))))
    if problems:
        listed = "\n".join(f"  {d.format()}" for d in problems)
        raise PluginError(f"kb: {len(problems)} error(s) in the knowledge base at {root}:\n{listed}")
    return kb


def make_downloads(kb: Any, computed: Any, folder: Path) -> list[tuple[Any, Path]]:
    """(Download, file written in ``folder``) for the RDF files (Turtle, JSON-LD) and the GraphML graph.

    Each file is written as it is made, so no download is ever held in
    memory whole; MkDocs copies them into the site. JSON-LD is made from the
    Turtle file (the same triples in the same order, so the same bytes as
    from the KB: a test compares them with ``kb export``), which is a third
    quicker than making the triples from the KB again.
    """
    from kb.graph.network import build_graph, write_graphml
    from kb.site.pages import Download

    out = []
    try:
        from kb.rdf.export import iter_triples, read_turtle, serialize_to
    except ImportError:
        log.info("kb: kb.rdf.export is not available; no RDF downloads and no answers to saved questions")
    else:
        turtle, jsonld = folder / "kb.ttl", folder / "kb.jsonld"
        serialize_to(turtle, iter_triples(kb, computed), "ttl")
        serialize_to(jsonld, read_turtle(turtle), "jsonld")
        out += [(Download("downloads/kb.ttl", "ttl"), turtle), (Download("downloads/kb.jsonld", "jsonld"), jsonld)]
    with open(folder / "kb.graphml", "w", encoding="utf-8", newline="\n") as handle:
        write_graphml(build_graph(kb, computed), handle)
    out.append((Download("downloads/kb.graphml", "graphml"), folder / "kb.graphml"))
    return out


def questions_data(kb: Any, computed: Any, folder: Path, downloads: list[tuple[Any, Path]]) -> Path | None:
    """The Turtle file the saved questions are answered from: the download, else one written for them.

    None when kb.rdf.export is not available (the questions are then shown unanswered).
    """
    turtle = next((written for d, written in downloads if d.kind == "ttl"), None)
    if turtle is not None:
        return turtle
    try:
        from kb.rdf.export import iter_triples, serialize_to
    except ImportError:
        return None
    turtle = folder / "questions.ttl"
    serialize_to(turtle, iter_triples(kb, computed), "ttl")
    return turtle


def saved_queries(root: Path, turtle: Path | None) -> list[Any]:
    """The saved questions in queries/*.rq, each with its answer on the KB written in ``turtle``.

    Answers SELECT, ASK and CONSTRUCT questions. A question that fails to
    run is logged as a warning (``mkdocs build --strict`` then fails) and
    shown without an answer; with no ``turtle``, every question is shown
    unanswered.
    """
    from kb.site.pages import SavedQuery

    folder = root / QUERY_DIR
    files = sorted(folder.glob("*.rq")) if folder.is_dir() else []
    if not files:
        return []
    try:
        from kb.rdf.export import load_store_from
    except ImportError:
        turtle = None
    store = load_store_from(turtle) if turtle is not None else None
    out = []
    for path in files:
        text = path.read_text(encoding="utf-8")
        description = _leading_comment(text)
        if store is None:
            out.append(SavedQuery(path.stem, description, text, note="kb.rdf.export is not available"))
            continue
        try:
            columns, rows = answer_table(store, text)
        except Exception as exc:  # a saved question that fails is worth a warning
            log.warning("kb: saved question %s failed: %s", path.name, exc)
            out.append(SavedQuery(path.stem, description, text, note=f"the query failed ({exc})"))
            continue
        out.append(SavedQuery(path.stem, description, text, tuple(columns),
                              tuple(tuple(r) for r in rows[:MAX_ANSWER_ROWS])))
    return out


def git_history(root: Path, kb: Any) -> Any:
    """Commits per item and diffs between tagged milestones, when the KB is in a git repository."""
    try:
        from kb.history.git import git_history as read
    except ImportError:
        return None
    history = read(root, kb)
    if not history.available:
        log.info("kb: no git history on the site: %s", history.reason)
    return history


def answer_table(store: Any, text: str) -> tuple[list[str], list[list[str]]]:
    """A query's answer as (columns, rows of text): solutions, a yes/no, or triples."""
    from kb.rdf.export import run_query, solutions_table, term_text

    result = run_query(store, text)
    if hasattr(result, "variables"):
        return solutions_table(result)
    if hasattr(result, "__iter__"):
        rows = [[term_text(t.subject), term_text(t.predicate), term_text(t.object)] for t in result]
        return ["subject", "predicate", "object"], sorted(rows)
    return ["answer"], [["true" if bool(result) else "false"]]


def _leading_comment(text: str) -> str:
    lines = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped.startswith("#"):
            if stripped or lines:
                break
            continue
        lines.append(stripped.lstrip("#").strip())
    return "\n".join(lines).strip()


# --- kb's pages through Python-Markdown, quickly ----------------------------------------


class ItemPage(Page):
    """A generated page outside the navigation (an item's page), rendered by a shared converter.

    MkDocs makes a new Markdown converter for every page, with its own passes
    for relative links, anchors and the title: at 20,000 evidence pages the
    set-up alone costs about 40 seconds. kb's item pages need none of those
    passes (their links are already relative HTML, their title is in the
    front matter), so one converter, reset between pages, renders them all.
    """

    def __init__(self, file: File, config: MkDocsConfig, plugin: KbPlugin) -> None:
        super().__init__(None, file, config)
        self._plugin = plugin

    def render(self, config: MkDocsConfig, files: Files) -> None:
        from kb.engine.fasthtml import page_html

        # kb's own subset needs no parser, unless mkdocs.yml changes how headings get their ids
        fast = None if config.mdx_configs.get("toc") else page_html(self.markdown or "")
        if fast is not None:
            self.content, tokens = fast
        else:
            md = self._plugin.item_markdown(config)
            self.content = md.reset().convert(self.markdown or "")
            tokens = getattr(md, "toc_tokens", [])
        self.toc = get_toc(tokens)
        self.present_anchor_ids = set(_ID_ATTR.findall(self.content))


def _nav_paths(nav: Any) -> Iterator[str]:
    """Every page path named in MkDocs' nav setting (nested lists and dicts)."""
    if isinstance(nav, str):
        yield nav
    elif isinstance(nav, dict):
        for value in nav.values():
            yield from _nav_paths(value)
    elif isinstance(nav, list):
        for entry in nav:
            yield from _nav_paths(entry)


_ID_ATTR = re.compile(r'<[a-zA-Z][^>]*?\sid="([^"]+)"')
_BLOCK_START = re.compile(r"<([a-zA-Z][a-zA-Z0-9]*)[\s>/]")


class GeneratedHtml(Extension):
    """Hands the HTML blocks of kb's generated pages straight to the output.

    kb prints lists, tables and texts as HTML blocks, each ending at a blank
    line, with everything in them already escaped. Python-Markdown would
    parse each block with ``html.parser`` twice (its own raw-HTML pass and
    MkDocs' search for anchors) only to copy it out unchanged: most of a
    site build's time. This preprocessor puts those blocks in Markdown's own
    stash first, exactly where its raw-HTML pass would have put them, so
    the output is the same; headings, notices and diagrams are still
    Markdown. Active only while the plugin renders one of its own pages.
    """

    def __init__(self) -> None:
        super().__init__()
        self.active = False

    def extendMarkdown(self, md: Any) -> None:  # noqa: N802 (Python-Markdown's name)
        md.preprocessors.register(_StashBlocks(md, self), "kb_generated_html", 25)


class _StashBlocks(Preprocessor):
    def __init__(self, md: Any, ext: GeneratedHtml) -> None:
        super().__init__(md)
        self.ext = ext

    def run(self, lines: list[str]) -> list[str]:
        if not self.ext.active:
            return lines
        out: list[str] = []
        block: list[str] = []
        fence = False
        for line in lines:
            if block:
                if line.strip():
                    block.append(line)
                    continue
                out.append(self.md.htmlStash.store("\n".join(block) + "\n"))
                block = []
            elif not fence and (m := _BLOCK_START.match(line)) and self.md.is_block_level(m.group(1)) \
                    and (not out or not out[-1].strip()):
                block = [line]
                continue
            if line.startswith("```"):
                fence = not fence
            out.append(line)
        if block:
            out.append(self.md.htmlStash.store("\n".join(block) + "\n"))
        return out


#: What the search index skips on kb's pages: diagrams (their source is no text to
#: find), standing bars, language labels, and the tables listing other items (those
#: items have pages of their own). Evidence pages keep their table of links, with each
#: judgement's note.
_NOT_FOR_SEARCH = re.compile(
    r'<pre class="mermaid">.*?</pre>|<span class="kb-bar[^>]*>(?:<span[^>]*></span>)*</span>'
    r'|<div class="kb-lang">[^<]*</div>|<span class="kb-(?:lang|key)"[^>]*>[^<]*</span>', re.S)
_TABLE = re.compile(r"<table>.*?</table>", re.S)
_SUBHEADING = re.compile(r"<h([2-6])\b[^>]*>(.*?)</h\1>", re.S)
_ANY_TAG = re.compile(r"<[^>]*>")
#: Tags that only style or link text: the index needs their words, not the tags, and
#: the search plugin parses every tag it is given.
_INLINE_TAG = re.compile(r"</?(?:span|a|strong|em|div|br)\b[^>]*>")


def searchable(html: str, keep_tables: bool, one_entry: bool = False) -> str:
    """The part of a generated page the search index gets.

    With ``one_entry``, the page's subheadings become plain paragraphs, so the
    index has one entry for the whole page instead of one per section: for
    short pages (evidence items) a hit in a section is as well served by the
    page, and at 100,000 items that is 200,000 entries fewer for the search
    plugin to turn into JSON in one piece (about 180 MB less at that moment).
    """
    html = _NOT_FOR_SEARCH.sub("", html)
    html = _TABLE.sub(_table_words if keep_tables else "", html)
    if one_entry:
        html = _SUBHEADING.sub(r"<p>\2</p>", html)
    return _INLINE_TAG.sub("", html)


def _table_words(table: re.Match[str]) -> str:
    """A table as one paragraph of its words, cell by cell (the index keeps no table layout)."""
    return "<p>" + " ".join(_ANY_TAG.sub(" ", table.group(0)).split()) + "</p>"


# --- what the pages need from the config ----------------------------------------------


def _require_extensions(config: MkDocsConfig) -> None:
    """Tables, notices, collapsible blocks and Mermaid fences, unless already configured."""
    from pymdownx.superfences import fence_code_format

    names = config.markdown_extensions
    for name in ("tables", "admonition", "pymdownx.details"):
        if name not in names:
            names.append(name)
    if "pymdownx.superfences" not in names:
        names.append("pymdownx.superfences")
    fences = config.mdx_configs.setdefault("pymdownx.superfences", {}).setdefault("custom_fences", [])
    if not any(f.get("name") == "mermaid" for f in fences):
        fences.append({"name": "mermaid", "class": "mermaid", "format": fence_code_format})


def _theme_language(config: MkDocsConfig, language: str) -> str:
    """kb.yaml's site_language, if it is a language code the theme has words for (else English)."""
    if not re.fullmatch(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})?", language):
        raise PluginError(f"kb: site_language {language!r} in kb.yaml is not a language code such as 'en' or 'nb'")
    if config.theme.name == "material":
        try:
            config.theme.get_env().get_template(f"partials/languages/{language}.html")
        except Exception:
            log.warning("kb: the Material theme has no translation for site_language %r; using 'en'", language)
            return "en"
    return language


def _anchor_privacy_cache(config: MkDocsConfig, base: Path) -> None:
    """Read the privacy plugin's cache (where CI puts Mermaid) beside mkdocs.yml, wherever MkDocs runs."""
    for name, plugin in config.plugins.items():
        if name.endswith("privacy") and hasattr(plugin, "config"):
            cache = plugin.config.get("cache_dir")
            if cache and not os.path.isabs(cache):
                plugin.config["cache_dir"] = str(base / cache)
