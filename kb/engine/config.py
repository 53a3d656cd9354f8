"""The ``mkdocs.yml`` of a folder of pages: what MkDocs, ProperDocs or Zensical need to build it without kb.

Takes the :class:`~kb.site.pages.SiteInfo` the pages stage returned; writes
a configuration that names everything the pages rely on (Material, search,
the stylesheet, the Markdown extensions for tables, notices and code
fences, the navigation of index pages), so the folder builds with no kb
plugin, and with no network: the pages' diagrams are inline SVG drawn by
kb, so there is no diagram library for a privacy plugin to fetch. The same settings are what
:mod:`kb.engine.plugin` applies to a KB's own ``mkdocs.yml``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

#: Extensions the pages need, by name (superfences, for code blocks, follows below).
EXTENSIONS = ("tables", "admonition", "attr_list", "pymdownx.details")

_TEMPLATE = """\
# Made by kb from the knowledge base; builds with MkDocs + Material, ProperDocs or
# Zensical, with no kb plugin. Regenerate with `kb pages` rather than editing.
site_name: {title}
docs_dir: {docs_dir}
site_dir: {site_dir}
use_directory_urls: {directory_urls}

theme:
  name: material
  font: false               # system fonts: the site needs no network
  language: {language}
  features:
    - search.highlight
    - navigation.top
  palette:
    primary: teal

extra_css:
  - assets/kb.css
extra_javascript:
  - assets/kb-a11y.js       # names Material's search dialog; lets the keyboard reach scrolling boxes
{switch}
plugins:
  - search
{kb_plugin}
markdown_extensions:
{extensions}
  - pymdownx.superfences

nav:
{nav}

validation:
  nav:
    omitted_files: ignore   # item pages are reached from the index pages, not the nav
  links:
    anchors: warn
"""


def config_text(info: Any, with_kb_plugin: bool = False, language: str | None = None) -> str:
    """The ``mkdocs.yml`` for the pages described by ``info`` (JSON strings are YAML strings, so every value is quoted safely).

    ``with_kb_plugin``: for ``kb build``'s own engine, which the plugin only makes quicker.
    ``language``: for the site in another language than the first, which
    reads ``<language>/docs`` and goes into the first one's site, at
    ``site/<language>/`` (inside the folder, as Zensical requires).
    """
    return _TEMPLATE.format(
        docs_dir=f"{language}/docs" if language else "docs",  # a language tag needs no quoting
        site_dir=f"site/{language}" if language else "site",
        switch=switch_text(info.alternate),
        kb_plugin="  - kb                      # the same pages, quicker\n" if with_kb_plugin else "",
        title=json.dumps(info.title, ensure_ascii=False),
        directory_urls="true" if info.directory_urls else "false",
        language=json.dumps(info.language),
        extensions="\n".join(f"  - {name}" for name in EXTENSIONS),
        nav="\n".join(f"  - {json.dumps(label, ensure_ascii=False)}: {json.dumps(path)}"
                      for entry in info.nav for label, path in entry.items()),
    )


def switch_text(alternate: Any) -> str:
    """Material's language switch (``extra.alternate``); '' for one language.

    Its links go to each language's home page; on kb's own pages a script
    (kb/site/assets/languages.js) makes them go to the same page instead.
    """
    if not alternate:
        return ""
    entries = "".join(f"    - name: {json.dumps(a['name'], ensure_ascii=False)}\n      link: {json.dumps(a['link'])}\n"
                      f"      lang: {json.dumps(a['lang'])}\n" for a in alternate)
    return f"\nextra:\n  alternate:\n{entries}"


def config_file(language: str | None = None) -> str:
    """The name of the ``mkdocs.yml`` of a folder of pages, ``mkdocs.<language>.yml`` for a site in another language."""
    return f"mkdocs.{language}.yml" if language else "mkdocs.yml"


def docs_folder(project: Path, language: str | None = None) -> Path:
    """The pages of the root site in ``project`` (``docs/``), or of the one in ``language`` (``<language>/docs/``)."""
    return project / language / "docs" if language else project / "docs"


def write_config(project: Path, info: Any, with_kb_plugin: bool = False, language: str | None = None) -> None:
    """Write the configuration of the site in ``info`` into the folder ``project`` (see :func:`config_text`)."""
    (project / config_file(language)).write_text(config_text(info, with_kb_plugin, language), encoding="utf-8",
                                                 newline="\n")
