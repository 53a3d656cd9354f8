"""What a change does to the theory, written for a reviewer: ``kb diff``'s three formats.

Takes a :class:`~kb.history.git.Diff` (made by :func:`kb.history.git.diff`)
and returns text, Markdown (a pull-request comment) or JSON. Every format
tells the same story in the same order, most important first:

1. hypotheses whose *suggested* status flips (old -> new, with the standing
   before and after), the one thing a reviewer of a theory needs first;
2. declared status changes;
3. hypotheses added and withdrawn;
4. judgements changed on evidence that was already there (each field
   old -> new, per link);
5. title and statement changes, word by word;
6. evidence added and removed, by the context it is in;
7. the standing of each hypothesis that moved, then constructs and contexts.

A declared status or statement that changed without a revision entry
explaining it is flagged "changed without a revision entry". The JSON keys
are documented in docs/review.md; they only ever gain keys.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import asdict
from typing import Any

from kb.history.git import Diff, HypothesisChange

UNLOGGED = "changed without a revision entry"


# --- word diffs --------------------------------------------------------------------------


def word_diff(before: str, after: str, style: str = "text") -> str:
    """The change word by word: [-old-]{+new+} in text, ~~old~~ **new** in Markdown."""
    a, b = before.split(), after.split()
    out: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            out += [_md(w) if style == "markdown" else w for w in a[i1:i2]]
            continue
        old, new = " ".join(a[i1:i2]), " ".join(b[j1:j2])
        if style == "markdown":
            out += ([f"~~{_md(old)}~~"] if old else []) + ([f"**{_md(new)}**"] if new else [])
        else:
            out += ([f"[-{old}-]"] if old else []) + ([f"{{+{new}+}}"] if new else [])
    return " ".join(out)


def _md(text: str) -> str:
    """Escape Markdown (and HTML) in text from YAML so a comment renders it literally."""
    return re.sub(r"([\\`*_{}\[\]()#+!|<>~])", r"\\\1", text)


# --- the parts every format shares ---------------------------------------------------------


def _evidence_phrase(items: list[dict[str, str]], what: str = "new") -> str:
    """'2 new contradicting evidence items from Nordre Follo'."""
    groups: dict[tuple[str, str], int] = {}
    for item in items:
        key = (item["stance"], item["context"])
        groups[key] = groups.get(key, 0) + 1
    words = {"supports": "supporting", "contradicts": "contradicting", "qualifies": "qualifying"}
    parts = []
    for (stance, ctx), n in sorted(groups.items()):
        noun = "item" if n == 1 else "items"
        parts.append(f"{n} {what} {words[stance]} evidence {noun} from {ctx}")
    return "; ".join(parts)


def _standing(o: dict[str, float] | None) -> str:
    if not o:
        return "-"
    return f"b {o['belief']:.2f} / d {o['disbelief']:.2f} / u {o['uncertainty']:.2f}"


def _value(v: Any, esc: Any = str) -> str:
    if v is None:
        return "(none)"
    if isinstance(v, list):
        return esc("[" + ", ".join(v) + "]")
    return esc(str(v))


def _judgement(j: dict[str, Any], hid: str, arrow: str = "->", esc: Any = str) -> str:
    """'E001 on H01: stance supports -> contradicts, strength strong -> moderate'."""
    fields = ", ".join(f"{name} {_value(v['before'], esc)} {arrow} {_value(v['after'], esc)}"
                       for name, v in j["fields"].items())
    verb = {"changed": "", "added": " (new judgement)", "withdrawn": " (judgement withdrawn)"}[j["change"]]
    return f"{j['evidence']} on {hid}{verb}: {fields}"


def _by_context(d: Diff) -> list[tuple[str, list[tuple[str, dict[str, str]]]]]:
    """(context label, [("+"|"-", evidence row)]) for evidence added and removed, contexts in order of label."""
    groups: dict[str, list[tuple[str, dict[str, str]]]] = {}
    for sign, rows in (("+", d.evidence_added), ("-", d.evidence_removed)):
        for e in rows:
            groups.setdefault(e.get("context_label") or e.get("context") or "the literature", []).append((sign, e))
    return sorted(groups.items())


def _flagged(c: HypothesisChange, part: str) -> str:
    return f" ({UNLOGGED})" if part in c.unlogged else ""


def _moved(c: HypothesisChange) -> bool:
    return bool(c.standing_after or c.new_evidence or c.removed_evidence)


# --- text ------------------------------------------------------------------------------------


def format_text(d: Diff) -> str:
    lines = [f"kb diff {d.before} -> {d.after}"]
    if d.empty:
        return "\n".join(lines + ["no changes to the framework"]) + "\n"
    changed = d.hypotheses_changed

    def section(title: str, body: list[str]) -> None:
        if body:
            lines.extend([f"{title}:"] + [f"  {line}" for line in body])

    section("suggested status flips", [
        f"! {c.id} {c.title}: the evidence now suggests {c.suggested_after} (was {c.suggested_before});"
        f" standing {_standing(c.standing_before)} -> {_standing(c.standing_after)}" for c in d.flips])
    section("declared status", [f"{c.id} {c.title}: {c.status_before} -> {c.status_after}{_flagged(c, 'status')}"
                                for c in changed if c.restated])
    section("hypotheses added and withdrawn",
            [f"+ {h['id']} added ({h['status']}): {h['title']}" for h in d.hypotheses_added]
            + [f"- {h['id']} removed (was {h['status']}): {h['title']}" for h in d.hypotheses_removed])
    section("judgements changed on existing evidence", [_judgement(j, c.id) for c in changed for j in c.judgements])
    texts = []
    for c in changed:
        if c.retitled:
            texts.append(f"{c.id} title: {word_diff(c.title_before or '', c.title_after or '')}")
        if c.reworded:
            texts.append(f"{c.id} statement: {word_diff(c.statement_before or '', c.statement_after or '')}"
                         f"{_flagged(c, 'statement')}")
    section("titles and statements", texts)
    evidence = []
    for label, rows in _by_context(d):
        evidence.append(f"{label}:")
        for sign, e in rows:
            verb = "added" if sign == "+" else "removed"
            evidence.append(f"  {sign} {e['id']} {verb} ({e['kind']}, {e['date']}){': ' + e['links'] if e['links'] else ''}")
    section("evidence by context", evidence)
    standing = []
    for c in changed:
        if not _moved(c):
            continue
        phrases = [_evidence_phrase(items, what) for items, what in ((c.new_evidence, "new"),
                                                                     (c.removed_evidence, "removed")) if items]
        standing.append(f"~ {c.id} {c.title}" + (": " + "; ".join(phrases) if phrases else ""))
        if c.standing_after:
            standing.append(f"    standing: {_standing(c.standing_before)} -> {_standing(c.standing_after)}")
    section("standing", standing)
    section("constructs and contexts",
            [f"+ construct {i} added" for i in d.constructs_added] + [f"+ context {i} added" for i in d.contexts_added]
            + [f"- construct {i} removed" for i in d.constructs_removed]
            + [f"- context {i} removed" for i in d.contexts_removed])
    return "\n".join(lines) + "\n"


# --- markdown --------------------------------------------------------------------------------


def format_markdown(d: Diff) -> str:
    """A pull-request comment: its first lines name any flip of a suggested status."""
    head = f"### Framework changes: `{d.before}` → `{d.after}`"
    flips = d.flips
    if flips:
        named = ", ".join(f"{c.id} {c.suggested_before} → {c.suggested_after}" for c in flips[:3])
        more = f" and {len(flips) - 3} more" if len(flips) > 3 else ""
        head += f" — the evidence now suggests a different status: {named}{more}"
    lines = [head, ""]
    if d.empty:
        return "\n".join(lines + ["No changes to hypotheses, evidence, constructs or contexts."]) + "\n"
    changed = d.hypotheses_changed

    def section(title: str, body: list[str]) -> None:
        if body:
            lines.extend([f"**{title}**", ""] + body + [""])

    section("Suggested status flips", [
        f"- **{c.id}** {_md(c.title)}: the evidence now suggests **{c.suggested_after}** (was {c.suggested_before});"
        f" standing {_standing(c.standing_before)} → {_standing(c.standing_after)}" for c in flips])
    section("Declared status", [f"- **{c.id}** {_md(c.title)}: {c.status_before} → {c.status_after}"
                                f"{_md_flag(c, 'status')}" for c in changed if c.restated])
    section("Hypotheses added and withdrawn",
            [f"- **{h['id']}** added ({h['status']}): {_md(h['title'])}" for h in d.hypotheses_added]
            + [f"- **{h['id']}** removed (was {h['status']}): {_md(h['title'])}" for h in d.hypotheses_removed])
    section("Judgements changed on existing evidence",
            [f"- {_judgement(j, c.id, '→', _md)}" for c in changed for j in c.judgements])
    texts = []
    for c in changed:
        if c.retitled:
            texts.append(f"- **{c.id}** title: {word_diff(c.title_before or '', c.title_after or '', 'markdown')}")
        if c.reworded:
            texts.append(f"- **{c.id}** reworded: {word_diff(c.statement_before or '', c.statement_after or '', 'markdown')}"
                         f"{_md_flag(c, 'statement')}")
    section("Titles and statements", texts)
    if d.evidence_added or d.evidence_removed:
        body = []
        for label, rows in _by_context(d):
            body.append(f"- {_md(label)}")
            for sign, e in rows:
                name = e["id"] if sign == "+" else f"~~{e['id']}~~ removed"
                body.append(f"  - {name} ({e['kind']}, {e['date']}){': ' + _md(e['links']) if e['links'] else ''}")
        section(f"Evidence by context: {len(d.evidence_added)} added, {len(d.evidence_removed)} removed", body)
    standing = []
    for c in changed:
        if not _moved(c):
            continue
        bits = [_evidence_phrase(items, what) for items, what in ((c.new_evidence, "new"), (c.removed_evidence, "removed"))
                 if items]
        if c.standing_after:
            bits.append(f"standing {_standing(c.standing_before)} → {_standing(c.standing_after)}")
        standing.append(f"- **{c.id}** {_md(c.title)}: " + "; ".join(bits))
    section("Standing", standing)
    for label, added, removed in (("Constructs", d.constructs_added, d.constructs_removed),
                                  ("Contexts", d.contexts_added, d.contexts_removed)):
        if added or removed:
            lines.append(f"**{label}**: " + ", ".join([f"+{i}" for i in added] + [f"−{i}" for i in removed]))
    return "\n".join(lines).rstrip() + "\n"


def _md_flag(c: HypothesisChange, part: str) -> str:
    return f" ⚠ *{UNLOGGED}*" if part in c.unlogged else ""


# --- json ------------------------------------------------------------------------------------


def as_data(d: Diff) -> dict[str, Any]:
    """The diff as plain data with stable keys (docs/review.md): the dataclasses, plus summaries first."""
    data = asdict(d)
    summary = {
        "flips": [{"id": c.id, "title": c.title, "suggested_before": c.suggested_before,
                   "suggested_after": c.suggested_after, "standing_before": c.standing_before,
                   "standing_after": c.standing_after} for c in d.flips],
        "unlogged": [{"id": c.id, "part": part,
                      "before": c.status_before if part == "status" else c.statement_before,
                      "after": c.status_after if part == "status" else c.statement_after}
                     for c in d.hypotheses_changed for part in c.unlogged],
        "judgements_changed": [{"hypothesis": c.id, **j} for c in d.hypotheses_changed for j in c.judgements],
    }
    return {"before": data.pop("before"), "after": data.pop("after"), **summary, **data}


def format_json(d: Diff) -> str:
    return json.dumps(as_data(d), indent=2, ensure_ascii=False) + "\n"


WRITERS = {"text": format_text, "markdown": format_markdown, "json": format_json}
