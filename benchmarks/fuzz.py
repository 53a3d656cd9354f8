"""Fuzz kb with mutated copies of the shipped knowledge base.

    python3 -m benchmarks.fuzz --cases N --seed S [--queries M] [--out FILE] [--jobs J]
    python3 -m benchmarks.fuzz --seed S --replay yaml:123 [--keep DIR]   # one case again

Each case makes one mutation to one file of a copy of the shipped KB
(``kb.yaml``, ``hypotheses/``, ``evidence/``, ``registry/`` for the N YAML
cases; ``queries/*.rq`` for the M query cases): bytes flipped, inserted or
cut; YAML structure changed (a scalar made a list or a mapping, a key deleted
or duplicated, anchors, aliases, tags, deep nesting, huge texts, several
documents); values retyped (numbers, booleans, dates, null, YAML 1.1 forms);
unicode that could forge output (controls, ANSI escapes, bidi overrides, NUL,
surrogates, bytes that are not UTF-8); the file replaced by a symlink out of
the KB, a FIFO or a folder, or renamed to a name with control characters;
and for queries SPARQL mutations (deep nesting, SERVICE in every form and
position, garbage, huge texts, updates). The mutation of case *i* depends
only on the seed and *i*, so every case can be replayed alone.

YAML cases run ``kb check`` in-process through click's CliRunner (with the
parse cache on, so only the mutated file is parsed again) and, when it
exits 0, a second command chosen round-robin (status, show, graph, export,
gaps, query) whose output is validated: strict JSON (no NaN), well-formed
GraphML, Turtle that pyoxigraph parses with well-formed numeric, boolean and
date literals. Query cases run ``kb query``. Each case ends in one class:

    ok, problems (exit 1 with a diagnostic), usage (exit 2 with a 'kb:' line)
    TRACEBACK        an exception escaped, or 'Traceback' was printed
    HANG             the case ran past --time-limit
    SEGFAULT         the process running the case died
    BROKEN MESSAGE   an output line with raw control characters, or not in the
                     one-line 'path:line:col: severity KBnnn ...' / 'kb: ...' format,
                     or exit 1/2 without the message that should explain it
    INVALID OUTPUT   the second command printed output that does not parse
    NETWORK          a query reached the fuzzer's listening socket (a SERVICE got through)

Cases run in worker processes (``--jobs``, each on its own copy of the KB and
its own cache, restarted every --batch cases): a worker that crashes or
hangs is killed, its case recorded as SEGFAULT or HANG, and a fresh one goes
on from the next case, so no case can stop the run. The failing cases are
written to --out as JSON lines (kind, index, file, mutation, the command
and the first lines of its output, and the replay command).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
KB_PARTS = ("kb.yaml", "hypotheses", "evidence", "registry", "queries", "data")
FAILING = ("TRACEBACK", "HANG", "SEGFAULT", "BROKEN MESSAGE", "INVALID OUTPUT", "NETWORK")
PASSING = ("ok", "problems", "usage")
YAML_FAMILIES = ("bytes", "structure", "types", "unicode", "files")
QUERY_FAMILIES = ("sparql", "bytes", "unicode", "files")
SECOND = ("status", "show", "graph", "export", "gaps", "query")
QUERY_TIMEOUT = "5"  # seconds kb may spend on one query (kb's own limit, under --time-limit)

# --- what a message may look like ------------------------------------------------------

# What a file could use to forge output (the fuzzer's own list, not kb's): C0 and C1
# controls, DEL, line and paragraph separators, bidi marks and overrides.
UNSAFE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\t]")
DIAGNOSTIC = re.compile(r"^\S.*?:\d+:\d+: (error|warning) KB\d{3} \S")
SUMMARY = re.compile(r"^(ok|\d+ error\(s\)|\d+ warning\(s\), which fail --strict).*: \d+ hypotheses, ")


def bad_lines(text: str, allowed: tuple[re.Pattern, ...]) -> list[str]:
    """The lines of ``text`` with unsafe characters or matching none of ``allowed``."""
    out = []
    for line in text.split("\n"):
        if not line:
            continue
        if UNSAFE.search(line) or not any(p.match(line) for p in allowed):
            out.append(line)
    return out


KB_LINE = re.compile(r"^kb: \S")
USAGE = re.compile(r"^(Usage: |Try '|Error: )")


# --- mutations ---------------------------------------------------------------------------

@dataclass
class Mutation:
    """One change to one file: new bytes, or an action on the file system (``fs``)."""

    kind: str  # yaml | query
    index: int
    file: str  # relative to the KB root
    family: str
    op: str
    detail: str = ""
    data: bytes | None = None
    fs: str = ""  # symlink_out | fifo | folder | rename (then ``detail`` is the new name)


KEY_LINE = re.compile(rb"^(?P<ind>[ ]*)(?P<dash>- +)?(?P<key>[A-Za-z_][\w-]*):(?P<rest>.*)$")


def _key_lines(lines: list[bytes]) -> list[int]:
    return [n for n, line in enumerate(lines) if KEY_LINE.match(line)]


def _block_end(lines: list[bytes], n: int) -> int:
    """The line after the block that starts at line ``n`` (its more indented continuation)."""
    m = KEY_LINE.match(lines[n])
    indent = len(m.group("ind")) + (len(m.group("dash")) if m and m.group("dash") else 0) if m else 0
    end = n + 1
    while end < len(lines):
        line = lines[end]
        stripped = line.lstrip(b" ")
        if stripped and not stripped.startswith(b"#") and len(line) - len(stripped) <= indent:
            if not (stripped.startswith(b"- ") and len(line) - len(stripped) == indent and not m.group("dash")):
                break
        end += 1
    return end


def _set_value(lines: list[bytes], n: int, value: bytes) -> list[bytes]:
    """Line ``n``'s key given ``value`` instead of its value (its block dropped)."""
    m = KEY_LINE.match(lines[n])
    head = lines[n][: m.start("rest")]
    return lines[:n] + [head + b" " + value] + lines[_block_end(lines, n):]


def _nest(depth: int, rng: random.Random) -> bytes:
    style = rng.choice(("flow_list", "flow_map", "block"))
    if style == "flow_list":
        return b"[" * depth + b"x" + b"]" * depth
    if style == "flow_map":
        return b"{a: " * depth + b"x" + b"}" * depth
    return b"\n" + b"".join(b"  " * (k + 1) + b"a:\n" for k in range(depth)) + b"  " * (depth + 1) + b"x"


TYPE_VALUES = [
    b"0", b"-1", b"3.5", b"1e400", b"-1e400", b".nan", b".NaN", b".inf", b"-.inf", b"0x1F", b"0o17", b"0b101",
    b"1_000", b"1:30:00", b"190:20:30", b"yes", b"no", b"on", b"off", b"y", b"n", b"true", b"false", b"True",
    b"FALSE", b"null", b"~", b"", b"Null", b"2022-02-30", b"2021-13-01", b"0000-00-00", b"2021-05-20T10:00:00Z",
    b"2021-05-20 10:00:00+02:00", b'"2021-W05"', b"2021-W05", b"'2021-05-20'", b"99999-01-01", b"1.10",
    b'"true"', b"12345678901234567890123", b"-0", b"+.5", b"1e-400", b"0.1e1000", b"-999999999999",
    b"'0.5'", b"1/2", b"50%", b"2021", b"[2021-01-01]", b"!!float 1", b"!!int '12'", b"!!str 12",
    b"!!bool yes", b"!!null ''", b"!!timestamp 2021-01-01", b"2001-12-14t21:59:43.10-05:00",
]

TAG_VALUES = [
    b"!!binary aGVsbG8=", b"!!python/object/apply:os.system ['echo pwned']", b"!!python/name:os.system",
    b"!!python/object:__main__.X {a: 1}", b"!!set {a: null, b: null}", b"!!omap [{a: 1}, {b: 2}]",
    b"!!pairs [{a: 1}]", b"!local x", b"!<tag:yaml.org,2002:python/object:os.system> {}", b"!!map {a: 1}",
    b"!!seq [a]", b"!!merge <<", b"!!str", b"!! x", b"!<!> x", b"!%7E x", b"!!value =",
    b"!!python/tuple [1, 2]", b"!!python/bytes aGk=", b"!!python/complex 1+2j",
]

UNICODE_PAYLOADS = [
    "\x00", "\x07", "\x08", "\x1b[31mRED\x1b[0m", "\x1b]8;;http://evil.example/\x07link\x1b]8;;\x07", "\r",
    "\u2028", "\u2029", "\x85", "\u202e", "\u2066", "\u200b", "\ufeff", "\t", "\x7f", "\x9b31m", "\u200e",
    "\nhypotheses/H01.yaml:1:1: error KB101 forged", "\n::error file=x,line=1::forged", "å", "H\u0661",
    "\U0001F600", "e\u0301", "\uffff", "\U0010FFFF", "\ufdd0", "\x1c", "\x0b\x0c", "%0A::error::x",
]

QUOTED_ESCAPES = [
    b'"\\x1b[31m red"', b'"\\0"', b'"\\u202e rtl"', b'"\\ud800"', b'"\\udfff x"', b'"\\N"', b'"\\L"',
    b'"\\P"', b'"\\e"', b'"a\\nb"', b'"\\r\\n"', b'"\\x00\\x00"', b'"\\U0010FFFF"', b'"\\uD83D\\uDE00"',
    b'"\\_"', b'"\\a\\b\\v\\f"', b'"\\q"',
]

RAW_BYTES = [
    b"\xed\xa0\x80", b"\xe5", b"\xff\xfe", b"\xc0\xaf", b"\x80", b"\xf4\x90\x80\x80", b"\xef\xbb\xbf",
    b"\xfe\xff", b"\x00\x00", b"\xf0\x9f\x98", b"\xc3", b"\xe2\x80\xae",
]

YAML_CHARS = b":-\"'[]{}&*!|>#%@`,? \n\t\\"


def _bytes_op(rng: random.Random, raw: bytes) -> tuple[str, str, bytes]:
    op = rng.choice(("flip", "insert", "insert_syntax", "delete", "truncate", "duplicate", "swap"))
    n = len(raw)
    at = rng.randrange(n + 1) if n else 0
    if op == "flip" and n:
        at = min(at, n - 1)
        bit = 1 << rng.randrange(8)
        return op, f"byte {at} ^ {bit:#x}", raw[:at] + bytes([raw[at] ^ bit]) + raw[at + 1:]
    if op == "insert":
        junk = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
        return op, f"{junk!r} at {at}", raw[:at] + junk + raw[at:]
    if op == "insert_syntax":
        junk = bytes(rng.choice(YAML_CHARS) for _ in range(rng.randint(1, 4)))
        return op, f"{junk!r} at {at}", raw[:at] + junk + raw[at:]
    if op == "delete" and n:
        size = rng.choice((1, 1, 2, 5, 20, 200))
        return op, f"{size} bytes at {at}", raw[:at] + raw[at + size:]
    if op == "truncate":
        return op, f"at {at}", raw[:at]
    if op == "duplicate" and n:
        size = rng.choice((1, 10, 100, 1000))
        return op, f"{size} bytes at {at}", raw[:at] + raw[at:at + size] + raw[at:]
    if n > 1:
        a, b = sorted(rng.sample(range(n), 2))
        return "swap", f"bytes {a} and {b}", raw[:a] + raw[b:b + 1] + raw[a + 1:b] + raw[a:a + 1] + raw[b + 1:]
    return "empty", "", b""


def _structure_op(rng: random.Random, raw: bytes) -> tuple[str, str, bytes]:
    lines = raw.split(b"\n")
    keys = _key_lines(lines)
    op = rng.choice(("to_list", "to_mapping", "delete_key", "duplicate_key", "rename_key", "anchor_alias",
                     "undefined_alias", "alias_bomb", "tag", "deep_nesting", "huge_string", "huge_list",
                     "documents", "top_level", "merge_key", "tree"))
    if not keys and op not in ("documents", "top_level", "alias_bomb", "huge_string"):
        op = "top_level"
    n = rng.choice(keys) if keys else 0
    where = f"line {n + 1}"
    if op == "to_list":
        v = rng.choice((b"[a, b]", b"[]", b"[[1, 2], {a: b}]", b"\n  - a\n  - b", b"[null]"))
        return op, f"{where}: {v!r}", b"\n".join(_set_value(lines, n, v))
    if op == "to_mapping":
        v = rng.choice((b"{a: b}", b"{}", b"{en: {nb: x}}", b"\n  x: 1\n  y: [2]", b"{? [a]: b}"))
        return op, f"{where}: {v!r}", b"\n".join(_set_value(lines, n, v))
    if op == "delete_key":
        return op, where, b"\n".join(lines[:n] + lines[_block_end(lines, n):])
    if op == "duplicate_key":
        end = _block_end(lines, n)
        return op, where, b"\n".join(lines[:end] + lines[n:end] + lines[end:])
    if op == "rename_key":
        m = KEY_LINE.match(lines[n])
        new = rng.choice((m.group("key")[:-1], m.group("key") + b"s", b"ID", m.group("key").upper(), b"x-y", b"<<"))
        lines[n] = lines[n][: m.start("key")] + new + lines[n][m.end("key"):]
        return op, f"{where}: {new!r}", b"\n".join(lines)
    if op == "anchor_alias" and len(keys) > 1:
        a, b = sorted(rng.sample(keys, 2))
        m = KEY_LINE.match(lines[a])
        lines[a] = lines[a][: m.start("rest")] + b" &fz" + m.group("rest")
        out = _set_value(lines, b, b"*fz")
        return op, f"lines {a + 1} -> {b + 1}", b"\n".join(out)
    if op == "undefined_alias":
        return op, where, b"\n".join(_set_value(lines, n, rng.choice((b"*nope", b"&a *a", b"*", b"&"))))
    if op == "alias_bomb":
        width, depth = rng.choice(((9, 9), (20, 5), (99, 2), (3, 30), (1000, 2)))
        defs = [b"fz0: &b0 [" + b", ".join([b"lol"] * width) + b"]"]
        for k in range(1, depth):
            defs.append(b"fz%d: &b%d [" % (k, k) + b", ".join([b"*b%d" % (k - 1)] * width) + b"]")
        return op, f"width {width} depth {depth}", raw.rstrip(b"\n") + b"\n" + b"\n".join(defs) + b"\n"
    if op == "tag":
        v = rng.choice(TAG_VALUES)
        return op, f"{where}: {v!r}", b"\n".join(_set_value(lines, n, v))
    if op == "deep_nesting":
        depth = rng.choice((30, 65, 100, 1000, 5000, 20000))
        return op, f"{where}: depth {depth}", b"\n".join(_set_value(lines, n, _nest(depth, rng)))
    if op == "huge_string":
        size = rng.choice((100_001, 300_000, 1_000_000, 2_100_000))
        v = b'"' + b"x" * size + b'"' if rng.random() < 0.5 else b"x" * size
        if not keys:
            return op, f"{size} chars", v
        return op, f"{where}: {size} chars", b"\n".join(_set_value(lines, n, v))
    if op == "huge_list":
        size = rng.choice((10_001, 50_000, 200_000))
        v = b"[" + b", ".join([b"a"] * size) + b"]"
        return op, f"{where}: {size} items", b"\n".join(_set_value(lines, n, v))
    if op == "documents":
        extra = rng.choice((b"\n---\nid: H99\n", b"\n...\n---\n", b"\n--- !!str\n", b"\n---\n- a\n", b"%YAML 1.1\n---\n",
                            b"%TAG ! tag:example.com,2000:\n---\n", b"%YAML 2.0\n---\n"))
        body = extra + raw if extra.startswith(b"%") else raw + extra
        return op, f"{extra!r}", body
    if op == "top_level":
        v = rng.choice((b"", b"---\n", b"# only a comment\n", b"hello\n", b"- a\n- b\n", b"42\n", b"null\n",
                        b"[" + raw + b"]", b"- " + raw.replace(b"\n", b"\n  "), b"{}", b"[]", b"\xef\xbb\xbf" + raw))
        return op, f"{v[:40]!r}", v
    if op == "merge_key":
        m = KEY_LINE.match(lines[n])
        lines.insert(n, m.group("ind") + (b"  " if m.group("dash") else b"") + b"<<: " +
                     rng.choice((b"{id: X1}", b"[{a: 1}, {b: 2}]", b"*nope", b"1", b"{title: {en: x}}")))
        return op, where, b"\n".join(lines)
    return _tree_op(rng, raw)


def _tree_op(rng: random.Random, raw: bytes) -> tuple[str, str, bytes]:
    """A change to the parsed tree (delete, retype, duplicate, swap), dumped back as YAML."""
    import yaml

    try:
        doc = yaml.load(raw, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:
        return "tree_unparsed", "", raw
    nodes: list[tuple[object, object]] = []  # (container, key)

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for k in node:
                nodes.append((node, k))
                walk(node[k])
        elif isinstance(node, list):
            for i, item in enumerate(node):
                nodes.append((node, i))
                walk(item)

    walk(doc)
    if not nodes:
        return "tree_empty", "", raw
    container, key = rng.choice(nodes)
    op = rng.choice(("tree_delete", "tree_retype", "tree_duplicate", "tree_swap"))
    if op == "tree_delete":
        del container[key]  # type: ignore[index,attr-defined]
    elif op == "tree_retype":
        container[key] = rng.choice([[], {}, None, 0, -1.5, float("inf"), True, "", [container[key]],  # type: ignore[index]
                                     {"en": container[key]}, "x" * 1000, 10 ** 30])
    elif op == "tree_duplicate" and isinstance(container, list):
        container.insert(key, container[key])  # type: ignore[arg-type]
    else:
        values = [c for c, k in nodes if c is container]
        if isinstance(container, dict) and len(container) > 1:
            a, b = rng.sample(list(container), 2)
            container[a], container[b] = container[b], container[a]
        elif isinstance(container, list) and len(container) > 1:
            container.reverse()
        op = "tree_swap" if values else op
    return op, f"at {key!r}"[:80], yaml.safe_dump(doc, sort_keys=False, allow_unicode=True).encode("utf-8", "surrogatepass")


def _types_op(rng: random.Random, raw: bytes) -> tuple[str, str, bytes]:
    lines = raw.split(b"\n")
    keys = [n for n in _key_lines(lines) if KEY_LINE.match(lines[n]).group("rest").strip()] or _key_lines(lines)
    if not keys:
        return "retype_file", "", rng.choice(TYPE_VALUES)
    n = rng.choice(keys)
    v = rng.choice(TYPE_VALUES)
    return "retype", f"line {n + 1}: {v!r}", b"\n".join(_set_value(lines, n, v))


def _unicode_op(rng: random.Random, raw: bytes) -> tuple[str, str, bytes]:
    lines = raw.split(b"\n")
    keys = _key_lines(lines)
    op = rng.choice(("in_value", "in_value", "in_key", "quoted_escape", "raw_bytes", "anywhere"))
    if op == "raw_bytes" or not keys:
        junk = rng.choice(RAW_BYTES)
        at = rng.randrange(len(raw) + 1)
        return "raw_bytes", f"{junk!r} at {at}", raw[:at] + junk + raw[at:]
    n = rng.choice(keys)
    m = KEY_LINE.match(lines[n])
    payload = rng.choice(UNICODE_PAYLOADS).encode("utf-8")
    if op == "in_value":
        rest = m.group("rest")
        at = rng.randrange(len(rest) + 1)
        lines[n] = lines[n][: m.start("rest")] + rest[:at] + payload + rest[at:]
    elif op == "in_key":
        lines[n] = lines[n][: m.end("key")] + payload + lines[n][m.end("key"):]
    elif op == "quoted_escape":
        payload = rng.choice(QUOTED_ESCAPES)
        lines = _set_value(lines, n, payload)
    else:
        at = rng.randrange(len(raw) + 1)
        return op, f"{payload!r} at {at}", raw[:at] + payload + raw[at:]
    return op, f"line {n + 1}: {payload!r}", b"\n".join(lines)


SPARQL_WORDS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE", "WHERE", "{", "}", "(", ")", "[", "]", ".", ";", ",",
                "?x", "?y", "$z", "*", "FILTER", "OPTIONAL", "UNION", "MINUS", "GRAPH", "SERVICE", "BIND", "AS",
                "VALUES", "GROUP", "BY", "HAVING", "ORDER", "LIMIT", "OFFSET", "1", "-1.5e9", '"x"', "'y'@en",
                "<http://a/>", "kbv:belief", "a", "^", "|", "/", "+", "?", "!", "EXISTS", "NOT", "IN", "REGEX",
                "COUNT", "DISTINCT", "#", "\n", "PREFIX", "BASE", ":", "_:b", "[]", "()", "UNDEF", "true")


def _sparql_op(rng: random.Random, raw: bytes, port: int) -> tuple[str, str, bytes]:
    text = raw.decode("utf-8")
    body_at = text.find("{")
    op = rng.choice(("nest_group", "nest_optional", "nest_expression", "nest_subquery", "nest_path", "service",
                     "service", "garbage", "tokens", "huge", "update", "odd_form", "slow"))
    target = f"<http://127.0.0.1:{port}/sparql>"
    if op.startswith("nest"):
        depth = rng.choice((10, 63, 65, 100, 1000, 10000, 100000))
        if op == "nest_group":
            inner = "{" * depth + " ?s ?p ?o " + "}" * depth
        elif op == "nest_optional":
            inner = "OPTIONAL { ?s ?p ?o " * depth + "}" * depth
        elif op == "nest_expression":
            inner = "FILTER(" + "(" * depth + "1" + ")" * depth + ")"
        elif op == "nest_subquery":
            inner = "{ SELECT * WHERE " * depth + "{ ?s ?p ?o }" + " }" * depth
        else:
            inner = "?s " + "(" * depth + "kbv:x" + ")*" * depth + " ?o"
        new = text[:body_at + 1] + inner + " " + text[body_at + 1:] if body_at >= 0 else "SELECT * WHERE { " + inner + " }"
        return op, f"depth {depth}", new.encode("utf-8")
    if op == "service":
        form = rng.choice((
            f"SERVICE {target} {{ ?s ?p ?o }}", f"service {target} {{ ?s ?p ?o }}", f"SeRvIcE SILENT {target} {{ }}",
            f"SERVICE ?endpoint {{ ?s ?p ?o }} VALUES ?endpoint {{ {target} }}", f"SERVICE#c\n{target} {{ ?s ?p ?o }}",
            f"SERV\\u0049CE {target} {{ ?s ?p ?o }}", f"\\u0053ERVICE {target} {{ ?s ?p ?o }}",
            f"OPTIONAL {{ SERVICE {target} {{ ?s ?p ?o }} }}", f"MINUS {{ SERVICE {target} {{ ?s ?p ?o }} }}",
            f"FILTER EXISTS {{ SERVICE {target} {{ ?s ?p ?o }} }}", f"{{ SELECT * WHERE {{ SERVICE {target} {{ ?a ?b ?c }} }} }}",
            f"{{ }} UNION {{ SERVICE {target} {{ ?s ?p ?o }} }}", f"SERVICE\t\n{target}{{?s ?p ?o}}",
            f"SERVICE <http://127.0.0.1:{port}/> {{ ?s ?p ?o }}", f"SERVICE <//127.0.0.1:{port}/x> {{ ?s ?p ?o }}",
            f"GRAPH ?g {{ SERVICE {target} {{ ?s ?p ?o }} }}", f"BIND(EXISTS {{ SERVICE {target} {{ }} }} AS ?e)",
            f"SERVICE SILENT ?x {{ }}", f"SERVIC\\u0045 SILENT {target} {{ }}", f"S\\U00000045RVICE {target} {{ }}",
        ))
        new = text[:body_at + 1] + " " + form + " " + text[body_at + 1:] if body_at >= 0 else "SELECT * WHERE { " + form + " }"
        if rng.random() < 0.2:
            new = f"PREFIX fz: <http://127.0.0.1:{port}/>\n" + new.replace(target, "fz:sparql")
        return op, form[:60], new.encode("utf-8")
    if op == "garbage":
        return op, "random bytes", bytes(rng.randrange(256) for _ in range(rng.randint(1, 400)))
    if op == "tokens":
        words = [rng.choice(SPARQL_WORDS) for _ in range(rng.randint(1, 80))]
        return op, " ".join(words)[:60], " ".join(words).encode("utf-8")
    if op == "huge":
        kind = rng.choice(("repeat", "literal", "values", "union"))
        if kind == "repeat":
            new = text * (100_001 // max(1, len(text)) + 1)
        elif kind == "literal":
            new = text[:body_at + 1] + ' FILTER(?x != "' + "x" * rng.choice((50_000, 100_001, 500_000)) + '") ' + text[body_at + 1:]
        elif kind == "values":
            new = "SELECT * WHERE { VALUES ?v { " + " ".join(str(k) for k in range(rng.choice((1000, 20_000)))) + " } }"
        else:
            new = "SELECT * WHERE { " + " UNION ".join(["{ ?s ?p ?o }"] * rng.choice((100, 3000))) + " }"
        return op, f"{kind}: {len(new)} chars", new.encode("utf-8")
    if op == "update":
        form = rng.choice(("INSERT DATA { <a:x> <a:y> <a:z> }", "DROP ALL", f"LOAD {target}", "CLEAR DEFAULT",
                           "DELETE WHERE { ?s ?p ?o }", "WITH <a:g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
                           "CREATE GRAPH <a:g>", "COPY DEFAULT TO <a:g>"))
        return op, form[:60], (text + " ;\n" + form if rng.random() < 0.5 else form).encode("utf-8")
    if op == "odd_form":
        form = rng.choice(("DESCRIBE *", "DESCRIBE <a:b>", "CONSTRUCT WHERE { ?s ?p ?o }", "ASK {}", "SELECT * {}",
                           "SELECT (1/0 AS ?x) {}", "SELECT ?x { BIND(xsd:decimal('NaN') AS ?x) }",
                           "SELECT * FROM <file:///etc/passwd> { ?s ?p ?o }",
                           f"SELECT * FROM NAMED {target} {{ GRAPH ?g {{ ?s ?p ?o }} }}",
                           "BASE <file:///etc/passwd> SELECT * { <> ?p ?o }", "PREFIX : <javascript:alert(1)> SELECT * { :a ?p ?o }",
                           "SELECT (STRLANG('x', 'not a tag!') AS ?x) {}", "SELECT ?x { BIND('\\u0000\\u001b[31m' AS ?x) }",
                           "SELECT (IRI('bad iri') AS ?x) {}", "SELECT (<a:b> AS ?x) { } GROUP BY (1/0)",
                           "CONSTRUCT { ?s <a:p> 'x\\u0007'@en } WHERE { ?s ?p ?o } LIMIT 3",
                           "SELECT * { ?s ?p ?o } LIMIT 99999999999999999999", "SELECT * { ?s ?p ?o } OFFSET -1"))
        return op, form[:60], form.encode("utf-8")
    form = rng.choice(('SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f }',
                       'SELECT * { ?s ?p ?o FILTER(REGEX(STR(?o), "(a+)+b")) }',
                       'SELECT * { ?s (<a:x>|!<a:y>)* ?o }'))
    return "slow", form[:60], form.encode("utf-8")


def _fs_op(rng: random.Random) -> tuple[str, str, str]:
    """(op, detail, fs action) of a change to the file itself, not its bytes."""
    op = rng.choice(("symlink_out", "fifo", "folder", "rename_control", "rename_ansi", "rename_bidi", "rename_ext"))
    if op.startswith("rename"):
        new = {"rename_control": "x\n{stem}{suffix}", "rename_ansi": "\x1b[31m{stem}\x1b[0m{suffix}",
               "rename_bidi": "{stem}\u202e{suffix}", "rename_ext": "{stem}.yml"}[op]
        return op, new, "rename"
    return op, "", op


def make_mutation(seed: int, kind: str, index: int, files: dict[str, bytes], port: int) -> Mutation:
    """The mutation of case ``index`` of ``kind`` (yaml or query): a function of the seed and index only."""
    rng = random.Random(f"{seed}:{kind}:{index}")
    if kind == "query":
        pool = sorted(f for f in files if f.startswith("queries/"))
        family = rng.choices(QUERY_FAMILIES, weights=(14, 2, 2, 1))[0]
    else:
        pool = sorted(f for f in files if not f.startswith("queries/"))
        family = rng.choices(YAML_FAMILIES, weights=(4, 5, 4, 4, 1))[0]
        # kb.yaml and the registry files are few but hold the most: give them a fair share
        weights = [12 if f == "kb.yaml" else 6 if f.startswith("registry/") else 1 for f in pool]
        pool = [rng.choices(pool, weights=weights)[0]]
    file = rng.choice(pool)
    raw = files[file]
    if family == "files":
        op, detail, fs = _fs_op(rng)
        if fs == "rename":
            path = Path(file)
            detail = str(path.parent / detail.format(stem=path.stem, suffix=path.suffix))
        return Mutation(kind, index, file, family, op, detail, fs=fs)
    if family == "bytes":
        op, detail, data = _bytes_op(rng, raw)
    elif family == "structure":
        op, detail, data = _structure_op(rng, raw)
    elif family == "types":
        op, detail, data = _types_op(rng, raw)
    elif family == "unicode":
        op, detail, data = _unicode_op(rng, raw)
    else:
        op, detail, data = _sparql_op(rng, raw, port)
    return Mutation(kind, index, file, family, op, detail, data=data)


# --- the KB copy -------------------------------------------------------------------------

def shipped_files(source: Path = REPO) -> dict[str, bytes]:
    """The shipped KB's files that the fuzzer mutates, by path relative to the root."""
    out = {"kb.yaml": (source / "kb.yaml").read_bytes()}
    for part in KB_PARTS[1:]:
        for path in sorted((source / part).iterdir()):
            if path.is_file() and path.suffix in (".yaml", ".rq", ".csv"):
                out[f"{part}/{path.name}"] = path.read_bytes()
    return out


def make_copy(files: dict[str, bytes], root: Path) -> None:
    for rel, raw in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(raw)


def _remove(path: Path) -> None:
    if path.is_symlink() or path.exists() or os.path.lexists(path):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()


def apply(m: Mutation, root: Path) -> None:
    target = root / m.file
    if m.data is not None:
        target.write_bytes(m.data)
    elif m.fs == "symlink_out":
        target.unlink()
        target.symlink_to("/etc/passwd")
    elif m.fs == "fifo":
        target.unlink()
        os.mkfifo(target)
    elif m.fs == "folder":
        target.unlink()
        target.mkdir()
        (target / "inner.yaml").write_bytes(b"id: X\n")
    elif m.fs == "rename":
        target.rename(root / m.detail)


def restore(m: Mutation, root: Path, files: dict[str, bytes]) -> None:
    target = root / m.file
    if m.fs == "rename":
        _remove(root / m.detail)
    elif m.fs:
        _remove(target)
    target.write_bytes(files[m.file])


# --- running one case ---------------------------------------------------------------------

class CaseTimeout(BaseException):
    """Raised by the watchdog alarm; a BaseException, so neither kb nor click can swallow it."""


def _alarm(signum, frame):  # noqa: ARG001
    raise CaseTimeout()


@dataclass
class Outcome:
    kind: str
    index: int
    file: str
    family: str
    op: str
    detail: str
    cls: str = "ok"
    command: str = ""
    exit: int | None = None
    second: str = ""
    second_exit: int | None = None
    output: str = ""
    seconds: float = 0.0


def _invoke(args: list[str]):
    from click.testing import CliRunner

    from kb.cli import main

    # color=True: otherwise click strips ANSI escapes from what it echoes into the runner,
    # and a raw escape that a terminal would obey went unseen
    return CliRunner().invoke(main, args, catch_exceptions=True, color=True)


def _streams(result) -> tuple[str, str]:
    try:
        err = result.stderr
    except ValueError:
        err = ""
    return result.stdout, err


def _first_lines(text: str, n: int = 12) -> str:
    lines = text.split("\n")
    out = "\n".join(line[:300] for line in lines[:n])
    return out + (f"\n... ({len(lines) - n} more lines)" if len(lines) > n else "")


def classify(result, allowed_ok: bool = True) -> tuple[str, str]:
    """(class, output) of one kb command's CliRunner result, by the rules in the module docstring."""
    out, err = _streams(result)
    text = f"stdout:\n{_first_lines(out)}\nstderr:\n{_first_lines(err)}"
    exc = result.exception
    if exc is not None and not isinstance(exc, SystemExit):
        tb = "".join(traceback.format_exception(*result.exc_info)) if result.exc_info else repr(exc)
        return "TRACEBACK", f"{text}\n{_last_lines(tb)}"
    if "Traceback (most recent call last)" in out + err:
        return "TRACEBACK", text
    code = result.exit_code
    allowed = (DIAGNOSTIC, KB_LINE) + ((USAGE,) if code == 2 else ())
    broken = bad_lines(err, allowed)
    if broken:
        return "BROKEN MESSAGE", f"why: {_why_broken(broken[0])}\n{text}"
    said = any(KB_LINE.match(line) or (code == 1 and DIAGNOSTIC.match(line)) or (code == 2 and line.startswith("Error: "))
               for line in err.split("\n"))
    if code == 0:
        return "ok", text
    if code in (1, 2) and not said:
        return "BROKEN MESSAGE", f"why: exit {code} without a message\n{text}"
    if code in (1, 2):
        return ("problems" if code == 1 else "usage"), text
    return "BROKEN MESSAGE", f"why: exit {code}\n{text}"


def _why_broken(line: str) -> str:
    """What is wrong with one output line: the first raw control character, or its format."""
    m = UNSAFE.search(line)
    if m:
        return f"raw U+{ord(m.group()):04X} in a message line"
    return "a line that is no message (a message broken over lines?)"


def _last_lines(text: str, n: int = 8) -> str:
    return "\n".join(text.rstrip("\n").split("\n")[-n:])


def _check_summary(result) -> str:
    """Problems with ``kb check``'s stdout (the summary line), or ''."""
    out, _ = _streams(result)
    bad = bad_lines(out, (SUMMARY,))
    return f"stdout lines out of format: {bad[:3]!r}" if bad else ""


XSD = "http://www.w3.org/2001/XMLSchema#"
LEXICAL = {
    XSD + "decimal": re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$"),
    XSD + "integer": re.compile(r"^[+-]?\d+$"),
    XSD + "nonNegativeInteger": re.compile(r"^\+?\d+$|^-0+$"),
    XSD + "double": re.compile(r"^([+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|[+-]?INF|NaN)$"),
    XSD + "boolean": re.compile(r"^(true|false|1|0)$"),
    XSD + "date": re.compile(r"^-?\d{4,}-\d{2}-\d{2}(Z|[+-]\d{2}:\d{2})?$"),
    XSD + "gYear": re.compile(r"^-?\d{4,}(Z|[+-]\d{2}:\d{2})?$"),
}


NOT_XML_CHAR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def validate(command: str, out: str) -> str:
    """Why ``out`` is not valid output of ``command``, or ''."""
    try:
        if command in ("status", "show", "gaps", "query"):
            def refuse(name: str) -> None:
                raise ValueError(f"{name} is not JSON")

            json.loads(out, parse_constant=refuse)
        elif command == "graph":
            import xml.etree.ElementTree as ET

            ET.fromstring(out.encode("utf-8"))
        elif command == "export":
            import datetime as dt

            import pyoxigraph as ox

            for triple in ox.parse(out.encode("utf-8"), format=ox.RdfFormat.TURTLE):
                obj = triple.object
                if isinstance(obj, ox.Literal):
                    pattern = LEXICAL.get(obj.datatype.value)
                    if pattern and not pattern.match(obj.value):
                        return f"literal {obj.value[:60]!r} is not a valid {obj.datatype.value}"
                    if obj.datatype.value == XSD + "date":
                        dt.date.fromisoformat(obj.value[:10])
                    bad = NOT_XML_CHAR.search(obj.value)
                    if bad:  # outside xsd:string's (XML's) characters: an ill-typed literal
                        return f"literal with U+{ord(bad.group()):04X}, which no xsd:string holds: {obj.value[:60]!r}"
    except Exception as exc:  # noqa: BLE001 - any failure to parse is the finding
        return f"{type(exc).__name__}: {str(exc)[:300]}"
    return ""


def second_command(index: int, m: Mutation) -> tuple[str, list[str]]:
    """The second command of an ok case: round-robin over SECOND by the case's index."""
    name = SECOND[index % len(SECOND)]
    if name == "show":
        stem = Path(m.file).stem
        item = stem if m.file.startswith(("hypotheses/", "evidence/")) else random.Random(index).choice(("H01", "E012", "H04"))
        return name, ["show", item, "--format", "json"]
    if name == "query":
        queries = sorted(p for p in ("constructs-by-hypotheses", "contradicted", "evidence-by-context-phase",
                                     "for-and-against", "lineage", "standings", "without-evidence"))
        return name, ["query", f"queries/{queries[index % len(queries)]}.rq", "--format", "json", "--timeout", QUERY_TIMEOUT]
    return name, {"status": ["status", "--format", "json"], "graph": ["graph", "--format", "graphml"],
                  "export": ["export", "--format", "ttl"], "gaps": ["gaps", "--format", "json"]}[name]


def run_case(m: Mutation, root: Path, files: dict[str, bytes], listener: socket.socket | None) -> Outcome:
    """Apply ``m`` to the copy at ``root``, run kb on it, classify, and restore the file."""
    o = Outcome(m.kind, m.index, m.file, m.family, m.op, m.detail)
    start = time.perf_counter()
    apply(m, root)
    try:
        if m.kind == "query":
            args = ["-C", str(root), "query", m.file, "--timeout", QUERY_TIMEOUT]
            o.command = "kb " + " ".join(args[2:])
            result = _invoke(args)
            o.exit = result.exit_code
            o.cls, o.output = classify(result)
            if listener is not None and _was_contacted(listener):
                o.cls = "NETWORK"
        else:
            args = ["-C", str(root), "check"]
            o.command = "kb check"
            result = _invoke(args)
            o.exit = result.exit_code
            o.cls, o.output = classify(result)
            summary = _check_summary(result) if o.cls in PASSING else ""
            if summary:
                o.cls, o.output = "BROKEN MESSAGE", f"{summary}\n{o.output}"
            if o.cls == "ok":
                o.second, args = second_command(m.index, m)
                result = _invoke(["-C", str(root)] + args)
                o.second_exit = result.exit_code
                cls, text = classify(result)
                o.command = "kb check && kb " + " ".join(args)
                if cls in FAILING:
                    o.cls, o.output = cls, text
                elif cls == "ok":
                    why = validate(o.second, _streams(result)[0])
                    if why:
                        o.cls, o.output = "INVALID OUTPUT", f"{why}\n{text}"
    finally:
        restore(m, root, files)
    o.seconds = round(time.perf_counter() - start, 3)
    return o


def _was_contacted(listener: socket.socket) -> bool:
    contacted = False
    while select.select([listener], [], [], 0)[0]:
        try:
            conn, _ = listener.accept()
            conn.close()
            contacted = True
        except OSError:
            break
    return contacted


def _listen() -> socket.socket:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    s.listen(64)
    return s


# --- the worker: one process running a range of cases ---------------------------------------

def worker(kind: str, start: int, end: int, seed: int, fd: int, time_limit: float, port: int) -> int:
    """Run cases [start, end) of ``kind``, writing one JSON line per event to ``fd``; exit 3 after a hang."""
    signal.signal(signal.SIGALRM, _alarm)
    out = os.fdopen(fd, "w", buffering=1)
    listener = None
    if port:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", port))
        listener.listen(64)
    files = shipped_files()
    with tempfile.TemporaryDirectory(prefix="kb-fuzz-") as tmp:
        root = Path(tmp) / "kb"
        make_copy(files, root)
        os.chdir(root)  # kb query looks for queries/x.rq in the working folder first
        os.environ["KB_CACHE_DIR"] = str(Path(tmp) / "cache")
        os.environ.pop("KB_NO_CACHE", None)
        _invoke(["-C", str(root), "check"])  # fills the cache with the unchanged files
        for index in range(start, end):
            m = make_mutation(seed, kind, index, files, port)
            out.write(json.dumps({"start": index}) + "\n")
            signal.setitimer(signal.ITIMER_REAL, time_limit)
            try:
                _test_hooks(kind, index)
                o = run_case(m, root, files, listener)
            except CaseTimeout:
                o = Outcome(m.kind, m.index, m.file, m.family, m.op, m.detail, cls="HANG",
                            output=f"no outcome within {time_limit:g} s")
                signal.setitimer(signal.ITIMER_REAL, 0)
                out.write(json.dumps(asdict(o)) + "\n")
                return 3
            except Exception as exc:  # noqa: BLE001 - the fuzzer's own failure, reported with the case
                o = Outcome(m.kind, m.index, m.file, m.family, m.op, m.detail, cls="TRACEBACK",
                            output="fuzzer: " + _last_lines(traceback.format_exc(), 12))
                try:
                    restore(m, root, files)
                except OSError:
                    pass
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
            out.write(json.dumps(asdict(o)) + "\n")
    return 0


def _test_hooks(kind: str, index: int) -> None:
    """Let tests prove that a crash or a hang is caught: KB_FUZZ_CRASH_AT / KB_FUZZ_HANG_AT=kind:index."""
    if os.environ.get("KB_FUZZ_CRASH_AT") == f"{kind}:{index}":
        os.kill(os.getpid(), signal.SIGSEGV)
    if os.environ.get("KB_FUZZ_HANG_AT") == f"{kind}:{index}":
        time.sleep(3600)


# --- the parent: workers, restarts, counts ----------------------------------------------------

@dataclass
class Report:
    counts: dict[str, dict[str, int]] = field(default_factory=dict)  # kind -> class -> n
    mutations: dict[str, dict[str, int]] = field(default_factory=dict)  # kind -> family -> n
    ops: dict[str, int] = field(default_factory=dict)
    second: dict[str, int] = field(default_factory=dict)  # second command -> cases it ran on
    seconds: dict[str, float] = field(default_factory=dict)
    done: dict[str, int] = field(default_factory=dict)
    failing: list[dict] = field(default_factory=list)

    def add(self, record: dict) -> None:
        kind = record["kind"]
        self.counts.setdefault(kind, {}).setdefault(record["cls"], 0)
        self.counts[kind][record["cls"]] += 1
        fam = self.mutations.setdefault(kind, {})
        fam[record["family"]] = fam.get(record["family"], 0) + 1
        key = f"{kind}/{record['family']}/{record['op']}"
        self.ops[key] = self.ops.get(key, 0) + 1
        if record.get("second"):
            self.second[record["second"]] = self.second.get(record["second"], 0) + 1
        self.seconds[kind] = self.seconds.get(kind, 0.0) + record.get("seconds", 0.0)
        self.done[kind] = self.done.get(kind, 0) + 1
        if record["cls"] in FAILING:
            self.failing.append(record)

    def failures(self) -> int:
        return sum(n for kind in self.counts.values() for cls, n in kind.items() if cls in FAILING)


def _spawn(kind: str, start: int, end: int, seed: int, time_limit: float, port: int,
           log: Path) -> tuple[subprocess.Popen, int]:
    r, w = os.pipe()
    cmd = [sys.executable, "-m", "benchmarks.fuzz", "--worker", kind, str(start), str(end), "--seed", str(seed),
           "--result-fd", str(w), "--time-limit", str(time_limit), "--port", str(port)]
    with open(log, "ab") as err:
        proc = subprocess.Popen(cmd, cwd=REPO, pass_fds=(w,), stdin=subprocess.DEVNULL, stdout=err, stderr=err,
                                start_new_session=True)
    os.close(w)
    return proc, r


def _kill(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # the worker and the query children it forked
    except ProcessLookupError:
        pass
    proc.wait()


def run_range(kind: str, start: int, end: int, seed: int, time_limit: float, batch: int,
              emit, log: Path) -> None:
    """Run cases [start, end) of ``kind`` in successive workers; emit(record) for each case."""
    port = _free_port() if kind == "query" else 0
    index = start
    while index < end:
        stop = min(end, index + batch)
        proc, fd = _spawn(kind, index, stop, seed, time_limit, port, log)
        current, buffer, last = None, b"", time.monotonic()
        with os.fdopen(fd, "rb", buffering=0) as pipe:
            while True:
                ready = select.select([pipe], [], [], 1.0)[0]
                if ready:
                    chunk = pipe.read(1 << 16)
                    if not chunk:
                        break
                    buffer += chunk
                    *lines, buffer = buffer.split(b"\n")
                    for line in lines:
                        event = json.loads(line)
                        last = time.monotonic()
                        if "start" in event:
                            current = event["start"]
                        else:
                            emit(event)
                            index, current = event["index"] + 1, None
                elif current is not None and time.monotonic() - last > time_limit * 3 + 30:
                    _kill(proc)  # hung where the alarm could not reach it (inside C code)
                    emit(_lost(kind, current, seed, "HANG", f"no outcome within {time_limit * 3 + 30:g} s; killed"))
                    index, current = current + 1, None
                    break
                elif proc.poll() is not None and not select.select([pipe], [], [], 0.2)[0]:
                    break
        status = proc.wait()
        if current is not None:  # the worker died in the middle of a case
            what = f"signal {-status}" if status < 0 else f"exit {status}"
            emit(_lost(kind, current, seed, "SEGFAULT", f"the process running the case died ({what}); "
                       + _last_lines(_tail(log), 6)))
            index = current + 1
        elif index < stop and status not in (0, 3):
            emit(_lost(kind, index, seed, "SEGFAULT", f"worker ended with status {status} before the case; "
                       + _last_lines(_tail(log), 6)))
            index += 1


def _tail(path: Path) -> str:
    try:
        with open(path, "rb") as f:
            f.seek(max(0, f.seek(0, 2) - 2000))
            return f.read().decode("utf-8", "replace")
    except OSError:
        return ""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _lost(kind: str, index: int, seed: int, cls: str, output: str) -> dict:
    m = make_mutation(seed, kind, index, shipped_files(), 0)
    return asdict(Outcome(kind, index, m.file, m.family, m.op, m.detail, cls=cls, output=output))


def run(cases: int, queries: int, seed: int, jobs: int = 1, time_limit: float = 20.0, batch: int = 1000,
        out: Path | None = None, progress: bool = False) -> Report:
    """Run ``cases`` YAML cases and ``queries`` query cases; the report of counts and failing cases."""
    import threading

    report = Report()
    lock = threading.Lock()
    started = time.monotonic()
    handle = open(out, "w", encoding="utf-8") if out else None

    def emit(record: dict) -> None:
        with lock:
            report.add(record)
            if record["cls"] in FAILING and handle:
                record = dict(record, replay=f"python3 -m benchmarks.fuzz --seed {seed} --replay "
                                             f"{record['kind']}:{record['index']} --keep /tmp/kb-case")
                handle.write(json.dumps(record, ensure_ascii=True) + "\n")
                handle.flush()
            n = sum(report.done.values())
            if progress and n % 1000 == 0:
                print(f"{n} cases, {time.monotonic() - started:.0f} s: {summary_line(report)}", flush=True)

    # batch-sized ranges of both kinds, interleaved by how far into its kind each starts, so a
    # long run stopped early has covered YAML and queries in proportion
    ranges = []
    for kind, total in (("yaml", cases), ("query", queries)):
        step = max(1, min(batch, -(-total // jobs)))
        ranges += [(kind, a, min(total, a + step)) for a in range(0, total, step)]
    ranges.sort(key=lambda r: (r[1] / (cases if r[0] == "yaml" else queries), r[0]))
    log_dir = Path(tempfile.mkdtemp(prefix="kb-fuzz-logs-"))
    try:
        pending = list(ranges)
        threads: list[threading.Thread] = []
        while pending or threads:
            threads = [t for t in threads if t.is_alive()]
            while pending and len(threads) < jobs:
                kind, a, b = pending.pop(0)
                t = threading.Thread(target=run_range, args=(kind, a, b, seed, time_limit, batch, emit,
                                                             log_dir / f"{kind}-{a}.log"), daemon=True)
                t.start()
                threads.append(t)
            time.sleep(0.1)
    finally:
        shutil.rmtree(log_dir, ignore_errors=True)
        if handle:
            handle.close()
    report.failing.sort(key=lambda r: (r["kind"], r["index"]))
    report.seconds["wall"] = round(time.monotonic() - started, 1)
    return report


def summary_line(report: Report) -> str:
    return "; ".join(f"{kind}: " + ", ".join(f"{cls} {n}" for cls, n in sorted(counts.items()))
                     for kind, counts in sorted(report.counts.items()))


def print_report(report: Report) -> None:
    for kind in sorted(report.counts):
        print(f"{kind} cases: {report.done[kind]} ({report.seconds[kind] / max(1, report.done[kind]) * 1000:.0f} ms each)")
        for cls in PASSING + FAILING:
            print(f"  {cls:15} {report.counts[kind].get(cls, 0)}")
        print("  mutations: " + ", ".join(f"{f} {n}" for f, n in sorted(report.mutations[kind].items())))
        if kind == "yaml":
            print("  second commands: " + ", ".join(f"{c} {n}" for c, n in sorted(report.second.items())))
    causes: dict[str, int] = {}
    for r in report.failing:
        causes[cause(r)] = causes.get(cause(r), 0) + 1
    if causes:
        print("distinct causes:")
        for c, n in sorted(causes.items(), key=lambda kv: -kv[1]):
            print(f"  {n:6}  {c}")
    print(f"wall time {report.seconds['wall']} s")


def cause(record: dict) -> str:
    """A short name for why a case failed: the class plus the exception's last line or the bad output."""
    lines = [line for line in record["output"].split("\n") if line.strip()]
    if record["cls"] == "TRACEBACK":
        frames = [line.strip() for line in lines if line.strip().startswith('File "')]
        where = re.sub(r'File ".*?/((kb|benchmarks)/[^"]+)", line \d+, in (\S+)', r"\1 \3", frames[-1]) if frames else ""
        last = lines[-1][:120] if lines else ""
        return f"TRACEBACK {re.sub(r'[0-9]+', 'N', last.split(':')[0])} at {where}"
    if record["cls"] == "INVALID OUTPUT":
        return f"INVALID OUTPUT of {record.get('second')}: {re.sub(r'[0-9]+', 'N', lines[0][:80]) if lines else ''}"
    if record["cls"] == "BROKEN MESSAGE":
        why = lines[0][5:] if lines and lines[0].startswith("why: ") else ""
        return f"BROKEN MESSAGE ({why}) of {record['command'].split(' && ')[-1].split(' ')[1]}"
    return f"{record['cls']} after {record['family']}/{record['op']}"


def replay(seed: int, spec: str, keep: Path | None) -> int:
    kind, _, index = spec.partition(":")
    files = shipped_files()
    tmp = Path(tempfile.mkdtemp(prefix="kb-fuzz-replay-"))
    root = keep or tmp / "kb"
    if keep and keep.exists():
        shutil.rmtree(keep)
    make_copy(files, root)
    os.chdir(root)
    os.environ.setdefault("KB_CACHE_DIR", str(tmp / "cache"))
    listener = _listen() if kind == "query" else None
    m = make_mutation(seed, kind, int(index), files, listener.getsockname()[1] if listener else 0)
    o = run_case(m, root, files, listener)
    print(json.dumps(asdict(o), indent=2, ensure_ascii=True))
    if keep:
        apply(m, root)
        print(f"the mutated KB is in {root}")
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python3 -m benchmarks.fuzz", description=__doc__.split("\n\n")[0])
    p.add_argument("--cases", type=int, default=2000, help="YAML cases (kb.yaml, items, registries)")
    p.add_argument("--queries", type=int, default=0, help="saved-query cases (queries/*.rq)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--out", type=Path, help="write the failing cases here as JSON lines")
    p.add_argument("--jobs", type=int, default=1, help="worker processes at once")
    p.add_argument("--time-limit", type=float, default=20.0, help="seconds per case before it counts as a hang")
    p.add_argument("--batch", type=int, default=1000, help="cases per worker process before a fresh one")
    p.add_argument("--replay", metavar="KIND:INDEX", help="run one case again (yaml:12, query:3) and print it")
    p.add_argument("--keep", type=Path, help="with --replay: leave the mutated KB in this folder")
    p.add_argument("--worker", nargs=3, metavar=("KIND", "START", "END"), help=argparse.SUPPRESS)
    p.add_argument("--result-fd", type=int, help=argparse.SUPPRESS)
    p.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        kind, a, b = args.worker
        return worker(kind, int(a), int(b), args.seed, args.result_fd, args.time_limit, args.port)
    if args.replay:
        return replay(args.seed, args.replay, args.keep)
    report = run(args.cases, args.queries, args.seed, args.jobs, args.time_limit, args.batch, args.out, progress=True)
    print_report(report)
    return 1 if report.failures() else 0


if __name__ == "__main__":
    sys.exit(main())
