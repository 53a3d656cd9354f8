"""kb's generated pages from Markdown to HTML without a Markdown parser, when they allow it.

Takes the Markdown of one page made by :mod:`kb.site`; gives the HTML and
the table of contents Python-Markdown would give (with the extensions the
site uses), or None when the page holds anything outside the small subset
kb writes, so that the caller renders it with Python-Markdown instead.

The subset: headings, Material notices (``!!! kind "title"`` and an indented
body), HTML blocks (diagrams among them), and paragraphs whose only Markdown is
``**strong**`` and ``*emphasis*`` around plain words (every text from YAML
is escaped by :mod:`kb.sitefmt` first). At 20,000 evidence pages this saves
a fifth of the site build; a test renders every page of several knowledge
bases both ways and requires the same HTML and the same table of contents.
"""

from __future__ import annotations

import html
import re
from typing import Any

from markdown.extensions.toc import nest_toc_tokens, slugify, strip_tags, unique
from markdown.util import BLOCK_LEVEL_ELEMENTS

_HEADING = re.compile(r"(#{1,6}) (.+)")
_NOTICE = re.compile(r'!!! ([a-z]+) "([^"]*)"')
_BLOCK_TAG = re.compile(r"<([a-zA-Z][a-zA-Z0-9]*)[\s>/]")
_TAG = re.compile(r"</?[a-zA-Z][^<>]*>")
#: Characters Python-Markdown changes anywhere (tabs, line ends, its own placeholders).
_RAW = re.compile(r"[\t\r\x00-\x03]")
#: Anything Markdown would act on in a paragraph's words, beyond ** and *.
_ACTIVE = re.compile(r"[`_\[\]\\!<>]|&(?!(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z][a-zA-Z0-9]*);)")
#: Line starts that Markdown reads as a list, quote, heading, rule or indented code.
_LINE_SYNTAX = re.compile(r"\s|[-+*](?:\s|$)|>|#|=+\s*$|-+\s*$|\d+[.)](?:\s|$)|(?:[*_-]\s*){3,}$")
_STRONG = re.compile(r"\*\*([^*\s][^*]*?)\*\*")
_EM = re.compile(r"\*([^*\s][^*]*?)\*")


def page_html(markdown: str) -> tuple[str, list[dict[str, Any]]] | None:
    """(HTML, nested table-of-contents tokens), or None if the page needs Python-Markdown."""
    if _RAW.search(markdown):
        return None
    parts: list[str] = []
    headings: list[dict[str, Any]] = []
    used: set[str] = set()
    counters: dict[str, int] = {}
    blocks = _blocks(markdown)
    i = 0
    while i < len(blocks):
        block = blocks[i]
        first = block[0]
        tag = _BLOCK_TAG.match(first)
        if tag and tag.group(1).lower() in BLOCK_LEVEL_ELEMENTS:
            parts.append("\n".join(block) + "\n")
        elif first.startswith("```"):
            return None
        elif first.startswith("#"):
            m = _HEADING.fullmatch(first)
            inner = _inline(m.group(2)) if m and len(block) == 1 else None
            if inner is None:
                return None
            level = len(m.group(1))
            name = strip_tags(inner)
            hid = unique(slugify(html.unescape(name), "-"), used, counters)
            headings.append({"level": level, "id": hid, "name": name, "html": inner, "data-toc-label": ""})
            parts.append(f'<h{level} id="{hid}">{inner}</h{level}>')
        elif first.startswith("!!!"):
            m = _NOTICE.fullmatch(first)
            if not m or len(block) != 1:
                return None
            body = []
            while i + 1 < len(blocks) and all(line.startswith("    ") for line in blocks[i + 1]):
                i += 1
                text = _inline("\n".join(line[4:] for line in blocks[i]))
                if text is None or _LINE_SYNTAX.match(blocks[i][0][4:]):
                    return None
                body.append(f"<p>{text}</p>")
            parts.append("\n".join([f'<div class="admonition {m.group(1)}">',
                                    f'<p class="admonition-title">{m.group(2)}</p>', *body, "</div>"]))
        else:
            if any(_LINE_SYNTAX.match(line) or line.endswith("  ") for line in block):
                return None
            text = _inline("\n".join(block))
            if text is None:
                return None
            parts.append(f"<p>{text}</p>")
        i += 1
    return "\n".join(parts).rstrip("\n"), nest_toc_tokens(headings)


def _blocks(markdown: str) -> list[list[str]]:
    """The page's blocks: runs of non-blank lines (a fence keeps its blank lines)."""
    blocks: list[list[str]] = []
    current: list[str] = []
    fenced = False
    for line in markdown.split("\n"):
        if line.startswith("```"):
            fenced = not fenced
        if line.strip() or fenced:
            current.append(line)
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


def _inline(text: str) -> str | None:
    """A paragraph's or heading's HTML: tags and entities as they are, ** and * turned into tags."""
    tags: list[str] = []

    def keep(m: re.Match[str]) -> str:
        tags.append(m.group(0))
        return f"\x00{len(tags) - 1}\x00"

    words = _TAG.sub(keep, text)
    if _ACTIVE.search(words):
        return None
    words = _EM.sub(r"<em>\1</em>", _STRONG.sub(r"<strong>\1</strong>", words))
    if "*" in words:
        return None
    return re.sub(r"\x00(\d+)\x00", lambda m: tags[int(m.group(1))], words)
