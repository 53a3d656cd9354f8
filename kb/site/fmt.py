"""Safe pieces of the website's pages: escaped text, sanitised markdown,
links and the interface's words.

Every text that comes from YAML reaches a page through one of these:

* :func:`esc` for short texts (titles, labels, notes): HTML-escaped, and the
  characters Markdown would act on turned into character references, so a
  title prints exactly as written and never becomes markup;
* :func:`rich` for long texts (statements, summaries, definitions): rendered
  as Markdown with raw HTML switched off, then cleaned by nh3, which keeps a
  few harmless tags and only http(s) and mailto links (diagrams, drawn as
  SVG, put their labels through :func:`esc` and :func:`attr` too).

No MkDocs here; only Python-Markdown and nh3.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

# --- short texts ------------------------------------------------------------------------

_MARKDOWN_ACTIVE = "&<>\"'\\`*_[]{}|~^=:$#!"
_ESCAPES = str.maketrans({c: f"&#{ord(c)};" for c in _MARKDOWN_ACTIVE})


class Foreign(str):
    """A text from YAML in another language than its page's (a fallback): :func:`esc` marks it ``lang``.

    Made only by :meth:`kb.site.kit.Site.text`, so the rule "text in another
    language is marked" lives there and here; anything that rebuilds the
    string (an f-string, ``attr``, ``inert``) gets plain text back, as a page
    title or an attribute needs.
    """

    __slots__ = ("lang",)

    def __new__(cls, text: str, lang: str) -> Foreign:
        made = super().__new__(cls, text)
        made.lang = lang
        return made


def esc(text: object) -> str:
    """A short text, safe anywhere in a page's Markdown (one line, no markup); a :class:`Foreign` one in a ``<span lang>``."""
    if type(text) is Foreign:
        return f'<span lang="{attr(text.lang)}">{_esc(str(text))}</span>'
    return _esc(text)


@lru_cache(maxsize=1 << 16)  # keyed by value, so a Foreign text never reaches it
def _esc(text: object) -> str:
    return " ".join(str(text).split()).translate(_ESCAPES)


def inert(text: object) -> str:
    """A short text for places a theme prints as raw HTML *or* through a filter that unescapes it
    once (Material prints page titles both ways): no '<' or '>' at all, the rest escaped."""
    flat = " ".join(str(text).split()).replace("<", "‹").replace(">", "›")
    return html.escape(flat, quote=True)


def attr(text: object) -> str:
    """A text for an HTML attribute value (in double quotes)."""
    return html.escape(" ".join(str(text).split()), quote=True)


# --- long texts -------------------------------------------------------------------------

_TAGS = {"p", "br", "em", "strong", "code", "pre", "ul", "ol", "li", "a", "blockquote", "hr"}
_SCHEMES = ("http://", "https://", "mailto:")


@lru_cache(maxsize=1)
def _markdown():
    import markdown

    md = markdown.Markdown(extensions=[], output_format="html")
    # Raw HTML off: tags in the text are escaped and show as text.
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    return md


def _only_absolute_links(tag: str, attribute: str, value: str) -> str | None:
    if attribute == "href" and not value.startswith(_SCHEMES):
        return None  # relative, javascript:, data: ... are not links here
    return value


#: Texts with none of these need no Markdown: plain paragraphs (most summaries are).
_MARKDOWN_SYNTAX = re.compile(r"[*_`\[\]<>&\\!]|^\s*(?:[#>+=~-]|\d+[.)])|^(?: {4}|\t)| {2}\n|:", re.M)


def rich(text: str) -> str:
    """A long text as clean HTML: Markdown without raw HTML, then sanitised."""
    if not _MARKDOWN_SYNTAX.search(text):
        paragraphs = (p.strip() for p in re.split(r"\n\s*\n", text))
        return "\n".join(f"<p>{p}</p>" for p in paragraphs if p)
    import nh3

    rendered = _markdown().reset().convert(text)
    clean = nh3.clean(
        rendered,
        tags=_TAGS,
        attributes={"a": {"href", "title"}},
        attribute_filter=_only_absolute_links,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    clean = _HREFLESS.sub(r"\1", clean)  # a link whose address was dropped is just text
    # A blank line would end the HTML block in the page's Markdown.
    return "\n".join(line for line in clean.splitlines() if line.strip())


_HREFLESS = re.compile(r"<a(?![^>]*\shref=)[^>]*>(.*?)</a>", re.DOTALL)


def rich_block(text: str, lang: str | None = None, label: bool = False) -> str:
    """:func:`rich` in a block of its own, ready to stand in a page (with its language shown if ``label``).

    A :class:`Foreign` text is marked with its language even when the caller names none.
    """
    if lang is None and type(text) is Foreign:
        lang = text.lang
    lang_attr = f' lang="{attr(lang)}"' if lang else ""
    shown = f'<div class="kb-lang">{html.escape(lang)}</div>\n' if lang and label else ""
    return f'<div class="kb-text"{lang_attr}>\n{shown}{rich(text)}\n</div>'


# --- links ------------------------------------------------------------------------------


def _relative(from_dir: list[str], to_parts: list[str]) -> str:
    common = 0
    while common < len(from_dir) and common < len(to_parts) - 1 and from_dir[common] == to_parts[common]:
        common += 1
    return "../" * (len(from_dir) - common) + "/".join(to_parts[common:])


@lru_cache(maxsize=1 << 17)  # every page is linked from many others
def page_url(path: str, directory_urls: bool = True) -> str:
    """The URL a page's source path is served at, relative to the site root."""
    if not path.endswith(".md"):
        return path
    stem = path[:-3]
    if not directory_urls:
        return stem + ".html"
    if stem == "index":
        return ""
    if stem.endswith("/index"):
        return stem[: -len("index")]
    return stem + "/"


def url_link(from_page: str, to_path: str, directory_urls: bool = True) -> str:
    """A relative URL between two pages as served (for HTML and diagrams, which MkDocs does not rewrite)."""
    here = page_url(from_page, directory_urls)
    there = page_url(to_path, directory_urls)
    return _relative(here.split("/")[:-1], there.split("/")) or "./"


# --- numbers ----------------------------------------------------------------------------


def pct(value: float) -> str:
    return f"{value * 100:.1f}%"


def num(value: float) -> str:
    return f"{value:.2f}"


def bar(belief: float, disbelief: float, uncertainty: float, label: str) -> str:
    """A belief / disbelief / uncertainty bar in plain HTML (styled by kb.css)."""
    return (
        f'<span class="kb-bar" role="img" title="{attr(label)}" aria-label="{attr(label)}">'
        f'<span class="kb-b" style="width:{pct(belief)}"></span>'
        f'<span class="kb-d" style="width:{pct(disbelief)}"></span>'
        f'<span class="kb-u" style="width:{pct(uncertainty)}"></span></span>'
    )


# --- the stylesheet ---------------------------------------------------------------------

#: Colours of the standings; diagrams and the bar use the same ones.
COLOURS = {
    "belief": "#2e7d32",
    "disbelief": "#c62828",
    "uncertainty": "#8a8a8a",  # 3.4:1 on white as a bar segment, 6:1 behind black text
    "supported": "#c8e6c9",
    "contested": "#ffe0b2",
    "refuted": "#ffcdd2",
    "testing": "#bbdefb",
    "proposed": "#eeeeee",
    "revised": "#e1bee7",
    "retired": "#d7ccc8",
}

STYLESHEET = f"""\
/* kb: styles of the generated pages */
/* WCAG AA colours: Material's teal (3.8:1) and indigo accent (4.3:1) are too light for text on
   white, and so are its grey code comments, search details and footer; a KB that picks another
   Material colour keeps it */
:root, [data-md-color-primary=teal], [data-md-color-primary=custom] {{
  --md-primary-fg-color: #00695c; --md-primary-fg-color--light: #00796b;
  --md-primary-fg-color--dark: #004d40; --md-primary-bg-color: #ffffff; }}
:root, [data-md-color-accent=indigo], [data-md-color-accent=custom] {{
  --md-accent-fg-color: #004d40; --md-accent-fg-color--transparent: #004d401a;
  --md-accent-bg-color: #ffffff; }}
:root, [data-md-color-scheme=default] {{
  --md-typeset-a-color: var(--md-primary-fg-color);
  --md-code-hl-comment-color: #5c5c5c; --md-code-hl-variable-color: #5c5c5c;
  --md-code-hl-generic-color: #5c5c5c; --md-code-hl-operator-color: #5c5c5c;
  --md-code-hl-punctuation-color: #5c5c5c;
  --md-footer-fg-color--lighter: #ffffffb3; }}
.md-search-result__meta {{ color: #535353; }}
/* a dark enough link is too close to the text around it (2.4:1) to tell by colour alone */
.md-typeset a:not(.headerlink, .md-button, .kb-bar-link, svg a) {{ text-decoration: underline;
  text-decoration-thickness: from-font; text-underline-offset: 0.15em; }}
.kb-sr-only {{ position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px;
  overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }}
.md-grid {{ max-width: 80rem; }}
.kb-bar {{ display: inline-flex; width: 6rem; height: 0.8rem; vertical-align: middle;
  border-radius: 2px; overflow: hidden; background: {COLOURS["uncertainty"]}; }}
.kb-bar.kb-wide {{ width: 100%; max-width: 32rem; height: 1.2rem; }}
.kb-b {{ background: {COLOURS["belief"]}; }}
.kb-d {{ background: {COLOURS["disbelief"]}; }}
.kb-u {{ background: {COLOURS["uncertainty"]}; }}
.kb-key {{ display: inline-block; width: 0.8rem; height: 0.8rem; margin: 0 0.25rem 0 0.75rem;
  vertical-align: middle; border-radius: 2px; }}
.kb-status {{ display: inline-block; padding: 0 0.4em; border-radius: 0.2em; font-size: 0.85em;
  white-space: nowrap; color: #000; }}
{"".join(f'.kb-status-{s} {{ background: {c}; }}' + chr(10) for s, c in COLOURS.items())}\
.kb-text p:first-of-type {{ margin-top: 0; }}
.kb-lang {{ font-size: 0.7em; font-weight: bold; text-transform: uppercase; opacity: 0.7; }}
.kb-text {{ margin-bottom: 1em; }}
.kb-lang + p {{ margin-top: 0.2em; }}
.kb-gap-empty {{ color: #595959; }}
.kb-restricted {{ font-style: italic; color: #4d4d4d; }}
.kb-nowrap {{ white-space: nowrap; }}
.kb-muted {{ color: #595959; }}
.kb-text del, .md-typeset del {{ background: #ffebee; }}
.md-typeset ins {{ background: #e8f5e9; text-decoration: none; }}
.kb-cerqual {{ display: inline-block; padding: 0 0.4em; border-radius: 0.2em; font-size: 0.85em;
  white-space: nowrap; color: #000; }}
.kb-cerqual-high {{ background: {COLOURS["supported"]}; }}
.kb-cerqual-moderate {{ background: #dcedc8; }}
.kb-cerqual-low {{ background: {COLOURS["contested"]}; }}
.kb-cerqual-very_low {{ background: {COLOURS["refuted"]}; }}
"""


# --- the interface's words --------------------------------------------------------------

_WORDS_EN = {
    "home": "Overview",
    "map": "Framework map",
    "hypotheses": "Hypotheses",
    "evidence": "Evidence",
    "constructs": "Constructs",
    "contexts": "Contexts",
    "sources": "Sources",
    "gaps": "Evidence gap map",
    "changes": "How the framework changed",
    "questions": "Saved questions",
    "downloads": "Downloads",
    "hypothesis": "Hypothesis",
    "evidence_item": "Evidence",
    "construct": "Construct",
    "context": "Context",
    "illustrative_title": "Illustrative data",
    "illustrative_page": "This page shows illustrative data: examples written to show how the "
    "knowledge base works, not findings of the project. Items marked "
    "*illustrative* are such examples.",
    "illustrative": "illustrative",
    "restricted": "restricted",
    "restricted_note": "The text of this evidence item is restricted and not published; "
    "only its kind, date, context, phase and links are shown, with each judge as a pseudonym (judge 1, judge 2…).",
    "restricted_short": "text restricted",
    "statement": "Statement",
    "rationale": "Rationale",
    "declared": "Declared status",
    "suggested": "Suggested by the evidence",
    "standing": "Standing",
    "belief": "belief",
    "disbelief": "disbelief",
    "uncertainty": "uncertainty",
    "probability": "probability",
    "relation": "Relation",
    "effect": "effect",
    "proposed": "Proposed",
    "authors": "Authors",
    "tags": "Tags",
    "derived_from": "Derived from",
    "evidence_for": "Evidence for",
    "evidence_against": "Evidence against",
    "evidence_qualifying": "Qualifying evidence",
    "no_evidence": "No evidence yet.",
    "lineage": "Lineage",
    "refines": "Refines",
    "refined_by": "Refined by",
    "supersedes": "Supersedes",
    "superseded_by": "Superseded by",
    "competes_with": "Competes with",
    "revisions": "Revision history",
    "no_revisions": "Not revised since it was proposed.",
    "before": "Before",
    "change": "Change",
    "reason": "Reason",
    "because": "Prompted by",
    "by": "by",
    "over_time": "Standing over time",
    "over_time_note": "Belief, disbelief and uncertainty counting only the evidence dated by each day.",
    "date": "Date",
    "id": "Id",
    "title": "Title",
    "kind": "Kind",
    "phase": "Phase",
    "strength": "Strength",
    "stance": "Stance",
    "note": "Note",
    "scope": "Scope",
    "judged_by": "Judged by",
    "recorded_by": "Recorded by",
    "summary": "Summary",
    "quote": "Quote",
    "links": "Bears on",
    "measurement": "Measurement",
    "value": "Value",
    "scale": "Scale",
    "sample_size": "Sample size",
    "instrument": "Instrument",
    "spread": "Spread (SD)",
    "construct_col": "Construct",
    "label": "Label",
    "definition": "Definition",
    "broader": "Broader",
    "narrower": "Narrower",
    "role": "Role",
    "part_of": "Part of",
    "parts": "Arenas, workshops and other parts",
    "description": "Description",
    "literature": "literature",
    "none": "none",
    "count": "Count",
    "counts": "The framework at a glance",
    "by_status": "Hypotheses by declared and suggested status",
    "by_status_note": "Rows: the status the researchers declared. Columns: the status the evidence suggests.",
    "latest": "Latest changes",
    "built": "Built on",
    "map_note": "Constructs are boxes; each hypothesis is a rounded node on the line from the "
    "construct it starts from to the one it explains, coloured by the status its evidence "
    "suggests. + positive, − negative, ~ nonlinear, ? unknown effect. Click a node to open its page.",
    "map_aggregated": "There are too many hypotheses to draw one by one, so each line joins two "
    "constructs and says how many hypotheses relate them; the table lists them all.",
    "no_relations": "No hypothesis relates two constructs yet.",
    "legend": "Colours",
    "hypotheses_here": "Hypotheses relating it",
    "measured": "Measurements",
    "neighbourhood": "Neighbourhood",
    "evidence_here": "Evidence from here",
    "start_end": "Start and end measurements",
    "start_end_note": "Survey measurements taken in the first and the last project phase, side by side "
    "(several measurements of one construct are averaged, weighted by sample size).",
    "no_measurements": "No measurements from here yet.",
    "gaps_note": "Each cell counts the links from evidence in that context to the hypothesis: "
    "+ supporting, − contradicting, ~ qualifying. A dot marks a gap, where no evidence exists yet. "
    "Arenas and workshops count for their municipality.",
    "gaps_grouped": "There are {contexts} top-level contexts, too many for a column each (the map shows "
    "at most {most}): each column groups municipalities of one role, or contexts of one kind (how many in "
    "parentheses), and a dot marks a group with no evidence from any of them. A context's own page lists "
    "the evidence from there; kb gaps gives a column per context.",
    "gaps_by_phase": "By project phase",
    "gap_cells": "{empty} of {total} cells have no evidence.",
    "at_milestone": "Standing at each milestone",
    "at_milestone_note": "Each hypothesis as it stood on the milestone's date: the declared status it had "
    "then, and its standing from the evidence dated by then.",
    "not_yet": "not yet proposed",
    "read_git": "as committed ({commit})",
    "read_log": "from the revision log",
    "unlogged": "by this milestone, in git; not in its revision log",
    "up_to": "Up to {label} ({date})",
    "after": "After {label} ({date})",
    "no_events": "Nothing changed in this period.",
    "ev_proposed": "proposed",
    "ev_revised": "revised",
    "ev_status": "status changed from {old} to {new}",
    "ev_evidence": "evidence recorded",
    "ev_evidence_many": "{n} evidence items recorded",
    "and_more": "and {n} more",
    "statuses_chart": "Hypotheses by suggested status at each milestone",
    "questions_intro": "Questions saved in the repository's queries/ folder, each a SPARQL query, "
    "with its answer on this knowledge base when the site was built.",
    "no_questions": "No saved questions yet: add a .rq file to the queries/ folder.",
    "query": "Query",
    "answer": "Answer on this knowledge base",
    "no_answer": "No answer computed: {why}",
    "no_rows": "No rows.",
    "run_yourself": "How to run them yourself",
    "run_yourself_text": "In a copy of the repository, ask with kb: `kb query queries/QUESTION.rq` "
    "(`--format csv` or `json` for other programs). Anywhere else, download the knowledge base as RDF "
    "([kb.ttl](downloads.md)) and use any SPARQL tool; the prefixes the questions use (kbv, dcterms, prov...) "
    "are declared at the top of kb.ttl. In Python with rdflib:",
    "downloads_intro": "The whole knowledge base, as it stood when this site was built.",
    "turtle": "RDF, Turtle",
    "jsonld": "RDF, JSON-LD",
    "graphml": "The evidence graph, GraphML (Gephi, Cytoscape, networkx)",
    "no_downloads": "No downloads were built.",
    "all_languages": "Statement",
    "other_languages": "In other languages",
    "by_year": "By year",
    "items": "items",
    "links_count": "Links",
    "effect_positive": "positive",
    "effect_negative": "negative",
    "effect_nonlinear": "nonlinear",
    "effect_unknown": "unknown",
    "events": "Events",
    "restricted_count": "restricted",
    "illustrative_count": "illustrative",
    "milestones": "Milestones",
    "git_changes": "Changes in git",
    "git_more": "and {n} earlier commits",
    "git_missing": "The git history is not available where this site was built (no repository, or a "
    "shallow clone), so the changes between tagged milestones are not shown; the revision logs are.",
    "revised_by": "Revised by",
    "milestone_diffs": "Between tagged milestones",
    "hyp_added": "Hypotheses added",
    "hyp_removed": "Hypotheses removed",
    "hyp_changed": "Hypotheses changed",
    "ev_added": "Evidence added",
    "ev_removed": "Evidence removed",
    "con_added": "Constructs added",
    "con_removed": "Constructs removed",
    "ctx_added": "Contexts added",
    "ctx_removed": "Contexts removed",
    "reworded": "reworded",
    "new_evidence": "new evidence",
    "no_diff": "Nothing in the framework changed.",
    "findings": "Summary of qualitative findings",
    "findings_count": "Findings assessed with GRADE-CERQual",
    "findings_intro": "One row per hypothesis with a GRADE-CERQual assessment, taken as a review finding: "
    "its current assessment (the latest in the hypothesis's file), the explanation of its confidence and the "
    "evidence it considered, with where that evidence is from.",
    "no_assessments": "No hypothesis has a GRADE-CERQual assessment yet.",
    "cerqual": "GRADE-CERQual assessment",
    "cerqual_about": "GRADE-CERQual rates how much confidence a finding from qualitative evidence deserves: "
    "the concerns about its methodological limitations, coherence, adequacy of data and relevance (and, "
    "optionally, dissemination bias) are each rated from no or very minor to serious, and summed up as high, "
    "moderate, low or very low confidence.",
    "cerqual_confidence": "GRADE-CERQual confidence",
    "cerqual_not_computed": "This is a structured expert judgement, made and signed by the researchers "
    "named, not computed by kb; the standing above is computed from the recorded judgements of the "
    "evidence. Neither changes the other.",
    "assessed_on": "assessed on {date} by {by}",
    "assessed_by": "Assessed by",
    "finding": "Finding",
    "considered": "Evidence considered",
    "contributing": "Contributing evidence",
    "cq_component": "Component",
    "cq_level": "Assessment",
    "cq_explanation": "Explanation",
    "cq_confidence": "Overall confidence",
    "confidence_high": "High confidence",
    "confidence_moderate": "Moderate confidence",
    "confidence_low": "Low confidence",
    "confidence_very_low": "Very low confidence",
    "assessments_over_time": "Assessments over time",
    "first_assessment": "first assessment",
    "no_level_changed": "no level changed",
    "current": "current",
    "appraisal": "Methodological appraisal",
    "appraisal_tool": "Tool",
    "appraised_by": "Appraised by",
    "agreement": "Agreement between researchers",
    "agreement_pointer": "How often researchers who judged the same evidence for the same hypothesis agree:",
    "agreement_intro": "Where two or more researchers judged the same evidence for the same hypothesis, "
    "Krippendorff's alpha measures how far they agree beyond chance: on the stance (supports, contradicts, "
    "qualifies; nominal) and on the strength (weak < moderate < strong; ordinal). 1 is full agreement, 0 no "
    "more than chance; – where it is undefined.",
    "no_agreement_units": "No evidence has been judged for the same hypothesis by more than one researcher yet.",
    "agreement_overall": "All hypotheses",
    "agreement_by_hypothesis": "By hypothesis",
    "alpha_stance": "α stance",
    "alpha_strength": "α strength",
    "agreement_units": "Units",
    "agreement_pairs": "Pairs compared",
    "disagreements": "Disagreements to reconcile",
    "disagreements_note": "Each evidence item and hypothesis whose judges differ in stance or strength, "
    "with what each of them said.",
    "no_disagreements": "None: every doubly judged item was judged alike.",
    "judgements": "Judgements",
    "language_name": "English",  # the language's own name, for the language switch
    "chart_milestone": "milestone",
    "chart_revision": "revision",
    "then_declared": "declared status:",
    "then_suggested": "the evidence suggests:",
    "map_now": "Now",
    "map_zoom_in": "Zoom in",
    "map_zoom_out": "Zoom out",
    "map_reset": "Reset view",
    "map_keys": "Drag or use the arrow keys to move, the wheel or + and − to zoom, 0 to reset.",
    "map_when": "The map as it stood:",
    "map_by_status": "Suggested status",
    "map_by_construct": "Constructs",
    "map_shown": "{n} of {total} hypotheses shown (retired and superseded ones are left out).",
    "map_open": "Open the map to zoom, filter and go back in time",
    "neighbourhood_diagram": "{id}: its constructs and related hypotheses",
    "construct_diagram": "Hypotheses relating {label}",
    # the evidence gap map (kb.site.gapmap)
    "gm_caption": "Evidence by hypothesis and top-level context",
    "gm_caption_phase": "Evidence by hypothesis and project phase",
    "gm_caption_parts": "Evidence by hypothesis in the parts of {name} (level {level})",
    "gm_note": "Each row is a hypothesis, each column a context; a mark shows how many judgements the "
    "evidence holds there and which way they point. Evidence from an arena or workshop counts for the "
    "context it is part of; a judgement scoped to other contexts counts where it is scoped. Hover over or "
    "tab to a mark for its exact counts.",
    "gm_parts_note": "The columns are the parts of {name}. A judgement placed at {name} itself, not in one of "
    "its parts, counts in no column here (it counts in {name}'s column on the map above).",
    "gm_context_page": "Everything from this context",
    "gm_parts_title": "Evidence gap map: {name}",
    "gm_trail": "Gap maps above this one",
    "gm_colour": "Colour:",
    "gm_size": "Size, judgements in the cell:",
    "gm_size_more": "{n} or more",
    "gm_supports": "supporting",
    "gm_contradicts": "contradicting",
    "gm_qualifies": "qualifying",
    "gm_mixed": "mixed (in proportion)",
    "gm_gap": "no evidence yet",
    "gm_how": "▾ under a column opens the gap map of that context's parts.",
    "gm_cell": "{row} · {column}: {supports} supporting, {contradicts} contradicting, {qualifies} qualifying",
    "gm_drill": "Gap map of the parts of {name}",
    "gm_folded": "No evidence yet in:",
    "gm_without": "Hypotheses with no evidence in any of these parts:",
    "gm_nothing": "No evidence here yet.",
    "gm_no_phase": "no phase",
    "gm_grouped": "There are {columns} columns with evidence, too many to show one each (the map shows at most "
    "{most}): each column groups municipalities of one role, or contexts of one kind (how many in "
    "parentheses). A context's own page lists the evidence from there; kb gaps gives a column per context.",
    # helper F: standings explained, sortable lists
    "standing_how": "How a standing is worked out",
    "standing_intro": "A hypothesis's standing sums up the judgements recorded in the links of its evidence as an "
    "opinion in the sense of subjective logic. Its first three parts always add up to 1.",
    "belief_means": "how much of the recorded evidence speaks for the hypothesis",
    "disbelief_means": "how much of it speaks against the hypothesis",
    "uncertainty_means": "how much is still unknown, because little evidence has been recorded",
    "probability_means": "the projected probability: belief plus the base rate times the uncertainty",
    "standing_steps": "How the numbers are made",
    "standing_step_weight": "Every link that supports or contradicts a hypothesis counts with a weight: its strength's "
    "weight times its evidence kind's weight.",
    "standing_step_qualifies": "Links that qualify a hypothesis are shown, but never counted for or against it.",
    "standing_step_share": "When several researchers count the same evidence for the same hypothesis, they share its weight"
    " equally, so nothing is counted twice.",
    "standing_step_sums": "r is the sum of the supporting weights and s the sum of the contradicting ones; with the prior "
    "weight W and the base rate a:",
    "standing_settings": "The weights of this knowledge base",
    "standing_setting": "Setting",
    "prior_weight": "prior weight",
    "base_rate": "base rate",
    "standing_suggested": "The status the evidence suggests",
    "standing_when": "When",
    "standing_rule_proposed": "no supporting or contradicting evidence yet",
    "standing_rule_testing": "some evidence, but the uncertainty is still above {u}",
    "standing_rule_supported": "belief at least {k} times the disbelief",
    "standing_rule_refuted": "disbelief at least {k} times the belief",
    "standing_rule_contested": "neither side outweighs the other {k} times over",
    "standing_claims": "The standing summarises the judgements researchers have written down. It is no statistical test"
    " and estimates no effect size: read it as a guide to where the weight of the recorded evidence "
    "lies, and how much has been recorded.",
    "standing_more": "The model in full, with a worked example:",
    "standing_more_link": "the confidence model",
    "show_arithmetic": "Show the arithmetic",
    "arith_share": "Share",
    "arith_counted": "Counted",
    "arith_not_counted": "shown, not counted",
    "arith_none": "No link supports or contradicts this hypothesis yet.",
    "arith_r": "supporting",
    "arith_s": "contradicting",
    "table_filter": "Filter the rows",
    "table_all": "All",
    "table_shown": "{n} of {total} rows shown",
    "table_sort": "Sort by {column}",
    "a11y_column": "Column {n}",
    "a11y_counted": "What",
    "a11y_of_which": "Of which",
}

_WORDS_NB = {
    "home": "Oversikt",
    "map": "Rammeverkskart",
    "hypotheses": "Hypoteser",
    "evidence": "Evidens",
    "constructs": "Begreper",
    "contexts": "Kontekster",
    "sources": "Kilder",
    "gaps": "Kart over evidenshull",
    "changes": "Slik har rammeverket endret seg",
    "questions": "Lagrede spørsmål",
    "downloads": "Nedlastinger",
    "hypothesis": "Hypotese",
    "evidence_item": "Evidens",
    "construct": "Begrep",
    "context": "Kontekst",
    "illustrative_title": "Illustrerende data",
    "illustrative_page": "Denne siden viser illustrerende data: eksempler som viser hvordan "
    "kunnskapsbasen virker, ikke funn fra prosjektet. Elementer merket *illustrerende* er slike eksempler.",
    "illustrative": "illustrerende",
    "restricted": "skjermet",
    "restricted_note": "Teksten i dette evidenselementet er skjermet og publiseres ikke; bare type, dato, "
    "kontekst, fase og koblinger vises, med hver vurderer under et pseudonym (judge 1, judge 2…).",
    "restricted_short": "tekst skjermet",
    "statement": "Påstand",
    "rationale": "Begrunnelse",
    "declared": "Erklært status",
    "suggested": "Foreslått av evidensen",
    "standing": "Stilling",
    "belief": "tiltro",
    "disbelief": "mistro",
    "uncertainty": "usikkerhet",
    "probability": "sannsynlighet",
    "relation": "Relasjon",
    "effect": "effekt",
    "proposed": "Foreslått",
    "authors": "Forfattere",
    "tags": "Stikkord",
    "derived_from": "Utledet fra",
    "evidence_for": "Evidens for",
    "evidence_against": "Evidens mot",
    "evidence_qualifying": "Nyanserende evidens",
    "no_evidence": "Ingen evidens ennå.",
    "lineage": "Slektslinje",
    "refines": "Presiserer",
    "refined_by": "Presisert av",
    "supersedes": "Erstatter",
    "superseded_by": "Erstattet av",
    "competes_with": "Konkurrerer med",
    "revisions": "Revisjonshistorikk",
    "no_revisions": "Ikke revidert siden den ble foreslått.",
    "before": "Før",
    "change": "Endring",
    "reason": "Grunn",
    "because": "Utløst av",
    "by": "av",
    "over_time": "Stilling over tid",
    "over_time_note": "Tiltro, mistro og usikkerhet regnet bare med evidensen datert til og med hver dag.",
    "date": "Dato",
    "id": "Id",
    "title": "Tittel",
    "kind": "Type",
    "phase": "Fase",
    "strength": "Styrke",
    "stance": "Retning",
    "note": "Merknad",
    "scope": "Gjelder for",
    "judged_by": "Vurdert av",
    "recorded_by": "Registrert av",
    "summary": "Sammendrag",
    "quote": "Sitat",
    "links": "Belyser",
    "measurement": "Måling",
    "value": "Verdi",
    "scale": "Skala",
    "sample_size": "Utvalg",
    "instrument": "Instrument",
    "spread": "Spredning (SD)",
    "construct_col": "Begrep",
    "label": "Navn",
    "definition": "Definisjon",
    "broader": "Overordnet",
    "narrower": "Underordnet",
    "role": "Rolle",
    "part_of": "Del av",
    "parts": "Arenaer, verksteder og andre deler",
    "description": "Beskrivelse",
    "literature": "litteratur",
    "none": "ingen",
    "count": "Antall",
    "counts": "Rammeverket i korte trekk",
    "by_status": "Hypoteser etter erklært og foreslått status",
    "by_status_note": "Rader: statusen forskerne har erklært. Kolonner: statusen evidensen foreslår.",
    "latest": "Siste endringer",
    "built": "Bygget",
    "map_note": "Begreper er bokser; hver hypotese er en avrundet node på linjen fra begrepet den går ut fra "
    "til det den forklarer, farget etter statusen evidensen foreslår. + positiv, − negativ, ~ ikke-lineær, "
    "? ukjent effekt. Klikk på en node for å åpne siden.",
    "map_aggregated": "Det er for mange hypoteser til å tegne hver for seg, så hver linje binder to begreper "
    "og sier hvor mange hypoteser som relaterer dem; tabellen viser alle.",
    "no_relations": "Ingen hypotese relaterer to begreper ennå.",
    "legend": "Farger",
    "hypotheses_here": "Hypoteser som relaterer det",
    "measured": "Målinger",
    "neighbourhood": "Nabolag",
    "evidence_here": "Evidens herfra",
    "start_end": "Start- og sluttmålinger",
    "start_end_note": "Spørreundersøkelser fra første og siste prosjektfase side om side (flere målinger av "
    "samme begrep er slått sammen, vektet etter utvalgsstørrelse).",
    "no_measurements": "Ingen målinger herfra ennå.",
    "gaps_note": "Hver celle teller koblingene fra evidens i den konteksten til hypotesen: + støtter, "
    "− motsier, ~ nyanserer. Et punkt markerer et hull der det ikke finnes evidens ennå. Arenaer og "
    "verksteder teller for kommunen sin.",
    "gaps_grouped": "Det er {contexts} kontekster på øverste nivå, for mange til én kolonne hver (kartet "
    "viser høyst {most}): hver kolonne samler kommunene med én rolle, eller kontekstene av ett slag (antallet "
    "står i parentes), og et punkt markerer en gruppe uten evidens fra noen av dem. Hver kontekst har en "
    "egen side med evidensen derfra; kb gaps gir én kolonne per kontekst.",
    "gaps_by_phase": "Etter prosjektfase",
    "gap_cells": "{empty} av {total} celler mangler evidens.",
    "at_milestone": "Stilling ved hver milepæl",
    "at_milestone_note": "Hver hypotese slik den sto på milepælens dato: den erklærte statusen den hadde da, "
    "og stillingen ut fra evidensen datert til da.",
    "not_yet": "ikke foreslått ennå",
    "read_git": "slik det var lagret ({commit})",
    "read_log": "fra revisjonsloggen",
    "unlogged": "innen denne milepælen, i git; ikke i revisjonsloggen",
    "up_to": "Fram til {label} ({date})",
    "after": "Etter {label} ({date})",
    "no_events": "Ingen endringer i denne perioden.",
    "ev_proposed": "foreslått",
    "ev_revised": "revidert",
    "ev_status": "status endret fra {old} til {new}",
    "ev_evidence": "evidens registrert",
    "ev_evidence_many": "{n} evidenselementer registrert",
    "and_more": "og {n} til",
    "statuses_chart": "Hypoteser etter foreslått status ved hver milepæl",
    "questions_intro": "Spørsmål lagret i mappen queries/, hvert som en SPARQL-spørring, med svaret på "
    "denne kunnskapsbasen da nettstedet ble bygget.",
    "no_questions": "Ingen lagrede spørsmål ennå: legg en .rq-fil i mappen queries/.",
    "query": "Spørring",
    "answer": "Svar på denne kunnskapsbasen",
    "no_answer": "Ikke noe svar beregnet: {why}",
    "no_rows": "Ingen rader.",
    "run_yourself": "Slik kjører du dem selv",
    "run_yourself_text": "I en kopi av repositoriet spør du med kb: `kb query queries/SPØRSMÅL.rq` "
    "(`--format csv` eller `json` for andre programmer). Ellers kan du laste ned kunnskapsbasen som RDF "
    "([kb.ttl](downloads.md)) og bruke et hvilket som helst SPARQL-verktøy; prefiksene spørsmålene bruker "
    "(kbv, dcterms, prov ...) er deklarert øverst i kb.ttl. I Python med rdflib:",
    "downloads_intro": "Hele kunnskapsbasen slik den sto da nettstedet ble bygget.",
    "turtle": "RDF, Turtle",
    "jsonld": "RDF, JSON-LD",
    "graphml": "Evidensgrafen, GraphML (Gephi, Cytoscape, networkx)",
    "no_downloads": "Ingen nedlastinger ble bygget.",
    "all_languages": "Påstand",
    "other_languages": "På andre språk",
    "by_year": "Etter år",
    "items": "elementer",
    "links_count": "Koblinger",
    "effect_positive": "positiv",
    "effect_negative": "negativ",
    "effect_nonlinear": "ikke-lineær",
    "effect_unknown": "ukjent",
    "events": "Hendelser",
    "restricted_count": "skjermet",
    "illustrative_count": "illustrerende",
    "milestones": "Milepæler",
    "git_changes": "Endringer i git",
    "git_more": "og {n} tidligere commits",
    "git_missing": "Git-historikken var ikke tilgjengelig der nettstedet ble bygget (ikke et repositorium, "
    "eller en grunn klon), så endringene mellom merkede milepæler vises ikke; revisjonsloggene gjør det.",
    "revised_by": "Revidert av",
    "milestone_diffs": "Mellom merkede milepæler",
    "hyp_added": "Hypoteser lagt til",
    "hyp_removed": "Hypoteser fjernet",
    "hyp_changed": "Hypoteser endret",
    "ev_added": "Evidens lagt til",
    "ev_removed": "Evidens fjernet",
    "con_added": "Begreper lagt til",
    "con_removed": "Begreper fjernet",
    "ctx_added": "Kontekster lagt til",
    "ctx_removed": "Kontekster fjernet",
    "reworded": "omformulert",
    "new_evidence": "ny evidens",
    "no_diff": "Ingenting i rammeverket endret seg.",
    "findings": "Sammendrag av kvalitative funn",
    "findings_count": "Funn vurdert med GRADE-CERQual",
    "findings_intro": "Én rad per hypotese med en GRADE-CERQual-vurdering, lest som et funn: den gjeldende "
    "vurderingen (den siste i hypotesens fil), begrunnelsen for tilliten og evidensen den bygger på, med hvor "
    "evidensen kommer fra.",
    "no_assessments": "Ingen hypotese har en GRADE-CERQual-vurdering ennå.",
    "cerqual": "GRADE-CERQual-vurdering",
    "cerqual_about": "GRADE-CERQual vurderer hvor stor tillit et funn fra kvalitativ evidens fortjener: "
    "bekymringene for metodiske begrensninger, koherens, datadekning og relevans (og eventuelt "
    "publiseringsskjevhet) vurderes hver fra ingen eller svært små til alvorlige, og oppsummeres som høy, "
    "moderat, lav eller svært lav tillit.",
    "cerqual_confidence": "GRADE-CERQual-tillit",
    "cerqual_not_computed": "Dette er en strukturert ekspertvurdering, gjort og signert av forskerne som er "
    "nevnt, ikke beregnet av kb; stillingen over er beregnet fra de registrerte vurderingene av evidensen. "
    "Ingen av dem endrer den andre.",
    "assessed_on": "vurdert {date} av {by}",
    "assessed_by": "Vurdert av",
    "finding": "Funn",
    "considered": "Evidens vurdert",
    "contributing": "Bidragende evidens",
    "cq_component": "Komponent",
    "cq_level": "Vurdering",
    "cq_explanation": "Begrunnelse",
    "cq_confidence": "Samlet tillit",
    "confidence_high": "Høy tillit",
    "confidence_moderate": "Moderat tillit",
    "confidence_low": "Lav tillit",
    "confidence_very_low": "Svært lav tillit",
    "assessments_over_time": "Vurderinger over tid",
    "first_assessment": "første vurdering",
    "no_level_changed": "ingen nivåer endret",
    "current": "gjeldende",
    "appraisal": "Metodisk vurdering",
    "appraisal_tool": "Verktøy",
    "appraised_by": "Vurdert av",
    "agreement": "Enighet mellom forskerne",
    "agreement_pointer": "Hvor ofte forskere som har vurdert samme evidens for samme hypotese, er enige:",
    "agreement_intro": "Der to eller flere forskere har vurdert samme evidens for samme hypotese, måler "
    "Krippendorffs alfa hvor enige de er utover tilfeldigheter: om retningen (støtter, motsier, nyanserer; "
    "nominal) og om styrken (svak < moderat < sterk; ordinal). 1 er full enighet, 0 ikke mer enn tilfeldig; "
    "– der den ikke er definert.",
    "no_agreement_units": "Ingen evidens er ennå vurdert for samme hypotese av mer enn én forsker.",
    "agreement_overall": "Alle hypoteser",
    "agreement_by_hypothesis": "Per hypotese",
    "alpha_stance": "α retning",
    "alpha_strength": "α styrke",
    "agreement_units": "Enheter",
    "agreement_pairs": "Par sammenlignet",
    "disagreements": "Uenigheter å avklare",
    "disagreements_note": "Hvert evidenselement og hver hypotese der vurdererne er uenige om retning eller "
    "styrke, med hva hver av dem sa.",
    "no_disagreements": "Ingen: alle dobbeltvurderte elementer ble vurdert likt.",
    "judgements": "Vurderinger",
    "language_name": "Norsk bokmål",
    "chart_milestone": "milepæl",
    "chart_revision": "revisjon",
    "then_declared": "erklært status:",
    "then_suggested": "evidensen tyder på:",
    "map_now": "Nå",
    "map_zoom_in": "Zoom inn",
    "map_zoom_out": "Zoom ut",
    "map_reset": "Tilbakestill visning",
    "map_keys": "Dra eller bruk piltastene for å flytte, hjulet eller + og − for å zoome, 0 for å tilbakestille.",
    "map_when": "Kartet slik det var:",
    "map_by_status": "Foreslått status",
    "map_by_construct": "Begreper",
    "map_shown": "{n} av {total} hypoteser vises (forkastede og erstattede er utelatt).",
    "map_open": "Åpne kartet for å zoome, filtrere og gå tilbake i tid",
    "neighbourhood_diagram": "{id}: begrepene og beslektede hypoteser",
    "construct_diagram": "Hypoteser som gjelder {label}",
    # the evidence gap map (kb.site.gapmap)
    "gm_caption": "Evidens etter hypotese og kontekst på øverste nivå",
    "gm_caption_phase": "Evidens etter hypotese og prosjektfase",
    "gm_caption_parts": "Evidens etter hypotese i delene av {name} (nivå {level})",
    "gm_note": "Hver rad er en hypotese, hver kolonne en kontekst; et merke viser hvor mange vurderinger "
    "evidensen har der og hvilken vei de peker. Evidens fra en arena eller et verksted teller for konteksten "
    "den er en del av; en vurdering avgrenset til andre kontekster teller der den er avgrenset. Hold pekeren "
    "over eller gå med tab til et merke for de nøyaktige tallene.",
    "gm_parts_note": "Kolonnene er delene av {name}. En vurdering plassert i {name} selv, ikke i en av delene, "
    "teller ikke i noen kolonne her (den teller i kolonnen for {name} i kartet over).",
    "gm_context_page": "Alt fra denne konteksten",
    "gm_parts_title": "Kart over evidenshull: {name}",
    "gm_trail": "Kartene over dette",
    "gm_colour": "Farge:",
    "gm_size": "Størrelse, vurderinger i cellen:",
    "gm_size_more": "{n} eller flere",
    "gm_supports": "støtter",
    "gm_contradicts": "motsier",
    "gm_qualifies": "nyanserer",
    "gm_mixed": "blandet (i forhold)",
    "gm_gap": "ingen evidens ennå",
    "gm_how": "▾ under en kolonne åpner kartet over delene av den konteksten.",
    "gm_cell": "{row} · {column}: {supports} støtter, {contradicts} motsier, {qualifies} nyanserer",
    "gm_drill": "Kart over evidenshull i delene av {name}",
    "gm_folded": "Ingen evidens ennå i:",
    "gm_without": "Hypoteser uten evidens i noen av disse delene:",
    "gm_nothing": "Ingen evidens her ennå.",
    "gm_no_phase": "ingen fase",
    "gm_grouped": "Det er {columns} kolonner med evidens, for mange til å vise hver for seg (kartet viser høyst "
    "{most}): hver kolonne samler kommuner med én rolle, eller kontekster av én type (antallet i parentes). "
    "En konteksts egen side lister evidensen derfra; kb gaps gir én kolonne per kontekst.",
    # helper F: standings explained, sortable lists
    "standing_how": "Slik regnes stillingen ut",
    "standing_intro": "En hypoteses stilling oppsummerer vurderingene i lenkene fra evidensen som en mening i "
    "subjektiv logikk. De tre første delene blir alltid 1 til sammen.",
    "belief_means": "hvor mye av den registrerte evidensen som taler for hypotesen",
    "disbelief_means": "hvor mye av den som taler mot hypotesen",
    "uncertainty_means": "hvor mye som fortsatt er ukjent, fordi lite evidens er registrert",
    "probability_means": "den projiserte sannsynligheten: tiltro pluss grunnraten ganger usikkerheten",
    "standing_steps": "Slik lages tallene",
    "standing_step_weight": "Hver lenke som støtter eller motsier en hypotese, teller med en vekt: styrkens vekt ganger "
    "vekten for evidenstypen.",
    "standing_step_qualifies": "Lenker som nyanserer en hypotese, vises, men telles aldri for eller mot den.",
    "standing_step_share": "Når flere forskere teller samme evidens for samme hypotese, deler de vekten likt, så ingenting "
    "telles to ganger.",
    "standing_step_sums": "r er summen av de støttende vektene og s summen av de motsigende; med forhåndsvekten W og "
    "grunnraten a:",
    "standing_settings": "Vektene i denne kunnskapsbasen",
    "standing_setting": "Innstilling",
    "prior_weight": "forhåndsvekt",
    "base_rate": "grunnrate",
    "standing_suggested": "Statusen evidensen foreslår",
    "standing_when": "Når",
    "standing_rule_proposed": "ingen støttende eller motsigende evidens ennå",
    "standing_rule_testing": "noe evidens, men usikkerheten er fortsatt over {u}",
    "standing_rule_supported": "tiltro minst {k} ganger mistroen",
    "standing_rule_refuted": "mistro minst {k} ganger tiltroen",
    "standing_rule_contested": "ingen side veier {k} ganger tyngre enn den andre",
    "standing_claims": "Stillingen oppsummerer vurderingene forskerne har skrevet ned. Den er ingen statistisk test og "
    "anslår ingen effektstørrelse: les den som en veiviser til hvor tyngden i den registrerte "
    "evidensen ligger, og hvor mye som er registrert.",
    "standing_more": "Modellen i sin helhet, med et regneeksempel:",
    "standing_more_link": "tillitsmodellen",
    "show_arithmetic": "Vis utregningen",
    "arith_share": "Andel",
    "arith_counted": "Telt",
    "arith_not_counted": "vist, ikke telt",
    "arith_none": "Ingen lenke støtter eller motsier denne hypotesen ennå.",
    "arith_r": "støttende",
    "arith_s": "motsigende",
    "table_filter": "Filtrer radene",
    "table_all": "Alle",
    "table_shown": "{n} av {total} rader vises",
    "table_sort": "Sorter etter {column}",
    "a11y_column": "Kolonne {n}",
    "a11y_counted": "Hva",
    "a11y_of_which": "Herav",
}

#: Words for enumerated values (statuses, stances, kinds), by language.
_VALUES_NB = {
    "proposed": "foreslått", "testing": "testes", "supported": "støttet", "contested": "omstridt",
    "refuted": "avvist", "revised": "revidert", "retired": "trukket tilbake",
    "supports": "støtter", "contradicts": "motsier", "qualifies": "nyanserer",
    "weak": "svak", "moderate": "moderat", "strong": "sterk",
    "field_observation": "feltobservasjon", "arena_record": "arenareferat",
    "workshop_record": "verkstedreferat", "interview": "intervju",
    "survey_measurement": "spørreundersøkelse", "document": "dokument",
    "literature_finding": "litteraturfunn",
    "factor": "faktor", "process": "prosess", "outcome": "utfall", "condition": "betingelse",
    "municipality": "kommune", "co_creation_arena": "samskapingsarena",
    "politician_workshop": "politikerverksted", "exchange_arena": "erfaringsarena",
    "organisation": "organisasjon", "other": "annet",
    "project": "prosjektkommune", "sparring": "sparringskommune", "follower": "følgekommune",
}

_LANGUAGES = {"en": (_WORDS_EN, {}), "nb": (_WORDS_NB, _VALUES_NB)}
_ALIASES = {"no": "nb", "nn": "nb"}


class Words:
    """The interface's words in the site's language (English where a word is missing)."""

    def __init__(self, language: str) -> None:
        lang = _ALIASES.get(language, language)
        self.language = lang
        self.words, self.values = _LANGUAGES.get(lang, _LANGUAGES["en"])

    def __call__(self, key: str, **fmt: object) -> str:
        text = self.words.get(key) or _WORDS_EN[key]
        return text.format(**fmt) if fmt else text

    def value(self, value: str) -> str:
        """An enumerated value (status, stance, kind...) in words."""
        return self.values.get(value, value.replace("_", " "))
