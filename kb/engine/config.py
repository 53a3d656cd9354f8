"""The ``mkdocs.yml`` of a folder of pages: what MkDocs, ProperDocs or Zensical need to build it without kb.

Takes the :class:`~kb.site.pages.SiteInfo` the pages stage returned; writes
a configuration that names everything the pages rely on (Material, search,
the stylesheet, the Markdown extensions for tables, notices and Mermaid
fences, the navigation of index pages), so the folder builds with no kb
plugin, and with no network: the pages carry the diagram library they
use, so no privacy plugin needs to fetch one. The same settings are what
:mod:`kb.engine.plugin` applies to a KB's own ``mkdocs.yml``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

#: Extensions the pages need, by name (superfences is configured for Mermaid below).
EXTENSIONS = ("tables", "admonition", "attr_list", "pymdownx.details")

_TEMPLATE = """\
# Made by kb from the knowledge base; builds with MkDocs + Material, ProperDocs or
# Zensical, with no kb plugin. Regenerate with `kb pages` rather than editing.
site_name: {title}
docs_dir: docs
site_dir: site
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

plugins:
  - search
{kb_plugin}
markdown_extensions:
{extensions}
  - pymdownx.superfences:
      custom_fences:
        - name: mermaid
          class: mermaid
          format: !!python/name:pymdownx.superfences.fence_code_format

nav:
{nav}

validation:
  nav:
    omitted_files: ignore   # item pages are reached from the index pages, not the nav
  links:
    anchors: warn
"""


def config_text(info: Any, with_kb_plugin: bool = False) -> str:
    """The ``mkdocs.yml`` for the pages described by ``info`` (JSON strings are YAML strings, so every value is quoted safely).

    ``with_kb_plugin``: for ``kb build``'s own engine, which the plugin only makes quicker.
    """
    return _TEMPLATE.format(
        kb_plugin="  - kb                      # the same pages, quicker\n" if with_kb_plugin else "",
        title=json.dumps(info.title, ensure_ascii=False),
        directory_urls="true" if info.directory_urls else "false",
        language=json.dumps(info.language),
        extensions="\n".join(f"  - {name}" for name in EXTENSIONS),
        nav="\n".join(f"  - {json.dumps(label, ensure_ascii=False)}: {json.dumps(path)}"
                      for entry in info.nav for label, path in entry.items()),
    )


def write_config(path: Path, info: Any, with_kb_plugin: bool = False) -> None:
    path.write_text(config_text(info, with_kb_plugin), encoding="utf-8", newline="\n")
