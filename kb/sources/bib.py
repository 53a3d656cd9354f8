"""Read a BibTeX file, as Zotero or Better BibTeX exports it, into sources.

Takes the bytes of a ``registry/*.bib`` file and its path; returns the
loader's :data:`~kb.load.loader.ParsedFully`: each entry as a
:class:`kb.model.Source` with the lines of its fields, the diagnostics, and
the keys of the entries that did not load.

bibtexparser v2 splits the file into entries and reports the ones it cannot
read with their start line; names are split into their parts before LaTeX
is decoded (decoding first would drop the braces that keep
``{Statistisk sentralbyr{\\aa}}`` one corporate name), then every value is
decoded by pylatexenc (``{\\o}``, ``\\"{o}``, ``\\&``, ``--``), so escaped and
UTF-8 Norwegian letters come out the same. The entry key is the source's id.

Mapping (docs/sources.md has the table): ``journal``/``journaltitle``,
``booktitle`` or ``series`` is the container; an article's ``number`` is its
issue, any other entry's its ``number``; ``institution``, ``school`` or
``organization`` is the publisher when there is none; ``address`` or
``location`` the place; ``type`` the genre; ``date`` gives the year when
``year`` is missing. A DOI written with https://doi.org/ or doi: in front
is taken without it. A URL that is only the DOI's address is dropped (the
DOI says it). Fields kb has no use for (abstract, keywords, file, ISSN...)
are ignored.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from typing import Any

from kb.errors import Diagnostic
from kb.model import Broken, Located
from kb.sources import clean_doi, dash_pages, entry_to_source, year_of

#: BibTeX entry types -> kb's source types; any other is 'other'
TYPES = {
    "article": "article", "book": "book", "mvbook": "book", "booklet": "book",
    "inbook": "chapter", "incollection": "chapter", "inproceedings": "chapter", "conference": "chapter",
    "bookinbook": "chapter", "techreport": "report", "report": "report",
    "phdthesis": "thesis", "mastersthesis": "thesis", "thesis": "thesis",
    "online": "web", "electronic": "web", "www": "web",
}

#: what a BibTeX file calls kb's fields, for messages
SHOWN = {"authors": "author", "editors": "editor", "year": "year", "container": "journal", "issue": "number",
         "number": "number", "place": "address", "genre": "type", "pages": "pages", "doi": "doi", "url": "url",
         "isbn": "isbn", "edition": "edition", "volume": "volume", "publisher": "publisher", "title": "title"}

#: the bib fields each kb field is taken from, first present wins
_FROM = {
    "title": ("title",),
    "container": ("journal", "journaltitle", "booktitle", "series"),
    "volume": ("volume",),
    "pages": ("pages",),
    "edition": ("edition",),
    "publisher": ("publisher", "institution", "school", "organization"),
    "place": ("address", "location"),
    "genre": ("type",),
    "isbn": ("isbn",),
}

_VERBATIM = frozenset({"doi", "url"})  # addresses: LaTeX decoding would eat their % and ~


def parse(rel: str, raw: bytes) -> tuple[list[tuple[str, Any, Located, dict]], list[Diagnostic], list[tuple[str, Broken]]]:
    """Every entry of one .bib file as ('sources', Source, place, fields); diagnostics; keys that did not load."""
    text, problem = _text(rel, raw)
    if problem is not None:
        return [], [problem], []
    try:
        return _parse(rel, text)
    except RecursionError:
        # braces nested thousands deep: bibtexparser and pylatexenc recurse on them
        return [], [Diagnostic(rel, 1, 1, "KB111", "braces are nested too deep to read",
                               hint="no export nests braces like this; export the library again")], []


def _parse(rel: str, text: str):
    import bibtexparser
    from bibtexparser import middlewares as mw
    from bibtexparser import model as bm

    _quiet()
    library = bibtexparser.parse_string(text, append_middleware=[mw.SeparateCoAuthors(), mw.SplitNameParts()])
    lines = text.splitlines()
    items: list[tuple[str, Any, Located, dict]] = []
    diags: list[Diagnostic] = []
    broken: list[tuple[str, Broken]] = []
    for block in library.blocks:
        if isinstance(block, bm.DuplicateBlockKeyBlock):
            diags.append(_twice(rel, block, lines))
            continue
        if isinstance(block, bm.ParsingFailedBlock):
            diag, key = _failed(rel, block, text)
            diags.append(diag)
            if key:
                broken.append((key, Broken("sources", Located(rel, diag.line, 1), True)))
            continue
        if not isinstance(block, bm.Entry):
            continue
        made, found, lost = _entry(rel, block, lines)
        diags += found
        broken += lost
        if made is not None:
            source, at, fields = made
            items.append(("sources", source, at, fields))
    return items, diags, broken


def _quiet() -> None:
    """bibtexparser logs each block it cannot read; kb says it once, as a diagnostic, so its log goes nowhere."""
    log = logging.getLogger("bibtexparser")
    if not log.handlers:
        log.addHandler(logging.NullHandler())
        log.propagate = False


def _text(rel: str, raw: bytes) -> tuple[str, Diagnostic | None]:
    if b"\x00" in raw[:8192]:
        return "", Diagnostic(rel, 1, 1, "KB102", "this is a binary file, not BibTeX text")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return "", Diagnostic(rel, line, 1, "KB101", "the file is not UTF-8 text",
                              hint="export it from the reference manager as UTF-8 (Better BibTeX does by default)")
    return text, None


def _twice(rel: str, block: Any, lines: list[str]) -> Diagnostic:
    """A key used by an earlier entry of the file: KB301 at the second, naming the first, as for any id."""
    line = (block.start_line or 0) + 1
    text = lines[line - 1] if line <= len(lines) else ""
    column = text.find(block.key) + 1 if block.key in text else 1
    first = (block.previous_block.start_line or 0) + 1
    return Diagnostic(rel, line, column, "KB301", f"duplicate id {block.key!r}, already used in {rel}:{first}", "id",
                      hint="ids must be unique across the whole knowledge base")


_KEY = re.compile(r"@\s*\w+\s*[{(]\s*([^,\s{}()]+)\s*,")


def _failed(rel: str, block: Any, text: str) -> tuple[Diagnostic, str]:
    """A block bibtexparser could not read: KB112 at its first line, and its key if one can be seen."""
    from bibtexparser import model as bm

    line = (block.start_line or 0) + 1
    raw = block.raw or ""
    m = _KEY.match(raw.lstrip())
    key = m.group(1) if m else ""
    name = f" {key!r}" if key else ""
    if isinstance(block, bm.DuplicateFieldKeyBlock):
        fields = ", ".join(sorted(block.duplicate_keys))
        return Diagnostic(rel, line, 1, "KB106", f"entry{name} has the field {fields} more than once", fields,
                          hint="keep one of them"), key
    error = block.error
    detail = " ".join(str(getattr(error, "abort_reason", "") or error or type(error).__name__).replace("`", "'").split())
    detail = detail[:1].lower() + detail[1:].rstrip(". ")
    stop = getattr(error, "end_index", None)
    if isinstance(stop, int) and text:
        detail += f" (reading stopped at line {text.count(chr(10), 0, stop) + 1})"
    return Diagnostic(rel, line, 1, "KB112", f"the entry{name} cannot be read: {detail}",
                      hint="a brace or quote is probably not closed; fix the entry, or export the library again"), key


def _entry(rel: str, entry: Any, lines: list[str]):
    line = entry.start_line + 1
    got = {f.key.lower(): f for f in entry.fields}
    places = {}

    def place(field: Any) -> tuple[int, int]:
        at = field.start_line
        text = lines[at] if 0 <= at < len(lines) else ""
        found = re.search(rf"\b{re.escape(field.key)}\s*=", text, re.I)
        return at + 1, (found.start() + 1) if found else 1

    data: dict[str, Any] = {"id": entry.key}
    places["id"] = (line, 1 + max(0, (lines[line - 1] if line <= len(lines) else "").find(entry.key)))
    data["type"] = TYPES.get(entry.entry_type.lower(), "other")
    for name, keys in _FROM.items():
        field = next((got[k] for k in keys if k in got and _plain(got[k].value)), None)
        if field is not None:
            data[name] = _plain(field.value)
            places[name] = place(field)
    for name, key in (("authors", "author"), ("editors", "editor")):
        value = got[key].value if key in got else None
        if value:
            data[name] = [_name(n) for n in value] if isinstance(value, list) else [_plain(value)]
            places[name] = place(got[key])
    if "number" in got and _plain(got["number"].value):
        kind = "issue" if data["type"] == "article" else "number"
        data[kind] = _plain(got["number"].value)
        places[kind] = place(got["number"])
    if "issue" in got and _plain(got["issue"].value):
        data["issue"], places["issue"] = _plain(got["issue"].value), place(got["issue"])
    year = got.get("year") or got.get("date")
    if year is not None and _plain(year.value):
        data["year"], places["year"] = year_of(_plain(year.value)), place(year)
    if "pages" in data:
        data["pages"] = dash_pages(data["pages"])
    if "doi" in got and _verbatim(got["doi"].value):
        data["doi"], places["doi"] = clean_doi(_verbatim(got["doi"].value)), place(got["doi"])
    if "url" in got and _verbatim(got["url"].value):
        url = _verbatim(got["url"].value)
        if not (data.get("doi") and clean_doi(url) == data["doi"]):
            data["url"], places["url"] = url, place(got["url"])
    shown = {**SHOWN, "year": "date" if "date" in got and "year" not in got else "year"}
    if data["type"] != "article":
        shown["container"] = next((k for k in _FROM["container"] if k in got), "booktitle")
    return entry_to_source(data, places, rel, line, 1, shown)


#: what pylatexenc would change; most values (a Better BibTeX export in UTF-8) have none of it
_LATEX = re.compile(r"[\\{}~$%`]|--|''")


def _plain(value: Any) -> str:
    """A field's text with LaTeX decoded and white space made single."""
    if not isinstance(value, str):
        value = str(value)
    if _LATEX.search(value):
        value = _decoder().latex_to_text(value)
    return " ".join(value.split())


def _verbatim(value: Any) -> str:
    """An address as written, less the backslashes exporters put before _ % & # and the braces around it."""
    text = re.sub(r"\\([_%&#$~])", r"\1", str(value)).replace("{", "").replace("}", "")
    return "".join(text.split())


def _name(parts: Any) -> str:
    """One name as kb writes it, 'Family, Given' ('von Family, Jr, Given'); a corporate name alone."""
    if not hasattr(parts, "last"):
        return _plain(parts)
    family = " ".join(_plain(p) for p in [*parts.von, *parts.last])
    given = " ".join(_plain(p) for p in parts.first)
    jr = " ".join(_plain(p) for p in parts.jr)
    return ", ".join(p for p in (family, jr, given) if p)


@lru_cache(maxsize=1)
def _decoder():
    from pylatexenc.latex2text import LatexNodes2Text

    # math as written: a title's $p$-value is not a formula to render
    return LatexNodes2Text(math_mode="verbatim", strict_latex_spaces=True)
