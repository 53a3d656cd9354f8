"""The knowledge base as RDF, and SPARQL over it.

Takes a :class:`~kb.model.KnowledgeBase` and its standings; returns RDF
triples built from vocabularies reviewers know (PROV-O, SKOS, DCTERMS, CiTO)
plus the KB's own terms (``kb/rdf/vocab.ttl``), serialised as Turtle, compact
JSON-LD (with a context) or N-Triples; and answers SPARQL queries over them. The
vocabulary's domains and ranges fit every use, so RDFS inference over it gives
no node a class it was not given; people are agent IRIs (PROV-O and FOAF), never
strings.

pyoxigraph does the serialising and the querying: on the same data it
answered typical questions 13-66x faster than rdflib's engine. The triples
are sorted before serialising and there are no blank nodes (links, versions,
standings, GRADE-CERQual assessments and appraisals get IRIs), so the same KB
gives byte-identical files.

Callers export the public view (kb.public): restricted evidence arrives
with only its public fields, and is marked ``kbv:restricted``. A survey
dataset's aggregates (:class:`kb.survey.SurveyResults`, given by the caller
when kb.yaml has datasets) are exported as ``kbv:SurveyAggregate`` and
``kbv:SurveyChange`` resources derived from the dataset (a ``prov:Entity``
named by its file's name only); the results hold no suppressed cell, so none
can be exported.
"""

from __future__ import annotations

import os
import re
from decimal import Decimal
from itertools import islice
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator
from urllib.parse import quote

import pyoxigraph as ox

from kb.errors import QueryError
from kb.model import CERQUAL_COMPONENTS, Assessment, Evidence, Hypothesis, KnowledgeBase
from kb.graph.score import Standing, standings as compute_standings

if TYPE_CHECKING:  # kb.survey is imported only for a KB that has datasets
    from kb.survey import SurveyResults

VOCAB = "https://w3id.org/kb-theory/vocab#"
PREFIXES = {
    "kbv": VOCAB,
    "cito": "http://purl.org/spar/cito/",
    "dcterms": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "owl": "http://www.w3.org/2002/07/owl#",
    "prov": "http://www.w3.org/ns/prov#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
FORMATS = {"ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "jsonld": ox.RdfFormat.JSON_LD}


def vocabulary_text() -> str:
    return resources.files("kb.rdf").joinpath("vocab.ttl").read_text(encoding="utf-8")


def shapes_text() -> str:
    return resources.files("kb.rdf").joinpath("shapes.ttl").read_text(encoding="utf-8")


class _Terms(dict):
    """Named nodes by prefixed name (``T["kbv:Hypothesis"]``), made once and kept.

    A dict, so the lookup on the hot path is a plain subscript; an unknown
    prefix fails at once, and tests check every kbv term against the vocabulary.
    """

    def __missing__(self, curie: str) -> ox.NamedNode:
        prefix, _, local = curie.partition(":")
        node = self[curie] = ox.NamedNode(PREFIXES[prefix] + local)
        return node


T = _Terms()
RDF_TYPE = T["rdf:type"]
XSD_DATE = T["xsd:date"]
XSD_STRING = T["xsd:string"]
XSD_DECIMAL = T["xsd:decimal"]
XSD_INT = T["xsd:integer"]
XSD_BOOL = T["xsd:boolean"]
XSD_YEAR = T["xsd:gYear"]

_EVIDENCE_CLASS = {
    "field_observation": "kbv:FieldObservation",
    "arena_record": "kbv:ArenaRecord",
    "workshop_record": "kbv:WorkshopRecord",
    "interview": "kbv:Interview",
    "survey_measurement": "kbv:SurveyMeasurement",
    "document": "kbv:Document",
    "literature_finding": "kbv:LiteratureFinding",
}
_CONTEXT_CLASS = {
    "municipality": "kbv:Municipality",
    "co_creation_arena": "kbv:CoCreationArena",
    "politician_workshop": "kbv:PoliticianWorkshop",
    "exchange_arena": "kbv:ExchangeArena",
    "organisation": "kbv:Organisation",
    "other": "kbv:Context",
}
_STANCE_VALUE = {"supports": "kbv:supporting", "contradicts": "kbv:contradicting", "qualifies": "kbv:qualifying"}
_CITO = {"supports": "cito:supports", "contradicts": "cito:disputes", "qualifies": "cito:qualifies"}
# GRADE-CERQual's levels are individuals of the vocabulary, named as CERQual words them
_CONCERN = {
    "no_or_very_minor": "kbv:NoOrVeryMinorConcerns",
    "minor": "kbv:MinorConcerns",
    "moderate": "kbv:ModerateConcerns",
    "serious": "kbv:SeriousConcerns",
}
_CONFIDENCE = {
    "high": "kbv:HighConfidence",
    "moderate": "kbv:ModerateConfidence",
    "low": "kbv:LowConfidence",
    "very_low": "kbv:VeryLowConfidence",
}
_COMPONENT = dict(zip(CERQUAL_COMPONENTS, (
    "kbv:methodologicalLimitations", "kbv:coherence", "kbv:adequacy", "kbv:relevance", "kbv:disseminationBias")))


def safe_segment(text: str) -> str:
    """Percent-encode anything that is not safe in an IRI path segment."""
    return quote(text, safe="-_.~")


class Minter:
    """IRIs of the KB's resources under its base IRI."""

    def __init__(self, base: str) -> None:
        self.base = base
        self._cache: dict[tuple[str, str], ox.NamedNode] = {}
        self._agents: dict[str, ox.NamedNode] = {}

    def __call__(self, kind: str, key: str) -> ox.NamedNode:
        node = self._cache.get((kind, key))
        if node is None:
            node = self._cache[(kind, key)] = ox.NamedNode(f"{self.base}{kind}/{safe_segment(key)}")
        return node

    def version(self, hid: str, n: int) -> ox.NamedNode:
        """The n-th version of a hypothesis: <base>hypothesis/H01/v2."""
        return self(f"hypothesis/{safe_segment(hid)}", f"v{n}")

    def assessment(self, hid: str, key: str) -> ox.NamedNode:
        """A GRADE-CERQual assessment of a hypothesis: <base>hypothesis/H01/assessment/2022-02-15."""
        return self(f"hypothesis/{safe_segment(hid)}/assessment", key)

    def agent(self, name: str) -> ox.NamedNode:
        node = self._agents.get(name)
        if node is None:
            slug = re.sub(r"[^a-z0-9æøå]+", "-", name.lower()).strip("-") or "unknown"
            node = self._agents[name] = self("agent", slug)
        return node


def _lit(text: str, lang: str | None = None) -> ox.Literal:
    return ox.Literal(text, language=lang) if lang else ox.Literal(text)


def _texts(value: str | dict[str, str] | None, default_lang: str) -> Iterator[ox.Literal]:
    if not value:  # None, or a text the public view emptied (kb.public)
        return
    if isinstance(value, str):
        yield ox.Literal(value, language=default_lang)
    else:
        for lang, text in value.items():
            yield ox.Literal(text, language=lang)


def _date(day) -> ox.Literal:
    return ox.Literal(day.isoformat(), datatype=XSD_DATE)


def _exact(x: float) -> ox.Literal:
    """A measured value as xsd:decimal, exactly as written (4.6 stays 4.6)."""
    return ox.Literal(format(Decimal(repr(float(x))), "f"), datatype=XSD_DECIMAL)


def _decimal(x: float) -> ox.Literal:
    return ox.Literal(f"{x:.6f}", datatype=XSD_DECIMAL)


def source_iri(kb: KnowledgeBase, sid: str, iri: Minter) -> ox.NamedNode:
    """A source's DOI as an IRI where it has one; otherwise one under the base."""
    doi = kb.sources[sid].doi
    return ox.NamedNode("https://doi.org/" + quote(doi, safe="/-_.~()")) if doi else iri("source", sid)


def triples(kb: KnowledgeBase, computed: dict[str, Standing] | None = None,
            surveys: SurveyResults | None = None) -> list[ox.Triple]:
    """Every triple of the KB, each subject's triples together, in a fixed order.

    The order follows the KB (files sorted by path) and this code, never a
    hash or a set, so the same KB gives the same triples in the same order
    and serialisations are byte-stable without sorting a million triples.
    """
    return list(iter_triples(kb, computed, surveys=surveys))


def iter_triples(kb: KnowledgeBase, computed: dict[str, Standing] | None = None,
                 release: bool = False, surveys: SurveyResults | None = None) -> Iterator[ox.Triple]:
    """The triples of :func:`triples`, one item at a time, so a serialiser or a
    store can take them without the whole list ever being in memory.

    With ``release``, each evidence item leaves ``kb`` once its triples are
    out, so a caller that needs only the RDF (``kb query``) never holds the
    whole KB and the whole store at once; ``kb`` is of no further use then.
    """
    computed = computed if computed is not None else compute_standings(kb)
    yield from _triples(kb, computed, release)
    if surveys is not None:
        yield from _survey_triples(kb, surveys)


def _drained(items: dict) -> Iterator:
    """Each value of ``items``, in order, taken out of the dict as it is given."""
    for key in list(items):
        yield items.pop(key)


def _triples(kb: KnowledgeBase, computed: dict[str, Standing], release: bool = False) -> Iterator[ox.Triple]:
    iri = Minter(kb.config.base_iri)
    lang = kb.config.languages[0]
    out: list[ox.Triple] = []
    add = out.append

    def t(s, p: str, o) -> None:
        add(ox.Triple(s, T[p], o))

    def texts(s, p: str, value) -> None:
        for literal in _texts(value, lang):
            t(s, p, literal)

    root = ox.NamedNode(kb.config.base_iri)
    t(root, "rdf:type", T["kbv:KnowledgeBase"])
    texts(root, "dcterms:title", kb.config.title)
    texts(root, "dcterms:description", kb.config.description)

    scheme = iri("scheme", "constructs")
    t(scheme, "rdf:type", T["skos:ConceptScheme"])
    texts(scheme, "dcterms:title", {"en": "Constructs", "nb": "Begreper"})
    for c in kb.constructs.values():
        s = iri("construct", c.id)
        t(s, "rdf:type", T["skos:Concept"])
        t(s, "rdf:type", T["kbv:Construct"])
        t(s, "dcterms:identifier", _lit(c.id))
        t(s, "skos:inScheme", scheme)
        t(s, "kbv:constructKind", T[f"kbv:{c.kind}"])
        texts(s, "skos:prefLabel", c.label)
        texts(s, "skos:definition", c.definition)
        if c.broader:
            t(s, "skos:broader", iri("construct", c.broader))

    for c in kb.contexts.values():
        s = iri("context", c.id)
        t(s, "rdf:type", T["kbv:Context"])
        if c.kind != "other":
            t(s, "rdf:type", T[_CONTEXT_CLASS[c.kind]])
        t(s, "dcterms:identifier", _lit(c.id))
        texts(s, "rdfs:label", c.label)
        texts(s, "dcterms:description", c.description)
        if c.role:
            t(s, "kbv:role", T[f"kbv:{c.role}"])
        if c.part_of:
            t(s, "dcterms:isPartOf", iri("context", c.part_of))

    # people as agent IRIs (PROV-O and FOAF), gathered from every item that names one and typed once at the end;
    # DCTERMS and PROV give dcterms:creator and prov:wasAttributedTo an agent as their range, never a string
    agents: dict[str, ox.NamedNode] = {}
    for sid, src in kb.sources.items():
        s = source_iri(kb, sid, iri)
        t(s, "rdf:type", T["dcterms:BibliographicResource"])
        t(s, "dcterms:identifier", _lit(sid))
        t(s, "dcterms:title", _lit(src.title))
        t(s, "dcterms:issued", ox.Literal(str(src.year), datatype=XSD_YEAR))
        for author in dict.fromkeys(src.authors):
            agents[author] = iri.agent(author)
            t(s, "dcterms:creator", agents[author])
        if src.container:
            t(s, "dcterms:bibliographicCitation", _lit(_citation(src)))
        if src.url:
            t(s, "rdfs:seeAlso", ox.NamedNode(quote(src.url, safe=":/?#[]@!$&'()*+,;=%-_.~")))
        if src.isbn:
            t(s, "kbv:isbn", _lit(src.isbn))

    for m in kb.config.milestones:
        s = iri("milestone", m.id)
        t(s, "rdf:type", T["kbv:Milestone"])
        t(s, "dcterms:identifier", _lit(m.id))
        t(s, "dcterms:date", _date(m.date))
        texts(s, "rdfs:label", m.label)
    for phase in kb.config.phases:
        s = iri("phase", phase)
        t(s, "rdf:type", T["kbv:Phase"])
        t(s, "rdfs:label", _lit(phase))

    yield from out
    out.clear()
    for h in kb.hypotheses.values():
        _hypothesis(kb, h, iri, t, texts, agents)
        yield from out
        out.clear()

    model = iri("scoring", "model")
    t(model, "rdf:type", T["kbv:ScoringModel"])
    t(model, "kbv:priorWeight", _decimal(kb.config.scoring.prior_weight))
    t(model, "kbv:baseRate", _decimal(kb.config.scoring.base_rate))
    weights = [(f"strength-{n}", n, w) for n, w in sorted(kb.config.scoring.strength.items())]
    weights += [(f"kind-{n}", n, w) for n, w in sorted(kb.config.scoring.kind.items())]
    for key, _, _ in weights:
        t(model, "kbv:strengthWeight" if key.startswith("strength-") else "kbv:kindWeight", iri("scoring", key))
    for key, name, w in weights:
        t(iri("scoring", key), "kbv:weight", _decimal(w))
        t(iri("scoring", key), "rdfs:label", _lit(name))
    for hid, st in computed.items():
        s = iri("standing", hid)
        t(s, "rdf:type", T["kbv:Standing"])
        t(s, "kbv:derived", ox.Literal("true", datatype=XSD_BOOL))
        t(s, "kbv:standingOf", iri("hypothesis", hid))
        t(s, "kbv:model", model)
        t(s, "kbv:belief", _decimal(st.belief))
        t(s, "kbv:disbelief", _decimal(st.disbelief))
        t(s, "kbv:uncertainty", _decimal(st.uncertainty))
        t(s, "kbv:probability", _decimal(st.probability))
        t(s, "kbv:suggestedStatus", T[f"kbv:{st.suggested}"])

    yield from out
    out.clear()
    if release:
        kb.field_where.clear()  # positions are for messages about files; none will follow
        kb.where.clear()
    for e in (_drained(kb.evidence) if release else kb.evidence.values()):
        _evidence(kb, e, iri, t, texts, agents)
        yield from out
        out.clear()
    typed: set[str] = set()  # two spellings of one name share an agent IRI
    for name in sorted(agents, key=lambda n: (agents[n].value, n)):
        if agents[name].value not in typed:
            typed.add(agents[name].value)
            t(agents[name], "rdf:type", T["prov:Agent"])
            t(agents[name], "rdf:type", T["foaf:Agent"])
        t(agents[name], "rdfs:label", _lit(name))
        t(agents[name], "foaf:name", _lit(name))
    yield from out


def _citation(src) -> str:
    parts = [src.container or ""]
    if src.volume:
        parts.append(src.volume + (f"({src.issue})" if src.issue else ""))
    if src.pages:
        parts.append(src.pages)
    return ", ".join(p for p in parts if p)


def _hypothesis(kb: KnowledgeBase, h: Hypothesis, iri: Minter, t, texts, agents: dict[str, ox.NamedNode]) -> None:
    s = iri("hypothesis", h.id)
    t(s, "rdf:type", T["kbv:Hypothesis"])
    t(s, "rdf:type", T["prov:Entity"])
    t(s, "dcterms:identifier", _lit(h.id))
    texts(s, "dcterms:title", h.title)
    texts(s, "kbv:statement", h.statement)
    texts(s, "kbv:rationale", h.rationale)
    t(s, "kbv:status", T[f"kbv:{h.status}"])
    t(s, "dcterms:created", _date(h.proposed))
    if h.illustrative:
        t(s, "kbv:illustrative", ox.Literal("true", datatype=XSD_BOOL))
    for author in dict.fromkeys(h.authors):
        agents[author] = iri.agent(author)
        t(s, "dcterms:creator", agents[author])
    for sid in dict.fromkeys(h.derived_from):
        t(s, "prov:wasDerivedFrom", source_iri(kb, sid, iri))
        t(s, "kbv:derivedFrom", source_iri(kb, sid, iri))
    for other in dict.fromkeys(h.refines):
        t(s, "kbv:refines", iri("hypothesis", other))
    for other in dict.fromkeys(h.supersedes):
        t(s, "kbv:supersedes", iri("hypothesis", other))
        t(s, "dcterms:replaces", iri("hypothesis", other))
    for other in dict.fromkeys(h.competes_with):
        t(s, "kbv:competesWith", iri("hypothesis", other))
    for tag in dict.fromkeys(h.tags):
        t(s, "kbv:tag", _lit(tag))
    if h.relation:
        t(s, "kbv:relatesFrom", iri("construct", h.relation.from_))
        t(s, "kbv:relatesTo", iri("construct", h.relation.to))
        t(s, "kbv:effect", T[f"kbv:{h.relation.effect}"])
    # Versions: v1 is the statement as proposed; each revision makes the next.
    versions = len(h.revisions) + 1
    for n in range(1, versions + 1):
        t(s, "dcterms:hasVersion", iri.version(h.id, n))
    t(s, "kbv:currentVersion", iri.version(h.id, versions))
    keys = _assessment_keys(h)
    for key in keys:
        t(s, "kbv:assessment", iri.assessment(h.id, key))
    if keys:
        t(s, "kbv:currentAssessment", iri.assessment(h.id, keys[-1]))
    for n in range(1, versions + 1):
        v = iri.version(h.id, n)
        t(v, "rdf:type", T["kbv:HypothesisVersion"])
        t(v, "rdf:type", T["prov:Entity"])
        t(v, "prov:specializationOf", s)
        t(v, "kbv:versionNumber", ox.Literal(str(n), datatype=XSD_INT))
        if n < versions:
            texts(v, "kbv:statement", h.revisions[n - 1].previous)
        else:
            texts(v, "kbv:statement", h.statement)
        if n == 1:
            t(v, "dcterms:date", _date(h.proposed))
        else:
            rev = h.revisions[n - 2]
            t(v, "dcterms:date", _date(rev.date))
            t(v, "prov:wasRevisionOf", iri.version(h.id, n - 1))
            texts(v, "kbv:change", rev.change)
            texts(v, "kbv:reason", rev.reason)
            for name in dict.fromkeys(rev.by):
                agents[name] = iri.agent(name)
                t(v, "prov:wasAttributedTo", agents[name])
            for eid in dict.fromkeys(rev.because):
                t(v, "kbv:promptedBy", iri("evidence", eid))
            if rev.previous_status:
                t(v, "kbv:previousStatus", T[f"kbv:{rev.previous_status}"])
    for key, a in zip(keys, h.assessments):
        _assessment(h, a, iri.assessment(h.id, key), iri, t, texts, agents)


def _assessment_keys(h: Hypothesis) -> list[str]:
    """A stable, unique IRI key per assessment: its date (2022-02-15), then 2022-02-15-2 for a second that day.

    Dates, not positions: an assessment keeps its IRI when an older one is
    added before it or removed.
    """
    seen: dict[str, int] = {}
    keys = []
    for a in h.assessments:
        day = a.date.isoformat()
        seen[day] = seen.get(day, 0) + 1
        keys.append(day if seen[day] == 1 else f"{day}-{seen[day]}")
    return keys


def _assessed_version(h: Hypothesis, a: Assessment) -> int | None:
    """The number of the version the hypothesis had on the assessment's day (a revision that day counts)."""
    dates = [h.proposed] + [rev.date for rev in h.revisions]
    held = [n for n, day in enumerate(dates, start=1) if day <= a.date]
    return max(held) if held else None


def _assessment(h: Hypothesis, a: Assessment, node: ox.NamedNode, iri: Minter, t, texts,
                agents: dict[str, ox.NamedNode]) -> None:
    t(node, "rdf:type", T["kbv:CerqualAssessment"])
    t(node, "rdf:type", T["prov:Entity"])
    t(node, "dcterms:date", _date(a.date))
    for name in dict.fromkeys(a.by):
        agents[name] = iri.agent(name)
        t(node, "prov:wasAttributedTo", agents[name])
    version = _assessed_version(h, a)
    if version is not None:
        t(node, "kbv:assessedVersion", iri.version(h.id, version))
    texts(node, "kbv:finding", a.finding)
    for eid in dict.fromkeys(a.considered):
        t(node, "kbv:considered", iri("evidence", eid))
    parts = [(name, getattr(a, name)) for name in CERQUAL_COMPONENTS if getattr(a, name) is not None]
    for name, _ in parts:
        t(node, _COMPONENT[name], ox.NamedNode(f"{node.value}/{name}"))
    t(node, "kbv:confidence", T[_CONFIDENCE[a.confidence.level]])
    texts(node, "kbv:confidenceExplanation", a.confidence.explanation)
    texts(node, "rdfs:comment", a.note)
    for name, part in parts:
        c = ox.NamedNode(f"{node.value}/{name}")
        t(c, "rdf:type", T["kbv:CerqualComponent"])
        t(c, "kbv:concern", T[_CONCERN[part.level]])
        texts(c, "kbv:explanation", part.explanation)


def _link_keys(e: Evidence) -> list[str]:
    """A stable, unique IRI key per link: E014--supports--H01 (+ judge when needed)."""
    keys = []
    for link in e.links:
        key = f"{e.id}--{link.stance}--{link.hypothesis}"
        keys.append(key)
    counts = {k: keys.count(k) for k in keys}
    out = []
    for key, link in zip(keys, e.links):
        if counts[key] > 1:
            judge = re.sub(r"[^A-Za-z0-9]+", "-", link.by or "").strip("-") or "judge"
            key = f"{key}--{judge}"
            n = 2
            while key in out:
                key = f"{key}-{n}"
                n += 1
        out.append(key)
    return out


def _evidence(kb: KnowledgeBase, e: Evidence, iri: Minter, t, texts, agents: dict[str, ox.NamedNode]) -> None:
    s = iri("evidence", e.id)
    t(s, "rdf:type", T["kbv:Evidence"])
    t(s, "rdf:type", T[_EVIDENCE_CLASS[e.kind]])
    t(s, "rdf:type", T["prov:Entity"])
    t(s, "dcterms:identifier", _lit(e.id))
    t(s, "dcterms:date", _date(e.date))
    if e.context:
        t(s, "kbv:context", iri("context", e.context))
        t(s, "prov:atLocation", iri("context", e.context))
    if e.phase:
        t(s, "kbv:phase", iri("phase", e.phase))
    if e.illustrative:
        t(s, "kbv:illustrative", ox.Literal("true", datatype=XSD_BOOL))
    if e.restricted:
        t(s, "kbv:restricted", ox.Literal("true", datatype=XSD_BOOL))
    texts(s, "dcterms:title", e.title)
    texts(s, "dcterms:description", e.summary)
    if e.quote:  # the public view has emptied it where the item is restricted
        t(s, "kbv:quote", ox.Literal(e.quote))
    for name in dict.fromkeys(e.recorded_by):
        agents[name] = iri.agent(name)
        t(s, "prov:wasAttributedTo", agents[name])
    for sid in dict.fromkeys(e.sources):
        t(s, "dcterms:source", source_iri(kb, sid, iri))
    if e.measurement:
        m = e.measurement
        t(s, "kbv:measures", iri("construct", m.construct_))
        if m.value is not None:  # None: it cites a dataset whose response file is not here
            t(s, "kbv:value", _exact(m.value))
        t(s, "kbv:scale", _lit(m.scale))
        if m.sample_size is not None:
            t(s, "kbv:sampleSize", ox.Literal(str(m.sample_size), datatype=XSD_INT))
        t(s, "kbv:instrument", _lit(m.instrument))
        if m.spread is not None:
            t(s, "kbv:spread", _exact(m.spread))
    # direct shortcuts for simple queries (two judges agreeing make one shortcut)
    for stance, hid in dict.fromkeys((link.stance, link.hypothesis) for link in e.links):
        h = iri("hypothesis", hid)
        t(s, f"kbv:{stance}", h)
        t(s, _CITO[stance], h)
    if e.appraisal is not None:  # the public view has taken it from restricted items
        t(s, "kbv:appraisal", iri(f"evidence/{safe_segment(e.id)}", "appraisal"))
        _appraisal(e, iri, t, texts, agents)
    for key, link in zip(_link_keys(e), e.links):
        node = iri("link", key)
        h = iri("hypothesis", link.hypothesis)
        t(node, "rdf:type", T["kbv:EvidenceLink"])
        t(node, "kbv:evidence", s)
        t(node, "kbv:hypothesis", h)
        t(node, "kbv:stance", T[_STANCE_VALUE[link.stance]])
        t(node, "kbv:strength", T[f"kbv:{link.strength}"])
        t(node, "dcterms:date", _date(link.date or e.date))
        # the judge: who made the link, else who recorded the evidence
        judges = [link.by] if link.by else e.recorded_by
        for judge in dict.fromkeys(judges):
            # a restricted item's judges are pseudonyms ("judge 1") that hold within it only
            name = f"{e.id} {judge}" if e.restricted else judge
            agents[name] = iri.agent(name)
            t(node, "prov:wasAttributedTo", agents[name])
        if link.note is not None:
            texts(node, "rdfs:comment", link.note)
        for cid in dict.fromkeys(link.scope):
            t(node, "kbv:scope", iri("context", cid))


def _appraisal(e: Evidence, iri: Minter, t, texts, agents: dict[str, ox.NamedNode]) -> None:
    ap = e.appraisal
    node = iri(f"evidence/{safe_segment(e.id)}", "appraisal")
    t(node, "rdf:type", T["kbv:Appraisal"])
    t(node, "rdf:type", T["prov:Entity"])
    t(node, "kbv:concern", T[_CONCERN[ap.level]])
    if ap.tool:
        t(node, "kbv:tool", _lit(ap.tool))
    if ap.date:
        t(node, "dcterms:date", _date(ap.date))
    for name in dict.fromkeys(ap.by):
        agents[name] = iri.agent(name)
        t(node, "prov:wasAttributedTo", agents[name])
    texts(node, "rdfs:comment", ap.note)


def _survey_triples(kb: KnowledgeBase, surveys: SurveyResults) -> list[ox.Triple]:
    """Each dataset as provenance (never its rows or its path), and its publishable aggregates."""
    iri = Minter(kb.config.base_iri)
    lang = kb.config.languages[0]
    labels = {d.id: d.label for d in kb.config.datasets}
    out: list[ox.Triple] = []

    def t(s, p: str, o) -> None:
        out.append(ox.Triple(s, T[p], o))

    def dataset(did: str) -> ox.NamedNode:
        return iri("dataset", did)

    def cell_iri(did: str, context: str, phase: str, construct: str) -> ox.NamedNode:
        return iri(f"dataset/{safe_segment(did)}/aggregate/{safe_segment(context)}/{safe_segment(phase)}", construct)

    def count(n: int) -> ox.Literal:
        return ox.Literal(str(n), datatype=XSD_INT)

    for d in surveys.datasets:
        s = dataset(d.id)
        t(s, "rdf:type", T["kbv:Dataset"])
        t(s, "rdf:type", T["prov:Entity"])
        t(s, "dcterms:identifier", _lit(d.id))
        titles = list(_texts(labels.get(d.id), lang))
        for title in titles or [_lit(d.id)]:
            t(s, "dcterms:title", title)
        # the name alone: a path can say where a group keeps its private files
        t(s, "kbv:fileName", _lit(Path(d.file.replace("\\", "/")).name))
        t(s, "kbv:fileFormat", _lit(d.format))
        t(s, "kbv:minCell", count(d.threshold))
        if d.illustrative:
            t(s, "kbv:illustrative", ox.Literal("true", datatype=XSD_BOOL))
        rounds = [(iri(f"dataset/{safe_segment(d.id)}/round", phase), phase, first, last)
                  for phase, first, last in d.dates]
        for r, *_ in rounds:
            t(s, "kbv:round", r)
        for r, phase, first, last in rounds:
            t(r, "rdf:type", T["kbv:SurveyRound"])
            t(r, "kbv:phase", iri("phase", phase))
            if first is not None:
                t(r, "kbv:firstDate", _date(first))
            if last is not None:
                t(r, "kbv:lastDate", _date(last))
    for c in surveys.cells:
        s = cell_iri(c.dataset, c.context, c.phase, c.construct)
        t(s, "rdf:type", T["kbv:SurveyAggregate"])
        t(s, "rdf:type", T["prov:Entity"])
        t(s, "kbv:dataset", dataset(c.dataset))
        t(s, "prov:wasDerivedFrom", dataset(c.dataset))
        t(s, "prov:atLocation", iri("context", c.context))
        t(s, "kbv:phase", iri("phase", c.phase))
        t(s, "kbv:measures", iri("construct", c.construct))
        t(s, "kbv:n", count(c.n))
        t(s, "kbv:mean", _decimal(c.mean))
        t(s, "kbv:sd", _decimal(c.sd))
        t(s, "kbv:ciLow", _decimal(c.ci_low))
        t(s, "kbv:ciHigh", _decimal(c.ci_high))
    for c in surveys.changes:
        s = iri(f"dataset/{safe_segment(c.dataset)}/change/{safe_segment(c.context)}", c.construct)
        t(s, "rdf:type", T["kbv:SurveyChange"])
        t(s, "rdf:type", T["prov:Entity"])
        t(s, "kbv:dataset", dataset(c.dataset))
        t(s, "prov:wasDerivedFrom", dataset(c.dataset))
        start = cell_iri(c.dataset, c.context, c.start_phase, c.construct)
        end = cell_iri(c.dataset, c.context, c.end_phase, c.construct)
        t(s, "kbv:startAggregate", start)
        t(s, "kbv:endAggregate", end)
        t(s, "prov:wasDerivedFrom", start)
        t(s, "prov:wasDerivedFrom", end)
        t(s, "prov:atLocation", iri("context", c.context))
        t(s, "kbv:measures", iri("construct", c.construct))
        t(s, "kbv:meanChange", _decimal(c.change))
        if c.p is not None:
            t(s, "kbv:pValue", _decimal(c.p))
        if c.g is not None:
            t(s, "kbv:hedgesG", _decimal(c.g))
    return out


# --- serialising ----------------------------------------------------------------------


def serialize(kb: KnowledgeBase, fmt: str = "ttl", computed: dict[str, Standing] | None = None,
              surveys: SurveyResults | None = None) -> str:
    """The KB as Turtle ('ttl'), JSON-LD ('jsonld', compact, its IRIs relative to the base) or N-Triples ('nt');
    with ``surveys``, its datasets' aggregates too."""
    return serialize_triples(iter_triples(kb, computed, surveys=surveys), fmt, base=kb.config.base_iri)


def serialize_triples(items: Iterable[ox.Triple], fmt: str, base: str | None = None) -> str:
    """Triples as text; ``base`` is JSON-LD's ``@base`` (Turtle and N-Triples keep every IRI whole)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown RDF format {fmt!r}")
    if fmt == "jsonld":
        return "".join(jsonld_chunks(items, base))
    prefixes = PREFIXES if fmt != "nt" else None
    data = ox.serialize(items, format=FORMATS[fmt], prefixes=prefixes)
    text = data.decode("utf-8")
    return text if text.endswith("\n") else text + "\n"


def serialize_to(path: Path, items: Iterable[ox.Triple | ox.Quad], fmt: str, base: str | None = None) -> None:
    """:func:`serialize_triples` streamed into a file (ending with a newline, as there)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown RDF format {fmt!r}")
    if fmt == "jsonld":
        with open(path, "w", encoding="utf-8", newline="\n") as text:
            text.writelines(jsonld_chunks(items, base))
        return
    with open(path, "wb") as handle:
        ox.serialize(items, handle, format=FORMATS[fmt], prefixes=PREFIXES if fmt != "nt" else None)
    with open(path, "rb+") as handle:
        size = handle.seek(0, os.SEEK_END)
        if size:
            handle.seek(size - 1)
            if handle.read(1) != b"\n":
                handle.write(b"\n")


def jsonld_context(base: str | None) -> dict[str, str]:
    """The ``@context`` of kb's JSON-LD: the prefixes of the Turtle, and the KB's base IRI as ``@base``."""
    context = {"@base": base} if base else {}
    context.update(sorted(PREFIXES.items()))
    return context


class _JsonLdTerms:
    """IRIs as JSON-LD's compaction writes them with :func:`jsonld_context`.

    Properties, classes and datatypes become compact IRIs (``kbv:Hypothesis``)
    where a prefix fits; node identifiers too, else they are made relative to
    the base (``hypothesis/H01``) when the rest is a plain path, else kept whole.
    The choices follow JSON-LD 1.1's IRI compaction (the shortest compact IRI,
    then the lexically least), so a processor compacting the same triples with
    the same context writes the same document (the tests check it with PyLD).
    """

    _PLAIN_PATH = re.compile(r"[^@./:?#][^:?#]*")

    def __init__(self, base: str | None) -> None:
        self.base = base or ""
        self._vocab: dict[str, str] = {}
        self._terms: dict[str, str] = {}
        spaces = sorted(PREFIXES.items())
        self._spaces = spaces
        nested = any(a != b and b.startswith(a) for _, a in spaces for _, b in spaces)
        # no namespace inside another (kb's own): at most one prefix fits, and one regex finds it
        self._one = None if nested else re.compile("|".join(f"({re.escape(ns)})" for _, ns in spaces))
        # the base neither inside a namespace nor holding one: no IRI under it has a compact form
        self._base_apart = bool(base) and not any(base.startswith(ns) or ns.startswith(base) for _, ns in spaces)

    def _prefixed(self, iri: str) -> str | None:
        if self._one is not None:
            m = self._one.match(iri)
            if m is None or m.end() == len(iri):
                return None
            return f"{self._spaces[m.lastindex - 1][0]}:{iri[m.end():]}"
        best = None
        for prefix, space in self._spaces:
            if len(iri) > len(space) and iri.startswith(space):
                candidate = f"{prefix}:{iri[len(space):]}"
                if best is None or (len(candidate), candidate) < (len(best), best):
                    best = candidate
        return best

    def vocab(self, iri: str) -> str:
        """A property, class or datatype."""
        term = self._vocab.get(iri)
        if term is None:
            term = self._vocab[iri] = self._prefixed(iri) or iri
        return term

    def node(self, term) -> str:
        """A node's identifier (subject or object)."""
        if isinstance(term, ox.BlankNode):
            return f"_:{term.value}"
        iri = term.value
        base = self.base
        if self._base_apart and iri.startswith(base):  # most nodes: no prefix can fit them
            return self._relative(iri)
        known = self._terms.get(iri)  # the vocabulary's individuals (kbv:supporting): few, met often
        if known is not None:
            return known
        prefixed = self._prefixed(iri)
        if prefixed is not None:
            self._terms[iri] = prefixed
            return prefixed
        return self._relative(iri) if base and iri.startswith(base) else iri

    def _relative(self, iri: str) -> str:
        rest = iri[len(self.base):]
        if not rest:
            return "./"
        if self._PLAIN_PATH.fullmatch(rest) and "/." not in rest:
            return rest
        return iri


def _jsonld_node(subject, pairs: list, names: _JsonLdTerms) -> dict:
    node: dict = {"@id": names.node(subject)}
    types: list[str] = []
    values: dict[str, list] = {}
    vocab, literal = names.vocab, ox.Literal
    for predicate, obj in pairs:
        if isinstance(obj, literal):
            if obj.language:
                value = {"@language": obj.language, "@value": obj.value}
            else:
                datatype = obj.datatype
                value = obj.value if datatype == XSD_STRING else {"@type": vocab(datatype.value), "@value": obj.value}
        elif predicate == RDF_TYPE:
            types.append(vocab(obj.value))
            continue
        else:
            value = {"@id": names.node(obj)}
        key = vocab(predicate.value)
        found = values.get(key)
        if found is None:
            values[key] = [value]
        else:
            found.append(value)
    if types:
        node["@type"] = types[0] if len(types) == 1 else types
    for key, found in values.items():
        node[key] = found[0] if len(found) == 1 else found
    return node


def jsonld_chunks(items: Iterable[ox.Triple | ox.Quad], base: str | None) -> Iterator[str]:
    """Compact JSON-LD (an ``@context`` and a ``@graph`` of node objects, one a line), piece by piece.

    Linear and streaming: one node object is made per run of triples with the
    same subject, so only one subject's triples are held at a time (the
    export gives each subject's triples together; a subject met again makes
    a second node object, which JSON-LD merges). pyoxigraph's own JSON-LD is
    the expanded form, without a context, which people cannot read.
    """
    import json

    names = _JsonLdTerms(base)
    context = json.dumps(jsonld_context(base), ensure_ascii=False, indent=2).replace("\n", "\n  ")
    yield '{\n  "@context": ' + context + ',\n  "@graph": ['
    subject, pairs, first = None, [], True
    for t in items:
        if t.subject != subject:
            if pairs:
                yield ("\n    " if first else ",\n    ") + json.dumps(_jsonld_node(subject, pairs, names),
                                                                ensure_ascii=False)
                first = False
            subject, pairs = t.subject, []
        pairs.append((t.predicate, t.object))
    if pairs:
        yield ("\n    " if first else ",\n    ") + json.dumps(_jsonld_node(subject, pairs, names), ensure_ascii=False)
        first = False
    yield ("\n  ]\n}\n" if not first else "]\n}\n")


# --- stores, and terms as text (the queries themselves: kb.rdf.queries) ------------------


#: Triples handed to the store's bulk loader at a time: it buffers what it is given,
#: and a whole large KB at once (3 million triples) costs a gigabyte more at its peak;
#: smaller batches cost no measurable time.
STORE_CHUNK = 5_000


def load_store(items: Iterable[ox.Triple]) -> ox.Store:
    store = ox.Store()
    graph = ox.DefaultGraph()
    quads = (ox.Quad(t.subject, t.predicate, t.object, graph) for t in items)
    while chunk := list(islice(quads, STORE_CHUNK)):
        store.bulk_extend(chunk)
    return store


def load_store_draining(kb: KnowledgeBase) -> ox.Store:
    """A store of ``kb``'s triples, for a caller that needs nothing else from ``kb`` (``kb query``).

    The triples go to a temporary N-Triples file while the KB's evidence
    leaves it (:func:`iter_triples` with ``release``); the store parses that
    file once the KB is gone, so the two are never in memory together. At
    100,000 evidence items ``kb query`` then peaks at 1.3 GB, and the store
    is ready in 38 s; filled with terms from Python: 2.0 GB and 63 s.
    """
    import gc
    import tempfile

    handle, name = tempfile.mkstemp(prefix="kb-query-", suffix=".nt")
    os.close(handle)
    try:
        serialize_to(Path(name), iter_triples(kb, release=True), "nt")
        gc.collect()  # what is left of the drained items, before the store takes their place
        store = ox.Store()
        store.load(path=name, format=ox.RdfFormat.N_TRIPLES)
    finally:
        os.unlink(name)
    return store


def read_turtle(path: Path) -> Iterator[ox.Quad]:
    """The triples of a Turtle file that :func:`serialize_to` wrote, in the file's order (as quads
    in the default graph, which every serialiser writes as the triples they are)."""
    return ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)


def load_store_from(path: Path) -> ox.Store:
    """A store of the Turtle that :func:`serialize_to` wrote (parsing it is 4x faster than loading terms).

    ``load``, not ``bulk_load``: as fast for an in-memory store, and its peak is
    lower (large KB, 3 million triples: 1,070 MB against 1,308 MB).
    """
    store = ox.Store()
    store.load(path=str(path), format=ox.RdfFormat.TURTLE)
    return store


def term_text(term) -> str:
    """A result term as a person reads it: IRIs shortened by the known prefixes."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        for prefix, ns in PREFIXES.items():
            if term.value.startswith(ns):
                return f"{prefix}:{term.value[len(ns):]}"
        return term.value
    if isinstance(term, ox.Literal):
        return term.value
    return str(term)


def solutions_table(result) -> tuple[list[str], list[list[str]]]:
    """Variables and rows of a SELECT result, as text."""
    variables = [v.value for v in result.variables]
    rows = [[term_text(solution[v]) for v in variables] for solution in result]
    return variables, rows


def write_rdf_downloads(kb: KnowledgeBase, computed: dict[str, Standing], folder: Path,
                        surveys: SurveyResults | None = None) -> list[Path]:
    """The downloads stage's RDF: ``kb.ttl`` and ``kb.jsonld`` written into ``folder`` (Turtle first).

    Turtle is streamed from the triples, so the export is never held whole.
    JSON-LD (compact, :func:`jsonld_chunks`) is made from that file (the same
    triples in the same order, so the same bytes as ``kb export``; quicker
    than making the triples again), and the saved questions are answered from it too: re-reading the
    file is how the pipeline bounds memory.
    """
    folder.mkdir(parents=True, exist_ok=True)
    turtle, jsonld = folder / "kb.ttl", folder / "kb.jsonld"
    serialize_to(turtle, iter_triples(kb, computed, surveys=surveys), "ttl")
    serialize_to(jsonld, read_turtle(turtle), "jsonld", base=kb.config.base_iri)
    return [turtle, jsonld]
