"""Read one YAML file safely, keeping the line and column of every value.

Takes the bytes of a file; returns plain Python data plus a map from field
path (a tuple of keys and list indexes) to its position, or a list of
diagnostics. PyYAML's C parser builds the node tree; we turn nodes into data
ourselves, which lets us

* never construct Python objects from tags (only the core YAML types pass),
* reject duplicate keys (PyYAML silently keeps the last one),
* bound alias expansion (a "billion laughs" file stops at once),
* read ``yes``/``no``/``on``/``off`` as strings, not booleans: Norwegian
  researchers write ``no`` as a language code, and ``on:`` is a plain word.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from kb.errors import Diagnostic

try:
    _Loader = yaml.CSafeLoader
except AttributeError:  # PyYAML built without libyaml
    _Loader = yaml.SafeLoader  # type: ignore[misc]

MAX_ALIASES = 100
#: Values that aliases may expand to in one file, in all: the count of aliases alone let
#: 99 aliases of one long list through (a 200 KB file took 2.3 GB).
MAX_ALIAS_VALUES = 10_000
#: Longest text (characters) of one value, and deepest nesting of lists and mappings.
MAX_TEXT = 100_000
MAX_DEPTH = 64
#: Entries in one list: a registry of 20,000 sources is far beyond any project, and a list of
#: 200,000 took the check minutes (the fuzz run's only hangs).
MAX_ITEMS = 20_000

_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_SCALAR_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
}


class _Loader11(_Loader):  # type: ignore[misc,valid-type]
    """The safe loader, with booleans limited to true/false (YAML 1.2 style).

    The C parser calls ``resolve``, ``descend_resolver`` and ``ascend_resolver``
    in Python for every node, a third of the composing time. The safe loader has
    no path resolvers, so the latter two have nothing to do, and ``resolve``
    needs only the implicit resolvers of the value's first character (merged
    with the wildcard ones once, below): the same tags, fewer steps.
    """

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        pass

    def ascend_resolver(self) -> None:
        pass

    def resolve(self, kind: type, value: Any, implicit: Any) -> str:
        if kind is _ScalarNode:
            if implicit[0]:
                for tag, regexp in _BY_FIRST.get(value[:1], _WILDCARD):
                    if regexp.match(value):
                        return tag
            return _STR
        return _SEQ if kind is _SequenceNode else _MAP


_Loader11.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in _Loader.yaml_implicit_resolvers.items()
}
_BOOL_RE = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
for _first in "tTfF":
    _Loader11.yaml_implicit_resolvers.setdefault(_first, []).insert(
        0, ("tag:yaml.org,2002:bool", _BOOL_RE)
    )
assert not _Loader11.yaml_path_resolvers, "resolve() above assumes no path resolvers"
_ScalarNode, _SequenceNode, _MappingNode = yaml.ScalarNode, yaml.SequenceNode, yaml.MappingNode
#: The implicit resolvers to try for a plain scalar, by its first character ('' for the empty one).
_WILDCARD = tuple(_Loader11.yaml_implicit_resolvers.get(None, []))
_BY_FIRST = {first: tuple(resolvers) + _WILDCARD
             for first, resolvers in _Loader11.yaml_implicit_resolvers.items() if first is not None}

_constructor = yaml.constructor.SafeConstructor()
#: The first character that str.strip() would keep (re's \s is the same Unicode whitespace).
_NOT_SPACE = re.compile(r"\S")


def _tag_text(tag: str) -> str:
    """A tag as written in the file: '!!python/object' rather than its full URI."""
    return "!!" + tag[len("tag:yaml.org,2002:"):] if tag.startswith("tag:yaml.org,2002:") else tag


_TAG_HINT = "kb files hold plain text, numbers, dates, lists and mappings"

Path = tuple[Any, ...]
Marks = dict[Path, tuple[int, int]]


class _Problem(Exception):
    def __init__(self, code: str, message: str, node: yaml.Node, field: str = "", hint: str = ""):
        super().__init__(message)
        self.code, self.message, self.node, self.field, self.hint = code, message, node, field, hint


def dotted(path: Path) -> str:
    """('links', 0, 'stance') -> 'links[0].stance'."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def read_yaml(raw: bytes, relpath: str) -> tuple[Any, Marks, list[Diagnostic]]:
    """Parse one file. Returns (data, marks, diagnostics); data is None on error."""

    def diag(code: str, message: str, line: int = 1, col: int = 1, **kw: str) -> Diagnostic:
        return Diagnostic(path=relpath, line=line, column=col, code=code, message=message, **kw)

    if b"\x00" in raw[:8192]:
        return None, {}, [diag("KB102", "this is a binary file, not YAML text")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        return None, {}, [
            diag(
                "KB101",
                f"byte 0x{raw[exc.start]:02x} is not valid UTF-8",
                line,
                col,
                hint="save the file as UTF-8",
            )
        ]
    if text.startswith("\ufeff"):
        text = text[1:]
    first = _NOT_SPACE.search(text)
    # a file whose first visible character is not '#' has a line of content: only files that
    # start with a comment need every line looked at
    if first is None or (first.group() == "#" and all(
        not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines()
    )):
        return None, {}, [diag("KB103", "the file is empty")]

    deep = _too_deep(text)
    if deep is not None:
        return None, {}, [diag("KB111", f"values are nested more than {MAX_DEPTH} deep", deep.line + 1,
                               deep.column + 1, hint="flatten the structure: kb files need a few levels only")]
    try:
        loader = _Loader11(text)
        try:
            root = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.composer.ComposerError as exc:
        if "single document" in str(exc.context or ""):
            mark = exc.problem_mark
            return None, {}, [
                diag(
                    "KB105",
                    "this file holds more than one YAML document",
                    mark.line + 1 if mark else 1,
                    mark.column + 1 if mark else 1,
                    hint="keep one item per file, or remove the '---' line",
                )
            ]
        return None, {}, [_syntax_diag(exc, relpath, text)]
    except yaml.MarkedYAMLError as exc:
        return None, {}, [_syntax_diag(exc, relpath, text)]
    except yaml.reader.ReaderError as exc:  # a control character
        line = text.count("\n", 0, exc.position) + 1
        col = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        char = exc.character if isinstance(exc.character, int) else ord(exc.character)
        return None, {}, [diag("KB104", f"control character U+{char:04X} is not allowed in YAML", line, col,
                               hint="remove it; it is often pasted in from a word processor")]
    except yaml.YAMLError as exc:
        return None, {}, [diag("KB104", "YAML syntax error: " + str(exc).splitlines()[0])]
    if root is None:
        return None, {}, [diag("KB103", "the file is empty")]

    walk = _Walk(text)
    try:
        data = _to_data(root, (), walk)
    except _Problem as p:
        m = p.node.start_mark
        return None, {}, [
            Diagnostic(
                path=relpath,
                line=m.line + 1,
                column=m.column + 1,
                code=p.code,
                message=p.message,
                field=p.field,
                hint=p.hint,
            )
        ]
    finally:
        # PyYAML's constructor remembers every node it built until a document
        # is finished, which we never tell it: forget them, or every file ever
        # read would stay in memory.
        _constructor.constructed_objects.clear()
        _constructor.recursive_objects.clear()
    return data, walk.marks, []


def _syntax_diag(exc: yaml.MarkedYAMLError, relpath: str, text: str) -> Diagnostic:
    mark = exc.problem_mark or exc.context_mark
    what = " ".join(str(x) for x in (exc.context, exc.problem) if x)
    hint = ""
    at = mark.index if mark is not None and mark.index is not None else -1
    if "mapping values are not allowed" in what:
        hint = "a value containing ': ' must be quoted"
    elif "\\t" in what or (0 <= at < len(text) and text[at] == "\t"):
        hint = "indent with spaces, not tabs"
    return Diagnostic(
        path=relpath,
        line=mark.line + 1 if mark else 1,
        column=mark.column + 1 if mark else 1,
        code="KB104",
        message=f"YAML syntax error: {what}",
        hint=hint,
    )


#: Below this bound on nesting, PyYAML's composer (which recurses in C, and overflows the
#: stack past about 20,000 levels) is safe, and our own depth check comes after it.
_SAFE_TO_COMPOSE = 5_000


def _too_deep(text: str) -> Any:
    """The mark where nesting passes MAX_DEPTH, for text that could overflow the composer; else None.

    Nesting needs a bracket or, in block style, a longer line (indentation or
    '- ' per level), so brackets plus the longest line bound it; only text past
    that cheap bound is walked event by event (the parser keeps its own stack).
    """
    brackets = text.count("[") + text.count("{")
    # no line is longer than the text: most files are too short to need their lines measured
    if brackets + len(text) < _SAFE_TO_COMPOSE or (
            brackets + max(map(len, text.splitlines()), default=0) < _SAFE_TO_COMPOSE):
        return None
    depth = 0
    try:
        for event in yaml.parse(text, Loader=_Loader11):
            if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    return event.start_mark
            elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                depth -= 1
    except yaml.YAMLError:
        return None  # the composer reports the syntax error at its place
    return None


def _expanded_size(node: yaml.Node, budget: int) -> int:
    """How many values ``node`` expands to, counted up to just past ``budget`` (recursive aliases too)."""
    count, stack = 0, [node]
    while stack and count <= budget:
        here = stack.pop()
        count += 1
        if isinstance(here, yaml.SequenceNode):
            stack.extend(here.value)
        elif isinstance(here, yaml.MappingNode):
            for pair in here.value:
                stack.extend(pair)
    return count


def _implicit_tag(value: str) -> str:
    """The tag YAML gives a plain scalar written ``value`` (without an explicit tag)."""
    for tag, regexp in _BY_FIRST.get(value[:1], _WILDCARD):
        if regexp.match(value):
            return tag
    return _STR


_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"


def _yaml11_oddity(node: yaml.ScalarNode) -> tuple[str, str] | None:
    """(message, hint) for a YAML 1.1 surprise that would come out as another value than the one written.

    An explicit core tag (``!!int "12"``, ``!!float``, ``!!timestamp``) turns
    text into a number or date unseen; YAML 1.1 reads ``1:30`` as the number
    90 (base 60), ``010`` as 8 (octal) and ``1_000`` as 1000.
    """
    text = node.value
    if node.style or _implicit_tag(text) != node.tag:  # quoted, or plain but tagged otherwise
        return (f"the explicit tag '{_tag_text(node.tag)}' is not allowed on {text!r}",
                "remove the tag: write numbers, dates, true and false plainly, and quote text")
    if node.tag not in (_INT, _FLOAT):
        return None
    if ":" in text:
        value = _constructor.construct_object(node)
        return (f"{text} is a base-60 number in YAML 1.1 (it would be read as {value})",
                f"quote it ('{text}') if it is text, or write the number it means")
    digits = text.lstrip("+-")
    if node.tag == _INT and len(digits) > 1 and digits[0] == "0" and digits[1:2].isdigit():
        return (f"{text} is an octal number in YAML 1.1 (it would be read as {_constructor.construct_object(node)})",
                f"quote it ('{text}') if it is text, or write it without the leading zero")
    if "_" in text:
        return (f"{text} has '_' in it, which YAML 1.1 drops (it would be read as {_constructor.construct_object(node)})",
                f"quote it ('{text}') if it is text, or write the number without '_'")
    return None


#: Control characters other than tab and line ends (C0, DEL, C1): YAML's escapes can write them.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class _Walk:
    """One file's conversion under way: the marks so far, and what aliases have used of their bounds.

    Two facts about the whole text spare work per value. A text value can hold
    a control character only through an escape (a backslash) or by having it
    in the text itself, so in a file with neither no value is searched. A node
    is reached twice only through an alias, which needs an anchor ('&'), so in
    a file without one no collection is remembered.
    """

    __slots__ = ("marks", "controls", "anchors", "seen", "expansions", "alias_values")

    def __init__(self, text: str) -> None:
        self.marks: Marks = {}
        self.controls = "\\" in text or _CONTROL.search(text) is not None
        self.anchors = "&" in text
        self.seen: set[int] = set()
        self.expansions = 0  # alias expansions
        self.alias_values = 0  # values they expand to


def _to_data(node: yaml.Node, path: Path, walk: _Walk) -> Any:
    if len(path) > MAX_DEPTH:
        raise _Problem("KB111", f"values are nested more than {MAX_DEPTH} deep", node, dotted(path[:1]),
                       hint="flatten the structure: kb files need a few levels only")
    start = node.start_mark
    walk.marks[path] = (start.line + 1, start.column + 1)
    if type(node) is _ScalarNode:
        value = node.value
        if len(value) > MAX_TEXT:
            raise _Problem("KB111", f"this text is {len(value):,} characters long; the limit is {MAX_TEXT:,}",
                           node, dotted(path), hint="shorten it, or keep the long text in a linked document")
        if node.tag == _STR:  # most scalars are text: no need for the constructor
            if walk.controls:
                control = _CONTROL.search(value)
                if control:  # only an escape in a quoted text gets here: the reader refuses raw ones
                    raise _Problem("KB204", f"the text holds the control character U+{ord(control.group()):04X}",
                                   node, dotted(path), hint="remove the escape (such as \\e, \\0 or \\x1b): "
                                   "control characters are not text, and no RDF, XML or terminal takes them")
            return value
        if node.tag not in _SCALAR_TAGS:
            raise _Problem(
                "KB108",
                f"the tag '{_tag_text(node.tag)}' is not allowed",
                node,
                dotted(path),
                hint=_TAG_HINT,
            )
        oddity = _yaml11_oddity(node)
        if oddity:
            raise _Problem("KB203", oddity[0], node, dotted(path), hint=oddity[1])
        try:
            return _constructor.construct_object(node)
        except ValueError:  # shaped like a date but none, such as 2021-13-45: the model says so
            return node.value
    if walk.anchors:
        if id(node) in walk.seen:
            # the same collection node reached twice: an alias being expanded
            walk.expansions += 1
            if walk.expansions > MAX_ALIASES:
                raise _Problem(
                    "KB107",
                    f"more than {MAX_ALIASES} alias expansions",
                    node,
                    dotted(path),
                    hint="write the values out instead of using anchors (&) and aliases (*)",
                )
            # bound what the aliases produce, before producing it (nested aliases count again: errs towards refusing)
            walk.alias_values += _expanded_size(node, MAX_ALIAS_VALUES - walk.alias_values)
            if walk.alias_values > MAX_ALIAS_VALUES:
                raise _Problem(
                    "KB107",
                    f"aliases expand to more than {MAX_ALIAS_VALUES:,} values",
                    node,
                    dotted(path),
                    hint="write the values out instead of using anchors (&) and aliases (*)",
                )
        walk.seen.add(id(node))
    if type(node) is _SequenceNode:
        if node.tag != _SEQ:
            raise _Problem("KB108", f"the tag '{_tag_text(node.tag)}' is not allowed", node, dotted(path), hint=_TAG_HINT)
        if len(node.value) > MAX_ITEMS:
            raise _Problem("KB111", f"this list has {len(node.value):,} entries; the limit is {MAX_ITEMS:,}", node,
                           dotted(path), hint="split it over several files (any registry file may hold any list)")
        return [_to_data(item, path + (i,), walk) for i, item in enumerate(node.value)]
    if node.tag != _MAP:
        raise _Problem("KB108", f"the tag '{_tag_text(node.tag)}' is not allowed", node, dotted(path), hint=_TAG_HINT)
    marks = walk.marks
    keys_within_bound = len(path) < MAX_DEPTH  # a key's path is one longer than its mapping's
    out: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = key_node.value
        if not (type(key_node) is _ScalarNode and key_node.tag == _STR and keys_within_bound
                and len(key) <= MAX_TEXT and not (walk.controls and _CONTROL.search(key))):
            # not a plain text key that passes every check: the checks below say what is wrong or convert it
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise _Problem("KB108", "merge keys ('<<') are not supported", key_node, dotted(path))
            if not isinstance(key_node, yaml.ScalarNode):
                raise _Problem("KB109", "a mapping key must be plain text", key_node, dotted(path))
            key = _to_data(key_node, path + ("<key>",), walk)
            if isinstance(key, (int, float, bool)) or key is None:
                key = key_node.value  # keys are names: keep what was written
            elif not isinstance(key, str):
                key = str(key)
        if key in out:
            first = marks[path + (key, "<keypos>")]
            raise _Problem(
                "KB106",
                f"duplicate key {key!r} (first at line {first[0]})",
                key_node,
                dotted(path + (key,)),
                hint="YAML would silently keep only the last value",
            )
        start = key_node.start_mark
        marks[path + (key, "<keypos>")] = (start.line + 1, start.column + 1)
        out[key] = _to_data(value_node, path + (key,), walk)
    marks.pop(path + ("<key>",), None)
    return out
