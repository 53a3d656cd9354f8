"""The mapping file: what each code of a QDA project means in kb.

The researcher writes it once (``kb import qdpx FILE --draft-mapping`` drafts
it, with the nearest constructs and hypotheses as suggestions), usually as
``imports/qdpx-mapping.yaml`` in the knowledge base::

    project: arenas-2021         # what names the project in kb (default: its name in the export)
    illustrative: false          # true marks every imported item as an example
    codes:
      tillit:                    # the code's name (or its GUID)
        hypothesis: H01
        stance: supports
        strength: moderate
        construct: trust         # optional, recorded with the coding
      deltakelse-skjev: {ignore: true}
    documents:
      intervju-stad-01.txt:      # the source document's name (or its GUID)
        kind: interview
        context: stad-hjemmebasert-omsorg
        date: 2021-05-20
        phase: start
        unit: segment            # or document: one item for the document, with all its codings

:func:`read_mapping` takes the file and the KB and returns a :class:`Mapping`
or raises ImportProblem listing every mistake with its line.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError

from kb.errors import did_you_mean, printable
from kb.imports import ImportProblem
from kb.model import Day, EvidenceKind, Id, KnowledgeBase, Stance, Strength, Strict, StrictBool, StrictStr

DEFAULT_PATH = "imports/qdpx-mapping.yaml"

#: words in a document's name that suggest its kind, for the draft (Norwegian and English)
_KIND_WORDS = (
    ("interview", ("intervju", "interview")),
    ("field_observation", ("felt", "field", "observ")),
    ("workshop_record", ("verksted", "workshop")),
    ("arena_record", ("arena", "mote", "møte", "meeting")),
)


class CodeMap(Strict):
    """What one code means: a judgement on a hypothesis, a construct, or nothing."""

    guid: StrictStr | None = Field(default=None, description="The code's GUID (matched before the name).")
    hypothesis: Id | None = None
    stance: Stance | None = None
    strength: Strength = "moderate"
    construct_: Id | None = Field(default=None, alias="construct")
    ignore: StrictBool = False


class DocumentMap(Strict):
    """How one source document becomes evidence."""

    guid: StrictStr | None = None
    kind: EvidenceKind | None = None
    context: Id | None = None
    date: Day | None = None
    phase: StrictStr | None = None
    unit: Literal["segment", "document"] = "segment"


class MappingFile(Strict):
    project: StrictStr | None = None
    illustrative: StrictBool = False
    codes: dict[StrictStr, CodeMap] = Field(default_factory=dict)
    documents: dict[StrictStr, DocumentMap] = Field(default_factory=dict)


class Mapping:
    """A checked mapping file, answering by GUID first and by name second."""

    def __init__(self, data: MappingFile, path: str):
        self.path = path
        #: what identifies the project in kb (its items' origin.project): REFI-QDA gives a project
        #: no GUID, and tools name every project alike ("qc project"), so the mapping may say
        self.project = data.project
        self.illustrative = data.illustrative
        self._codes = data.codes
        self._documents = data.documents

    def code(self, guid: str, name: str) -> CodeMap | None:
        return _find(self._codes, guid, name)

    def document(self, guid: str, name: str) -> DocumentMap | None:
        return _find(self._documents, guid, name)


def _find(table: dict, guid: str, name: str):
    for key, entry in table.items():
        if entry.guid == guid or key == guid:
            return entry
    return table.get(name)


def read_mapping(path: Path, kb: KnowledgeBase, shown: str) -> Mapping:
    """The mapping file at ``path`` checked against ``kb``; ImportProblem listing each mistake."""
    from kb.load.yamlread import read_yaml

    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ImportProblem(f"{shown}: cannot read the mapping file: {exc.strerror or exc}") from None
    data, marks, diags = read_yaml(raw, shown)
    if diags:
        raise ImportProblem("the mapping file cannot be read:\n" + "\n".join(d.format() for d in diags))
    if data is None:
        data = {}
    problems: list[str] = []
    try:
        parsed = MappingFile.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(err["loc"])
            problems.append(_at(shown, marks, loc) + f"{'.'.join(map(str, loc))}: {err['msg']}")
        raise ImportProblem("the mapping file has mistakes:\n" + "\n".join(problems)) from None
    for name, entry in parsed.codes.items():
        where = _at(shown, marks, ("codes", name))
        if entry.ignore:
            continue
        if entry.hypothesis is None and entry.construct_ is None:
            problems.append(where + f"code {name!r} maps to nothing: give a hypothesis (with a stance),"
                            " a construct, or 'ignore: true'")
        if entry.hypothesis is not None:
            if entry.hypothesis not in kb.hypotheses:
                problems.append(where + f"code {name!r}: unknown hypothesis {entry.hypothesis!r}"
                                + _hint(entry.hypothesis, kb.hypotheses))
            if entry.stance is None:
                problems.append(where + f"code {name!r}: a hypothesis needs a stance (supports, contradicts, qualifies)")
        if entry.construct_ is not None and entry.construct_ not in kb.constructs:
            problems.append(where + f"code {name!r}: unknown construct {entry.construct_!r}"
                            + _hint(entry.construct_, kb.constructs))
    for name, doc in parsed.documents.items():
        if doc.context is not None and doc.context not in kb.contexts:
            problems.append(_at(shown, marks, ("documents", name)) + f"document {name!r}: unknown context "
                            f"{doc.context!r}" + _hint(doc.context, kb.contexts))
        if doc.phase is not None and doc.phase not in kb.config.phases:
            problems.append(_at(shown, marks, ("documents", name)) + f"document {name!r}: unknown phase "
                            f"{doc.phase!r} (kb.yaml lists {', '.join(kb.config.phases)})")
    if problems:
        raise ImportProblem("the mapping file has mistakes:\n" + "\n".join(printable(p) for p in problems))
    return Mapping(parsed, shown)


def _hint(value: str, choices) -> str:
    hint = did_you_mean(value, choices)
    return f" ({hint})" if hint else ""


def _at(shown: str, marks: dict, loc: tuple) -> str:
    while loc and loc not in marks:
        loc = loc[:-1]
    line, col = marks.get(loc, (1, 1))
    return f"{shown}:{line}:{col}: "


# --- the draft ---------------------------------------------------------------------------


def draft(project, kb: KnowledgeBase, known: Mapping | None = None) -> str:
    """YAML text of a mapping for every code and document of ``project`` that ``known`` lacks.

    Each code gets the nearest construct by name as a suggestion (difflib, on
    ids and labels), and the hypotheses about that construct as comments;
    nothing is mapped to a hypothesis without the researcher choosing it.
    """
    lines: list[str] = []
    codes = [c for c in sorted(project.codes.values(), key=lambda c: c.path)
             if known is None or known.code(c.guid, c.name) is None]
    documents = [s for s in project.sources if known is None or known.document(s.guid, s.name) is None]
    if known is None:
        lines += ["# kb import qdpx: what each code of the QDA project means in kb (see docs/import-qdpx.md).",
                  "# Drafted from the codebook: check every entry. A code maps to a hypothesis (with a stance",
                  "# and a strength), a construct, or 'ignore: true'.",
                  f"project: {_key(project.name)}   # names the project in kb: keep it once items are imported",
                  "illustrative: false", ""]
    if codes:
        lines.append("codes:")
        for code in codes:
            lines += _draft_code(code, kb)
    if documents:
        lines += ["", "documents:"] if codes else ["documents:"]
        for src in documents:
            lines += _draft_document(src)
    return "\n".join(lines).rstrip("\n") + "\n"


def _draft_code(code, kb: KnowledgeBase) -> list[str]:
    out = [f"  {_key(code.name)}:", f"    guid: {code.guid}"]
    construct = _nearest_construct(code.name, kb)
    if construct:
        out.append(f"    construct: {construct}   # nearest construct by name: check it")
        about = [h.id for h in kb.hypotheses.values()
                 if h.relation is not None and construct in (h.relation.from_, h.relation.to)]
        for hid in about:
            out.append(f"    # hypothesis: {hid}   # {kb.text(kb.hypotheses[hid].title)}")
        if about:
            out += ["    # stance: supports", "    # strength: moderate"]
    else:
        out.append("    ignore: true   # no construct near this name: map it, or leave it ignored")
    return out


def _nearest_construct(name: str, kb: KnowledgeBase) -> str | None:
    words = {}
    for cid, construct in kb.constructs.items():
        words[cid.lower()] = cid
        label = construct.label if isinstance(construct.label, dict) else {"": construct.label}
        for text in label.values():
            words[text.lower()] = cid
    wanted = name.lower().replace("_", "-")
    close = difflib.get_close_matches(wanted, list(words), n=1, cutoff=0.6)
    if close:
        return words[close[0]]
    # a code named by one word of a longer label ('dialog' for "Dialog ansikt til ansikt")
    within = sorted(w for w in words if wanted in w.replace("-", " ").split())
    return words[within[0]] if within else None


def _draft_document(src) -> list[str]:
    kind = _guess_kind(src)
    date = src.date.isoformat() if src.date else "null   # write the date it was recorded (YYYY-MM-DD)"
    return [f"  {_key(src.name)}:", f"    guid: {src.guid}", f"    kind: {kind}",
            "    context: null   # the context id it comes from (registry/)", f"    date: {date}"]


def _guess_kind(src) -> str:
    low = src.name.lower()
    for kind, words in _KIND_WORDS:
        if any(w in low for w in words):
            return kind
    return "interview" if src.type in ("audio", "video") else "document"


def _key(name: str) -> str:
    import json

    return json.dumps(name, ensure_ascii=False)  # a JSON string is a YAML string, whatever it holds


def codes_not_mapped(project, mapping: Mapping) -> list[Any]:
    """The codes that some coding of the project uses and the mapping does not name."""
    used = {c.code for s in project.sources for seg in s.segments for c in seg.codings}
    return [project.codes[g] for g in sorted(used, key=lambda g: project.codes[g].path)
            if mapping.code(g, project.codes[g].name) is None]

