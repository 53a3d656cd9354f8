"""The pages of single items: hypotheses, evidence, constructs and contexts, with their indexes.

Each page in two steps: a ``*_view`` function gathers what the page shows
from the :class:`~kb.site.kit.Site` into frozen dataclasses, and a ``*_page``
function prints them (it only loops and prints). Restricted evidence shows
its id, kind, date, context, phase and links, never its text.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Sequence

from kb.graph.score import Contribution, standing_from
from kb.site.cerqual import (
    AppraisalView,
    CerqualView,
    appraisal_section,
    appraisal_view,
    cerqual_section,
    cerqual_summary,
    cerqual_view,
)
from kb.site.charts import Marker, Series, bar_chart, time_chart
from kb.site.fmt import COLOURS, attr, esc, num, rich_block
from kb.site.graphs import ItemGraph
from kb.site.kit import (
    CHART_MAX_POINTS,
    CommitView,
    Diagram,
    EvidenceRow,
    HypothesisRow,
    Out,
    Ref,
    Render,
    SIGNS,
    STANCE_GROUPS,
    Site,
    StandingView,
    EVIDENCE_INDEX_MAX,
    evidence_row,
    commits_of,
    hypothesis_row,
    out_for,
    standing_view,
    title_cell,
)
from kb.site.standing import arithmetic

# --- hypotheses -----------------------------------------------------------------------


@dataclass(frozen=True)
class IndexView:
    rows: tuple
    illustrative: bool


def hypotheses_index_view(site: Site) -> IndexView:
    rows = tuple(hypothesis_row(site, hid) for hid in site.kb.hypotheses)
    return IndexView(rows, any(r.illustrative for r in rows))


def hypotheses_index_page(v: IndexView, r: Render) -> str:
    out = Out("hypotheses/index.md", r)
    out.title(out.w('hypotheses'))
    out.illustrative_notice(v.illustrative)
    out.hypothesis_rows(v.rows, sortable=True)
    return out.text()


@dataclass(frozen=True)
class LinkRow:
    """One judgement on a hypothesis page: which evidence, how strong, where from."""

    evidence: EvidenceRow
    strength: str
    judge: str
    date: dt.date
    note: str
    scope: tuple[Ref, ...]


@dataclass(frozen=True)
class RevisionView:
    date: dt.date
    change: str
    reason: str
    because: tuple[Ref, ...]
    by: tuple[str, ...]
    previous: tuple[tuple[str, str], ...]
    previous_title: str
    previous_status: str


@dataclass(frozen=True)
class HypothesisView:
    path: str
    id: str
    title: str
    other_titles: tuple[tuple[str, str], ...]
    statement: tuple[tuple[str, str], ...]
    rationale: tuple[tuple[str, str], ...]
    illustrative: bool
    standing: StandingView
    r: float
    s: float
    relation: tuple[Ref, Ref, str] | None
    proposed: dt.date
    authors: tuple[str, ...]
    tags: tuple[str, ...]
    derived_from: tuple[Ref, ...]
    groups: tuple[tuple[str, tuple[LinkRow, ...]], ...]
    lineage: tuple[tuple[str, tuple[Ref, ...]], ...]
    chain: tuple[Ref, ...]
    revisions: tuple[RevisionView, ...]
    trajectory: Diagram | None
    trajectory_rows: tuple[tuple[str, StandingView], ...]
    neighbourhood: Diagram | None
    shows_illustrative: bool
    commits: tuple[tuple[CommitView, ...], int] = ((), 0)
    cerqual: CerqualView | None = None


def hypothesis_view(site: Site, hid: str) -> HypothesisView:
    h, st = site.kb.hypotheses[hid], site.standings[hid]
    path = site.paths[hid]
    titles = site.languages(h.title)
    groups = []
    for stance, key in STANCE_GROUPS:
        rows = tuple(_link_row(site, c, hid) for c in st.contributions if c.stance == stance)
        groups.append((key, rows))
    relation = None
    if h.relation is not None:
        a, b = site.named(h.relation.from_), site.named(h.relation.to)
        if a and b:
            relation = (a, b, h.relation.effect)
    ancestors, descendants = site.lineage(hid)
    chain = site.refs([*ancestors, hid, *descendants])
    kin = (("refines", h.refines), ("refined_by", site.refined_by.get(hid, [])),
           ("supersedes", h.supersedes), ("superseded_by", site.superseded_by.get(hid, [])),
           ("competes_with", h.competes_with))
    revisions = tuple(
        RevisionView(rev.date, site.text(rev.change), site.text(rev.reason), site.refs(rev.because),
                     tuple(rev.by), site.languages(rev.previous), site.text(rev.previous_title),
                     rev.previous_status or "")
        for rev in sorted(h.revisions, key=lambda r: r.date, reverse=True)
    )
    points = _trajectory(site, hid)
    cerqual = cerqual_view(site, hid)
    shows = (h.illustrative or any(row.evidence.illustrative for _, rows in groups for row in rows)
             or (cerqual is not None and cerqual.illustrative))
    return HypothesisView(
        path, hid, site.text(h.title), titles[1:] if len(titles) > 1 else (), site.languages(h.statement),
        site.languages(h.rationale), h.illustrative, standing_view(h.status, st, explained=True), st.positive,
        st.negative,
        relation, h.proposed, tuple(h.authors), tuple(h.tags), site.refs(h.derived_from), tuple(groups),
        tuple((key, site.refs(ids)) for key, ids in kin if ids), chain if len(chain) > 1 else (),
        revisions, _trajectory_chart(site, hid, points), tuple((str(d), sv) for d, sv in points),
        _neighbourhood(site, hid, path), shows, commits_of(site, hid), cerqual,
    )


def _link_row(site: Site, c: Contribution, hid: str) -> LinkRow:
    e = site.kb.evidence[c.evidence]
    link = next((lk for lk in e.links if lk.hypothesis == hid
                 and (lk.by or ", ".join(e.recorded_by) or "unknown") == c.judge), None)
    if link is None:
        return LinkRow(evidence_row(site, e.id), c.strength, "", c.date, "", ())
    scope = tuple(r for r in (site.named(s) for s in link.scope) if r)
    return LinkRow(evidence_row(site, e.id), c.strength, c.judge, c.date, site.text(link.note), scope)


def _trajectory(site: Site, hid: str) -> list[tuple[dt.date, StandingView]]:
    """Standing at the milestones and the days evidence arrived, from the proposal on."""
    h, st = site.kb.hypotheses[hid], site.standings[hid]
    contribs = list(st.contributions)
    days = {h.proposed} | {m.date for m in site.kb.config.milestones if m.date >= h.proposed}
    days |= {c.date for c in contribs if c.date >= h.proposed}
    ordered = sorted(days)
    if len(ordered) > CHART_MAX_POINTS:
        keep = {ordered[0], ordered[-1]} | {m.date for m in site.kb.config.milestones}
        step = len(ordered) / (CHART_MAX_POINTS - len(keep & set(ordered)))
        keep |= {ordered[int(i * step)] for i in range(int(len(ordered) / step))}
        ordered = sorted(d for d in ordered if d in keep)
    scoring = site.kb.config.scoring
    out = []
    for day in ordered:
        then = standing_from(hid, [c for c in contribs if c.date <= day], scoring)
        out.append((day, standing_view(h.status, then)))
    return out


def _trajectory_chart(site: Site, hid: str, points: list[tuple[dt.date, StandingView]]) -> Diagram | None:
    """Belief, disbelief and uncertainty over dates to scale, with the milestones and the revisions marked."""
    if not points:
        return None
    w, h = site.words, site.kb.hypotheses[hid]
    series = [Series(w(key), COLOURS[key], tuple((d, getattr(p, key)) for d, p in points), step=True)
              for key in ("belief", "disbelief", "uncertainty")]
    first, last = points[0][0], points[-1][0]
    markers = [Marker(m.date, site.text(m.label)) for m in site.kb.config.milestones if first <= m.date <= last]
    markers += [Marker(r.date, f"{w('chart_revision')}: {site.text(r.change)}", "revision")
                for r in h.revisions if r.date >= first]
    return time_chart(series, f"{w('over_time')}: {hid}", w("standing"), y_range=(0, 1), markers=markers,
                      marker_words=(w("chart_milestone"), w("chart_revision")))


def _neighbourhood(site: Site, hid: str, page: str) -> Diagram | None:
    """The hypothesis, the constructs it relates and its nearest kin."""
    kb, h = site.kb, site.kb.hypotheses[hid]
    chart = ItemGraph(site, page)
    w = site.words
    me = chart.hypothesis(hid, SIGNS[h.relation.effect] if h.relation else "")
    drawn = False
    if h.relation and h.relation.from_ in kb.constructs and h.relation.to in kb.constructs:
        chart.edge(chart.construct(h.relation.from_), me, style="line")
        chart.edge(me, chart.construct(h.relation.to))
        drawn = True
    for key, ids in (("refines", h.refines), ("supersedes", h.supersedes), ("competes_with", h.competes_with)):
        for other in ids:
            if other in kb.hypotheses:
                chart.edge(me, chart.hypothesis(other), w(key).lower(), style="dashed")
                drawn = True
    for key, ids in (("refines", site.refined_by.get(hid, [])), ("supersedes", site.superseded_by.get(hid, []))):
        for other in ids:
            chart.edge(chart.hypothesis(other), me, w(key).lower(), style="dashed")
            drawn = True
    return chart.diagram(w("neighbourhood_diagram", id=hid)) if drawn else None


def _lang_label(lang: str) -> str:
    return f'<span class="kb-lang" lang="{attr(lang)}">{esc(lang)}</span> ' if lang else ""


def _texts(out: Out, texts: Sequence[tuple[str, str]]) -> None:
    """A text in the page's language (the first of ``texts``, :meth:`Site.languages`), the others folded away.

    Each text in another language than the page's is marked ``lang`` (and labelled).
    """
    if not texts:
        return
    page = out.w.language
    (lang, text), others = texts[0], texts[1:]
    foreign = bool(lang) and lang != page
    out(rich_block(text, lang if foreign else None, label=foreign), "")
    if others:
        folded = "\n".join(rich_block(t, lg or None, label=True) for lg, t in others)
        out(f'<details class="kb-other-languages">\n<summary>{esc(out.w("other_languages"))}</summary>\n'
            f"{folded}\n</details>", "")


def hypothesis_page(v: HypothesisView, r: Render) -> str:
    out = Out(v.path, r)
    w = out.w
    out.title(f"{v.id}: {v.title}")
    out.illustrative_notice(v.shows_illustrative)
    if v.other_titles:
        out(" · ".join(f"{_lang_label(lang)}{esc(t)}" for lang, t in v.other_titles), "")
    s = v.standing
    out(f"{esc(w('declared'))}: {out.status(s.declared)} &nbsp; {esc(w('suggested'))}: {out.status(s.suggested)}", "")
    out(f'<p>{out.bar(s, wide=True)}</p>', "")
    out(f"{esc(w('belief'))} {num(s.belief)} · {esc(w('disbelief'))} {num(s.disbelief)} · "
        f"{esc(w('uncertainty'))} {num(s.uncertainty)} · {esc(w('probability'))} {num(s.probability)}", "")
    arithmetic(out, s)
    out.key([(COLOURS["belief"], w("belief")), (COLOURS["disbelief"], w("disbelief")),
             (COLOURS["uncertainty"], w("uncertainty"))])
    cerqual_summary(out, v.cerqual)
    out(f"## {esc(w('statement'))}", "")
    _texts(out, v.statement)
    facts = []
    if v.relation:
        a, b, effect = v.relation
        facts.append((w("relation"), f"{out.link(a)} → {out.link(b)} ({esc(w('effect_' + effect))})"))
    facts.append((w("proposed"), str(v.proposed)))
    if v.authors:
        facts.append((w("authors"), esc(", ".join(v.authors))))
    if v.tags:
        facts.append((w("tags"), esc(", ".join(v.tags))))
    if v.derived_from:
        facts.append((w("derived_from"), out.links(v.derived_from)))
    out.facts(facts)
    out.diagram(v.neighbourhood)
    if v.rationale:
        out(f"## {esc(w('rationale'))}", "")
        _texts(out, v.rationale)
    cerqual_section(out, v.cerqual)
    for key, rows in v.groups:
        out(f"## {esc(w(key))}", "")
        if not rows:
            out(esc(w("no_evidence")), "")
            continue
        out.table(
            [w("id"), w("date"), w("strength"), w("title"), w("context"), w("note")],
            ([out.link(r.evidence.ref), f'<span class="kb-nowrap">{r.date}</span>', esc(w.value(r.strength)),
              title_cell(r.evidence.title, r.evidence.restricted, w) + out.mark(r.evidence.illustrative)
              + f'<br><span class="kb-muted">{esc(w.value(r.evidence.kind))}</span>',
              (out.link(r.evidence.context) if r.evidence.context else esc(w("literature")))
              + (" → " + out.links(r.scope) if r.scope and r.scope != (r.evidence.context,) else ""),
              esc(r.note) + (f' <span class="kb-muted">({esc(r.judge)})</span>' if r.judge else "")]
             for r in rows),
        )
    if v.trajectory:
        out(f"## {esc(w('over_time'))}", "", esc(w("over_time_note")), "")
        out.diagram(v.trajectory)  # its legend is in the chart
        out.table([w("date"), w("belief"), w("disbelief"), w("uncertainty"), w("suggested")],
                  ([d, num(p.belief), num(p.disbelief), num(p.uncertainty), out.status(p.suggested)]
                   for d, p in v.trajectory_rows))
    if v.chain or v.lineage:
        out(f"## {esc(w('lineage'))}", "")
    if v.chain:
        out.paragraph(" → ".join(f"<strong>{esc(r.label)}</strong>" if r.label == v.id else out.link(r)
                                 for r in v.chain))
    out.facts((w(key), out.links(refs)) for key, refs in v.lineage)
    out(f"## {esc(w('revisions'))}", "")
    if not v.revisions:
        out(esc(w("no_revisions")), "")
    for rev in v.revisions:
        out(f"### {rev.date}", "", f"**{esc(w('change'))}:** {esc(rev.change)}", "")
        facts = []
        if rev.reason:
            facts.append((w("reason"), esc(rev.reason)))
        if rev.because:
            facts.append((w("because"), out.links(rev.because)))
        if rev.by:
            facts.append((w("revised_by"), esc(", ".join(rev.by))))
        if rev.previous_status:
            facts.append((f"{w('declared')} ({w('before').lower()})", out.status(rev.previous_status)))
        if rev.previous_title:
            facts.append((f"{w('title')} ({w('before').lower()})", esc(rev.previous_title)))
        out.facts(facts)
        out(f"**{esc(w('before'))}:**", "")
        _texts(out, rev.previous)
    out.commits(*v.commits)
    return out.text()


# --- evidence -------------------------------------------------------------------------


@dataclass(frozen=True)
class EvidenceLinkView:
    hypothesis: Ref
    title: str
    stance: str
    strength: str
    by: str
    date: dt.date
    note: str
    scope: tuple[Ref, ...]


@dataclass(frozen=True)
class EvidenceView:
    path: str
    row: EvidenceRow
    summary: tuple[tuple[str, str], ...]
    recorded_by: tuple[str, ...]
    sources: tuple[Ref, ...]
    measurement: tuple[tuple[str, str], ...]
    measured: Ref | None
    links: tuple[EvidenceLinkView, ...]
    shows_illustrative: bool
    commits: tuple[tuple[CommitView, ...], int] = ((), 0)
    appraisal: AppraisalView | None = None
    #: a coded segment's quoted text (kb import qdpx), where the item is not restricted
    quote: str = ""


def evidence_view(site: Site, eid: str) -> EvidenceView:
    e = site.kb.evidence[eid]
    links = []
    for link in e.links:
        ref = site.ref(link.hypothesis)
        if ref is None:
            continue
        links.append(EvidenceLinkView(
            ref, site.title_of(link.hypothesis), link.stance, link.strength,
            link.by or ", ".join(e.recorded_by), link.date or e.date, site.text(link.note),
            tuple(r for r in (site.named(s) for s in link.scope) if r),
        ))
    measurement: tuple[tuple[str, str], ...] = ()
    measured = None
    if e.measurement is not None:
        m = e.measurement
        measured = site.named(m.construct_)
        measurement = (("value", "–" if m.value is None else f"{m.value:g}"), ("scale", m.scale),
                       ("sample_size", "–" if m.sample_size is None else str(m.sample_size)),
                       ("instrument", m.instrument)) + ((("spread", f"{m.spread:g}"),) if m.spread is not None else ())
    shows = e.illustrative or any(link.hypothesis in site.illustrative for link in e.links)
    return EvidenceView(
        site.paths[eid], evidence_row(site, eid), site.languages(e.summary),
        tuple(e.recorded_by), site.refs(e.sources),
        measurement, measured, tuple(links), shows, commits_of(site, eid), appraisal_view(site, eid),
        e.quote or "",
    )


def evidence_page(v: EvidenceView, r: Render) -> str:
    out = Out(v.path, r)
    w = out.w
    r = v.row
    out.title(f"{r.ref.label}: {r.title}" if r.title else r.ref.label)
    out.illustrative_notice(v.shows_illustrative)
    if r.restricted:
        out.exclude_from_search()  # what it shows is on the hypotheses' pages; its page need not be found
        out(f'!!! note "{w("restricted").capitalize()}"', "", f"    {esc(w('restricted_note'))}", "")
    facts = [(w("kind"), esc(w.value(r.kind))), (w("date"), str(r.date)),
             (w("context"), out.link(r.context) if r.context else esc(w("literature")))]
    if r.phase:
        facts.append((w("phase"), esc(r.phase)))
    if v.recorded_by:
        facts.append((w("recorded_by"), esc(", ".join(v.recorded_by))))
    if v.sources:
        facts.append((w("sources"), out.links(v.sources)))
    out.facts(facts)
    if v.summary:
        out(f"## {esc(w('summary'))}", "")
        _texts(out, v.summary)
    if v.quote:
        out(f"## {esc(w('quote'))}", "", f"<blockquote><p>{esc(v.quote)}</p></blockquote>", "")
    if v.measurement:
        out(f"## {esc(w('measurement'))}", "")
        out.facts([(w("construct_col"), out.link(v.measured))] + [(w(k), esc(val)) for k, val in v.measurement])
    appraisal_section(out, v.appraisal)
    out(f"## {esc(w('links'))}", "")
    if not v.links:
        out("–", "")
    else:
        out.table([w("hypothesis"), w("title"), w("stance"), w("strength"), w("judged_by"), w("date"),
                   w("note"), w("scope")],
                  ([out.link(link.hypothesis), esc(link.title), esc(w.value(link.stance)),
                    esc(w.value(link.strength)), esc(link.by), str(link.date), esc(link.note),
                    out.links(link.scope) if link.scope else ""] for link in v.links))
    out.commits(*v.commits)
    return out.text()


def evidence_index_pages(site: Site) -> dict[str, str]:
    """The evidence index: one table, or one page per year when there is a lot."""
    kb = site.kb
    rows = [evidence_row(site, eid) for eid in sorted(kb.evidence, key=lambda i: (kb.evidence[i].date, i))]
    w = site.words
    pages = {}
    if len(rows) <= EVIDENCE_INDEX_MAX:
        out = out_for(site, "evidence/index.md")
        out.title(w('evidence'))
        out.illustrative_notice(any(r.illustrative for r in rows))
        out.evidence_rows(rows, sortable=True)
        return {"evidence/index.md": out.text()}
    years: dict[int, list[EvidenceRow]] = defaultdict(list)
    for r in rows:
        years[r.date.year].append(r)
    out = out_for(site, "evidence/index.md")
    out.title(w('evidence'))
    out.illustrative_notice(any(r.illustrative for r in rows))
    out(f"## {esc(w('by_year'))}", "")
    out.table([w("date"), w("count")],
              ([out.link(Ref(str(y), f"evidence/years/{y}.md")), str(len(rs))] for y, rs in sorted(years.items())))
    pages["evidence/index.md"] = out.text()
    for year, year_rows in sorted(years.items()):
        page = f"evidence/years/{year}.md"
        out = out_for(site, page)
        out.title(f"{w('evidence')} {year}")
        out.illustrative_notice(any(r.illustrative for r in year_rows))
        out.evidence_rows(year_rows, sortable=True)
        pages[page] = out.text()
    return pages


# --- constructs -----------------------------------------------------------------------


@dataclass(frozen=True)
class ConstructView:
    path: str
    id: str
    label: str
    other_labels: tuple[tuple[str, str], ...]
    kind: str
    definition: tuple[tuple[str, str], ...]
    broader: Ref | None
    narrower: tuple[Ref, ...]
    hypotheses: tuple[tuple[HypothesisRow, Ref, Ref, str], ...]
    measurements: tuple[tuple[EvidenceRow, str, str, int], ...]  # row, value, scale, n
    neighbourhood: Diagram | None
    shows_illustrative: bool
    commits: tuple[tuple[CommitView, ...], int] = ((), 0)


def construct_view(site: Site, cid: str) -> ConstructView:
    kb, c = site.kb, site.kb.constructs[cid]
    path = site.paths[cid]
    rows = []
    chart = ItemGraph(site, path)
    chart.construct(cid)  # the construct itself first, so it leads the diagram
    for hid in site.relating.get(cid, []):
        rel = kb.hypotheses[hid].relation
        a, b = site.named(rel.from_), site.named(rel.to)
        if a and b:
            rows.append((hypothesis_row(site, hid), a, b, rel.effect))
        if rel.from_ in kb.constructs and rel.to in kb.constructs:
            hnode = chart.hypothesis(hid, SIGNS[rel.effect])
            chart.edge(chart.construct(rel.from_), hnode, style="line")
            chart.edge(hnode, chart.construct(rel.to))
    measurements = []
    for eid in site.measuring.get(cid, []):
        m = kb.evidence[eid].measurement
        measurements.append((evidence_row(site, eid), "–" if m.value is None else f"{m.value:g}", m.scale,
                             "–" if m.sample_size is None else m.sample_size))
    labels = site.languages(c.label)
    shows = (any(r[0].illustrative for r in rows) or any(m[0].illustrative for m in measurements))
    return ConstructView(
        path, cid, site.text(c.label), labels[1:] if len(labels) > 1 else (), c.kind,
        site.languages(c.definition), site.named(c.broader), tuple(site.named(n) for n in site.narrower.get(cid, [])),
        tuple(rows), tuple(measurements),
        chart.diagram(site.words("construct_diagram", label=site.text(c.label))) if rows else None, shows,
        commits_of(site, cid),
    )


def construct_page(v: ConstructView, r: Render) -> str:
    out = Out(v.path, r)
    w = out.w
    out.title(v.label)
    out.illustrative_notice(v.shows_illustrative)
    if v.other_labels:
        out(" · ".join(f"{_lang_label(lang)}{esc(t)}" for lang, t in v.other_labels), "")
    facts = [(w("id"), esc(v.id)), (w("kind"), esc(w.value(v.kind)))]
    if v.broader:
        facts.append((w("broader"), out.link(v.broader)))
    if v.narrower:
        facts.append((w("narrower"), out.links(v.narrower)))
    out.facts(facts)
    if v.definition:
        out(f"## {esc(w('definition'))}", "")
        _texts(out, v.definition)
    out(f"## {esc(w('hypotheses_here'))}", "")
    if v.hypotheses:
        out.diagram(v.neighbourhood)
        out.table([w("id"), w("title"), w("relation"), w("declared"), w("suggested"), w("standing")],
                  ([out.link(r.ref), esc(r.title) + out.mark(r.illustrative),
                    f"{out.link(a)} → {out.link(b)} ({esc(SIGNS[effect])})", out.status(r.standing.declared),
                    out.status(r.standing.suggested), out.bar(r.standing)] for r, a, b, effect in v.hypotheses))
    else:
        out("–", "")
    if v.measurements:
        out(f"## {esc(w('measured'))}", "")
        out.table([w("id"), w("date"), w("context"), w("phase"), w("value"), w("scale"), w("sample_size")],
                  ([out.link(r.ref), str(r.date), out.link(r.context) if r.context else "–", esc(r.phase) or "–",
                    esc(value) + out.mark(r.illustrative), esc(scale), str(n)]
                   for r, value, scale, n in v.measurements))
    out.commits(*v.commits)
    return out.text()


@dataclass(frozen=True)
class ConstructsIndexView:
    rows: tuple[tuple[Ref, str, int, int], ...]  # construct, kind, hypotheses, measurements


def constructs_index_view(site: Site) -> ConstructsIndexView:
    return ConstructsIndexView(tuple(
        (site.named(cid), c.kind, len(site.relating.get(cid, [])), len(site.measuring.get(cid, [])))
        for cid, c in site.kb.constructs.items()
    ))


def constructs_index_page(v: ConstructsIndexView, r: Render) -> str:
    out = Out("constructs/index.md", r)
    w = out.w
    out.title(w('constructs'))
    out.table([w("construct_col"), w("kind"), w("hypotheses"), w("measured")],
              ([out.link(ref), esc(w.value(kind)), str(nh), str(nm)] for ref, kind, nh, nm in v.rows))
    return out.text()


# --- contexts -------------------------------------------------------------------------


@dataclass(frozen=True)
class MeasureRow:
    construct: Ref
    scale: str
    start: tuple[float, int] | None  # (value, sample size)
    end: tuple[float, int] | None


@dataclass(frozen=True)
class ContextView:
    path: str
    id: str
    label: str
    other_labels: tuple[tuple[str, str], ...]
    kind: str
    role: str
    trail: tuple[Ref, ...]
    description: tuple[tuple[str, str], ...]
    parts: tuple[tuple[Ref, str, int, int], ...]  # part, kind, depth, evidence count
    evidence: tuple[tuple[Ref, tuple[EvidenceRow, ...]], ...]
    touched: tuple[tuple[Ref, str, int, int, int], ...]  # hypothesis, title, +, -, ~
    phases: tuple[str, str]
    measures: tuple[MeasureRow, ...]
    charts: tuple[tuple[str, Diagram], ...]
    shows_illustrative: bool
    commits: tuple[tuple[CommitView, ...], int] = ((), 0)


def context_view(site: Site, cid: str) -> ContextView:
    kb, c = site.kb, site.kb.contexts[cid]
    inside = [cid, *kb.context_descendants(cid)]
    trail = [site.named(up) for up in kb.context_ancestors(cid)]
    level = kb.context_level(cid)
    parts = [(site.named(sub), kb.contexts[sub].kind, max(1, kb.context_level(sub) - level),
              len(site.evidence_in.get(sub, []))) for sub in inside[1:]]
    # the evidence within: what was recorded here or inside, by place, then what was
    # recorded elsewhere with a judgement scoped to here, by where it is from
    by_place: dict[str | None, list[str]] = {place: [] for place in inside}
    for eid in kb.evidence_within(cid):
        by_place.setdefault(kb.evidence[eid].context, []).append(eid)
    evidence = []
    counts: dict[str, Counter] = defaultdict(Counter)
    shows = False
    for place, eids in by_place.items():
        rows = tuple(evidence_row(site, eid) for eid in sorted(eids, key=lambda i: (kb.evidence[i].date, i)))
        if rows:
            evidence.append((site.named(place) or Ref(site.words("literature"), "evidence/index.md"), rows))
            shows = shows or any(r.illustrative for r in rows)
        for eid in eids:
            e = kb.evidence[eid]
            for link in e.links:
                if kb.link_holds_in(e, link, cid):
                    counts[link.hypothesis][link.stance] += 1
    touched = tuple((Ref(hid, site.paths[hid]), site.title_of(hid), counts[hid]["supports"],
                     counts[hid]["contradicts"], counts[hid]["qualifies"])
                    for hid in kb.hypotheses if hid in counts)
    phases = (kb.config.phases[0], kb.config.phases[-1]) if kb.config.phases else ("", "")
    measures = _start_end(site, inside, phases)
    charts = tuple(_measure_chart(scale, rows, phases) for scale, rows in _by_scale(measures))
    labels = site.languages(c.label)
    return ContextView(
        site.paths[cid], cid, site.text(c.label), labels[1:] if len(labels) > 1 else (), c.kind, c.role or "",
        tuple(reversed(trail)), site.languages(c.description), tuple(parts), tuple(evidence), touched,
        phases, measures, charts, shows, commits_of(site, cid),
    )


def _start_end(site: Site, inside: list[str], phases: tuple[str, str]) -> tuple[MeasureRow, ...]:
    """Per construct and scale: the first and the last phase's measurements, pooled by sample size."""
    kb = site.kb
    pooled: dict[tuple[str, str], dict[str, list[tuple[float, int]]]] = defaultdict(lambda: defaultdict(list))
    for place in inside:
        for eid in site.evidence_in.get(place, []):
            e = kb.evidence[eid]
            if e.measurement is None or e.phase not in phases:
                continue
            m = e.measurement
            if m.value is None or m.sample_size is None:
                continue  # cites a dataset whose response file is not here: no number to pool
            pooled[(m.construct_, m.scale)][e.phase].append((m.value, m.sample_size))
    order = {cid: i for i, cid in enumerate(kb.constructs)}
    rows = []
    for (construct, scale), by_phase in sorted(pooled.items(), key=lambda kv: (order.get(kv[0][0], 1 << 30),
                                                                                 kv[0][0], kv[0][1])):
        ref = site.named(construct) or Ref(construct, "constructs/index.md")
        rows.append(MeasureRow(ref, scale, _pool(by_phase.get(phases[0])), _pool(by_phase.get(phases[1]))))
    return tuple(rows)


def _pool(values: list[tuple[float, int]] | None) -> tuple[float, int] | None:
    if not values:
        return None
    n = sum(size for _, size in values)
    return sum(v * size for v, size in values) / n, n


def _by_scale(rows: tuple[MeasureRow, ...]) -> list[tuple[str, list[MeasureRow]]]:
    groups: dict[str, list[MeasureRow]] = {}
    for r in rows:
        if r.start is not None or r.end is not None:
            groups.setdefault(r.scale, []).append(r)
    return list(groups.items())


def _measure_chart(scale: str, rows: list[MeasureRow], phases: tuple[str, str]) -> tuple[str, Diagram]:
    """Start and end side by side: per construct a bar for each phase measured, coloured by phase."""
    groups = []
    for r in rows:
        bars = [(i, point[0], f"{r.construct.label}, {phase}: {point[0]:.2f} (n = {point[1]})")
                for i, (phase, point) in enumerate(zip(phases, (r.start, r.end))) if point is not None]
        groups.append((r.construct.label, bars))
    chart = bar_chart(groups, [(phases[0], "#00796b"), (phases[1], "#5e35b1")], scale, _scale_range(scale))
    assert chart is not None  # _by_scale keeps only rows with a measurement
    return scale, chart


def _scale_range(scale: str) -> tuple[float, float] | None:
    m = re.fullmatch(r"\s*(-?\d+(?:\.\d+)?)\s*[-–]\s*(-?\d+(?:\.\d+)?)\s*", scale)
    if not m:
        return None
    low, high = float(m.group(1)), float(m.group(2))
    return (min(low, 0.0), high) if low < high else None


def context_page(v: ContextView, r: Render) -> str:
    out = Out(v.path, r)
    w = out.w
    out.title(v.label)
    out.illustrative_notice(v.shows_illustrative)
    if v.other_labels:
        out(" · ".join(f"{_lang_label(lang)}{esc(t)}" for lang, t in v.other_labels), "")
    facts = [(w("id"), esc(v.id)), (w("kind"), esc(w.value(v.kind)))]
    if v.role:
        facts.append((w("role"), esc(w.value(v.role))))
    if v.trail:
        facts.append((w("part_of"), " › ".join(out.link(r) for r in v.trail)))
    out.facts(facts)
    if v.description:
        out(f"## {esc(w('description'))}", "")
        _texts(out, v.description)
    if v.parts:
        out(f"## {esc(w('parts'))}", "")
        out.tree((depth - 1, f"{out.link(ref)} ({esc(w.value(kind))}, {n} {esc(w('evidence').lower())})")
                 for ref, kind, depth, n in v.parts)
    out(f"## {esc(w('start_end'))}", "")
    if v.measures:
        out(esc(w("start_end_note")), "")
        start, end = v.phases
        out.table([w("construct_col"), w("scale"), esc(start), esc(end), "Δ"],
                  ([out.link(r.construct), esc(r.scale), _point(r.start), _point(r.end), _delta(r.start, r.end)]
                   for r in v.measures))
        for scale, chart in v.charts:
            out(f"**{esc(w('scale'))} {esc(scale)}**", "")
            out.diagram(chart)
    else:
        out(esc(w("no_measurements")), "")
    if v.touched:
        out(f"## {esc(w('hypotheses'))}", "")
        out.table([w("id"), w("title"), "+", "−", "~"],
                  ([out.link(ref), esc(title), str(p), str(n), str(q)] for ref, title, p, n, q in v.touched))
    out(f"## {esc(w('evidence_here'))}", "")
    if not v.evidence:
        out(esc(w("no_evidence")), "")
    for place, rows in v.evidence:
        if place.path != v.path:
            out(f"### {out.link(place)}", "")
        out.evidence_rows(rows)
    out.commits(*v.commits)
    return out.text()


def _point(p: tuple[float, int] | None) -> str:
    return f"{p[0]:.2f} (n={p[1]})" if p else "–"


def _delta(a: tuple[float, int] | None, b: tuple[float, int] | None) -> str:
    return f"{b[0] - a[0]:+.2f}" if a and b else "–"


@dataclass(frozen=True)
class ContextsIndexView:
    rows: tuple[tuple[Ref, str, str, int, int], ...]  # context, kind, role, depth, evidence within


def contexts_index_view(site: Site) -> ContextsIndexView:
    kb = site.kb
    rows = []
    tops = [cid for cid, c in kb.contexts.items() if c.part_of not in kb.contexts]
    done: set[str] = set()
    for top in tops:
        depth = {top: 0}
        for cid in site.within(top):
            if cid in done:
                continue
            done.add(cid)
            if cid != top:
                depth[cid] = depth.get(kb.contexts[cid].part_of, 0) + 1
            n = sum(len(site.evidence_in.get(x, [])) for x in site.within(cid)) if depth[cid] == 0 else \
                len(site.evidence_in.get(cid, []))
            c = kb.contexts[cid]
            rows.append((site.named(cid), c.kind, c.role or "", depth[cid], n))
    for cid in kb.contexts:  # contexts caught in a cycle of part_of
        if cid not in done:
            c = kb.contexts[cid]
            rows.append((site.named(cid), c.kind, c.role or "", 0, len(site.evidence_in.get(cid, []))))
    return ContextsIndexView(tuple(rows))


def contexts_index_page(v: ContextsIndexView, r: Render) -> str:
    out = Out("contexts/index.md", r)
    w = out.w
    out.title(w('contexts'))
    out.tree((depth, f"{out.link(ref)} ({esc(w.value(kind))}{', ' + esc(w.value(role)) if role else ''};"
                     f" {n} {esc(w('evidence').lower())})") for ref, kind, role, depth, n in v.rows)
    return out.text()
