"""Re-import without loss: plan what an import adds, changes and withdraws, then write it.

Takes the project (kb.imports.qdpx), the checked mapping and the KB as
written; :func:`plan` returns a :class:`Plan` of whole evidence files and a
report, and writes nothing; :func:`apply` writes the plan with
``write_atomic``.

The rules. Every imported item keeps, in its ``origin``, a fingerprint of
each field as imported and of each link made from a coding. On a re-import a
field whose value still matches its fingerprint came from the tool and takes
the new value; one that does not was edited in kb and is kept, and if the
tool changed it too that is reported as a conflict. Links work the same way,
per coding: a withdrawn coding removes its link only while the link is as
imported; links the researcher added are never touched. A segment that is
gone from the export is withdrawn: its file is removed only if nothing in it
was edited by hand, and kept (and reported) otherwise. Fields kb's import
never sets (notes, appraisal, ``restricted`` after the first import) are
the researcher's alone.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kb.imports import ImportProblem
from kb.imports.mapping import Mapping, codes_not_mapped
from kb.model import Evidence, KnowledgeBase, Link

#: the fields the import sets and fingerprints; every other field is the researcher's
IMPORTED_FIELDS = ("kind", "title", "date", "context", "phase", "recorded_by", "summary", "quote")


@dataclass
class Change:
    id: str
    action: str  # added, changed, withdrawn, removed, kept
    what: str

    def as_dict(self) -> dict:
        return {"id": self.id, "action": self.action, "what": self.what}


@dataclass
class Plan:
    #: relative path -> new file text (None: remove the file)
    files: dict[str, str | None] = field(default_factory=dict)
    changes: list[Change] = field(default_factory=list)
    conflicts: list[Change] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(1 for c in self.changes if c.action == action)


def fingerprint(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def evidence_id(project_key: str, segment_guid: str) -> str:
    """A stable id from the project's and the segment's GUIDs (the same in every export)."""
    digest = hashlib.sha256(f"{project_key}\n{segment_guid.lower()}".encode("utf-8")).hexdigest()
    return f"qda-{digest[:10]}"


def plan(project, mapping: Mapping, kb: KnowledgeBase) -> Plan:
    """What importing ``project`` into ``kb`` would write; ImportProblem where the input cannot be used."""
    missing = codes_not_mapped(project, mapping)
    if missing:
        names = ", ".join(repr(c.path) for c in missing)
        raise ImportProblem(f"{mapping.path}: {len(missing)} code(s) used in the project are not in the mapping"
                            f" file: {names} (map each, or give it 'ignore: true'; --draft-mapping prints entries)")
    if mapping.project:
        project = dataclasses.replace(project, key=mapping.project)
    existing = _imported_items(kb, project.key)
    result = Plan()
    seen: set[str] = set()
    problems: list[str] = []
    for src in project.sources:
        doc = mapping.document(src.guid, src.name)
        for seg in _units(src, doc):
            new = _new_item(project, mapping, src, doc, seg, problems)
            if new is None:
                continue
            evidence, origin = new
            seen.add(seg.guid)
            current = existing.get(seg.guid)
            if current is None:
                eid = evidence["id"]
                if eid in kb.evidence or eid in kb.broken:
                    problems.append(f"the id {eid} for segment {seg.guid} is taken by {kb.locate(eid).path}")
                    continue
                result.files[f"evidence/{eid}.yaml"] = _yaml({**evidence, "origin": origin})
                result.changes.append(Change(eid, "added", f"{src.name} {_span(seg)}"))
            else:
                _update(current, evidence, origin, kb, result)
    for guid, e in existing.items():
        if guid not in seen:
            _withdraw(e, kb, result)
    if problems:
        raise ImportProblem("cannot import:\n" + "\n".join(problems))
    broken = [eid for eid, b in kb.broken.items() if b.kind == "evidence" and eid.startswith("qda-")]
    if broken:
        raise ImportProblem("fix these files first (kb check says what is wrong): "
                            + ", ".join(kb.broken[b].at.path for b in broken))
    return result


def apply(root: Path, result: Plan) -> None:
    """Write the plan's files (whole, atomically) and remove the withdrawn ones."""
    from kb.output import refuse_symlink, write_atomic

    for rel, text in sorted(result.files.items()):
        target = root / rel
        if text is None:
            refuse_symlink(target)
            target.unlink(missing_ok=True)
        else:
            write_atomic(target, text)


# --- one item ----------------------------------------------------------------------------


def _imported_items(kb: KnowledgeBase, key: str) -> dict[str, Evidence]:
    return {e.origin.segment: e for e in kb.evidence.values() if e.origin is not None and e.origin.project == key}


def _units(src, doc) -> list:
    """The source's segments, or the whole document as one segment with all their codings."""
    if doc is None or doc.unit == "segment" or not src.segments:
        return list(src.segments)
    from kb.imports.qdpx import Segment

    codings = tuple((seg, c) for seg in src.segments for c in seg.codings)
    quotes = [seg.text for seg in src.segments if seg.text and seg.codings]
    return [Segment(guid=src.guid, name="whole document", start=None, end=None,
                    text="\n\n".join(quotes) or None, codings=codings, date=None)]


def _span(seg) -> str:
    return f"{seg.name or seg.guid} ({seg.start}-{seg.end})" if seg.start is not None else (seg.name or seg.guid)


def _new_item(project, mapping: Mapping, src, doc, seg, problems: list[str]):
    """(evidence fields, origin) for one segment, or None for a segment with only ignored codes."""
    codings, links = [], []
    judged: set[tuple[str, str]] = set()
    for c in seg.codings:
        part = None
        if isinstance(c, tuple):  # a whole document: (its segment, the coding)
            part, c = c
        code = project.codes[c.code]
        entry = mapping.code(code.guid, code.name)
        if entry is None or entry.ignore:
            continue
        record: dict[str, Any] = {"guid": c.guid, "code": code.guid, "code_name": code.path}
        if part is not None:
            record.update(segment=part.guid, start=part.start, end=part.end)
        if c.coder:
            record["coder"] = c.coder
        if c.date:
            record["date"] = c.date.isoformat()
        if entry.construct_:
            record["construct"] = entry.construct_
        if entry.hypothesis and (entry.hypothesis, c.coder or "") not in judged:
            # one coder, two codes for the same hypothesis: one judgement (kb check's KB305)
            judged.add((entry.hypothesis, c.coder or ""))
            link: dict[str, Any] = {"hypothesis": entry.hypothesis, "stance": entry.stance, "strength": entry.strength}
            if c.coder:
                link["by"] = c.coder
            if c.date:
                link["date"] = c.date.isoformat()
            record["link"] = fingerprint(_link_value(Link.model_validate(link)))
            links.append(link)
        codings.append(record)
    if not codings:
        return None
    date = (doc.date if doc and doc.date else None) or seg.date or src.date
    if date is None:
        problems.append(f"no date for document {src.name!r}: give one under documents: in {mapping.path}")
        return None
    coders = list(dict.fromkeys(c["coder"] for c in codings if "coder" in c))
    names = sorted({c["code_name"] for c in codings})
    evidence: dict[str, Any] = {
        "id": evidence_id(project.key, seg.guid),
        "kind": (doc.kind if doc and doc.kind else _default_kind(src)),
        "title": f"{src.name}, {seg.name or 'segment'}",
        "date": date.isoformat(),
        "context": doc.context if doc else None,
        "phase": doc.phase if doc else None,
        "recorded_by": coders,
        "summary": (f"Segment of {src.name}" if seg.guid != src.guid else f"{src.name}, its segments")
        + f" coded {', '.join(names)} in {project.tool}.",
        "quote": seg.text,
        "restricted": True,
        "illustrative": mapping.illustrative,
        "links": links,
    }
    evidence = {k: v for k, v in evidence.items() if v not in (None, [])}
    codings = [{k: v for k, v in c.items() if v is not None} for c in codings]
    origin: dict[str, Any] = {"tool": project.tool, "project": project.key, "source": src.guid,
                              "source_name": src.name, "segment": seg.guid, "start": seg.start, "end": seg.end,
                              "codings": codings}
    checked = Evidence.model_validate({**evidence, "origin": origin})  # what kb check will read
    origin["imported"] = {f: fingerprint(_field_value(checked, f)) for f in IMPORTED_FIELDS}
    return evidence, {k: v for k, v in origin.items() if v is not None}


def _default_kind(src) -> str:
    return "interview" if src.type in ("audio", "video") else "document"


def _field_value(e: Evidence, name: str) -> Any:
    return e.model_dump(mode="json", by_alias=True, include={name}).get(name)


def _link_value(link: Link) -> Any:
    return link.model_dump(mode="json", by_alias=True)


def _update(current: Evidence, evidence: dict, origin: dict, kb: KnowledgeBase, result: Plan) -> None:
    eid = current.id
    new = Evidence.model_validate({**evidence, "id": eid, "origin": origin})
    was = current.origin.imported if current.origin else {}
    out = current.model_dump(mode="json", by_alias=True, exclude_none=True)
    changed: list[str] = []
    for name in IMPORTED_FIELDS:
        mine, theirs = _field_value(current, name), _field_value(new, name)
        if fingerprint(mine) == was.get(name):
            if mine != theirs:
                changed.append(name)
                if theirs is None:
                    out.pop(name, None)
                else:
                    out[name] = theirs
        elif fingerprint(theirs) != was.get(name):
            result.conflicts.append(Change(eid, "kept", f"{name} was edited in kb and changed in the QDA tool:"
                                                         " kb's value kept"))
    out["links"], link_changes, link_conflicts = _merge_links(current, new)
    changed += link_changes
    result.conflicts += [Change(eid, "kept", what) for what in link_conflicts]
    out["origin"] = new.origin.model_dump(mode="json", by_alias=True, exclude_none=True)
    if not out["links"]:
        out.pop("links")
    text = _yaml(out)
    if changed:
        result.changes.append(Change(eid, "changed", ", ".join(changed)))
    rel = kb.locate(eid).path
    if changed or out != current.model_dump(mode="json", by_alias=True, exclude_none=True):
        result.files[rel] = text


def _merge_links(current: Evidence, new: Evidence) -> tuple[list[dict], list[str], list[str]]:
    """The item's links after the re-import, what changed in them, and the conflicts."""
    links = [_link_value(link) for link in current.links]
    prints = [fingerprint(v) for v in links]
    old = {c.guid: c for c in current.origin.codings} if current.origin else {}
    fresh = {c.guid: c for c in new.origin.codings}
    new_links = {fingerprint(_link_value(link)): _link_value(link) for link in new.links}
    notes: list[str] = []
    conflicts: list[str] = []
    claimed: set[int] = set()

    def find(mark: str | None) -> int | None:
        for i, p in enumerate(prints):
            if mark is not None and p == mark and i not in claimed:
                return i
        return None

    replace: dict[int, dict | None] = {}
    for guid, coding in old.items():
        if coding.link is None:
            continue
        at = find(coding.link)
        after = fresh.get(guid)
        if at is None:
            if after is None or after.link != coding.link:
                conflicts.append(f"link from coding {guid} ({coding.code_name}): edited or removed in kb, "
                             + ("withdrawn" if after is None else "changed") + " in the QDA tool")
            continue
        claimed.add(at)
        if after is None or after.link is None:
            replace[at] = None
            notes.append(f"link from {coding.code_name} by {coding.coder or 'unknown'} withdrawn")
        elif after.link != coding.link:
            replace[at] = new_links[after.link]
            notes.append(f"link from {coding.code_name} by {coding.coder or 'unknown'} changed")
    kept = [replace.get(i, v) for i, v in enumerate(links)]
    merged = [v for v in kept if v is not None]
    judged = {(v["hypothesis"], v.get("by") or "") for v in merged}
    for guid, coding in fresh.items():
        if coding.link is None or (guid in old and old[guid].link is not None):
            continue
        link = new_links[coding.link]
        if (link["hypothesis"], link.get("by") or "") in judged:
            conflicts.append(f"kept kb's link to {link['hypothesis']} by {link.get('by')}: coding {guid}"
                         f" ({coding.code_name}) in the QDA tool judges it too")
            continue
        merged.append(link)
        judged.add((link["hypothesis"], link.get("by") or ""))
        notes.append(f"link from {coding.code_name} by {coding.coder or 'unknown'} added")
    return [_compact(v) for v in merged], notes, conflicts


def _compact(link: dict) -> dict:
    return {k: v for k, v in link.items() if v not in (None, [])}


def _withdraw(e: Evidence, kb: KnowledgeBase, result: Plan) -> None:
    rel = kb.locate(e.id).path
    was = e.origin.imported if e.origin else {}
    edited = [n for n in IMPORTED_FIELDS if fingerprint(_field_value(e, n)) != was.get(n)]
    marks = {c.link for c in e.origin.codings if c.link} if e.origin else set()
    own = [link for link in e.links if fingerprint(_link_value(link)) not in marks]
    extra = [n for n in ("appraisal", "sources", "measurement") if getattr(e, n)]
    if e.restricted is not True:
        extra.append("restricted")
    if not edited and not own and not extra:
        result.files[rel] = None
        result.changes.append(Change(e.id, "withdrawn", f"segment gone from the export: {rel} removed"))
        return
    result.changes.append(Change(e.id, "withdrawn", "segment gone from the export"))
    result.conflicts.append(Change(e.id, "kept", f"withdrawn in the QDA tool but edited in kb "
                                                 f"({', '.join(edited + extra + (['links'] if own else []))}): {rel} kept"))


def _yaml(data: dict) -> str:
    import yaml

    order = ("id", "kind", "title", "date", "context", "phase", "recorded_by", "summary", "sources",
             "illustrative", "restricted", "measurement", "appraisal", "links", "quote", "origin")
    ordered = {k: data[k] for k in order if k in data}
    ordered.update({k: v for k, v in data.items() if k not in ordered})
    head = "# Imported by kb import qdpx: edit freely; a re-import keeps what you change (docs/import-qdpx.md).\n"
    return head + yaml.safe_dump(ordered, sort_keys=False, allow_unicode=True, width=100)
