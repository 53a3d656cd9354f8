"""The overview pages: home, framework map, sources, gap map, timeline, downloads (the questions: kb.site.questions).

Same two steps as :mod:`kb.siteitems`: a view gathers, a page prints.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from kb.model import KnowledgeBase
from kb.site.charts import Marker, Series, time_chart
from kb.site.fmt import COLOURS, Words, attr, esc, rich_block
from kb.site.graphs import framework_diagram
from kb.site.kit import (
    LATEST,
    MAP_MAX_HYPOTHESES,
    LINE_COLOURS,
    LIST_MAX,
    SIGNS,
    SUGGESTED,
    Diagram,
    Download,
    Event,
    HypothesisRow,
    Out,
    Ref,
    Render,
    Site,
    StandingView,
    event_line,
    hypothesis_row,
    standing_view,
)

# --- home -----------------------------------------------------------------------------


@dataclass(frozen=True)
class HomeView:
    title: str
    description: str | None
    counts: tuple[tuple[str, Ref | None, int, str], ...]  # (words key, index page, count, detail)
    statuses: tuple[str, ...]
    suggested: tuple[str, ...]
    by_status: dict[tuple[str, str], tuple[Ref, ...]]
    latest: tuple[Event, ...]
    diagram: Diagram | None
    illustrative: bool
    build_date: str
    surveys: Ref | None = None  # the survey measurements page, where kb.yaml has datasets (the nav is full)


def home_view(site: Site, events: list[Event]) -> HomeView:
    kb = site.kb
    restricted = sum(1 for e in kb.evidence.values() if e.restricted)
    illustrative = sum(1 for e in kb.evidence.values() if e.illustrative)
    w = site.words
    detail = ", ".join(f"{n} {w(key)}" for n, key in ((restricted, "restricted_count"),
                                                      (illustrative, "illustrative_count")) if n)
    counts = (
        ("hypotheses", Ref("", "hypotheses/index.md"), len(kb.hypotheses),
         ", ".join(f"{n} {w('illustrative_count')}" for n in
                   [sum(1 for h in kb.hypotheses.values() if h.illustrative)] if n)),
        ("evidence", Ref("", "evidence/index.md"), len(kb.evidence), detail),
        ("links_count", None, sum(len(e.links) for e in kb.evidence.values()), ""),
        ("constructs", Ref("", "constructs/index.md"), len(kb.constructs), ""),
        ("contexts", Ref("", "contexts/index.md"), len(kb.contexts), ""),
        ("findings_count", Ref("", "findings.md"), sum(1 for h in kb.hypotheses.values() if h.assessments), ""),
        ("sources", Ref("", "sources.md"), len(kb.sources), ""),
        ("milestones", Ref("", "changes.md"), len(kb.config.milestones), ""),
    )
    grid: dict[tuple[str, str], list[Ref]] = defaultdict(list)
    for h in kb.hypotheses.values():
        grid[(h.status, site.standings[h.id].suggested)].append(Ref(h.id, site.paths[h.id]))
    declared = tuple(s for s in _all_statuses() if any(k[0] == s for k in grid))
    suggested = tuple(s for s in SUGGESTED if any(k[1] == s for k in grid))
    latest = tuple(reversed(events[-LATEST:]))
    return HomeView(site.text(kb.config.title), site.text(kb.config.description) or None, counts, declared,
                    suggested, {k: tuple(v) for k, v in grid.items()}, latest,
                    framework_diagram(site, "index.md"), bool(site.illustrative), site.build_date,
                    _surveys_ref(site))


def _surveys_ref(site: Site) -> Ref | None:
    from kb.site.surveys import PAGE, word

    return Ref(word(site.kb.config.site_language, "link"), PAGE) if site.surveys is not None else None


def _all_statuses() -> tuple[str, ...]:
    from kb.model import STATUSES

    return STATUSES


def home_page(v: HomeView, r: Render) -> str:
    out = Out("index.md", r)
    w = out.w
    out.title(v.title)
    out.illustrative_notice(v.illustrative)
    if v.description:
        out(rich_block(v.description), "")
    out(f"## {esc(w('counts'))}", "")
    out.table([w("a11y_counted"), w("count"), w("a11y_of_which")],
              ([out.link(ref, w(key)) if ref else esc(w(key)), str(n), esc(more)] for key, ref, n, more in v.counts))
    out(f"## {esc(w('by_status'))}", "", esc(w("by_status_note")), "")
    if v.statuses:
        out.table([esc(w("declared"))] + [out.status(s) for s in v.suggested],
                  ([out.status(d)] + [out.links(v.by_status.get((d, s), ()), LIST_MAX) for s in v.suggested]
                   for d in v.statuses))
    out(f"## {esc(w('latest'))}", "")
    out.bullets(f"{ev.date}: {event_line(out, ev)}" for ev in v.latest)
    out.paragraph(out.link(Ref(w("changes"), "changes.md")))
    if v.surveys:
        out.paragraph(out.link(v.surveys))
    out(f"## {esc(w('map'))}", "")
    if v.diagram:
        out.diagram(v.diagram)
        out.key([(c, label) for c, label in _status_colours(w)])
        out.paragraph(out.link(Ref(w("map_open"), "map.md")))
    else:
        out(esc(w("no_relations")), "")
    if v.build_date:
        out("---", "", f"{esc(w('built'))} {esc(v.build_date)}", "")
    return out.text()


def _status_colours(w: Words) -> list[tuple[str, str]]:
    return [(COLOURS[s], w.value(s)) for s in SUGGESTED]


# --- the framework map ----------------------------------------------------------------


@dataclass(frozen=True)
class MapView:
    diagram: Diagram | None
    aggregated: bool
    rows: tuple[tuple[HypothesisRow, Ref, Ref, str], ...]  # hypothesis, from, to, effect
    illustrative: bool
    moments: tuple[str, ...] = ()  # the map tool's times: "now", then each milestone's label and date
    constructs: tuple[tuple[str, str], ...] = ()  # (id, label) of the constructs on the map


def map_view(site: Site, page: str) -> MapView:
    rows = []
    for h in site.kb.hypotheses.values():
        if h.relation is None:
            continue
        a, b = site.named(h.relation.from_), site.named(h.relation.to)
        if a and b:
            rows.append((hypothesis_row(site, h.id), a, b, h.relation.effect))
    aggregated = len(rows) > MAP_MAX_HYPOTHESES
    moments, at = _map_moments(site) if not aggregated else ((), {})
    diagram = framework_diagram(site, page, at)
    kb = site.kb
    on_map = {c for h in kb.hypotheses.values() if h.relation for c in (h.relation.from_, h.relation.to)}
    constructs = tuple((cid, site.title_of(cid) or cid) for cid in kb.constructs if cid in on_map)
    return MapView(diagram, aggregated, tuple(rows), any(r[0].illustrative for r in rows), moments, constructs)


def _map_moments(site: Site) -> tuple[tuple[str, ...], dict[str, str]]:
    """The times the map tool offers (now, then each milestone) and each hypothesis's status at each.

    A hypothesis is on the map at a time when it had been proposed by then
    and was neither retired nor superseded by one proposed by then; its
    status is the one its evidence suggested then. The KB at a milestone is
    read as the changes page reads it (kb.history.asof, git where there is).
    """
    kb, w = site.kb, site.words
    moments = [w("map_now")]
    states = [(kb, site.standings)]
    for m, read, past_standings in site.milestones_then:
        states.append((read.kb, past_standings))
        moments.append(f"{site.text(m.label)} ({m.date})")
    columns = []
    for then, st in states:
        superseded = {old for h in then.hypotheses.values() for old in h.supersedes}
        columns.append({hid: st[hid].suggested for hid, h in then.hypotheses.items()
                        if h.status != "retired" and hid not in superseded})
    at = {hid: " ".join(col.get(hid, "-") for col in columns) for hid in kb.hypotheses}
    return tuple(moments), at


def map_page(v: MapView, r: Render) -> str:
    out = Out("map.md", r)
    w = out.w
    out.title(w('map'))
    out.illustrative_notice(v.illustrative)
    if v.diagram is None:
        out(esc(w("no_relations")), "")
        return out.text()
    out(esc(w("map_aggregated" if v.aggregated else "map_note")), "")
    _map_controls(out, v)
    out.diagram(v.diagram)
    out.key(_status_colours(w))
    out.table([w("id"), w("title"), w("relation"), w("declared"), w("suggested"), w("standing")],
              ([out.link(r.ref), esc(r.title) + out.mark(r.illustrative),
                f"{out.link(a)} → {out.link(b)} ({esc(SIGNS[effect])})", out.status(r.standing.declared),
                out.status(r.standing.suggested), out.bar(r.standing)] for r, a, b, effect in v.rows))
    return out.text()


def _map_controls(out: Out, v: MapView) -> None:
    """The map tool's controls: hidden until kb-map.js runs, so a page without scripts shows a plain map."""
    w = out.w
    out.script("kb-map.js")
    lines = ['<div class="kb-map-controls" hidden>',
             f'<p class="kb-map-zoom"><button type="button" data-map="in" aria-label="{attr(w("map_zoom_in"))}"'
             f' title="{attr(w("map_zoom_in"))}">+</button>'
             f'<button type="button" data-map="out" aria-label="{attr(w("map_zoom_out"))}"'
             f' title="{attr(w("map_zoom_out"))}">−</button>'
             f'<button type="button" data-map="reset">{esc(w("map_reset"))}</button>'
             f' <span class="kb-muted">{esc(w("map_keys"))}</span></p>']
    if v.moments:
        options = "".join(f'<option value="{i}">{esc(label)}</option>' for i, label in enumerate(v.moments))
        lines.append(f'<p><label>{esc(w("map_when"))} <select data-map="when">{options}</select></label></p>')
        boxes = "".join(f'<label class="kb-map-check"><input type="checkbox" data-map-status="{attr(s)}" checked>'
                        f'<span class="kb-key" style="background:{attr(c)}"></span>{esc(label)}</label>'
                        for s, (c, label) in zip(SUGGESTED, _status_colours(w)))
        lines.append(f'<fieldset class="kb-map-filter"><legend>{esc(w("map_by_status"))}</legend>{boxes}</fieldset>')
    if v.constructs:
        boxes = "".join(f'<label class="kb-map-check"><input type="checkbox" data-map-construct="{attr(cid)}" checked>'
                        f'{esc(label)}</label>' for cid, label in v.constructs)
        lines.append(f'<fieldset class="kb-map-filter"><legend>{esc(w("map_by_construct"))}</legend>{boxes}</fieldset>')
    if v.moments:
        lines.append(f'<p class="kb-map-shown" aria-live="polite" data-words="{attr(w("map_shown"))}"></p>')
    out(*lines, "</div>", "")


# --- sources --------------------------------------------------------------------------


@dataclass(frozen=True)
class SourceView:
    id: str
    citation: str  # HTML, every value escaped (kb.sources.cite with the site's esc)
    links: tuple[tuple[str, str], ...]  # (address, label) of the DOI and URL the citation does not link itself


def sources_view(site: Site) -> tuple[SourceView, ...]:
    """The bibliography in the KB's citation style (kb.yaml citation_style, APA by default), in its order."""
    kb = site.kb
    out = []
    for sid, text in site.citations.entries.items():
        s = kb.sources[sid]
        wanted = ([(f"https://doi.org/{s.doi}", f"doi:{s.doi}")] if s.doi else []) + ([(s.url, s.url)] if s.url else [])
        out.append(SourceView(sid, text, tuple((href, label) for href, label in wanted
                                               if f'href="{attr(href)}"' not in text)))
    return tuple(out)


def sources_page(v: tuple[SourceView, ...], r: Render) -> str:
    out = Out("sources.md", r)
    w = out.w
    out.title(w("sources"))
    items = [f'<span id="src-{attr(s.id)}"></span>{s.citation} {" ".join(_external(*link) for link in s.links)}'.rstrip()
             for s in v]
    out.bullets(items)
    return out.text()


def _external(url: str, label: str) -> str:
    """A link to the web from a URL in YAML: http(s) only (the model checks it too), quoted."""
    from urllib.parse import quote

    if not url.startswith(("http://", "https://")):
        return esc(label)
    return f'<a href="{attr(quote(url, safe="/:?=&%#~.-_+,;@!$*"))}">{esc(label)}</a>'


# --- how the framework changed --------------------------------------------------------


@dataclass(frozen=True)
class Period:
    heading: str
    events: tuple[Event, ...]


@dataclass(frozen=True)
class ChangesView:
    milestones: tuple[tuple[str, str, dt.date], ...]  # id, label, date
    matrix: tuple[tuple[Ref, str, tuple[StandingView | None, ...]], ...]
    chart: Diagram | None
    periods: tuple[Period, ...]
    illustrative: bool
    diffs: tuple[MilestoneDiffView, ...] = ()
    git_note: str = ""
    sources: tuple[str, ...] = ()  # per milestone: where its declared statuses were read


@dataclass(frozen=True)
class ChangedView:
    """One hypothesis that changed between two tagged milestones."""

    ref: Ref
    status: tuple[str, str] | None
    statement: tuple[str, str] | None
    standing: tuple[dict[str, float], dict[str, float]] | None
    new_evidence: tuple[Ref, ...]


@dataclass(frozen=True)
class MilestoneDiffView:
    """What changed in the framework between two tagged milestones (from git)."""

    before: str
    after: str
    added: tuple[tuple[Ref, str, str], ...]  # hypothesis, title, status
    removed: tuple[Ref, ...]
    changed: tuple[ChangedView, ...]
    evidence_added: tuple[Ref, ...]
    evidence_removed: tuple[Ref, ...]
    constructs: tuple[tuple[Ref, ...], tuple[Ref, ...]]  # added, removed
    contexts: tuple[tuple[Ref, ...], tuple[Ref, ...]]

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed or self.evidence_added or self.evidence_removed
                    or any(self.constructs) or any(self.contexts))


def milestone_diff_views(site: Site) -> tuple[tuple[MilestoneDiffView, ...], str]:
    """The diffs between tagged milestones, and why there are none (if git history is missing)."""
    history = site.history
    if history is None:
        return (), ""
    if not history.available:
        return (), "missing"  # the reason may name local paths; the plugin logs it
    labels = {m.id: site.text(m.label) for m in site.kb.config.milestones}

    def ref(item_id: str) -> Ref:  # items gone since then have no page: shown by id
        return site.ref(item_id) or Ref(item_id, "")

    out = []
    for m_a, m_b, d in history.milestone_diffs:
        changed = tuple(
            ChangedView(ref(c.id), (c.status_before, c.status_after) if c.restated else None,
                        (c.statement_before or "", c.statement_after or "") if c.reworded else None,
                        (c.standing_before, c.standing_after) if c.standing_after else None,
                        tuple(ref(e["id"]) for e in c.new_evidence))
            for c in d.hypotheses_changed
        )
        out.append(MilestoneDiffView(
            labels.get(m_a, m_a), labels.get(m_b, m_b),
            tuple((ref(h["id"]), h.get("title", ""), h.get("status", "")) for h in d.hypotheses_added),
            tuple(ref(h["id"]) for h in d.hypotheses_removed), changed,
            tuple(ref(e["id"]) for e in d.evidence_added), tuple(ref(e["id"]) for e in d.evidence_removed),
            (tuple(map(ref, d.constructs_added)), tuple(map(ref, d.constructs_removed))),
            (tuple(map(ref, d.contexts_added)), tuple(map(ref, d.contexts_removed))),
        ))
    return tuple(out), ""


def changes_view(site: Site, events: list[Event]) -> ChangesView:
    kb, w = site.kb, site.words
    milestones = [m for m, _, _ in site.milestones_then]
    then: list[dict[str, StandingView]] = []
    sources, gone, pasts = [], {}, []
    for _, read, past_standings in site.milestones_then:
        past = read.kb
        pasts.append(past)
        then.append({hid: standing_view(h.status, past_standings[hid]) for hid, h in past.hypotheses.items()})
        sources.append(w("read_git", commit=read.commit[:7]) if read.commit else w("read_log"))
        gone.update({hid: site.text(h.title) for hid, h in past.hypotheses.items() if hid not in kb.hypotheses})
    matrix = tuple((Ref(hid, site.paths[hid]), site.title_of(hid), tuple(t.get(hid) for t in then))
                   for hid in kb.hypotheses)
    matrix += tuple((Ref(hid, ""), title, tuple(t.get(hid) for t in then)) for hid, title in gone.items())
    chart = None
    if milestones:
        series = [Series(w.value(s), LINE_COLOURS[s],
                         tuple((m.date, float(sum(1 for sv in t.values() if sv.suggested == s)))
                               for m, t in zip(milestones, then)))
                  for s in SUGGESTED]
        chart = time_chart(series, w("statuses_chart"), w("hypotheses"),
                           markers=[Marker(m.date, site.text(m.label)) for m in milestones],
                           marker_words=(w("chart_milestone"), w("chart_revision")))
    events = sorted(events + _unlogged_status_events(site, milestones, pasts), key=lambda ev: ev.date)
    periods = []
    start = None
    for m in milestones:
        inside = tuple(ev for ev in events if (start is None or ev.date > start) and ev.date <= m.date)
        periods.append(Period(w("up_to", label=site.text(m.label), date=m.date), inside))
        start = m.date
    if milestones:
        rest = tuple(ev for ev in events if ev.date > milestones[-1].date)
        if rest:
            last = milestones[-1]
            periods.append(Period(w("after", label=site.text(last.label), date=last.date), rest))
    else:
        periods.append(Period(w("events"), tuple(events)))
    diffs, git_note = milestone_diff_views(site)
    return ChangesView(tuple((m.id, site.text(m.label), m.date) for m in milestones), matrix, chart,
                       tuple(periods), bool(site.illustrative), diffs, git_note, tuple(sources))


def _unlogged_status_events(site: Site, milestones: list, pasts: list[KnowledgeBase]) -> list[Event]:
    """Declared statuses that changed between two milestones with no revision saying so, dated at the later one.

    So the timeline tells what the milestone table shows: read from git, a
    status may change without an entry in the revision log.
    """
    out = []
    for m_a, a, m_b, b in zip(milestones, pasts, milestones[1:], pasts[1:]):
        for hid, h in b.hypotheses.items():
            before = a.hypotheses.get(hid)
            if before is None or before.status == h.status:
                continue
            if any(m_a.date < r.date <= m_b.date and r.previous_status for r in h.revisions):
                continue  # logged: the timeline has it from the revision log
            out.append(Event(m_b.date, "status", site.ref(hid) or Ref(hid, ""), site.words("unlogged"),
                             old=before.status, new=h.status, illustrative=h.illustrative))
    return out


def changes_page(v: ChangesView, r: Render) -> str:
    out = Out("changes.md", r)
    w = out.w
    out.title(w('changes'))
    out.illustrative_notice(v.illustrative)
    if v.milestones:
        out(f"## {esc(w('at_milestone'))}", "", esc(w("at_milestone_note")), "")
        sources = v.sources or ("",) * len(v.milestones)
        out.table([w("hypothesis")] + [f"{esc(label)}<br>{d}" + (f"<br><small>{esc(src)}</small>" if src else "")
                                       for (_, label, d), src in zip(v.milestones, sources)],
                  ([out.link_or_id(ref)] + [_then(out, sv) for sv in cells] for ref, _, cells in v.matrix))
    if v.chart:
        out(f"### {esc(w('statuses_chart'))}", "")
        out.diagram(v.chart)  # its legend is drawn in it
    if v.diffs or v.git_note:
        out(f"## {esc(w('milestone_diffs'))}", "")
    if v.git_note:
        out.paragraph(esc(w("git_missing")))
    for d in v.diffs:
        _milestone_diff(out, d)
    for period in v.periods:
        out(f"## {esc(period.heading)}", "")
        if not period.events:
            out(esc(w("no_events")), "")
            continue
        out.bullets(f"{ev.date}: {event_line(out, ev)}" for ev in period.events)
    return out.text()


def _milestone_diff(out: Out, d: MilestoneDiffView) -> None:
    w = out.w
    out(f"### {esc(d.before)} → {esc(d.after)}", "")
    if d.empty:
        out.paragraph(esc(w("no_diff")))
        return
    link = out.link_or_id
    facts = []
    if d.added:
        facts.append((w("hyp_added"), ", ".join(f"{link(ref)} {esc(title)} ({out.status(status)})"
                                                for ref, title, status in d.added)))
    if d.removed:
        facts.append((w("hyp_removed"), ", ".join(map(link, d.removed))))
    for key, refs in (("ev_added", d.evidence_added), ("ev_removed", d.evidence_removed),
                      ("con_added", d.constructs[0]), ("con_removed", d.constructs[1]),
                      ("ctx_added", d.contexts[0]), ("ctx_removed", d.contexts[1])):
        if refs:
            shown = ", ".join(map(link, refs[:LIST_MAX]))
            more = f" {esc(w('and_more', n=len(refs) - LIST_MAX))}" if len(refs) > LIST_MAX else ""
            facts.append((w(key), shown + more))
    out.facts(facts)
    if d.changed:
        out(f"**{esc(w('hyp_changed'))}**", "")
        out.bullets(_changed_line(out, c) for c in d.changed)


def _changed_line(out: Out, c: ChangedView) -> str:
    w = out.w
    parts = []
    if c.status:
        parts.append(f"{out.status(c.status[0])} → {out.status(c.status[1])}")
    if c.standing:
        a, b = c.standing
        parts.append(" · ".join(f"{esc(w(k))} {a[k]:.2f} → {b[k]:.2f}"
                                for k in ("belief", "disbelief", "uncertainty")))
    if c.new_evidence:
        parts.append(f"{esc(w('new_evidence'))}: {', '.join(map(out.link_or_id, c.new_evidence[:LIST_MAX]))}")
    line = f"{out.link_or_id(c.ref)}: " + "; ".join(parts)
    if c.statement:
        line += f"<br>{esc(w('reworded'))}: {word_diff(*c.statement)}"
    return line


def word_diff(before: str, after: str) -> str:
    """The change word by word, as HTML: removed words struck through, new ones marked."""
    import difflib

    a, b = before.split(), after.split()
    out = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op in ("delete", "replace"):
            out.append(f"<del>{esc(' '.join(a[i1:i2]))}</del>")
        if op in ("insert", "replace"):
            out.append(f"<ins>{esc(' '.join(b[j1:j2]))}</ins>")
        if op == "equal":
            out.append(esc(" ".join(a[i1:i2])))
    return " ".join(out)


def _then(out: Out, sv: StandingView | None) -> str:
    if sv is None:
        return f'<span class="kb-gap-empty">{esc(out.w("not_yet"))}</span>'
    # two readings of one day, not a change: say which is which
    return f"{esc(out.w('then_declared'))} {out.status(sv.declared)}<br>{esc(out.w('then_suggested'))} " \
           f"{out.status(sv.suggested)}<br>{out.bar(sv)}"


# --- downloads ------------------------------------------------------------------------


@dataclass(frozen=True)
class DownloadsView:
    downloads: tuple[Download, ...]


def downloads_view(site: Site) -> DownloadsView:
    return DownloadsView(site.downloads)


def downloads_page(v: DownloadsView, r: Render) -> str:
    out = Out("downloads.md", r)
    w = out.w
    out.title(w("downloads"))
    out(esc(w("downloads_intro")), "")
    words = {"ttl": "turtle", "jsonld": "jsonld", "graphml": "graphml"}
    if not v.downloads:
        out(esc(w("no_downloads")), "")
    out.bullets(f"{out.link(Ref(d.path.rsplit('/', 1)[-1], d.path))}: {esc(w(words.get(d.kind, 'downloads')))}"
                for d in v.downloads)
    return out.text()
