"""Problems, in two channels.

Mistakes in a user's files are *data*: a :class:`Diagnostic` carries the code,
severity, file, line, column, field path and message. Loaders and checks
return lists of them; the CLI reports them all at once and exits once.

"Cannot continue" is an *exception*, one small tree::

    KbError
    ├── NoKnowledgeBase     no kb.yaml found walking up from the directory
    ├── ConfigError         kb.yaml cannot be used (carries its diagnostics)
    ├── UnknownItem         an id asked for on the command line does not exist
    ├── HistoryError        git is missing, the clone is shallow, a revision is unknown
    ├── StoreError          a SPARQL store is down or refused a request
    ├── QueryError          a SPARQL query is malformed or not allowed
    └── SiteError           the website could not be built

The library never imports click; ``kb.cli`` turns these into messages and
exit codes (0 fine, 1 problems found, 2 could not run) in one place.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Iterable, Literal

Severity = Literal["error", "warning"]

#: Every diagnostic code with a one-line title. docs/diagnostics.md has one
#: heading per code (a test keeps the two in step).
CODES: dict[str, str] = {
    # reading a file
    "KB101": "file is not UTF-8 text",
    "KB102": "file is binary",
    "KB103": "file is empty",
    "KB104": "YAML syntax error",
    "KB105": "more than one YAML document in a file",
    "KB106": "duplicate key in a mapping",
    "KB107": "aliases expand too far (possible alias bomb)",
    "KB108": "YAML tag not allowed",
    "KB109": "wrong shape at the top of a file",
    "KB110": "not a regular file inside the knowledge base",
    "KB111": "file or text too large, or nested too deep",
    "KB112": "BibTeX or CSL-JSON entry cannot be read",
    # one item against the model
    "KB201": "unknown field",
    "KB202": "missing required field",
    "KB203": "wrong type",
    "KB204": "value not allowed",
    "KB205": "not a valid date",
    "KB206": "invalid id",
    "KB207": "not a valid IRI, URL or language tag",
    # across files
    "KB301": "duplicate id",
    "KB302": "unknown reference",
    "KB303": "cycle in refines, supersedes, part_of or broader",
    "KB304": "revision dated before the hypothesis was proposed",
    "KB305": "the same judgement recorded twice",
    "KB306": "measurement does not fit the evidence kind",
    "KB307": "refers to an item whose file has errors (a follow-on)",
    # warnings
    "KB401": "evidence links to no hypothesis",
    "KB402": "declared status disagrees with the evidence",
    "KB403": "file name does not match the id",
    "KB404": "language not listed in kb.yaml",
    "KB405": "source without DOI, URL or ISBN",
    "KB406": "dated before the item it belongs to",
    "KB407": "a GRADE-CERQual assessment is out of date",
    "KB408": "a CERQual rating without an explanation",
    # the KB against its git history (kb.history.checks)
    "KB501": "milestone tag does not exist",
    "KB502": "milestone tag far from the milestone's date",
    # the site build (kb.rdf.questions)
    "KB601": "saved question failed",
    # survey datasets and the measurements that cite them (kb.survey)
    "KB701": "survey answer outside the scale",
    "KB702": "respondent twice in one survey round",
    "KB703": "survey context or round the knowledge base does not know",
    "KB704": "survey file lacks a column the dataset names",
    "KB705": "survey cell cannot be read",
    "KB706": "survey file cannot be read",
    "KB707": "measurement disagrees with the dataset it cites",
    "KB708": "measurement cites a result the dataset does not give",
    "KB709": "survey file not found",
}


# Characters a file could use to forge output: C0 and C1 controls (newlines,
# ANSI escapes), DEL, the Unicode line and paragraph separators and the bidi
# overrides that reorder what a terminal shows.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """``text`` with every control character written as an escape (``\\n``, ``\\x1b``, ``\\u202e``).

    Every diagnostic passes through here before it is shown, so a value or a
    file name cannot start a new line, colour a terminal or pose as another
    diagnostic.
    """
    return _UNSAFE.sub(_escape, text) if _UNSAFE.search(text) else text


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    named = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(char)
    if named:
        return named
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


@dataclass(frozen=True)
class Diagnostic:
    """One problem in the user's files, with where it was found.

    ``follow_on`` marks a problem that exists only because of another one
    (a reference to an item whose file could not be read): such diagnostics
    sort after every other, so the real mistake is read first.
    """

    path: str
    line: int
    column: int
    code: str
    message: str
    field: str = ""
    severity: Severity = "error"
    hint: str = ""
    follow_on: bool = False

    def __post_init__(self) -> None:
        if self.code not in CODES:  # a programming error, not a user one
            raise ValueError(f"unregistered diagnostic code {self.code}")

    def _key(self) -> tuple:
        return (self.follow_on, self.path, self.line, self.column, self.code, self.message,
                self.field, self.severity, self.hint)

    def __lt__(self, other: "Diagnostic") -> bool:
        return self._key() < other._key()

    def format(self) -> str:
        where = f"{printable(self.path)}:{self.line}:{self.column}"
        return f"{where}: {self.severity} {self._text()}"

    def _text(self) -> str:
        """'KBnnn field: message (hint)', with control characters escaped."""
        what = f"{self.field}: " if self.field else ""
        text = f"{self.code} {what}{self.message}"
        return printable(f"{text} ({self.hint})" if self.hint else text)

    def as_dict(self) -> dict:
        return {
            "path": printable(self.path),
            "line": self.line,
            "column": self.column,
            "severity": self.severity,
            "code": self.code,
            "field": printable(self.field),
            "message": printable(self.message),
            "hint": printable(self.hint),
            "follow_on": self.follow_on,
        }

    def format_github(self) -> str:
        """A GitHub Actions workflow command: shows as a pull-request annotation."""
        kind = "error" if self.severity == "error" else "warning"
        # GitHub's escaping rules for workflow command data and properties (after ours,
        # which already leaves no line break)
        msg = self._text().replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        path = printable(self.path).replace("%", "%25").replace(",", "%2C").replace(":", "%3A")
        return f"::{kind} file={path},line={self.line},col={self.column}::{msg}"


def errors_in(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    return [d for d in diagnostics if d.severity == "error"]


def did_you_mean(value: object, choices: Iterable[str]) -> str:
    """A 'did you mean' hint for ``value`` among ``choices``, or ''."""
    if not isinstance(value, str):
        return ""
    options = sorted(set(choices))
    close = difflib.get_close_matches(value, options, n=1, cutoff=0.6)
    if not close:
        lowered = {o.lower(): o for o in options}
        close = [lowered[value.lower()]] if value.lower() in lowered else []
    return f"did you mean '{close[0]}'?" if close else ""


class KbError(Exception):
    """Base of every error after which a kb command cannot continue."""


class NoKnowledgeBase(KbError):
    """No kb.yaml in the directory or any parent."""


class ConfigError(KbError):
    """kb.yaml exists but cannot be used."""

    def __init__(self, message: str, diagnostics: list[Diagnostic] | None = None):
        super().__init__(message)
        self.diagnostics = diagnostics or []


class UnknownItem(KbError):
    """An id given on the command line names nothing in the knowledge base."""


class HistoryError(KbError):
    """The git history cannot be read (no git, shallow clone, unknown revision)."""


class StoreError(KbError):
    """A SPARQL store could not be reached or refused the request."""


class QueryError(KbError):
    """A SPARQL query is malformed or asks for something not allowed."""


class SiteError(KbError):
    """The website could not be built (MkDocs failed, or strict mode found warnings)."""


class ProblemsFound(KbError):
    """The knowledge base has errors (or, in strict mode, warnings): the diagnostics say which. Exit status 1."""

    def __init__(self, message: str, diagnostics: list[Diagnostic] | None = None):
        super().__init__(message)
        self.diagnostics = diagnostics or []


@dataclass
class Report:
    """All diagnostics of one run, errors and warnings kept apart."""

    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "warning"]
