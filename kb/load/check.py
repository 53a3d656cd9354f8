"""Checks across files: references, cycles, dates and consistency.

Takes a loaded :class:`~kb.model.KnowledgeBase`; returns diagnostics (errors
and warnings), each pointing at the file and line of the offending field.
Runs in one pass over the items; imports nothing heavy.
"""

from __future__ import annotations

from typing import Iterable, Iterator

from kb.errors import Diagnostic, did_you_mean
from kb.model import CERQUAL_COMPONENTS, Evidence, Hypothesis, KnowledgeBase


def check(kb: KnowledgeBase) -> list[Diagnostic]:
    """Every cross-file problem in ``kb``, sorted by file and line."""
    found: list[Diagnostic] = []
    for h in kb.hypotheses.values():
        found += _hypothesis_refs(kb, h)
        found += _revision_dates(kb, h)
    for e in kb.evidence.values():
        found += _evidence_refs(kb, e)
        found += _evidence_shape(kb, e)
    for c in kb.constructs.values():
        if c.broader is not None:
            found += _refs(kb, c.id, "broader", c.broader, kb.constructs, "construct")
    for c in kb.contexts.values():
        if c.part_of is not None:
            found += _refs(kb, c.id, "part_of", c.part_of, kb.contexts, "context")
    for s in kb.sources.values():
        if not (s.doi or s.url or s.isbn):
            found.append(_diag(kb, s.id, "id", "KB405", f"source {s.id!r} has no DOI, URL or ISBN",
                               severity="warning", hint="readers cannot find it without one"))
    found += _assessments(kb)
    found += _cycles(kb)
    found += _file_names(kb)
    found += _languages(kb)
    found += _case_clashes(kb)
    if kb.config.datasets:
        from kb.survey import check_kb  # numpy and SciPy: only for a KB that has survey datasets

        found += check_kb(kb)
    return _follow_ons_once(sorted(set(found)))


def _diag(kb: KnowledgeBase, item_id: str, field: str, code: str, message: str,
          severity: str = "error", hint: str = "", follow_on: bool = False) -> Diagnostic:
    at = kb.locate(item_id, field)
    return Diagnostic(path=at.path, line=at.line, column=at.column, code=code, message=message,
                      field=field, severity=severity, hint=hint, follow_on=follow_on)  # type: ignore[arg-type]


#: the KnowledgeBase dict each kind of reference looks in
_KINDS = {"hypothesis": "hypotheses", "evidence": "evidence", "construct": "constructs",
          "context": "contexts", "source": "sources"}


def _refs(kb: KnowledgeBase, item_id: str, field: str, ids: Iterable[str], known: dict,
          what: str) -> Iterator[Diagnostic]:
    """Unknown ids among ``ids``; a list field's entries are named field[i].

    An id whose item is written but did not load (``kb.broken``) is no new
    mistake: its own file's error says what is wrong. Read from the file, it
    is not reported at all; guessed from a file's name, the first reference
    to it gets one follow-on diagnostic, and none a "did you mean" that would
    send the researcher to another item.
    """
    single = isinstance(ids, str)
    for index, ref in enumerate([ids] if single else ids):
        if ref in known:
            continue
        where = field if single else f"{field}[{index}]"
        broken = kb.broken.get(ref)
        if broken is not None and broken.kind in (_KINDS[what], ""):
            if broken.certain:
                continue
            yield _diag(kb, item_id, where, "KB307",
                        f"refers to {ref!r}, whose file {broken.at.path} has errors (see above)",
                        follow_on=True)
            continue
        # an item that did not load is still a good suggestion: the reference may mean it
        written = [*known, *(i for i, b in kb.broken.items() if b.kind in (_KINDS[what], ""))]
        yield _diag(kb, item_id, where, "KB302", f"unknown {what} {ref!r}",
                    hint=did_you_mean(ref, written) or f"no {what} has this id")


def _follow_ons_once(found: list[Diagnostic]) -> list[Diagnostic]:
    """``found`` with only the first follow-on about each broken file (one mistake, one error)."""
    seen: set[str] = set()
    out = []
    for d in found:
        if d.follow_on:
            if d.message in seen:
                continue
            seen.add(d.message)
        out.append(d)
    return out


def _hypothesis_refs(kb: KnowledgeBase, h: Hypothesis) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    if h.relation is not None:
        out += _refs(kb, h.id, "relation.from", h.relation.from_, kb.constructs, "construct")
        out += _refs(kb, h.id, "relation.to", h.relation.to, kb.constructs, "construct")
    out += _refs(kb, h.id, "derived_from", h.derived_from, kb.sources, "source")
    for rel in ("refines", "supersedes", "competes_with"):
        out += _refs(kb, h.id, rel, getattr(h, rel), kb.hypotheses, "hypothesis")
    for i, rev in enumerate(h.revisions):
        out += _refs(kb, h.id, f"revisions[{i}].because", rev.because, kb.evidence, "evidence")
    return out


def _revision_dates(kb: KnowledgeBase, h: Hypothesis) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    previous = h.proposed
    for i, rev in enumerate(h.revisions):
        if rev.date < h.proposed:
            out.append(_diag(kb, h.id, f"revisions[{i}].date", "KB304",
                             f"revision dated {rev.date} is before the hypothesis was proposed ({h.proposed})"))
        elif rev.date < previous:
            out.append(_diag(kb, h.id, f"revisions[{i}].date", "KB406",
                             f"revision dated {rev.date} comes after a later one ({previous})",
                             severity="warning", hint="list revisions oldest first"))
        previous = max(previous, rev.date)
        out += _later_evidence(kb, h.id, f"revisions[{i}].because", rev.because, rev.date, "revision")
    return out


def _later_evidence(kb: KnowledgeBase, item_id: str, field: str, ids: Iterable[str], day: object,
                    what: str) -> list[Diagnostic]:
    """KB406 for each evidence among ``ids`` dated after ``day`` (of a revision or an assessment)."""
    out = []
    for j, eid in enumerate(ids):
        e = kb.evidence.get(eid)
        if e is not None and e.date > day:  # type: ignore[operator]
            out.append(_diag(kb, item_id, f"{field}[{j}]", "KB406",
                             f"evidence {eid!r} is dated {e.date}, after this {what} ({day})", severity="warning"))
    return out


def _assessments(kb: KnowledgeBase) -> list[Diagnostic]:
    """GRADE-CERQual assessments: what they cite exists, each rating explained, the current one up to date.

    Only the current (last) assessment of a hypothesis is held to the links
    as they are now: earlier ones are its history, made on what was there then.
    """
    assessed = [h for h in kb.hypotheses.values() if h.assessments]
    if not assessed:
        return []
    # hypothesis -> {evidence id: date the evidence came to bear on it (its first judgement)}
    bearing: dict[str, dict[str, object]] = {h.id: {} for h in assessed}
    for e in kb.evidence.values():
        for link in e.links:
            on = bearing.get(link.hypothesis)
            if on is not None:
                when = link.date or e.date
                if e.id not in on or when < on[e.id]:  # type: ignore[operator]
                    on[e.id] = when
    out: list[Diagnostic] = []
    for h in assessed:
        for i, a in enumerate(h.assessments):
            at = f"assessments[{i}]"
            out += _refs(kb, h.id, f"{at}.considered", a.considered, kb.evidence, "evidence")
            out += _later_evidence(kb, h.id, f"{at}.considered", a.considered, a.date, "assessment")
            for name in CERQUAL_COMPONENTS:
                part = getattr(a, name)
                if part is not None and part.explanation is None:
                    out.append(_diag(kb, h.id, f"{at}.{name}.level", "KB408",
                                     f"{name} is rated {part.level!r} without an explanation",
                                     severity="warning",
                                     hint="GRADE-CERQual asks why for every component: add 'explanation'"))
            if a.confidence.explanation is None:
                out.append(_diag(kb, h.id, f"{at}.confidence.level", "KB408",
                                 f"the overall confidence is rated {a.confidence.level!r} without an explanation",
                                 severity="warning", hint="add 'explanation'"))
            if i > 0 and a.date < h.assessments[i - 1].date:
                out.append(_diag(kb, h.id, f"{at}.date", "KB406",
                                 f"assessment dated {a.date} comes after a later one ({h.assessments[i - 1].date})",
                                 severity="warning", hint="list assessments oldest first: the last is the current one"))
        current = len(h.assessments) - 1
        a = h.assessments[current]
        at = f"assessments[{current}]"
        linked = bearing[h.id]
        for j, eid in enumerate(a.considered):
            if eid in kb.evidence and eid not in linked:
                out.append(_diag(kb, h.id, f"{at}.considered[{j}]", "KB407",
                                 f"the current assessment considered {eid!r}, which no longer links to {h.id!r}",
                                 severity="warning",
                                 hint="assess the finding again (add an assessment) or restore the link"))
        considered = set(a.considered)
        newer = sorted(eid for eid, when in linked.items() if eid not in considered and when > a.date)  # type: ignore[operator]
        if newer:
            shown = ", ".join(repr(x) for x in newer[:5]) + (f" and {len(newer) - 5} more" if len(newer) > 5 else "")
            out.append(_diag(kb, h.id, f"{at}.date", "KB407",
                             f"the current assessment ({a.date}) is older than evidence linked since: {shown}",
                             severity="warning",
                             hint="assess the finding again with the new evidence (add an assessment)"))
    return out


def _evidence_refs(kb: KnowledgeBase, e: Evidence) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    if e.context is not None:
        out += _refs(kb, e.id, "context", e.context, kb.contexts, "context")
    if e.phase is not None and e.phase not in kb.config.phases:
        out.append(_diag(kb, e.id, "phase", "KB302", f"unknown phase {e.phase!r}",
                         hint=did_you_mean(e.phase, kb.config.phases)
                         or f"phases in kb.yaml: {', '.join(kb.config.phases)}"))
    out += _refs(kb, e.id, "sources", e.sources, kb.sources, "source")
    if e.measurement is not None:
        out += _refs(kb, e.id, "measurement.construct", e.measurement.construct_, kb.constructs, "construct")
    judged: dict[tuple[str, str], int] = {}
    for i, link in enumerate(e.links):
        out += _refs(kb, e.id, f"links[{i}].hypothesis", link.hypothesis, kb.hypotheses, "hypothesis")
        out += _refs(kb, e.id, f"links[{i}].scope", link.scope, kb.contexts, "context")
        judge = link.by or ",".join(e.recorded_by)
        key = (link.hypothesis, judge)
        if key in judged:
            out.append(_diag(kb, e.id, f"links[{i}]", "KB305",
                             f"a second link to {link.hypothesis!r} by the same person"
                             f" (first: links[{judged[key]}])",
                             hint="two researchers may judge the same evidence: set 'by' on each link"))
        judged.setdefault(key, i)
        if link.date is not None and link.date < e.date:
            out.append(_diag(kb, e.id, f"links[{i}].date", "KB406",
                             f"judgement dated {link.date}, before the evidence itself ({e.date})",
                             severity="warning"))
    return out


def _evidence_shape(kb: KnowledgeBase, e: Evidence) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    if e.kind == "survey_measurement" and e.measurement is None:
        out.append(_diag(kb, e.id, "kind", "KB306", "a survey_measurement needs a 'measurement' block",
                         hint="give construct, value, scale, sample_size and instrument"))
    if e.kind != "survey_measurement" and e.measurement is not None:
        out.append(_diag(kb, e.id, "kind", "KB306",
                         f"only a survey_measurement carries a 'measurement', not a {e.kind}"))
    if not e.links and e.kind != "survey_measurement":
        out.append(_diag(kb, e.id, "id", "KB401", f"evidence {e.id!r} links to no hypothesis",
                         severity="warning", hint="add 'links' saying which hypotheses it bears on"))
    return out


def _cycles(kb: KnowledgeBase) -> list[Diagnostic]:
    """Cycles along refines+supersedes, part_of and broader (each its own graph)."""
    graphs = {
        "refines/supersedes": (
            {h.id: [t for t in (*h.refines, *h.supersedes) if t in kb.hypotheses]
             for h in kb.hypotheses.values()}, "refines"),
        "part_of": ({c.id: [c.part_of] if c.part_of in kb.contexts else []
                     for c in kb.contexts.values()}, "part_of"),
        "broader": ({c.id: [c.broader] if c.broader in kb.constructs else []
                     for c in kb.constructs.values()}, "broader"),
    }
    out: list[Diagnostic] = []
    for label, (edges, kind) in graphs.items():
        for cycle in _find_cycles(edges):
            first = cycle[0]
            field = kind
            if kind == "refines":
                h = kb.hypotheses[first]
                field = "refines" if cycle[1 % len(cycle)] in h.refines else "supersedes"
            out.append(_diag(kb, first, field, "KB303",
                             f"cycle in {label}: {' -> '.join(cycle + [first])}",
                             hint="a line of development cannot lead back to where it started"))
    return out


def _find_cycles(edges: dict[str, list[str]]) -> list[list[str]]:
    """One representative per cycle, found by an iterative depth-first search."""
    state: dict[str, int] = {}  # 1 on the stack, 2 done
    cycles: list[list[str]] = []
    for start in sorted(edges):
        if state.get(start):
            continue
        stack: list[tuple[str, Iterator[str]]] = [(start, iter(edges[start]))]
        path = [start]
        state[start] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                path.pop()
                state[node] = 2
            elif state.get(child) == 1:
                cycle = path[path.index(child):]
                turn = cycle.index(min(cycle))
                cycles.append(cycle[turn:] + cycle[:turn])
            elif not state.get(child):
                state[child] = 1
                path.append(child)
                stack.append((child, iter(edges.get(child, []))))
    return cycles


def _file_names(kb: KnowledgeBase) -> list[Diagnostic]:
    out = []
    for item_id in (*kb.hypotheses, *kb.evidence):
        name = kb.where[item_id].path.rpartition("/")[2]
        if name.rpartition(".")[0] != item_id:
            out.append(_diag(kb, item_id, "id", "KB403",
                             f"id {item_id!r} is in a file named {name!r}",
                             severity="warning", hint=f"rename the file to {item_id}.yaml"))
    return out


def _languages(kb: KnowledgeBase) -> list[Diagnostic]:
    allowed = set(kb.config.languages)
    out = []
    for group in (kb.hypotheses, kb.evidence, kb.constructs, kb.contexts):
        for item_id, item in group.items():
            for field, value in _texts(item):
                if isinstance(value, dict):
                    for lang in value:
                        if lang not in allowed:
                            out.append(_diag(kb, item_id, field, "KB404",
                                             f"language {lang!r} is not in kb.yaml's languages"
                                             f" ({', '.join(kb.config.languages)})",
                                             severity="warning",
                                             hint=did_you_mean(lang, allowed)))
    return out


def _texts(item: object) -> Iterator[tuple[str, object]]:
    """Every multilingual text of an item, with its field path."""
    fields = item.__dict__  # pydantic's __getattr__ is slow for names a model lacks
    for name in ("title", "statement", "summary", "label", "definition", "rationale", "description"):
        value = fields.get(name)
        if value is not None:
            yield name, value
    for i, rev in enumerate(fields.get("revisions", ())):
        for name in ("previous", "previous_title", "change", "reason"):
            value = getattr(rev, name)
            if value is not None:
                yield f"revisions[{i}].{name}", value
    for i, link in enumerate(fields.get("links", ())):
        if link.note is not None:
            yield f"links[{i}].note", link.note


def _case_clashes(kb: KnowledgeBase) -> list[Diagnostic]:
    # Two ids that differ only in case collide on case-insensitive file
    # systems (macOS, Windows) and confuse readers.
    seen: dict[str, str] = {}
    out = []
    for item_id in kb.where:
        key = item_id.lower()
        if key in seen and seen[key] != item_id:
            out.append(_diag(kb, item_id, "id", "KB301",
                             f"id {item_id!r} differs only in case from {seen[key]!r}"))
        seen.setdefault(key, item_id)
    return out
