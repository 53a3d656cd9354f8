"""Find a knowledge base on disk and load every file into the model.

Takes a directory; returns a :class:`~kb.model.KnowledgeBase` and the
diagnostics found while reading and validating each file. Nothing is written.

Layout of a knowledge base::

    kb.yaml            settings (title, base IRI, languages, phases, milestones)
    hypotheses/*.yaml  one hypothesis per file
    evidence/*.yaml    one evidence item per file (sub-folders allowed)
    registry/*.yaml    lists of constructs, contexts and sources
    registry/*.bib     sources as Zotero or Better BibTeX exports them (kb.sources)
    registry/*.json    the same as CSL-JSON
"""

from __future__ import annotations

import os
import re
import types
import typing
from collections.abc import Sized
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from pydantic import BaseModel, ValidationError

from kb.errors import ConfigError, Diagnostic, did_you_mean
from kb.load.files import CONFIG_FILE, SOURCE_SUFFIXES, YAML_SUFFIXES, FileBytes, find_root, iter_files, kb_files, read_config  # noqa: F401 (find_root: kb.load.loader is where callers look)
from kb.model import (
    ID_RE,
    Broken,
    Config,
    Construct,
    Context,
    Evidence,
    Hypothesis,
    KnowledgeBase,
    Located,
    Registry,
    Source,
)
from kb.load.yamlread import Marks, dotted, read_yaml

FOLDERS: dict[str, type[BaseModel]] = {
    "hypotheses": Hypothesis,
    "evidence": Evidence,
    "registry": Registry,
}

#: Fields whose positions later checks need (references and dates).
_TRACKED = frozenset(
    {
        "hypothesis", "construct", "context", "scope", "from", "to", "derived_from",
        "refines", "supersedes", "competes_with", "because", "sources", "part_of",
        "broader", "phase", "date", "proposed", "links", "revisions", "id", "doi",
        "status", "title", "statement", "label", "summary", "kind", "measurement",
        "assessments", "considered", "level",
    }
)


def load_config(root: Path) -> Config:
    """Read and validate kb.yaml; raises ConfigError with diagnostics."""
    raw = read_config(root)
    data, marks, diags = read_yaml(raw, CONFIG_FILE)
    if not diags:
        config, diags = validate(Config, data, marks, CONFIG_FILE)
        if config is not None:
            return config  # type: ignore[return-value]
    raise ConfigError(f"{CONFIG_FILE} cannot be used", diags)


def load(root: str | os.PathLike[str], use_cache: bool | None = None,
         files: Iterable[FileBytes] | None = None,
         on_file: Callable[[int, int | None], None] | None = None) -> tuple[KnowledgeBase, list[Diagnostic]]:
    """Load the knowledge base at ``root`` (its kb.yaml directory).

    Files whose bytes are unchanged since the last run come from the cache
    (see :mod:`kb.cache`); every file is still read, so a changed file is
    always parsed again. ``files`` are the item files already read by the
    caller (:func:`kb.load.files.read_files`); by default they are read here, one
    at a time. ``on_file`` is called as each file is added (see :func:`add_files`).
    """
    root = Path(root)
    kb = KnowledgeBase(root=str(root), config=load_config(root))

    refused: list[Diagnostic] = []  # files kb may not read (kb.load.files), when it reads them here
    diags = add_files(kb, iter_files(root, refused) if files is None else files, use_cache,
                      on_file=on_file) + refused
    return kb, diags


def add_files(kb: KnowledgeBase, files: Iterable[tuple[str, str, bytes]], use_cache: bool | None = None,
              cache_scope: str = "", on_file: Callable[[int, int | None], None] | None = None) -> list[Diagnostic]:
    """Parse (or take from the cache) each (folder, path, bytes) and add its items to ``kb``.

    ``cache_scope`` keeps a separate cache file, so that reading old
    revisions (kb diff) does not evict the working tree's entries.
    ``on_file(done, total)`` follows the work for a progress display
    (kb.progress); ``total`` is None when ``files`` is a stream of unknown length.
    """
    from kb.load.cache import Cache

    diags: list[Diagnostic] = []
    cache = Cache.for_root(Path(kb.root), use_cache, cache_scope)
    total = len(files) if on_file is not None and isinstance(files, Sized) else None
    for done, (folder, rel, raw) in enumerate(files, 1):
        key = cache.key(folder, rel, raw)
        parsed = cache.get(key)
        if parsed is None:
            parsed = parse_file_fully(folder, rel, raw)
            cache.put(key, parsed)
        diags.extend(add_parsed(kb, parsed))
        if on_file is not None:
            on_file(done, total)
    cache.save()
    return diags


#: One parsed file: its items as (kind, item, place, {field: (line, column)}) and its diagnostics.
Parsed = tuple[list[tuple[str, Any, Located, dict[str, tuple[int, int]]]], list[Diagnostic]]

#: The same, plus the items written in the file that did not load, as (id, kb.model.Broken).
ParsedFully = tuple[list[tuple[str, Any, Located, dict[str, tuple[int, int]]]], list[Diagnostic],
                    list[tuple[str, Broken]]]

_REGISTRY_LISTS = ("constructs", "contexts", "sources")
_ENTRY_MODELS: dict[str, type[BaseModel]] = {"constructs": Construct, "contexts": Context, "sources": Source}


def parse_file(folder: str, rel: str, raw: bytes) -> Parsed:
    """Parse and validate one file on its own (no cross-file knowledge): its items and diagnostics."""
    items, diags, _ = parse_file_fully(folder, rel, raw)
    return items, diags


def parse_file_fully(folder: str, rel: str, raw: bytes) -> ParsedFully:
    """:func:`parse_file`, plus the ids of what the file holds but could not be loaded.

    One mistake should give one error: an item with a wrong field keeps its
    id (so references to it are not reported as unknown), a registry entry
    with an error drops only that entry, and a file that does not parse
    still gives the ids a line scan finds in it (else its name, as a guess).
    """
    if folder == "registry" and rel.endswith(SOURCE_SUFFIXES):
        return _parse_exported_sources(rel, raw)
    data, marks, diags = read_yaml(raw, rel)
    if diags:
        return [], diags, _recovered_ids(folder, rel, raw)
    if folder == "registry" and isinstance(data, dict):
        return _parse_registry(rel, data, marks)
    item, diags = validate(FOLDERS[folder], data, marks, rel)
    kind = "hypotheses" if folder == "hypotheses" else "evidence"
    if item is None:
        item_id = data.get("id") if isinstance(data, dict) else None
        if isinstance(item_id, str) and ID_RE.fullmatch(item_id):
            line, col = marks.get(("id",), (1, 1))
            return [], diags, [(item_id, Broken(kind, Located(rel, line, col), True))]
        return [], diags, _guessed_id(kind, rel)
    fields = _fields_by_entry(marks, 0)
    line, col = marks.get((), (1, 1))
    return [(kind, item, Located(rel, line, col), fields.get((), {}))], [], []


def _parse_exported_sources(rel: str, raw: bytes) -> ParsedFully:
    """A registry file as a reference manager exports it: BibTeX or CSL-JSON (see kb.sources)."""
    if rel.endswith(".bib"):
        from kb.sources.bib import parse
    else:
        from kb.sources.csljson import parse
    return parse(rel, raw)


def _parse_registry(rel: str, data: dict, marks: Marks) -> ParsedFully:
    """A registry file entry by entry: an entry with an error is dropped alone, its id kept as broken."""
    registry, diags = validate(Registry, data, marks, rel)
    bad: set[tuple[str, int]] = set()
    lost: set[str] = set()  # lists that are not lists at all
    for d in diags:
        head, _, rest = d.field.partition("[")
        if head in _REGISTRY_LISTS and rest[:1].isdigit():
            bad.add((head, int(rest.partition("]")[0])))
        elif head in _REGISTRY_LISTS:
            lost.add(head)
    fields = _fields_by_entry(marks, 2)
    items, broken = [], []
    for attr in _REGISTRY_LISTS:
        entries = getattr(registry, attr) if registry is not None else data.get(attr, [])
        if attr in lost or not isinstance(entries, list):
            continue
        for index, entry in enumerate(entries):
            prefix = (attr, index)
            line, col = marks.get(prefix, (1, 1))
            at = Located(rel, line, col)
            if registry is None and (attr, index) in bad:
                item_id = entry.get("id") if isinstance(entry, dict) else None
                if isinstance(item_id, str) and ID_RE.fullmatch(item_id):
                    broken.append((item_id, Broken(attr, at, True)))
                continue
            if registry is None:
                # this entry has no error of its own: the others' must not take it down
                entry = _ENTRY_MODELS[attr].model_validate(entry)
            items.append((attr, entry, at, fields.get(prefix, {})))
    return items, diags, broken


# `id: H02` at the start of a line (a hypothesis or evidence file), or `- id: trust` and
# `- {id: trust, ...}` in a registry: enough to keep an id whose file YAML cannot read.
_ID_LINE = re.compile(r"^id:[ \t]*(['\"]?)([^'\"\s#]+)\1[ \t]*(?:#.*)?$", re.M)
_ENTRY_ID_LINE = re.compile(r"^[ \t]*(?:-[ \t]+\{?[ \t]*|[ \t]+)id:[ \t]*(['\"]?)([^'\",}\s#]+)\1", re.M)


def _recovered_ids(folder: str, rel: str, raw: bytes) -> list[tuple[str, Broken]]:
    """The ids a simple line scan finds in a file that does not parse; else the file name's guess."""
    text = raw.decode("utf-8", errors="replace") if b"\x00" not in raw[:8192] else ""
    if folder == "registry":
        found = []
        for m in _ENTRY_ID_LINE.finditer(text):
            if ID_RE.fullmatch(m.group(2)):
                line = text.count("\n", 0, m.start(2)) + 1
                col = m.start(2) - (text.rfind("\n", 0, m.start(2)) + 1) + 1
                found.append((m.group(2), Broken("", Located(rel, line, col), True)))
        return found
    kind = "hypotheses" if folder == "hypotheses" else "evidence"
    m = _ID_LINE.search(text)
    if m and ID_RE.fullmatch(m.group(2)):
        line = text.count("\n", 0, m.start(2)) + 1
        return [(m.group(2), Broken(kind, Located(rel, line, m.start(2) - (text.rfind("\n", 0, m.start(2)) + 1) + 1), True))]
    return _guessed_id(kind, rel)


def _guessed_id(kind: str, rel: str) -> list[tuple[str, Broken]]:
    """The id the file's name suggests (H02.yaml: H02), as a guess: references to it become follow-ons."""
    stem = rel.rpartition("/")[2].rpartition(".")[0]
    return [(stem, Broken(kind, Located(rel, 1, 1), False))] if ID_RE.fullmatch(stem) else []


def _fields_by_entry(marks: dict[tuple, tuple[int, int]], depth: int) -> dict[tuple, dict[str, tuple[int, int]]]:
    """The tracked fields' places, grouped by the entry their path starts with (``depth`` keys long).

    One pass over the file's marks: a registry of 2,000 sources has some
    25,000 of them, and looking through all of them for each entry made
    reading it grow with the square of its length.
    """
    grouped: dict[tuple, dict[str, tuple[int, int]]] = {}
    for path, place in marks.items():
        if len(path) > depth and _tracked(path[depth:]):
            grouped.setdefault(path[:depth], {})[dotted(path[depth:])] = place
    return grouped


def add_parsed(kb: KnowledgeBase, parsed: Parsed | ParsedFully) -> list[Diagnostic]:
    """Add one file's items (and what did not load, to ``kb.broken``) to ``kb``; ids already taken are reported, not added."""
    items, diags, *rest = parsed
    for item_id, broken in rest[0] if rest else ():
        if item_id not in kb.broken or (broken.certain and not kb.broken[item_id].certain):
            kb.broken[item_id] = broken
    out = list(diags)
    for attr, item, at, fields in items:
        if item.id in kb.where:
            first = kb.where[item.id]
            line, column = fields.get("id", (at.line, at.column))
            out.append(Diagnostic(
                path=at.path, line=line, column=column, code="KB301", field="id",
                message=f"duplicate id {item.id!r}, already used in {first.path}:{first.line}",
                hint="ids must be unique across the whole knowledge base",
            ))
            continue
        getattr(kb, attr)[item.id] = item
        kb.where[item.id] = at
        kb.field_where[item.id] = fields
    return out


def _tracked(path: tuple) -> bool:
    if not path or path[-1] in ("<keypos>",):
        return False
    last = path[-1]
    if isinstance(last, int):
        return len(path) > 1 and path[-2] in _TRACKED
    return last in _TRACKED


# --- pydantic errors -> diagnostics -------------------------------------------------


def validate(
    model: type[BaseModel], data: Any, marks: Marks, rel: str
) -> tuple[BaseModel | None, list[Diagnostic]]:
    """Validate ``data`` against ``model``; errors come back as diagnostics."""
    if not isinstance(data, dict):
        shape = _describe(data)
        return None, [
            Diagnostic(
                path=rel,
                line=1,
                column=1,
                code="KB109",
                message=f"expected a mapping of fields (key: value) at the top, found {shape}",
            )
        ]
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        diags = [_diagnostic(model, err, data, marks, rel) for err in exc.errors()]
        return None, sorted(set(diags))


def _diagnostic(model: type[BaseModel], err: dict, data: Any, marks: Marks, rel: str) -> Diagnostic:
    loc = tuple(err["loc"])
    kind = err["type"]
    value = err.get("input")
    field = dotted(loc)
    if kind == "extra_forbidden":
        name = loc[-1]
        allowed = _field_names(model, loc[:-1])
        line, col = marks.get(loc + ("<keypos>",), None) or _nearest(marks, loc)
        hint = did_you_mean(name, allowed) or (
            f"allowed: {', '.join(sorted(allowed))}" if allowed else ""
        )
        return Diagnostic(rel, line, col, "KB201", f"unknown field {name!r}", dotted(loc), hint=hint)
    if kind == "missing":
        line, col = _nearest(marks, loc[:-1])
        return Diagnostic(rel, line, col, "KB202", f"missing required field {loc[-1]!r}", field)
    line, col = _nearest(marks, loc)
    if kind == "kb_date":
        # the message already says what to write when the value is shaped like a date
        said = "YYYY-MM-DD" in err["msg"] or "real date" in err["msg"]
        return Diagnostic(rel, line, col, "KB205", err["msg"], field, hint="" if said else "write dates as YYYY-MM-DD")
    if kind == "kb_id":
        return Diagnostic(rel, line, col, "KB206", err["msg"], field)
    if kind in ("kb_iri", "kb_language"):
        return Diagnostic(rel, line, col, "KB207", err["msg"], field, hint=_pattern_hint(loc))
    if kind == "finite_number":
        return Diagnostic(rel, line, col, "KB204", f"expected a finite number, got {value!r}", field,
                          hint=_pattern_hint(loc))
    if kind == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        choices = [c.strip("'") for c in _split_expected(expected)]
        hint = _synonym(value, choices) or did_you_mean(value, choices)
        shown = repr(value) if not isinstance(value, str) else f"'{value}'"
        return Diagnostic(
            rel, line, col, "KB204", f"{shown} is not one of {', '.join(choices)}", field, hint=hint
        )
    if kind in ("string_pattern_mismatch",):
        return Diagnostic(rel, line, col, "KB204", f"{value!r} is not in the expected form", field,
                          hint=_pattern_hint(loc))
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal", "too_short", "too_long"):
        return Diagnostic(rel, line, col, "KB204", _lower_first(err["msg"]) + f", got {value!r}", field,
                          hint=_pattern_hint(loc))
    return Diagnostic(rel, line, col, "KB203", _type_message(kind, err, value), field, hint=_type_hint(kind, value))


def _split_expected(expected: str) -> list[str]:
    parts = expected.replace(" or ", ", ").split(", ")
    return [p for p in parts if p]


def _pattern_hint(loc: tuple) -> str:
    if loc[:1] == ("scoring",):
        return "a weight is a finite number above zero, such as 1.0; see docs/confidence.md"
    if "languages" in loc or "site_language" in loc:
        return "a language tag such as nb, nn, en or en-GB"
    last = loc[-1] if loc else ""
    return {
        "doi": "write the DOI without https://doi.org/, such as 10.1093/jopart/mum032",
        "url": "a web address starting with http:// or https://, with spaces written as %20",
        "base_iri": "an http(s) IRI ending with '/', such as https://kb.example.org/",
    }.get(str(last), "")


#: Words researchers write for an allowed value that no spelling distance finds.
_SYNONYMS = {
    "medium": "moderate", "mid": "moderate", "middle": "moderate", "average": "moderate", "fair": "moderate",
    "high": "strong", "low": "weak", "slight": "weak", "support": "supports", "supporting": "supports",
    "for": "supports", "against": "contradicts", "contradict": "contradicts", "refutes": "contradicts",
    "qualify": "qualifies", "limits": "qualifies", "tested": "testing", "test": "testing",
    "confirmed": "supported", "rejected": "refuted", "disputed": "contested",
    # Norwegian, as the shipped KB's researchers write
    "støtter": "supports", "støtte": "supports", "motsier": "contradicts", "nyanserer": "qualifies",
    "svak": "weak", "middels": "moderate", "sterk": "strong",
}


def _synonym(value: Any, choices: list[str]) -> str:
    meant = _SYNONYMS.get(value.lower()) if isinstance(value, str) else None
    return f"did you mean '{meant}'?" if meant in choices else ""


_TYPE_WORDS = {
    "string_type": "text",
    "int_type": "a whole number",
    "float_type": "a number",
    "bool_type": "true or false",
    "list_type": "a list",
    "model_type": "a mapping of fields",
    "dict_type": "a mapping",
    "model_attributes_type": "a mapping of fields",
}


def _type_message(kind: str, err: dict, value: Any) -> str:
    if kind.startswith("kb_"):
        return err["msg"]
    want = _TYPE_WORDS.get(kind)
    if kind == "bool_type" and isinstance(value, str):
        return f"expected true or false, got the text {value!r}"
    if want is None:
        return _lower_first(err["msg"])
    return f"expected {want}, got {_describe(value)}"


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"the number {value!r}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if value is None:
        return "nothing (null)"
    if hasattr(value, "isoformat"):
        return f"the date {value.isoformat()}"
    return repr(value)


def _type_hint(kind: str, value: Any) -> str:
    if kind == "string_type" and not isinstance(value, (list, dict)) and value is not None:
        return "put the value in quotes so YAML reads it as text"
    if kind == "bool_type" and isinstance(value, str):
        plain = value.strip().lower()
        if plain in ("true", "false"):
            return f"write {plain} without quotes"
        if plain in ("yes", "on", "no", "off"):
            return f"write {'true' if plain in ('yes', 'on') else 'false'}: kb reads {value!r} as text, not as a boolean"
        return "write true or false, without quotes"
    if kind in ("int_type", "float_type") and isinstance(value, str):
        return "write the number without quotes" if _is_number(value) else ""
    if kind == "list_type" and isinstance(value, str):
        return f"write a list, such as [{value}]"
    return ""


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _lower_first(msg: str) -> str:
    return msg[:1].lower() + msg[1:]


def _nearest(marks: Marks, loc: tuple) -> tuple[int, int]:
    """Position of ``loc`` or of its closest written ancestor."""
    probe = loc
    while probe:
        if probe in marks:
            return marks[probe]
        probe = probe[:-1]
    return marks.get((), (1, 1))


def _field_names(model: type[BaseModel], loc: tuple) -> list[str]:
    """The field names allowed at ``loc`` inside ``model`` (aliases as written)."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            current = _unwrap(current, item=True)
            continue
        current = _unwrap(current)
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return []
        found = None
        for name, info in current.model_fields.items():
            if (info.alias or name) == part:
                found = info.annotation
        if found is None:
            return []
        current = found
    current = _unwrap(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return [info.alias or name for name, info in current.model_fields.items()]
    return []


def _unwrap(tp: Any, item: bool = False) -> Any:
    """Strip Optional/Annotated, and list[...] when ``item`` is set."""
    for _ in range(6):
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            tp = typing.get_args(tp)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            tp = args[0] if len(args) == 1 else tp
            if len(args) != 1:
                return tp
        elif item and origin is list:
            tp = typing.get_args(tp)[0]
            item = False
        else:
            return tp
    return tp
