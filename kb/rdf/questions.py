"""The pipeline's saved-questions stage: ``queries/*.rq`` answered on the KB's Turtle download.

Takes the KB's root, the Turtle file the downloads stage wrote and
kb.yaml's ``query_timeout``; returns one :class:`~kb.site.kit.SavedQuery`
per question, answered, or with a note saying why not, plus a warning
:class:`~kb.errors.Diagnostic` for each that failed (``--strict`` fails on
them).

The store lives in a child process (``python -m kb.rdf.questions``): at
100,000 evidence items it takes 1.3 GB, and it runs after the process that
held the KB has ended (:mod:`kb.build`), so the two never come on top of
each other. Each question runs under
:func:`kb.rdf.queries.run_query`'s guard and time limit, so a hostile one
can neither reach the network nor hang or crash the build.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from kb.errors import Diagnostic

#: Rows of a saved question's answer shown on the site.
MAX_ANSWER_ROWS = 200


def answer_saved_questions(root: Path, turtle: Path, timeout: float | None) -> tuple[list[Any], list[Diagnostic]]:
    """(questions with their answers, warnings for those that failed or were refused).

    ``timeout``: kb.yaml's ``query_timeout`` (seconds a question may run), or None for the default.
    """
    from kb.rdf.queries import DEFAULT_TIMEOUT, read_saved_queries
    from kb.site.kit import SavedQuery

    found, warnings = read_saved_queries(root)
    if not found:
        return [], [_warning(d) for d in warnings]
    timeout = float(timeout or DEFAULT_TIMEOUT)
    request = {"turtle": str(turtle), "timeout": timeout, "queries": [text for _, text in found]}
    # the whole stage's own limit: the store's loading plus every question's
    limit = 300 + timeout * len(found)
    try:
        proc = subprocess.run([sys.executable, "-P", "-m", "kb.rdf.questions"], input=json.dumps(request),
                              capture_output=True, text=True, encoding="utf-8", timeout=limit)
        answers = json.loads(proc.stdout) if proc.returncode == 0 else None
    except (subprocess.TimeoutExpired, ValueError):
        answers = None
    if answers is None:
        why = "the saved questions could not be answered (their process failed)"
        answers = [{"error": why}] * len(found)
    out = []
    for (name, text), answer in zip(found, answers):
        description = leading_comment(text)
        if "error" in answer:
            warnings.append(Diagnostic(f"queries/{name}.rq", 1, 1, "KB601", f"saved question failed: {answer['error']}",
                                       severity="warning"))
            out.append(SavedQuery(name, description, text, note=f"the query failed ({answer['error']})"))
        else:
            out.append(SavedQuery(name, description, text, tuple(answer["columns"]),
                                  tuple(tuple(r) for r in answer["rows"][:MAX_ANSWER_ROWS]),
                                  types=tuple(tuple(r) for r in answer.get("types", [])[:MAX_ANSWER_ROWS])))
    return out, [_warning(d) for d in warnings]


def _warning(d: Diagnostic) -> Diagnostic:
    """A refused or failing saved question does not stop the build; it warns (and fails ``--strict``)."""
    from dataclasses import replace

    return d if d.severity == "warning" else replace(d, severity="warning")


def leading_comment(text: str) -> str:
    """The question's description: the comment lines it starts with."""
    lines = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped.startswith("#"):
            if stripped or lines:
                break
            continue
        lines.append(stripped.lstrip("#").strip())
    return "\n".join(lines).strip()


def answer_table(store: Any, text: str, timeout: float | None) -> tuple[list[str], list[list[str]]]:
    """A query's answer as (columns, rows of text): solutions, a yes/no, or triples."""
    columns, rows, _ = typed_answer(store, text, timeout)
    return columns, rows


def typed_answer(store: Any, text: str, timeout: float | None) -> tuple[list[str], list[list[str]], list[list[str]]]:
    """:func:`answer_table`'s answer, and each cell's :func:`term_type` (which its text alone no longer says)."""
    from kb.rdf.export import term_text
    from kb.rdf.queries import run_query

    result = run_query(store, text, timeout=timeout)
    if hasattr(result, "variables"):
        variables = [v.value for v in result.variables]
        terms = [[solution[v] for v in variables] for solution in result]
        return variables, [[term_text(t) for t in row] for row in terms], [[term_type(t) for t in row] for row in terms]
    if isinstance(result, list) or hasattr(result, "__iter__"):
        found = sorted(([term_text(t.subject), term_text(t.predicate), term_text(t.object)],
                        [term_type(t.subject), term_type(t.predicate), term_type(t.object)]) for t in result)
        return ["subject", "predicate", "object"], [r for r, _ in found], [k for _, k in found]
    return ["answer"], [["true" if bool(result) else "false"]], [["boolean"]]


#: Literal datatypes whose values are numbers with a fraction, rounded for display.
_DECIMALS = ("decimal", "double", "float")


def term_type(term: Any) -> str:
    """'iri' for a named node, 'decimal' for a number with a fraction, 'boolean', 'date', 'integer', or ''."""
    import pyoxigraph as ox

    if isinstance(term, ox.NamedNode):
        return "iri"
    if isinstance(term, ox.Literal) and term.datatype.value.startswith("http://www.w3.org/2001/XMLSchema#"):
        local = term.datatype.value.rsplit("#", 1)[1]
        if local in _DECIMALS:
            return "decimal"
        if local in ("boolean", "date", "dateTime", "integer"):
            return local
    return ""


def _child() -> int:
    """Read the request on stdin, answer every question, print the answers as JSON."""
    from kb.errors import KbError
    from kb.rdf.export import load_store_from

    request = json.load(sys.stdin)
    store = load_store_from(Path(request["turtle"]))
    answers = []
    for text in request["queries"]:
        try:
            columns, rows, types = typed_answer(store, text, request["timeout"])
            answers.append({"columns": columns, "rows": rows[:MAX_ANSWER_ROWS], "types": types[:MAX_ANSWER_ROWS]})
        except KbError as exc:
            answers.append({"error": str(exc)})
    json.dump(answers, sys.stdout, ensure_ascii=False)
    return 0


if __name__ == "__main__":
    sys.exit(_child())
