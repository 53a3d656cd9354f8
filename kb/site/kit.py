"""The machinery every page of the website shares.

Takes nothing by itself: :class:`Site` indexes a
:class:`~kb.model.KnowledgeBase` once (paths, standings, evidence by context,
kin of hypotheses...) so every page is built in time linear in the KB;
:class:`Out` prints a page through the helpers of :mod:`kb.sitefmt`, so every
text from YAML is escaped the same way (the framework's diagrams are drawn
by :mod:`kb.site.graphs`); :func:`timeline_events` lists what changed when.
The pages themselves are in :mod:`kb.siteitems` and :mod:`kb.siteoverview`;
:mod:`kb.site` puts them together.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, Iterable, Sequence

from kb.model import Evidence, KnowledgeBase
from kb.graph.score import Standing, standings
from kb.history.asof import Lineages
from kb.public import WITHHELD, WITHHELD_AUTHOR
from kb.site.fmt import COLOURS, Foreign, Words, attr, bar, esc, inert, num, rich, url_link
from kb.site.citations import Citations, citations

# --- inputs from the caller -----------------------------------------------------------


@dataclass(frozen=True)
class Download:
    """A file offered on the downloads page: ``path`` in the site, ``kind`` ttl|jsonld|graphml, and where it was written."""

    path: str
    kind: str
    written: Path | None = field(default=None, compare=False)

    @classmethod
    def written_in(cls, docs: Path, path: Path) -> Download:
        """The entry for a file written inside the docs folder ``docs`` (its kind from its suffix)."""
        return cls(path.relative_to(docs).as_posix(), path.suffix.lstrip("."), path)


@dataclass(frozen=True)
class SavedQuery:
    """A saved SPARQL question: its file name, leading comment, text and answer.

    ``columns``/``rows`` hold the answer as plain strings, ``types`` what each
    cell was in RDF (so the page can link items and round numbers); ``note``
    says why there is none (``None`` when the answer is there).
    """

    name: str
    description: str
    text: str
    columns: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()
    note: str | None = None
    #: what each cell of ``rows`` is (kb.rdf.questions.term_type): 'iri', 'decimal', 'boolean', 'date'... or ''
    types: tuple[tuple[str, ...], ...] = ()


# --- limits that keep pages readable and builds linear --------------------------------

#: More hypotheses than this on the framework map: draw constructs only.
MAP_MAX_HYPOTHESES = 120
#: More evidence items than this: the evidence index is split by year.
EVIDENCE_INDEX_MAX = 500
#: At most this many items listed in one cell or one line of events.
LIST_MAX = 12
#: At most this many points on a chart of standing over time.
CHART_MAX_POINTS = 24
#: Entries in "latest changes" on the home page.
LATEST = 10
#: Commits listed on an item's page.
COMMITS_MAX = 10

STANCE_GROUPS = (("supports", "evidence_for"), ("contradicts", "evidence_against"),
                 ("qualifies", "evidence_qualifying"))
SIGNS = {"positive": "+", "negative": "−", "nonlinear": "~", "unknown": "?"}
LINE_COLOURS = {"supported": "#2e7d32", "contested": "#e65100", "refuted": "#c62828",
                "testing": "#1565c0", "proposed": "#757575"}
SUGGESTED = ("supported", "contested", "refuted", "testing", "proposed")
_RESERVED_NAMES = {"index", "readme"}

# --- the shared index of the knowledge base -------------------------------------------


@dataclass(frozen=True)
class Ref:
    """A link to a page: what to show and the page's path (plus an optional anchor)."""

    label: str
    path: str
    anchor: str = ""


def in_language(kb: KnowledgeBase, language: str) -> KnowledgeBase:
    """``kb`` as the pages in ``language`` see it: that language as site_language and first of languages.

    A shallow copy (the items are shared), so code that asks the KB or its
    config for the site's language or texts agrees with the page.
    """
    config = kb.config
    first = [language, *(lang for lang in config.languages if lang != language)] \
        if language in config.languages else list(config.languages)
    if config.site_language == language and config.languages == first:
        return kb
    return kb.model_copy(update={"config": config.model_copy(update={"site_language": language,
                                                                      "languages": first})})


def item_path(folder: str, item_id: str) -> str:
    """The page of one item; ids that MkDocs treats as section indexes get a '-' (never an id's first letter)."""
    name = f"-{item_id}" if item_id.lower() in _RESERVED_NAMES else item_id
    return f"{folder}/{name}.md"


class Site:
    """Everything the views need, computed once (so the whole site is built in linear time)."""

    def __init__(self, kb: KnowledgeBase, *, build_date: str = "", directory_urls: bool = True,
                 downloads: Sequence[Download] = (), queries: Sequence[SavedQuery] = (),
                 history: Any = None, computed: dict[str, Standing] | None = None,
                 surveys: Any = None, language: str | None = None, citations: Citations | None = None) -> None:
        #: the pages' language (kb.yaml's site_language unless told); the views see a KB whose
        #: site_language is this one and whose languages put it first, so every text they pick is in it
        self.language = language or kb.config.site_language
        self.kb = kb = in_language(kb, self.language)
        self._citations = citations  # kb.site.citations formats them ahead, in a process of its own
        self.surveys = surveys  # kb.survey.SurveyResults (publishable aggregates only), or None
        self.words = Words(self.language)
        self.build_date = build_date
        self.directory_urls = directory_urls
        self.downloads = tuple(downloads)
        self.queries = tuple(queries)
        self.history = history  # a kb.history.git.GitHistory, or None
        self.standings = computed if computed is not None else standings(kb)
        self.paths: dict[str, str] = {}
        for folder, items in (("hypotheses", kb.hypotheses), ("evidence", kb.evidence),
                              ("constructs", kb.constructs), ("contexts", kb.contexts)):
            for item_id in items:
                self.paths[item_id] = item_path(folder, item_id)
        self.children: dict[str, list[str]] = defaultdict(list)
        for c in kb.contexts.values():
            if c.part_of in kb.contexts:
                self.children[c.part_of].append(c.id)
        self.evidence_in: dict[str, list[str]] = defaultdict(list)
        self.measuring: dict[str, list[str]] = defaultdict(list)
        for e in kb.evidence.values():
            if e.context:
                self.evidence_in[e.context].append(e.id)
            if e.measurement is not None:
                self.measuring[e.measurement.construct_].append(e.id)
        self.relating: dict[str, list[str]] = defaultdict(list)
        self.refined_by: dict[str, list[str]] = defaultdict(list)
        self.superseded_by: dict[str, list[str]] = defaultdict(list)
        for h in kb.hypotheses.values():
            if h.relation is not None:
                for cid in dict.fromkeys((h.relation.from_, h.relation.to)):
                    self.relating[cid].append(h.id)
            for parent in h.refines:
                self.refined_by[parent].append(h.id)
            for parent in h.supersedes:
                self.superseded_by[parent].append(h.id)
        self.lineages = Lineages(kb)
        self.narrower: dict[str, list[str]] = defaultdict(list)
        for c in kb.constructs.values():
            if c.broader in kb.constructs:
                self.narrower[c.broader].append(c.id)
        self.illustrative = ({h.id for h in kb.hypotheses.values() if h.illustrative}
                             | {e.id for e in kb.evidence.values() if e.illustrative})

    @cached_property
    def citations(self) -> Citations:
        """The sources cited in the KB's style and the page's language (given when formatted ahead)."""
        if self._citations is not None:
            return self._citations
        return citations(list(self.kb.sources.values()), self.kb.config, self.kb.root)

    @property
    def source_labels(self) -> dict[str, str]:
        """Each source's in-text citation in the KB's style, '(Torfing et al., 2019)', to label links to it."""
        return self.citations.labels

    @cached_property
    def milestones_then(self) -> list[tuple[Any, Any, dict[str, Standing]]]:
        """(milestone, the framework read as of it, its standings), by date: read once for every page that shows them.

        The same view as ``kb status --as-of MILESTONE`` (kb.history.asof: at
        its tag, or the last commit by its date; the revision log without git).
        """
        from kb.history.asof import framework_as_of

        found = []
        for m in sorted(self.kb.config.milestones, key=lambda m: (m.date, m.id)):
            read = framework_as_of(self.kb, m.id, git=self.history is not None)
            found.append((m, read, standings(read.kb)))
        return found

    # small helpers shared by the views

    def text(self, value: str | dict[str, str] | None) -> str:
        """The text in the page's language, else the first of kb.yaml's languages that has it.

        A fallback comes back :class:`~kb.site.fmt.Foreign`, so :func:`~kb.site.fmt.esc` marks it ``lang``.
        """
        if not isinstance(value, dict):
            return value or ""
        if self.language in value:
            return value[self.language]
        return self.languages(value)[0][1] if value else ""

    def languages(self, value: str | dict[str, str] | None) -> tuple[tuple[str, str], ...]:
        """(language, text) pairs, the page's language first, then kb.yaml's order; ('', text) for plain text."""
        if not value:  # None, or a text the public view emptied (kb.public)
            return ()
        if isinstance(value, str):
            return (("", value),)
        order = [lang for lang in self.kb.config.languages if lang in value]
        order += sorted(lang for lang in value if lang not in order)
        return tuple((lang, value[lang] if lang == self.language else Foreign(value[lang], lang)) for lang in order)

    def ref(self, item_id: str, label: str | None = None) -> Ref | None:
        """A link to an item's page, labelled with the id unless told otherwise."""
        if item_id in self.kb.sources:
            return Ref(label or self.source_labels[item_id], "sources.md", f"src-{item_id}")
        path = self.paths.get(item_id)
        return Ref(label or item_id, path) if path else None

    def refs(self, ids: Iterable[str]) -> tuple[Ref, ...]:
        return tuple(r for r in (self.ref(i) for i in ids) if r is not None)

    def title_of(self, item_id: str) -> str:
        """An item's name for lists ('' for restricted evidence, which the public view left without one)."""
        kb = self.kb
        if item_id in kb.hypotheses:
            return self.text(kb.hypotheses[item_id].title)
        if item_id in kb.evidence:
            return self.text(kb.evidence[item_id].title)
        if item_id in kb.constructs:
            return self.text(kb.constructs[item_id].label)
        if item_id in kb.contexts:
            return self.text(kb.contexts[item_id].label)
        return ""

    def named(self, item_id: str | None) -> Ref | None:
        """A link labelled with the item's name (or its id where it has none)."""
        if not item_id:
            return None
        return self.ref(item_id, self.title_of(item_id) or item_id)

    def lineage(self, hid: str) -> tuple[list[str], list[str]]:
        """(ancestors oldest first, descendants nearest first)."""
        found = self.lineages.of(hid)
        return found["ancestors"], found["descendants"]

    def within(self, cid: str) -> list[str]:
        """``cid`` and every context inside it, depth first, in KB order (the model's hierarchy)."""
        return [cid, *self.kb.context_descendants(cid)]


# --- view objects shared by several pages ---------------------------------------------


@dataclass(frozen=True)
class Term:
    """One link's part in a standing, as kb.graph.score counted it (for the arithmetic shown in place)."""

    evidence: Ref
    stance: str
    strength: str
    strength_weight: float
    kind: str
    kind_weight: float
    share: float
    counted: float


@dataclass(frozen=True)
class StandingView:
    declared: str
    suggested: str
    belief: float
    disbelief: float
    uncertainty: float
    probability: float
    r: float = 0.0
    s: float = 0.0
    prior_weight: float = 0.0
    base_rate: float = 0.0
    #: every link's part, only where the page shows the arithmetic (``explained``)
    terms: tuple[Term, ...] = ()


def standing_view(declared: str, st: Standing, explained: bool = False) -> StandingView:
    terms = tuple(Term(Ref(c.evidence, item_path("evidence", c.evidence)), c.stance, c.strength, c.strength_weight,
                       c.kind, c.kind_weight, c.share, c.counted) for c in st.contributions) if explained else ()
    return StandingView(declared, st.suggested, st.belief, st.disbelief, st.uncertainty, st.probability,
                        st.positive, st.negative, st.prior_weight, st.base_rate, terms)


@dataclass(frozen=True)
class HypothesisRow:
    ref: Ref
    title: str
    standing: StandingView
    supports: int
    contradicts: int
    qualifies: int
    illustrative: bool


def hypothesis_row(site: Site, hid: str) -> HypothesisRow:
    h, st = site.kb.hypotheses[hid], site.standings[hid]
    return HypothesisRow(Ref(hid, site.paths[hid]), site.text(h.title), standing_view(h.status, st),
                         st.count("supports"), st.count("contradicts"), st.count("qualifies"),
                         h.illustrative)


@dataclass(frozen=True)
class EvidenceRow:
    ref: Ref
    title: str
    kind: str
    date: dt.date
    context: Ref | None
    phase: str
    links: int
    restricted: bool
    illustrative: bool


def evidence_row(site: Site, eid: str) -> EvidenceRow:
    e = site.kb.evidence[eid]
    return EvidenceRow(Ref(eid, site.paths[eid]), site.title_of(eid), e.kind, e.date,
                       site.named(e.context), e.phase or "", len(e.links), e.restricted, e.illustrative)


@dataclass(frozen=True)
class CommitView:
    """A commit that changed an item: short sha, day, author, message and what it did."""

    sha: str
    date: str
    author: str
    message: str
    summary: str


def commits_of(site: Site, item_id: str) -> tuple[tuple[CommitView, ...], int]:
    """The newest commits that changed an item, and how many older ones are left out."""
    history = site.history
    if history is None or not history.available:
        return (), 0
    found = history.commits.get(item_id, [])

    def english(text: str) -> str:  # kb.history and kb.public write their phrases in English
        return text if site.language == "en" else Foreign(text, "en")

    def withheld(text: str) -> str:
        return english(text) if text in (WITHHELD, WITHHELD_AUTHOR) else text

    shown = tuple(CommitView(c.sha[:10], c.date, withheld(c.author), withheld(c.message), english(c.summary))
                  for c in found[:COMMITS_MAX])
    return shown, max(0, len(found) - COMMITS_MAX)


@dataclass(frozen=True)
class Diagram:
    """A diagram drawn at build time: safe HTML (a ``<figure class="kb-diagram">`` holding an inline ``<svg>``).

    Whoever builds one has escaped every text in it; :meth:`Out.diagram` prints it as it is.
    """

    html: str


# --- printing helpers (used by the page functions) ------------------------------------


@dataclass(frozen=True)
class Render:
    """How pages are printed: the interface's words and the URL style of the site."""

    words: Words
    directory_urls: bool = True


#: The page that explains every standing (kb.site.standing writes it).
EXPLAINED = "standing.md"
#: Material's search: how much more an item page's entries weigh than other pages'.
SEARCH_BOOST = 4
_ITEM_FOLDERS = ("hypotheses", "evidence", "constructs", "contexts")


def _is_item_page(path: str) -> bool:
    folder, _, name = path.partition("/")
    return folder in _ITEM_FOLDERS and "/" not in name and name != "index.md"


@lru_cache(maxsize=8)  # the same lines on nearly every page of an illustrative KB
def _notice(title: str, text: str) -> tuple[str, ...]:
    return ('<div class="admonition warning kb-notice" data-search-exclude>',
            f'<p class="admonition-title">{esc(title)}</p>', rich(text), "</div>", "")


class Out:
    """Lines of one page, with the helpers the page functions print through."""

    def __init__(self, path: str, render: Render) -> None:
        self.path = path
        self.w = render.words
        self.directory_urls = render.directory_urls
        self.lines: list[str] = []
        self.page_title = ""
        self.searched = True
        self.scripts: list[str] = []

    def script(self, name: str) -> None:
        """Load ``kb/site/assets/<name>`` on this page only (scripts are small and page-specific)."""
        if name not in self.scripts:
            self.scripts.append(name)

    def __call__(self, *lines: str) -> None:
        self.lines.extend(lines)

    def title(self, text: str) -> None:
        """The page's heading, and its title for the theme (which prints titles unescaped)."""
        self.page_title = text
        self(f"# {esc(text)}", "")

    def exclude_from_search(self) -> None:
        """Keep this page out of the site's search index (front matter Material's search reads)."""
        self.searched = False

    def text(self) -> str:
        body = "\n".join(self.lines).rstrip("\n") + "\n"
        if self.scripts:
            body += "\n" + "".join(f'<script src="{attr(script_url(self.path, n, self.directory_urls))}" defer>'
                                    '</script>\n' for n in self.scripts)
        meta = [f"title: {json.dumps(inert(self.page_title), ensure_ascii=False)}"] if self.page_title else []
        if not self.searched:
            meta += ["search:", "  exclude: true"]
        elif _is_item_page(self.path):
            # an item's own page first when a query matches its title (its id is in the title)
            meta += ["search:", f"  boost: {SEARCH_BOOST:g}"]
        if not meta:
            return body
        return "---\n" + "\n".join(meta) + f"\n---\n\n{body}"

    def href(self, ref: Ref) -> str:
        """The URL of a page as served, relative to this one (the page's HTML is not rewritten by MkDocs)."""
        url = url_link(self.path, ref.path, self.directory_urls)
        return url + (f"#{ref.anchor}" if ref.anchor else "")

    def link(self, ref: Ref | None, label: str | None = None) -> str:
        if ref is None:
            return "–"
        return f'<a href="{attr(self.href(ref))}">{esc(label if label is not None else ref.label)}</a>'

    def link_or_id(self, ref: Ref) -> str:
        """A link, or just the label where the item has no page (it was removed since)."""
        return self.link(ref) if ref.path else esc(ref.label)

    def links(self, refs: Iterable[Ref], limit: int = 0) -> str:
        refs = list(refs)
        shown = [self.link(r) for r in (refs[:limit] if limit else refs)]
        if limit and len(refs) > limit:
            shown.append(esc(self.w("and_more", n=len(refs) - limit)))
        return ", ".join(shown) or "–"

    def status(self, status: str) -> str:
        return f'<span class="kb-status kb-status-{attr(status)}">{esc(self.w.value(status))}</span>'

    def bar(self, s: StandingView, wide: bool = False) -> str:
        w = self.w
        label = (f"{w('belief')} {num(s.belief)}, {w('disbelief')} {num(s.disbelief)}, "
                 f"{w('uncertainty')} {num(s.uncertainty)}")
        html = bar(s.belief, s.disbelief, s.uncertainty, label)
        if wide:
            html = html.replace('class="kb-bar"', 'class="kb-bar kb-wide"', 1)
        # every standing leads to the page that says how it is reached
        return (f'<a class="kb-bar-link" href="{attr(self.href(Ref("", EXPLAINED)))}" '
                f'title="{attr(w("standing_how"))}">{html}</a>')

    def illustrative_notice(self, shown: bool) -> None:
        # Material's admonition, written as HTML so it can carry Material's search-exclude mark:
        # the banner is on many pages and would lead every search snippet
        if shown:
            self(*_notice(str(self.w("illustrative_title")), str(self.w("illustrative_page"))))

    def mark(self, illustrative: bool = False, restricted: bool = False) -> str:
        marks = []
        if illustrative:
            marks.append(f'<em class="kb-illustrative">{esc(self.w("illustrative"))}</em>')
        if restricted:
            marks.append(f'<span class="kb-restricted">{esc(self.w("restricted"))}</span>')
        return (" " + " ".join(marks)) if marks else ""

    # Lists and tables are printed as HTML blocks: Markdown leaves them alone, which makes
    # big pages several times faster to build than Markdown tables full of links.

    def table(self, header: Sequence[str], rows: Iterable[Sequence[str]]) -> None:
        """A table; header and cells are already safe. An empty header still names its column to a screen reader."""
        heads = (c or f'<span class="kb-sr-only">{esc(self.w("a11y_column", n=i))}</span>'
                 for i, c in enumerate(header, 1))
        self("<table>", "<thead><tr>" + "".join(f"<th>{c}</th>" for c in heads) + "</tr></thead>", "<tbody>")
        self(*("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows))
        self("</tbody>", "</table>", "")

    def facts(self, pairs: Iterable[tuple[str, str]]) -> None:
        """Short facts as a list of 'name: value' (values already safe)."""
        items = [f"<li><strong>{esc(name)}:</strong> {value}</li>" for name, value in pairs]
        if items:
            self('<ul class="kb-facts">', *items, "</ul>", "")

    def bullets(self, items: Iterable[str]) -> None:
        """A list; items are already safe."""
        lines = [f"<li>{item}</li>" for item in items]
        if lines:
            self("<ul>", *lines, "</ul>", "")

    def tree(self, items: Iterable[tuple[int, str]]) -> None:
        """A nested list from (depth, item) pairs in document order; items are already safe."""
        lines: list[str] = []
        depth = -1
        for level, item in items:
            level = max(0, min(level, depth + 1))
            if level > depth:
                lines.append("<ul>")
            else:
                lines.append("</li>")
                while depth > level:
                    lines.append("</ul></li>")
                    depth -= 1
            lines.append(f"<li>{item}")
            depth = level
        if depth >= 0:
            lines.append("</li>")
            while depth > 0:
                lines.append("</ul></li>")
                depth -= 1
            lines.append("</ul>")
            self(*lines, "")

    def paragraph(self, html: str) -> None:
        self(f"<p>{html}</p>", "")

    def commits(self, commits: Sequence[CommitView], more: int) -> None:
        """The section listing the commits that changed this item."""
        if not commits:
            return
        w = self.w
        self(f"## {esc(w('git_changes'))}", "")
        items = [f"{esc(c.date)} <code>{esc(c.sha)}</code> {esc(c.author)}: {esc(c.message)}"
                 f' <span class="kb-muted">({esc(c.summary)})</span>' for c in commits]
        if more:
            items.append(esc(w("git_more", n=more)))
        self.bullets(items)

    def diagram(self, d: Diagram | None) -> None:
        if d is not None:
            # one HTML block with blank lines around it, so Markdown passes it through untouched
            self("", "\n".join(line for line in d.html.split("\n") if line.strip()), "")

    def key(self, colours: Sequence[tuple[str, str]]) -> None:
        """A colour legend: (colour, words) pairs."""
        self.paragraph(" ".join(f'<span class="kb-key" style="background:{attr(c)}"></span>{esc(label)}'
                                for c, label in colours))

    def hypothesis_rows(self, rows: Sequence[HypothesisRow], sortable: bool = False) -> None:
        """The hypotheses' table; ``sortable``: with the sort keys and the marks kb-tables.js reads."""
        w = self.w
        header = [w("id"), w("title"), w("declared"), w("suggested"), w("standing"), "+", "−", "~"]
        cells = ([self.link(r.ref), esc(r.title) + self.mark(r.illustrative), self.status(r.standing.declared),
                  self.status(r.standing.suggested), self.bar(r.standing), str(r.supports), str(r.contradicts),
                  str(r.qualifies)] for r in rows)
        if not sortable:
            self.table(header, cells)
            return
        from kb.site.tables import hypothesis_keys, sortable_table

        sortable_table(self, header, cells, (hypothesis_keys(r) for r in rows), numeric=(4, 5, 6, 7))

    def evidence_rows(self, rows: Sequence[EvidenceRow], sortable: bool = False) -> None:
        """The evidence table; ``sortable``: with sort keys, and a choice of kind (kb-tables.js)."""
        w = self.w
        header = [w("id"), w("date"), w("kind"), w("title"), w("context"), w("phase"), w("links_count")]
        cells = ([self.link(r.ref), str(r.date), esc(w.value(r.kind)),
                  title_cell(r.title, r.restricted, self.w) + self.mark(r.illustrative),
                  self.link(r.context) if r.context else esc(w("literature")), esc(r.phase) or "–",
                  str(r.links)] for r in rows)
        if not sortable:
            self.table(header, cells)
            return
        from kb.site.tables import evidence_keys, sortable_table

        sortable_table(self, header, cells, (evidence_keys(r) for r in rows), numeric=(6,), dates=(1,),
                       choice=2)


def script_url(page: str, name: str, directory_urls: bool) -> str:
    """The URL of ``assets/<name>`` from the page at ``page``, as served."""
    return url_link(page, f"assets/{name}", directory_urls)


#: The script that sends the language switch to the same page in the other language (on kb's pages).
SWITCH_SCRIPT = "languages.js"


def switch_script(page: str, directory_urls: bool) -> str:
    """The line that ends each of kb's pages in a site of several languages: it loads :data:`SWITCH_SCRIPT`.

    Only kb's pages have it: each has its twin in every language, a page written by hand has not.
    """
    return f'\n<script src="{script_url(page, SWITCH_SCRIPT, directory_urls)}" defer></script>\n'


def title_cell(title: str, restricted: bool, w: Words) -> str:
    if restricted:
        return f'<span class="kb-restricted">{esc(w("restricted_short"))}</span>'
    return esc(title)


def out_for(site: Site, path: str) -> Out:
    return Out(path, Render(site.words, site.directory_urls))


# --- diagrams -------------------------------------------------------------------------


# --- events: what changed when --------------------------------------------------------


@dataclass(frozen=True)
class Event:
    """Something that happened to the framework on a day."""

    date: dt.date
    kind: str  # proposed | revised | status | evidence
    subject: Ref
    text: str = ""
    old: str = ""
    new: str = ""
    items: tuple[Ref, ...] = ()
    illustrative: bool = False


def timeline_events(site: Site) -> list[Event]:
    """Proposals, revisions, status changes and evidence (grouped by day), oldest first."""
    kb = site.kb
    events: list[tuple[dt.date, int, int, Event]] = []
    for n, h in enumerate(kb.hypotheses.values()):
        ref = Ref(h.id, site.paths[h.id])
        events.append((h.proposed, 0, n, Event(h.proposed, "proposed", ref, site.text(_first_title(h)),
                                               illustrative=h.illustrative)))
        revisions = sorted(h.revisions, key=lambda r: r.date)
        for i, rev in enumerate(revisions):
            events.append((rev.date, 1, n, Event(rev.date, "revised", ref, site.text(rev.change),
                                                 illustrative=h.illustrative)))
            if rev.previous_status:
                later = next((r.previous_status for r in revisions[i + 1:] if r.previous_status), h.status)
                if later != rev.previous_status:
                    events.append((rev.date, 2, n, Event(rev.date, "status", ref, old=rev.previous_status,
                                                         new=later, illustrative=h.illustrative)))
    by_day: dict[dt.date, list[Evidence]] = defaultdict(list)
    for e in kb.evidence.values():
        by_day[e.date].append(e)
    for day, items in by_day.items():
        items.sort(key=lambda e: e.id)
        first = items[0]
        events.append((day, 3, 0, Event(day, "evidence", Ref(first.id, site.paths[first.id]),
                                        site.title_of(first.id),
                                        items=tuple(Ref(e.id, site.paths[e.id]) for e in items),
                                        illustrative=any(e.illustrative for e in items))))
    events.sort(key=lambda t: t[:3])
    return [t[3] for t in events]


def _first_title(h):
    """The title a hypothesis had when it was proposed."""
    title = h.title
    for rev in sorted(h.revisions, key=lambda r: r.date, reverse=True):
        title = rev.previous_title or title
    return title


def event_line(out: Out, ev: Event) -> str:
    w = out.w
    mark = out.mark(ev.illustrative)
    if ev.kind == "proposed":
        return f"{out.link(ev.subject)} {esc(w('ev_proposed'))}: {esc(ev.text)}{mark}"
    if ev.kind == "revised":
        return f"{out.link(ev.subject)} {esc(w('ev_revised'))}: {esc(ev.text)}{mark}"
    if ev.kind == "status":
        why = f" ({esc(ev.text)})" if ev.text else ""  # a change seen between milestones, not logged
        return f"{out.link_or_id(ev.subject)} " + esc(w("ev_status", old=w.value(ev.old), new=w.value(ev.new))) \
            + why + mark
    if len(ev.items) == 1:
        title = f": {esc(ev.text)}" if ev.text else ""
        return f"{esc(w('ev_evidence'))} {out.link(ev.subject)}{title}{mark}"
    return f"{esc(w('ev_evidence_many', n=len(ev.items)))}: {out.links(ev.items, LIST_MAX)}{mark}"
