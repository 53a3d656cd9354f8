"""The MkDocs plugin: an adapter that hands kb's pages to MkDocs and renders them quickly.

Takes a folder of pages that the pipeline's pages stage wrote
(:func:`kb.build.pages`): ``kb build`` points the plugin at it
(``pages_folder``); ``mkdocs build`` and ``mkdocs serve`` run in a KB make it
first, in a temporary folder, from the KB next to ``mkdocs.yml`` (or
``root:``). The plugin adds those pages to the build's files (a page written
by hand in ``docs/`` wins), applies the settings the pages rely on unless
``mkdocs.yml`` says otherwise (the site's name and language, the
stylesheet, the Markdown extensions, a navigation of index pages), and makes
``mkdocs serve`` rebuild when a YAML file or saved question changes.

Everything else is speed, and changes no page: kb's item pages are rendered
by one shared converter, or without a parser where they stay in kb's
Markdown subset (:mod:`kb.engine.fasthtml`, tested against Python-Markdown);
kb's HTML blocks skip Python-Markdown's raw-HTML parsing
(:class:`GeneratedHtml`); each page's HTML waits compressed in a temporary
file until it is written (:class:`StoredHtml`); and the search index gets
each page's words without diagrams, inline tags and the tables that list
other items. Only public MkDocs events and page attributes are used.

In ``mkdocs.yml``::

    plugins:
      - search
      - kb           # option: root (default: the folder of mkdocs.yml)
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
import zlib
from pathlib import Path
from typing import Any, Iterator

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

log = logging.getLogger("mkdocs.plugins.kb")

_WATCHED = ("kb.yaml", "hypotheses", "evidence", "registry", "queries")


class KbPluginConfig(Config):
    root = c.Optional(c.Type(str))


class KbPlugin(BasePlugin[KbPluginConfig]):
    """Adds kb's pages to the MkDocs build."""

    #: A folder of pages made by :func:`kb.build.pages` (its ``docs/``); made from ``root`` when None.
    pages_folder: Path | None = None

    @event_priority(100)  # before search reads the language
    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        from kb.site.pages import SiteInfo

        base = Path(config.config_file_path or ".").resolve().parent
        self.root = (base / self.config.root).resolve() if self.config.root else base
        self._made_here = None
        folder = self.pages_folder
        if folder is None:  # mkdocs build / serve in the KB: run the pipeline up to its pages
            folder = self._make_pages()
        self.folder = Path(folder).resolve()
        self.info = SiteInfo.read(self.folder.parent)
        config.site_name = self.info.title
        config.theme["language"] = _theme_language(config, self.info.language)
        if "assets/kb.css" not in config.extra_css:
            config.extra_css.append("assets/kb.css")
        if "assets/kb-a11y.js" not in [str(js) for js in config.extra_javascript]:
            config.extra_javascript.append("assets/kb-a11y.js")  # on every page, the KB's own pages too
        _language_switch(config, self.info.alternate)
        _require_extensions(config)
        self.generated_html = GeneratedHtml()
        config.markdown_extensions.append(self.generated_html)
        if not config.nav:
            config.nav = self.info.nav
        return config

    def _make_pages(self) -> Path:
        from kb.build import pages
        from kb.errors import KbError

        project = Path(tempfile.mkdtemp(prefix="kb-pages-"))
        self._made_here = project
        try:
            pages(self.root, project, every_language=False)  # MkDocs builds one site: the first language's
        except KbError as exc:
            shutil.rmtree(project, ignore_errors=True)
            details = "".join(f"\n  {d.format()}" for d in getattr(exc, "diagnostics", []))
            raise PluginError(f"kb: {exc}{details}") from exc
        return project / "docs"

    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files:
        self.own_paths: set[str] = set()
        self.evidence_pages = set(self.info.evidence_pages)
        self._markdown = None
        self._full_content = None
        self._stored_html = StoredHtml()
        in_nav = set(_nav_paths(config.nav))
        ours = os.path.join(str(self.folder), "")  # a prefix: no path resolved per file
        for path in self.info.pages:
            present = files.get_file_from_path(path)
            if present is not None and not os.path.abspath(present.abs_src_path or "").startswith(ours):
                log.info("kb: docs/%s is written by hand; the generated page is not used", path)
                continue
            if present is None:
                present = File(path, str(self.folder), config.site_dir, config.use_directory_urls)
                files.append(present)
            if path.endswith(".md"):
                self.own_paths.add(path)
                if path not in in_nav:
                    ItemPage(present, config, self)
        return files

    def on_page_markdown(self, markdown: str, *, page: Any, config: MkDocsConfig, files: Files) -> str:
        # only kb's own pages: hand-written ones may rely on Markdown inside their HTML
        self.generated_html.active = page.file.src_uri in self.own_paths
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
        if page.file.src_uri not in self.own_paths:
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
        return context

    on_page_context = CombinedEvent(_search_sees_text, _reader_sees_all)

    def on_post_page(self, output: str, *, page: Any, config: MkDocsConfig) -> str:
        if page.file.src_uri in self.own_paths:
            page.content = ""  # written: its HTML need not stay in memory
        return output

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        if self.info.alternate and self.info.alternate[0]["lang"] != self.info.language:
            # a site under <lang>/ of the first one: a server answers a missing page with the first
            # site's 404 page; this one's would link from the server's root, as if it were there
            Path(config.site_dir, "404.html").unlink(missing_ok=True)
        self._done()

    def on_build_error(self, *, error: Exception) -> None:
        self._done()

    def _done(self) -> None:
        if getattr(self, "_stored_html", None) is not None:
            self._stored_html.close()
            self._stored_html = None
        if self._made_here is not None:
            shutil.rmtree(self._made_here, ignore_errors=True)
            self._made_here = None

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


#: What the search index skips on kb's pages: diagrams (tick labels and node names
#: are no text to find), standing bars, language labels, and the tables listing other items (those
#: items have pages of their own). Evidence pages keep their table of links, with each
#: judgement's note.
_NOT_FOR_SEARCH = re.compile(
    r'<figure class="kb-diagram.*?</figure>|<span class="kb-bar[^>]*>(?:<span[^>]*></span>)*</span>'
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
    html = _NOT_FOR_SEARCH.sub("", _without_excluded(html))
    html = _TABLE.sub(_table_words if keep_tables else "", html)
    if one_entry:
        html = _SUBHEADING.sub(r"<p>\2</p>", html)
    return _INLINE_TAG.sub("", html)


#: Material's own mark for "not in the search index" (kb's pages put it on the illustrative-data
#: notice and the arithmetic under a standing); the tags it is on, opened and closed.
_EXCLUDED = re.compile(r"<([a-z]+)\b[^>]*\sdata-search-exclude\b[^>]*>")


def _without_excluded(html: str) -> str:
    """``html`` without the elements Material's search would skip: this plugin strips the tags that carry
    the mark before the search plugin reads the page, so it honours the mark itself, by the same rule."""
    while (m := _EXCLUDED.search(html)) is not None:
        tag = m.group(1)
        nested = re.compile(rf"<(/?){tag}\b[^>]*>")
        depth, end = 0, len(html)
        for t in nested.finditer(html, m.start()):
            depth += -1 if t.group(1) else 1
            if depth == 0:
                end = t.end()
                break
        html = html[:m.start()] + html[end:]
    return html


def _table_words(table: re.Match[str]) -> str:
    """A table as one paragraph of its words, cell by cell (the index keeps no table layout)."""
    return "<p>" + " ".join(_ANY_TAG.sub(" ", table.group(0)).split()) + "</p>"


# --- what the pages need from the config ----------------------------------------------


def _require_extensions(config: MkDocsConfig) -> None:
    """Tables, notices, collapsible blocks and code fences, unless already configured."""
    names = config.markdown_extensions
    for name in ("tables", "admonition", "pymdownx.details"):
        if name not in names:
            names.append(name)
    if "pymdownx.superfences" not in names:
        names.append("pymdownx.superfences")


def _language_switch(config: MkDocsConfig, alternate: Any) -> None:
    """The switch between the sites in each language (Material's ``extra.alternate``), unless mkdocs.yml has one."""
    if alternate and not config.extra.get("alternate"):
        config.extra["alternate"] = [dict(a) for a in alternate]


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
