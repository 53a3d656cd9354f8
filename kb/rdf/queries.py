"""SPARQL queries that a stranger may have written: read, checked and run within limits.

A saved query comes from a pull request as easily as a YAML file does, and
the build machine answers it. This module is where a query's text meets the
engine, and it keeps three promises:

* **No request to another address.** A federated ``SERVICE`` clause is
  refused (unless the caller allows it) when the query's *tokens* hold the
  keyword: the text is first unescaped as the engine unescapes it (``\\u0053``
  is an ``S`` to SPARQL), then strings, IRIs and comments are skipped by the
  grammar's own rules, and any remaining word ``service`` in any position and
  any case counts as federated (a variable ``?service`` does not).
  pyoxigraph has no public algebra to inspect, and deciding on tokens errs
  only towards refusing.
* **No crash, no endless work.** Text past :data:`MAX_QUERY_CHARS` or
  brackets nested past :data:`MAX_NESTING` are refused before the engine
  sees them (its parser recurses, and deep nesting overflows its stack), and
  every query is parsed and answered in a forked child process that is
  killed at the time limit: a query that still crashes the engine or runs
  too long costs only that child. The answer comes back as SPARQL TSV (JSON
  for a yes/no, N-Triples for a graph), parsed again by pyoxigraph.
* **Saved queries come from the KB only.** :func:`read_saved_queries` reads
  ``queries/*.rq`` as :mod:`kb.load.files` reads YAML: regular files inside
  the root, never a FIFO or a symlink that leaves it, with a size limit.

``python -m kb.rdf.queries FILE.rq`` checks one query text (exit 0 when it
would be run, 2 with the reason when not); the fuzz tests use it.
"""

from __future__ import annotations

import json
import os
import re
import select
import signal
import sys
import time
from pathlib import Path
from typing import Any

from kb.errors import Diagnostic, QueryError

#: Queries longer than this (in characters) are refused: no reviewer's question is.
MAX_QUERY_CHARS = 100_000
#: Deepest nesting of {}, () and [] allowed; pyoxigraph's parser overflows its stack
#: in the low thousands.
MAX_NESTING = 64
#: Seconds a query may run when neither kb.yaml (query_timeout) nor --timeout says otherwise.
DEFAULT_TIMEOUT = 30.0
#: The largest answer (as SPARQL TSV or N-Triples) a query may give: a few hundred thousand rows.
MAX_ANSWER_BYTES = 16 * 2**20
#: The folder of saved questions, relative to the KB root.
QUERY_DIR = "queries"
QUERY_SUFFIX = ".rq"

_UPDATE_MESSAGE = "SPARQL Update is not allowed: kb query only reads (use SELECT, ASK or CONSTRUCT)"
_SERVICE_MESSAGE = (
    "the query uses a federated SERVICE clause, which would send requests to another "
    "address; refused (pass --allow-service if you trust this query)"
)

# --- reading the query's tokens --------------------------------------------------------

_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
# The grammar's own terminals (SPARQL 1.1, section 19.8): what is inside them is not code.
_STRING = re.compile(
    r"""'''(?:(?:'|'')?(?:[^'\\]|\\[tbnrf\\"']))*'''"""
    r'''|"""(?:(?:"|"")?(?:[^"\\]|\\[tbnrf\\"']))*"""'''
    r"""|'(?:[^'\\\n\r]|\\[tbnrf\\"'])*'"""
    r'''|"(?:[^"\\\n\r]|\\[tbnrf\\"'])*"'''
)
_IRI = re.compile(r'<[^<>"{}|^`\\\x00-\x20]*>')
_SPECIAL = re.compile(r"[\"'<#]")
_SERVICE_WORD = re.compile(r"(?<![?$\w])service(?!\w)", re.IGNORECASE)
_UPDATE_WORD = re.compile(r"(?<![?$\w:])(INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY)(?![\w:])", re.IGNORECASE)
_READ_WORD = re.compile(r"(?<![?$\w:])(SELECT|ASK|CONSTRUCT|DESCRIBE)(?![\w:])", re.IGNORECASE)
_OPEN, _CLOSE = "{([", "})]"


def unescape_codepoints(text: str) -> str:
    """``\\uXXXX`` and ``\\UXXXXXXXX`` replaced by their characters, everywhere, as SPARQL does
    before it parses (section 19.2): ``\\u0053ERVICE`` is the keyword SERVICE."""
    def one(m: re.Match) -> str:
        code = int(m.group(1) or m.group(2), 16)
        return chr(code) if code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else m.group(0)

    return _CODEPOINT.sub(one, text)


def code_parts(text: str) -> list[str]:
    """The stretches of an (unescaped) query that are code: strings, IRIs and comments left out.

    One pass, left to right, as the grammar's tokenizer reads: a ``<`` that
    starts no IRI is an operator and stays in the code; a quote that starts
    no complete string makes the query invalid, and it is refused here (so a
    malformed string can hide nothing, and no input makes this scan slower
    than linear).
    """
    parts, at, pos = [], 0, 0
    while (m := _SPECIAL.search(text, pos)) is not None:
        start, ch = m.start(), m.group()
        if ch == "#":
            ends = [k for k in (text.find("\n", start), text.find("\r", start)) if k >= 0]
            end = min(ends) if ends else len(text)
        elif ch == "<":
            iri = _IRI.match(text, start)
            if iri is None:
                pos = start + 1
                continue
            end = iri.end()
        else:
            string = _STRING.match(text, start)
            if string is None:
                line = text.count("\n", 0, start) + 1
                raise QueryError(f"the query is not valid SPARQL: the string starting on line {line} is not closed "
                                 "(or holds an escape SPARQL does not know)")
            end = string.end()
        parts.append(text[at:start])
        at = pos = end
    parts.append(text[at:])
    return parts


def _nesting(parts: list[str]) -> int:
    deepest = depth = 0
    for part in parts:
        for ch in part:
            if ch in _OPEN:
                depth += 1
                deepest = max(deepest, depth)
            elif ch in _CLOSE:
                depth = max(depth - 1, 0)
    return deepest


def guard_query(text: str, allow_service: bool = False) -> None:
    """Refuse what must not reach the engine: too long, too deep, an update, SERVICE unless allowed."""
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"the query is {len(text):,} characters long; the limit is {MAX_QUERY_CHARS:,}")
    if "\x00" in text:
        raise QueryError("the query holds a NUL character; a SPARQL query is text")
    parts = code_parts(unescape_codepoints(text))
    depth = _nesting(parts)
    if depth > MAX_NESTING:
        raise QueryError(f"the query nests brackets {depth} deep; the limit is {MAX_NESTING}")
    code = " ".join(parts)
    if _UPDATE_WORD.search(code) and not _READ_WORD.search(code):
        raise QueryError(_UPDATE_MESSAGE)
    if not allow_service and _SERVICE_WORD.search(code):
        raise QueryError(_SERVICE_MESSAGE)


# --- running one query in a child that can be stopped ----------------------------------


class Triples(list):
    """The triples a CONSTRUCT or DESCRIBE query made (pyoxigraph Triples), in the engine's order."""


def run_query(store: Any, text: str, allow_service: bool = False, timeout: float | None = DEFAULT_TIMEOUT,
              prefixes: dict[str, str] | None = None) -> Any:
    """Check ``text`` and answer it on ``store`` within ``timeout`` seconds.

    Returns pyoxigraph's QuerySolutions or QueryBoolean, or :class:`Triples`;
    raises QueryError when the query is refused, invalid, too slow or crashes
    the engine. The answering process is forked once per store (it shares
    the store copy-on-write, so nothing is copied in) and answers every later
    query on the same store, so the fork is paid once; it is killed at the
    time limit or when it crashes, and the next query forks a fresh one. The
    store must not change once it has been queried. Where the system cannot
    fork, or with no ``timeout``, the query runs in this process.
    """
    import pyoxigraph as ox

    if prefixes is None:
        from kb.rdf.export import PREFIXES as prefixes
    guard_query(text, allow_service)
    if not hasattr(os, "fork") or timeout is None:
        return _decode(*_answer(store, text, prefixes), ox)
    worker = _Worker.for_store(store, prefixes)
    data = worker.ask(text, time.monotonic() + timeout)
    if data is None:
        worker.stop()
        raise QueryError(f"the query did not finish within {timeout:g} s and was stopped"
                         " (set query_timeout in kb.yaml or pass --timeout to allow longer)")
    if not data:  # a frame is never empty: the child ended without an answer
        status = worker.stop()
        if os.WIFSIGNALED(status):
            raise QueryError(f"the query crashed the SPARQL engine (signal {os.WTERMSIG(status)}); "
                             "simplify it (fewer nested or chained expressions)")
        raise QueryError("the query failed without an answer")
    kind, body = data[:1], data[1:]
    if kind == b"E":
        raise QueryError(body.decode("utf-8", "replace"))
    return _decode(kind, body, ox)


_DIED = b""
_LENGTH = 8


class _Worker:
    """A forked child that answers queries on one store, one at a time, through two pipes."""

    current: "_Worker | None" = None

    def __init__(self, store: Any, prefixes: dict[str, str]) -> None:
        self.store_id, self.prefixes_id = id(store), id(prefixes)
        self.store = store  # kept, so that its id cannot be reused by another store
        request_r, request_w = os.pipe()
        answer_r, answer_w = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: serve until the parent closes the request pipe, then leave
            try:
                import faulthandler

                faulthandler.disable()  # a crash is reported by the parent, as one line
                os.close(request_w)
                os.close(answer_r)
                _serve(store, prefixes, request_r, answer_w)
            finally:
                os._exit(0)  # never run anything of the parent's (atexit, buffers)
        os.close(request_r)
        os.close(answer_w)
        self.pid, self.requests, self.answers = pid, request_w, answer_r

    @classmethod
    def for_store(cls, store: Any, prefixes: dict[str, str]) -> "_Worker":
        worker = cls.current
        if worker is None or worker.store_id != id(store) or worker.prefixes_id != id(prefixes):
            if worker is not None:
                worker.stop()
            worker = cls.current = cls(store, prefixes)
        return worker

    def ask(self, text: str, deadline: float) -> bytes | None:
        """The answer frame; None at the deadline; _DIED when the child ended without one."""
        raw = text.encode("utf-8", "surrogatepass")
        try:
            _write_all(self.requests, len(raw).to_bytes(_LENGTH, "little") + raw)
            head = _read_exactly(self.answers, _LENGTH, deadline)
            if head is None or len(head) < _LENGTH:
                return head if head is None else _DIED
            size = int.from_bytes(head, "little")
            body = _read_exactly(self.answers, size, deadline)
        except OSError:  # BrokenPipeError: the child is gone
            return _DIED
        if body is None or len(body) == size:
            return body
        return _DIED

    def stop(self) -> int:
        """Kill the child (if still running) and return its wait status."""
        if _Worker.current is self:
            _Worker.current = None
        for fd in (self.requests, self.answers):
            try:
                os.close(fd)
            except OSError:
                pass
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        return os.waitpid(self.pid, 0)[1]


def _serve(store: Any, prefixes: dict[str, str], requests: int, answers: int) -> None:
    while True:
        head = _read_exactly(requests, _LENGTH, None)
        if not head or len(head) < _LENGTH:
            return
        text = (_read_exactly(requests, int.from_bytes(head, "little"), None) or b"").decode("utf-8", "surrogatepass")
        try:
            kind, body = _answer(store, text, prefixes)
            frame = kind + body
        except QueryError as exc:
            frame = b"E" + str(exc).encode("utf-8", "replace")
        except Exception as exc:  # reported as the query's failure, never raised into the parent's code
            frame = b"E" + f"the query failed: {exc}".encode("utf-8", "replace")
        _write_all(answers, len(frame).to_bytes(_LENGTH, "little") + frame)


def _read_exactly(fd: int, size: int, deadline: float | None) -> bytes | None:
    """``size`` bytes from ``fd`` (fewer at end of file); None if ``deadline`` passes first."""
    chunks, got = [], 0
    while got < size:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                return None
        chunk = os.read(fd, min(size - got, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def _answer(store: Any, text: str, prefixes: dict[str, str]) -> tuple[bytes, bytes]:
    """(kind, bytes) of the answer: b'V' SPARQL TSV of solutions, b'S' SPARQL JSON of a boolean, b'T' N-Triples.

    TSV for solutions because it is the cheapest to write and read back of
    the lossless results formats (every term in its N-Triples form): for
    1,000 rows, 1.2 ms to parse and walk against JSON's 3.5 ms.
    """
    import pyoxigraph as ox

    try:
        result = store.query(text, prefixes=prefixes, use_default_graph_as_union=True)
    except SyntaxError as exc:
        if _UPDATE_WORD.search(" ".join(code_parts(unescape_codepoints(text)))):
            raise QueryError(_UPDATE_MESSAGE) from None
        raise QueryError(f"the query is not valid SPARQL: {exc}") from None
    except OSError as exc:
        raise QueryError(f"the query failed: {exc}") from None
    try:
        if isinstance(result, ox.QueryTriples):
            kind, body = b"T", result.serialize(format=ox.RdfFormat.N_TRIPLES) or b""
        elif isinstance(result, ox.QuerySolutions):
            kind, body = b"V", result.serialize(format=ox.QueryResultsFormat.TSV) or b""
        else:
            kind, body = b"S", result.serialize(format=ox.QueryResultsFormat.JSON) or b""
    except (OSError, ValueError) as exc:
        raise QueryError(f"the query failed: {exc}") from None
    if len(body) > MAX_ANSWER_BYTES:  # reading and printing it back would outlast any time limit
        raise QueryError(f"the answer is {len(body) / 2**20:,.0f} MB, more than the {MAX_ANSWER_BYTES // 2**20} MB "
                         "kb query shows; narrow the query or add a LIMIT (kb export gives the whole graph)")
    return kind, body


def _decode(kind: bytes, body: bytes, ox: Any) -> Any:
    if kind == b"T":
        return Triples(ox.Triple(q.subject, q.predicate, q.object)
                       for q in ox.parse(body, format=ox.RdfFormat.N_TRIPLES))
    if kind == b"V":
        return ox.parse_query_results(body, format=ox.QueryResultsFormat.TSV)
    return ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


# --- saved queries ---------------------------------------------------------------------


# --- answers as text ------------------------------------------------------------------


#: The ``kb query --format`` values that apply to each query form: the W3C SPARQL 1.1 results
#: formats (CSV and TSV are defined for SELECT only) or an RDF syntax for a graph; ``table``,
#: for people, applies to every form (a graph is shown as Turtle).
RESULT_FORMATS = {
    "SELECT": ("table", "csv", "tsv", "json", "xml"),
    "ASK": ("table", "json", "xml"),
    "CONSTRUCT": ("table", "ttl", "nt", "jsonld"),
    "DESCRIBE": ("table", "ttl", "nt", "jsonld"),
}


def query_form(text: str) -> str | None:
    """SELECT, ASK, CONSTRUCT or DESCRIBE: the query's first form keyword outside strings, IRIs and
    comments (the prologue before it holds none; a sub-SELECT comes after it). None when there is none."""
    try:
        m = _READ_WORD.search(" ".join(code_parts(unescape_codepoints(text))))
    except QueryError:
        return None
    return m.group(1).upper() if m else None


def format_problem(form: str | None, fmt: str) -> str | None:
    """Why ``--format fmt`` does not apply to a query of this form, or None when it does."""
    if form is None or fmt in RESULT_FORMATS[form]:
        return None
    why = " (the W3C CSV and TSV results formats are for SELECT only)" if fmt in ("csv", "tsv") else ""
    return f"--format {fmt} does not apply to a{'n' if form == 'ASK' else ''} {form} query{why}; " \
           f"use {', '.join(RESULT_FORMATS[form][:-1])} or {RESULT_FORMATS[form][-1]}"


def _form_of(result: Any, ox: Any) -> str:
    if isinstance(result, ox.QueryBoolean):
        return "ASK"
    if isinstance(result, (ox.QueryTriples, Triples)):
        return "CONSTRUCT"
    return "SELECT"


def format_result(result: Any, fmt: str) -> str:
    """A query result as text in the asked format, exactly as the W3C format says.

    SELECT: ``csv``, ``tsv``, ``json``, ``xml`` (SPARQL 1.1 Query Results) or a ``table``; ASK:
    ``json``, ``xml`` or ``table`` (true or false); CONSTRUCT and DESCRIBE: ``ttl``, ``nt``,
    ``jsonld`` (the triples sorted) or ``table`` (Turtle). Any other pairing raises QueryError,
    with the formats that apply (:func:`format_problem`).
    """
    import pyoxigraph as ox

    from kb.rdf.export import serialize_triples, solutions_table

    form = _form_of(result, ox)
    problem = format_problem(form, fmt)
    if problem:
        raise QueryError(problem)
    if form == "CONSTRUCT":
        items = sorted(result, key=lambda t: (t.subject.value, t.predicate.value, str(t.object)))
        return serialize_triples(items, fmt if fmt in ("nt", "jsonld") else "ttl")
    if fmt == "table":
        if form == "ASK":
            return ("true" if bool(result) else "false") + "\n"
        variables, rows = solutions_table(result)
        return text_table(variables, rows) + f"({len(rows)} rows)\n"
    kind = {"json": ox.QueryResultsFormat.JSON, "xml": ox.QueryResultsFormat.XML, "csv": ox.QueryResultsFormat.CSV,
            "tsv": ox.QueryResultsFormat.TSV}[fmt]
    text = result.serialize(format=kind).decode("utf-8")
    return text if text.endswith("\n") else text + "\n"


def text_table(columns: list[str], rows: list[list[str]]) -> str:
    """Solutions as an aligned plain-text table, for a terminal."""
    widths = [max([len(c), *(len(r[k]) for r in rows)]) for k, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths)).rstrip()]
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip() for r in rows]
    return "\n".join(lines) + "\n"


def read_saved_queries(root: Path) -> tuple[list[tuple[str, str]], list[Diagnostic]]:
    """The saved questions ``queries/*.rq`` as (name, text), sorted by name, and why any was refused.

    Each is read as :func:`kb.load.files.read_inside` reads any input: a
    regular file inside the root (a symlink only if it stays inside and
    outside dot-folders), never blocking on a FIFO, at most
    :data:`kb.load.files.MAX_FILE_BYTES`; a file that is not UTF-8 is refused
    too. A refused file is reported and its content is never returned, so a
    page can never publish it. Whether a query may run is :func:`run_query`'s
    decision, made when it runs.
    """
    from kb.load.files import Refused, list_folder, read_inside

    out: list[tuple[str, str]] = []
    problems: list[Diagnostic] = []
    names = list_folder(root, QUERY_DIR, problems)
    for name in names:
        if not name.endswith(QUERY_SUFFIX) or name.startswith("."):
            continue
        rel = f"{QUERY_DIR}/{name}"
        try:
            raw = read_inside(root, rel)
            text = raw.decode("utf-8")
        except Refused as exc:
            problems.append(exc.diagnostic)
            continue
        except UnicodeDecodeError as exc:
            problems.append(Diagnostic(rel, 1, 1, "KB101", f"byte 0x{raw[exc.start]:02x} is not valid UTF-8",
                                       hint="save the query as UTF-8"))
            continue
        out.append((name[: -len(QUERY_SUFFIX)], text))
    return out, problems


def main(argv: list[str]) -> int:
    """``python -m kb.rdf.queries FILE``: would kb run this query? 0 yes, 2 no (with the reason)."""
    if len(argv) != 1:
        print("usage: python -m kb.rdf.queries FILE.rq", file=sys.stderr)
        return 2
    try:
        guard_query(Path(argv[0]).read_text(encoding="utf-8"))
    except (QueryError, OSError, UnicodeDecodeError) as exc:
        print(f"kb: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
