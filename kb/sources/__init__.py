"""Sources as a reference manager keeps them, and citations formatted from them.

- :mod:`kb.sources.bib` reads a ``.bib`` file exactly as Zotero or Better
  BibTeX exports it (bibtexparser v2);
- :mod:`kb.sources.csljson` reads a CSL-JSON file (Zotero's "CSL JSON",
  Better BibTeX's "Better CSL JSON");
- :mod:`kb.sources.cite` formats :class:`kb.model.Source` objects in a CSL
  style (citeproc-py), as plain text and as HTML.

Both readers take a file's bytes and its path and return what the loader
returns for a YAML registry file (:data:`kb.load.loader.ParsedFully`): each
source with its place and the places of its fields, the diagnostics (file,
line, field), and the keys of entries that did not load, so that references
to them are follow-ons rather than new mistakes. Both go through
:func:`entry_to_source`, so the rules for what a source must have live here
once.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from kb.errors import Diagnostic
from kb.model import ID_RE, Broken, Located, Source

#: (the source, where its entry starts, {field: (line, column)})
SourceAt = tuple[Source, Located, dict[str, tuple[int, int]]]

#: A DOI as people paste it: the resolver's address or a 'doi:' label in front.
_DOI_PREFIX = re.compile(r"^\s*(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.I)
_YEAR = re.compile(r"^\s*(\d{4})(?:\b|[-/])")


def clean_doi(value: str) -> str:
    """The DOI without a resolver prefix: Zotero users paste https://doi.org/... as often as the DOI."""
    return _DOI_PREFIX.sub("", value).strip()


def year_of(value: str) -> int | str:
    """The year a date field starts with ('2019', '2019-05-01'); the text itself when it has none."""
    m = _YEAR.match(value)
    return int(m.group(1)) if m else value


def dash_pages(value: str) -> str:
    """Page ranges with a plain hyphen, as kb's YAML writes them (styles put the en dash back)."""
    return re.sub(r"\s*(?:--|[–—])\s*", "-", value)


#: kb's required fields of a source
REQUIRED = ("title", "authors", "year")


def entry_to_source(data: dict[str, Any], places: dict[str, tuple[int, int]], rel: str, line: int, column: int,
                    shown: dict[str, str]) -> tuple[SourceAt | None, list[Diagnostic], list[tuple[str, Broken]]]:
    """One entry's kb fields (``data``) as a Source, or the diagnostics that say why not.

    ``line`` and ``column`` are where the entry starts; ``places`` gives each kb field's (line, column); ``shown``
    says what the file calls a kb field (BibTeX's ``author`` for
    ``authors``), so that each message names the field the user sees. A
    missing field is reported at the entry's line, every one of them.
    """
    from kb.load.loader import validate

    at = Located(rel, line, column)
    diags: list[Diagnostic] = []
    for name in REQUIRED:
        empty = not (data.get("authors") or data.get("editors")) if name == "authors" else data.get(name) in (None, "")
        if empty:
            also = f" (or {shown.get('editors', 'editor')!r})" if name == "authors" else ""
            diags.append(Diagnostic(rel, line, column, "KB202", f"missing required field {shown.get(name, name)!r}{also}",
                                    shown.get(name, name),
                                    hint="add it in the reference manager and export the library again"))
    if not diags:
        marks = {(): (line, column), **{(name,): place for name, place in places.items()}}
        source, found = validate(Source, {"authors": [], **data}, marks, rel)
        for d in found:
            head = re.split(r"[.\[]", d.field, maxsplit=1)[0]
            diags.append(dataclasses.replace(d, field=shown.get(head, head) + d.field[len(head):]))
        if source is not None:
            fields = {"id": (line, column), **places}
            return (source, at, fields), [], []  # type: ignore[return-value]
    item_id = data.get("id")
    certain = isinstance(item_id, str) and ID_RE.fullmatch(item_id)
    return None, diags, [(item_id, Broken("sources", at, True))] if certain else []
