"""Read a REFI-QDA project (.qdpx) or codebook (.qdc) into plain objects.

Takes a path; returns a :class:`Project` (codes, users, sources with their
coded segments and the segments' text) or raises
:class:`~kb.imports.ImportProblem` with a message saying what is wrong. The
XML is parsed by pyrefiqda's pydantic models. The archive is read in memory
member by member, never extracted: pyrefiqda's own loader extracts every
member, which a hostile archive can turn into writes outside the folder or a
disk full of zeros.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from kb.imports import ImportProblem

#: limits for one archive: a real project with its transcripts stays far below them
MAX_MEMBERS = 10_000
MAX_MEMBER_BYTES = 200 * 1024 * 1024
MAX_TOTAL_BYTES = 1024 * 1024 * 1024
#: a member that unpacks to more than this many times its packed size is taken for a zip bomb
MAX_RATIO = 200

# Kind of source element -> what it is called in messages and in kb's default evidence kind
_SOURCE_KINDS = {"text_source": "text", "pdfsource": "pdf", "picture_source": "picture",
                 "audio_source": "audio", "video_source": "video"}


@dataclass(frozen=True)
class Code:
    guid: str
    name: str
    path: str  # parent names and its own, joined with '/'


@dataclass(frozen=True)
class Coding:
    guid: str
    code: str  # GUID of the code
    coder: str | None  # the user's name (or GUID where the project has no user list)
    date: dt.date | None


@dataclass(frozen=True)
class Segment:
    guid: str
    name: str | None
    start: int | None
    end: int | None
    text: str | None
    codings: tuple[Coding, ...]
    date: dt.date | None


@dataclass(frozen=True)
class Source:
    guid: str
    name: str
    type: str  # text, pdf, picture, audio, video
    date: dt.date | None
    segments: tuple[Segment, ...]


@dataclass(frozen=True)
class Project:
    name: str
    key: str  # what identifies the project across exports: its GUID, else its name
    tool: str
    codes: dict[str, Code] = field(default_factory=dict)
    sources: tuple[Source, ...] = ()


def read_qdpx(path: Path) -> Project:
    """The project in the .qdpx archive at ``path``; ImportProblem where it cannot be read."""
    members = _read_archive(path)
    qde = [name for name in members if PurePosixPath(name).suffix.lower() == ".qde" and "/" not in name]
    if len(qde) != 1:
        raise ImportProblem(f"{path}: a .qdpx holds one project file (*.qde) at its top; found "
                            f"{len(qde) or 'none'}" + (f" ({', '.join(sorted(qde))})" if qde else ""))
    from pyrefiqda.models import Project as RefiProject

    project = _parse(members[qde[0]], RefiProject, f"{path}:{qde[0]}")
    return _project(project, members, path)


def read_qdc(path: Path) -> Project:
    """The codebook in the .qdc file at ``path`` as a project with codes and no sources."""
    from pyrefiqda.models import CodeBook

    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise ImportProblem(f"{path}: cannot read it: {exc.strerror or exc}") from None
    book = _parse(raw, CodeBook, str(path))
    codes: dict[str, Code] = {}
    _collect_codes(book.codes.code if book.codes else [], "", codes)
    return Project(name=Path(path).stem, key=Path(path).stem, tool="REFI-QDA codebook", codes=codes)


def _read_archive(path: Path) -> dict[str, bytes]:
    """Every member of the archive, by name, after the safety checks."""
    try:
        archive = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise ImportProblem(f"{path}: no such file") from None
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ImportProblem(f"{path}: not a .qdpx file: it is not a zip archive ({exc})") from None
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_MEMBERS:
            raise ImportProblem(f"{path}: {len(infos)} files in the archive; kb reads at most {MAX_MEMBERS}")
        total = 0
        members: dict[str, bytes] = {}
        for info in infos:
            name = info.filename
            _check_member_name(path, name)
            if info.is_dir():
                continue
            total += info.file_size
            if info.file_size > MAX_MEMBER_BYTES or total > MAX_TOTAL_BYTES:
                raise ImportProblem(f"{path}: {name!r} unpacks to {info.file_size} bytes; kb reads members up to "
                                    f"{MAX_MEMBER_BYTES} bytes and {MAX_TOTAL_BYTES} in all")
            if info.compress_size and info.file_size / info.compress_size > MAX_RATIO and info.file_size > 1 << 20:
                raise ImportProblem(f"{path}: {name!r} unpacks to {info.file_size / info.compress_size:.0f} times its"
                                    " packed size: refused as a possible zip bomb")
            try:
                with archive.open(info) as handle:
                    # the declared size can lie: read one byte past it to find out
                    data = handle.read(info.file_size + 1)
            except (zipfile.BadZipFile, OSError, RuntimeError, ValueError, NotImplementedError) as exc:
                raise ImportProblem(f"{path}: cannot unpack {name!r}: {exc}") from None
            if len(data) > info.file_size:
                raise ImportProblem(f"{path}: {name!r} is larger than the archive says: refused")
            members[name] = data
        return members


def _check_member_name(path: Path, name: str) -> None:
    pure = PurePosixPath(name.replace("\\", "/"))
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name) or ".." in pure.parts or "\x00" in name:
        raise ImportProblem(f"{path}: the archive holds {name!r}, a path outside the project: refused")


def _parse(raw: bytes, model: type, where: str):
    """The XML in ``raw`` bound to a pyrefiqda model; ImportProblem with the parser's reason otherwise."""
    head = raw[:4096].lstrip()
    if b"<!DOCTYPE" in raw[:65536].upper() or b"<!ENTITY" in raw[:65536].upper():
        # REFI-QDA needs no DTD; one can only bring entity expansion or external fetches
        raise ImportProblem(f"{where}: the XML declares a DTD or entities, which REFI-QDA does not use: refused")
    if not head.startswith(b"<"):
        raise ImportProblem(f"{where}: not XML")
    _check_root(raw, model.__name__, where)
    import warnings

    from pydantic import ValidationError
    from xsdata.exceptions import ConverterWarning
    from xsdata_pydantic.bindings import XmlParser

    try:
        with warnings.catch_warnings():
            # xsdata only warns about a value it cannot convert (and keeps the text): refuse it
            warnings.simplefilter("error", ConverterWarning)
            return XmlParser().from_bytes(raw, model)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "(the element)"
        raise ImportProblem(f"{where}: not a REFI-QDA {model.__name__} document: in {exc.title}, {field}:"
                            f" {first['msg'].lower()}") from None
    except Exception as exc:  # xsdata's ParserError, lxml's XMLSyntaxError, ConverterWarning: no common base
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ImportProblem(f"{where}: not a REFI-QDA {model.__name__} document: {message}") from None


#: the root element each document must have (REFI-QDA's namespaces)
_ROOTS = {"Project": "{urn:QDA-XML:project:1.0}Project", "CodeBook": "{urn:QDA-XML:codebook:1.0}CodeBook"}


def _check_root(raw: bytes, kind: str, where: str) -> None:
    """ImportProblem unless ``raw`` is well-formed XML whose root is the REFI-QDA element for ``kind``."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(raw, parser)
    except etree.XMLSyntaxError as exc:
        raise ImportProblem(f"{where}: not well-formed XML: {exc}") from None
    if root.tag != _ROOTS[kind]:
        expected = _ROOTS[kind].split("}")[1]
        raise ImportProblem(f"{where}: not a REFI-QDA {kind.lower()}: its root element is {root.tag!r}, expected"
                            f" <{expected} xmlns=\"{_ROOTS[kind][1:].split('}')[0]}\">")


def _collect_codes(codes, parent: str, out: dict[str, Code]) -> None:
    for code in codes:
        path = f"{parent}/{code.name}" if parent else code.name
        out[code.guid] = Code(guid=code.guid, name=code.name, path=path)
        _collect_codes(code.code, path, out)


def _day(value) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date(value.year, value.month, value.day)
    except (AttributeError, TypeError, ValueError):
        return None


def _project(project, members: dict[str, bytes], path: Path) -> Project:
    users = {u.guid: (u.name or u.guid) for u in (project.users.user if project.users else [])}
    codes: dict[str, Code] = {}
    if project.code_book and project.code_book.codes:
        _collect_codes(project.code_book.codes.code, "", codes)
    sources: list[Source] = []
    if project.sources:
        for attr, kind in _SOURCE_KINDS.items():
            for src in getattr(project.sources, attr):
                sources.append(_source(src, kind, members, path, users, codes))
    key = getattr(project, "guid", None) or project.name
    return Project(name=project.name, key=key, tool=project.origin or "unknown REFI-QDA tool", codes=codes,
                   sources=tuple(sources))


def _source(src, kind: str, members: dict[str, bytes], path: Path, users: dict[str, str],
            codes: dict[str, Code]) -> Source:
    name = src.name or src.guid
    text = _source_text(src, kind, members, path, name)
    selections = (src.plain_text_selection if kind == "text" else
                  [s for s in getattr(src, "pdfselection", [])] if kind == "pdf" else
                  getattr(src, f"{kind}_selection", []))
    segments = []
    for sel in selections:
        start = getattr(sel, "start_position", None)
        end = getattr(sel, "end_position", None)
        if start is None:
            start, end = getattr(sel, "begin", None), getattr(sel, "end", None)
        quote = None
        if text is not None and start is not None and end is not None:
            if not 0 <= start <= end <= len(text):
                raise ImportProblem(f"{path}: segment {sel.guid} of {name!r} runs from {start} to {end}, outside"
                                    f" the document ({len(text)} characters)")
            quote = text[start:end].strip() or None
        codings = []
        for c in sel.coding:
            target = c.code_ref.target_guid
            if target not in codes:
                raise ImportProblem(f"{path}: coding {c.guid} in {name!r} refers to code {target}, which the"
                                    " codebook does not have")
            codings.append(Coding(guid=c.guid, code=target, coder=users.get(c.creating_user or "", c.creating_user),
                                  date=_day(c.creation_date_time)))
        segments.append(Segment(guid=sel.guid, name=sel.name, start=start, end=end, text=quote,
                                codings=tuple(codings), date=_day(sel.creation_date_time)))
    return Source(guid=src.guid, name=name, type=kind, date=_day(src.creation_date_time), segments=tuple(segments))


def _source_text(src, kind: str, members: dict[str, bytes], path: Path, name: str) -> str | None:
    """The plain text a text source's positions count in: its inline content or its internal file."""
    if kind != "text":
        return None
    if src.plain_text_content is not None:
        return src.plain_text_content
    where = src.plain_text_path
    if not where:
        return None
    if not where.startswith("internal://"):
        return None  # an external file: the positions are kept, the quote is not read
    member = "sources/" + where[len("internal://"):]
    _check_member_name(path, member)
    if member not in members:
        raise ImportProblem(f"{path}: the text of source {name!r} should be {member!r} in the archive, which is missing")
    try:
        return members[member].decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportProblem(f"{path}: {member!r} (source {name!r}) is not UTF-8 text") from None
