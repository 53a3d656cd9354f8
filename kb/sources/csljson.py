"""Read a CSL-JSON file, as Zotero or Better BibTeX exports it, into sources.

Takes the bytes of a ``registry/*.json`` file and its path; returns the
loader's :data:`~kb.load.loader.ParsedFully`, as :mod:`kb.sources.bib` does.

The file is a JSON list of items. An item's id is its ``citation-key``
(Zotero 7 and Better CSL JSON write one) or else its ``id``, so the same
library exported as .bib and as CSL-JSON gives the same ids. ``json`` keeps
no positions, so each item is read on its own from where it starts
(``raw_decode``), which gives its line; a field's line is where its name is
first written inside the item. A key written twice in one object is an
error (KB106), as in YAML, rather than the last one silently winning.
"""

from __future__ import annotations

import json
import re
from typing import Any

from kb.errors import Diagnostic
from kb.model import ID_RE, Broken, Located
from kb.sources import clean_doi, dash_pages, entry_to_source, year_of

#: CSL types -> kb's source types; any other is 'other'
TYPES = {
    "article-journal": "article", "article": "article", "article-magazine": "article",
    "article-newspaper": "article", "review": "article", "book": "book", "chapter": "chapter",
    "paper-conference": "chapter", "entry-encyclopedia": "chapter", "entry-dictionary": "chapter",
    "report": "report", "thesis": "thesis", "webpage": "web", "post-weblog": "web", "post": "web",
}

#: kb field -> CSL variable
_FROM = {
    "title": "title", "container": "container-title", "volume": "volume", "issue": "issue", "pages": "page",
    "edition": "edition", "number": "number", "genre": "genre", "publisher": "publisher",
    "place": "publisher-place", "doi": "DOI", "url": "URL", "isbn": "ISBN",
}
SHOWN = {**_FROM, "authors": "author", "editors": "editor", "year": "issued", "id": "id"}


_TWICE = object()  # an item already reported for a key written twice


class _Twice(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise _Twice(key)
        seen[key] = value
    return seen


def parse(rel: str, raw: bytes) -> tuple[list[tuple[str, Any, Located, dict]], list[Diagnostic], list[tuple[str, Broken]]]:
    """Every item of one CSL-JSON file as ('sources', Source, place, fields); diagnostics; ids that did not load."""
    if b"\x00" in raw[:8192]:
        return [], [Diagnostic(rel, 1, 1, "KB102", "this is a binary file, not CSL-JSON text")], []
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return [], [Diagnostic(rel, raw[: exc.start].count(b"\n") + 1, 1, "KB101", "the file is not UTF-8 text")], []
    decoder = json.JSONDecoder(object_pairs_hook=_pairs)
    start = _skip(text, 0)
    if start == len(text):
        return [], [], []
    if text[start] != "[":
        return [], [Diagnostic(rel, *_pos(text, start), "KB109",
                               "expected a CSL-JSON list of items ([{...}, ...]) at the top",
                               hint="export the library as CSL JSON from Zotero or Better BibTeX")], []
    items, diags, broken = [], [], []
    at = _skip(text, start + 1)
    while at < len(text) and text[at] != "]":
        line, col = _pos(text, at)
        try:
            value, end = decoder.raw_decode(text, at)
        except _Twice as twice:
            try:
                end = _end_of(text, at)
            except json.JSONDecodeError as exc:  # the key was written twice inside a value that is broken later
                return items, diags + [_syntax(rel, exc)], broken + _ids_after(rel, text, at)
            diags.append(Diagnostic(rel, line, col, "KB106", f"the key {twice.key!r} is written twice in this item",
                                    twice.key, hint="keep one of them"))
            key = _id_near(text[at:end])
            if key:
                broken.append((key, Broken("sources", Located(rel, line, col), True)))
            value = _TWICE
        except json.JSONDecodeError as exc:
            return items, diags + [_syntax(rel, exc)], broken + _ids_after(rel, text, at)
        except RecursionError:
            return items, diags + [Diagnostic(rel, line, col, "KB111", "values are nested too deep to read",
                                              hint="no export nests lists like this; export the library again")], broken
        if value is not _TWICE:
            made, found, lost = _item(rel, value, text[at:end], line, col)
            diags += found
            broken += lost
            if made is not None:
                items.append(("sources", *made))
        at = _skip(text, end)
        if at < len(text) and text[at] == ",":
            at = _skip(text, at + 1)
        elif at < len(text) and text[at] != "]":
            exc = json.JSONDecodeError("Expecting ',' delimiter", text, at)
            return items, diags + [_syntax(rel, exc)], broken
    if at >= len(text):
        diags.append(_syntax(rel, json.JSONDecodeError("Expecting ']' to close the list", text, len(text))))
    elif _skip(text, at + 1) != len(text):
        diags.append(_syntax(rel, json.JSONDecodeError("Extra data after the list", text, _skip(text, at + 1))))
    return items, diags, broken


def _skip(text: str, at: int) -> int:
    while at < len(text) and text[at] in " \t\r\n":
        at += 1
    return at


def _pos(text: str, at: int) -> tuple[int, int]:
    return text.count("\n", 0, at) + 1, at - (text.rfind("\n", 0, at) + 1) + 1


def _syntax(rel: str, exc: json.JSONDecodeError) -> Diagnostic:
    return Diagnostic(rel, exc.lineno, exc.colno, "KB112", f"the file is not valid JSON: {exc.msg[:1].lower()}{exc.msg[1:]}",
                      hint="export the library again, or fix the JSON at this place")


def _end_of(text: str, at: int) -> int:
    """Where the JSON value starting at ``at`` ends, read without the duplicate-key check."""
    return json.JSONDecoder().raw_decode(text, at)[1]


_ID_TEXT = re.compile(r'"(?:citation-key|id)"\s*:\s*"([^"\\]+)"')


def _id_near(text: str) -> str:
    keys = [m.group(1) for m in _ID_TEXT.finditer(text) if ID_RE.fullmatch(m.group(1))]
    return keys[0] if keys else ""


def _ids_after(rel: str, text: str, at: int) -> list[tuple[str, Broken]]:
    """The ids written after the point where JSON stopped making sense, so citing them is a follow-on."""
    out = []
    for m in _ID_TEXT.finditer(text, at):
        if ID_RE.fullmatch(m.group(1)):
            out.append((m.group(1), Broken("sources", Located(rel, *_pos(text, m.start(1))), True)))
    return out


def _item(rel: str, item: Any, span: str, line: int, col: int):
    if not isinstance(item, dict):
        return None, [Diagnostic(rel, line, col, "KB109", "expected a CSL-JSON item ({...}) in the list",
                                 hint="export the library as CSL JSON")], []

    def place(variable: str) -> tuple[int, int]:
        found = span.find(f'"{variable}"')
        if found < 0:
            return line, col
        lead = span[:found]
        down = lead.count("\n")
        return line + down, (found - lead.rfind("\n")) if down else col + found

    key = item.get("citation-key")
    ident = key if isinstance(key, str) and key else item.get("id")
    data: dict[str, Any] = {"id": str(ident) if isinstance(ident, (int, float)) else ident,
                            "type": TYPES.get(str(item.get("type", "")), "other")}
    places = {"id": place("citation-key" if ident is key else "id")}
    for name, variable in _FROM.items():
        value = item.get(variable)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if value not in (None, ""):
            data[name] = " ".join(value.split()) if isinstance(value, str) else value
            places[name] = place(variable)
    for name, variable in (("authors", "author"), ("editors", "editor")):
        if item.get(variable):
            data[name] = [_name(n) for n in item[variable]] if isinstance(item[variable], list) else item[variable]
            places[name] = place(variable)
    year = _year(item.get("issued"))
    if year is not None:
        data["year"], places["year"] = year, place("issued")
    if isinstance(data.get("pages"), str):
        data["pages"] = dash_pages(data["pages"])
    if isinstance(data.get("doi"), str):
        data["doi"] = clean_doi(data["doi"])
        if isinstance(data.get("url"), str) and clean_doi(data["url"]) == data["doi"]:
            del data["url"], places["url"]
    return entry_to_source(data, places, rel, line, col, SHOWN)


def _name(name: Any) -> Any:
    """A CSL name as kb writes it, 'Family, Given'; a literal (corporate) name alone."""
    if not isinstance(name, dict):
        return name
    if name.get("literal"):
        return name["literal"]
    family = " ".join(str(name[k]) for k in ("dropping-particle", "non-dropping-particle", "family") if name.get(k))
    parts = [family, str(name.get("suffix") or ""), str(name.get("given") or "")]
    return ", ".join(p for p in parts if p)


def _year(issued: Any) -> int | str | None:
    """The year of a CSL date: its first date-part, else what its 'raw' or 'literal' text starts with."""
    if not isinstance(issued, dict):
        return None if issued in (None, "") else year_of(str(issued))
    parts = issued.get("date-parts")
    if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
        first = parts[0][0]
        return year_of(str(first)) if first not in (None, "") else None
    text = issued.get("raw") or issued.get("literal")
    return year_of(str(text)) if text else None
