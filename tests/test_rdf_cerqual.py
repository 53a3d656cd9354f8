"""GRADE-CERQual assessments and evidence appraisals in the RDF export (kb.rdf.export).

One small KB on disk: H1 assessed twice (low, then moderate: now moderate),
H2 very low with a worded finding and dissemination bias, H3 high, H4 twice
on one day (high, then low: now low), H5 never assessed; E1 appraised, E2
restricted and appraised with a marker in every text of its appraisal.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib

from kb.load.loader import load
from kb.model import CERQUAL_COMPONENTS, CONCERNS, CONFIDENCES
from kb.public import public_view
from kb.rdf import export
from kb.rdf.export import serialize, shapes_text, triples, vocabulary_text

REPO = Path(__file__).resolve().parent.parent
LOW_CONFIDENCE = REPO / "queries" / "low-confidence.rq"
BASE = "https://kb.example.org/cerqual/"
KBV = rdflib.Namespace("https://w3id.org/kb-theory/vocab#")
PROV = rdflib.Namespace("http://www.w3.org/ns/prov#")
MARKER = "APPRAISAL-MARKER-7731"


def _component(level: str, why: str) -> str:
    return f"{{level: {level}, explanation: {{en: {why}, nb: {why} (nb)}}}}"


def _assessment(day: str, confidence: str, considered: str, *, extra: str = "") -> str:
    return f"""\
  - date: {day}
    by: [Kari Nordmann, Review group]
    considered: [{considered}]
    methodological_limitations: {_component("minor", "One observer.")}
    coherence: {_component("no_or_very_minor", "Fits every source.")}
    adequacy: {_component("moderate", "Thin data.")}
    relevance: {_component("serious", "Other settings.")}
    confidence: {{level: {confidence}, explanation: {{en: Rated {confidence}.}}}}
{extra}"""


def _hypothesis(hid: str, assessments: str = "", extra: str = "") -> str:
    text = (f"id: {hid}\ntitle: {{en: Title of {hid}}}\nstatement: {{en: Statement of {hid}.}}\n"
            f"status: testing\nproposed: 2020-01-01\n{extra}")
    return text + ("assessments:\n" + assessments if assessments else "")


def _evidence(eid: str, day: str, hypotheses: list[str], extra: str = "") -> str:
    links = "".join(f"  - {{hypothesis: {h}, stance: supports, strength: moderate}}\n" for h in hypotheses)
    return (f"id: {eid}\nkind: field_observation\ntitle: Title of {eid}\ndate: {day}\n"
            f"recorded_by: [Ola Nordmann]\nsummary: Summary of {eid}.\n{extra}links:\n{links}")


FILES = {
    "kb.yaml": f"title: CERQual test\nbase_iri: {BASE}\nlanguages: [en, nb]\n",
    "hypotheses/H1.yaml": _hypothesis(
        "H1",
        _assessment("2021-01-10", "low", "E1")
        + _assessment("2022-03-01", "moderate", "E1, E2, E3"),
        extra="revisions:\n  - {date: 2021-06-01, previous: Older statement of H1., change: Reworded.}\n"),
    "hypotheses/H2.yaml": _hypothesis("H2", _assessment(
        "2022-04-01", "very_low", "E1, E3",
        extra=f"    finding: {{en: Worded finding of H2., nb: Funnet H2.}}\n"
              f"    dissemination_bias: {_component('minor', 'Unpublished arenas.')}\n"
              f"    note: A note on H2's assessment.\n")),
    "hypotheses/H3.yaml": _hypothesis("H3", _assessment("2022-04-01", "high", "E3")),
    "hypotheses/H4.yaml": _hypothesis(
        "H4", _assessment("2022-05-01", "high", "E2") + _assessment("2022-05-01", "low", "E2, E3")),
    "hypotheses/H5.yaml": _hypothesis("H5"),
    "evidence/E1.yaml": _evidence(
        "E1", "2020-06-01", ["H1", "H2"],
        extra="appraisal:\n  level: minor\n  tool: CASP\n  note: {en: Clear aims., nb: Klare mål.}\n"
              "  by: [Per Hansen]\n  date: 2021-01-05\n"),
    "evidence/E2.yaml": _evidence(
        "E2", "2021-02-01", ["H1", "H4"],
        extra=f"restricted: true\nappraisal:\n  level: serious\n  tool: {MARKER}-tool\n"
              f"  note: {MARKER} in the note.\n  by: [{MARKER} Appraiser]\n  date: 2021-03-01\n"),
    "evidence/E3.yaml": _evidence("E3", "2021-03-01", ["H1", "H2", "H3", "H4"]),
}


@pytest.fixture
def root(make_kb) -> Path:
    return make_kb(FILES)


def _public(root: Path):
    kb, diags = load(root)
    assert not [d for d in diags if d.severity == "error"], diags
    return public_view(kb)


@pytest.fixture
def turtle(root: Path) -> str:
    return serialize(_public(root), "ttl")


@pytest.fixture
def graph(turtle: str) -> rdflib.Graph:
    return rdflib.Graph().parse(data=turtle, format="turtle")


def _a(hid: str, key: str) -> rdflib.URIRef:
    return rdflib.URIRef(f"{BASE}hypothesis/{hid}/assessment/{key}")


def test_the_test_kb_checks_clean(root, run_kb):
    result = run_kb("check", "--strict", cwd=root)
    assert result.exit_code == 0, result.output


def test_every_level_and_component_of_the_model_has_a_term_in_the_vocabulary():
    vocab = rdflib.Graph().parse(data=vocabulary_text(), format="turtle")
    assert set(export._CONCERN) == set(CONCERNS)
    assert set(export._CONFIDENCE) == set(CONFIDENCES)
    assert set(export._COMPONENT) == set(CERQUAL_COMPONENTS)
    for curie, cls in [*((c, KBV.ConcernLevel) for c in export._CONCERN.values()),
                       *((c, KBV.ConfidenceLevel) for c in export._CONFIDENCE.values())]:
        level = KBV[curie.removeprefix("kbv:")]
        assert (level, rdflib.RDF.type, cls) in vocab, curie
        assert {lit.language for lit in vocab.objects(level, rdflib.RDFS.label)} == {"en", "nb"}, curie
    # the rank sorts each scale as the model lists it
    for levels, model in ((export._CONCERN, CONCERNS), (export._CONFIDENCE, CONFIDENCES)):
        ranked = sorted(levels, key=lambda n: int(vocab.value(KBV[levels[n][4:]], KBV.rank)))
        assert ranked == list(model)


def test_each_assessment_is_a_resource_linked_from_its_hypothesis(graph):
    h1 = rdflib.URIRef(f"{BASE}hypothesis/H1")
    assert set(graph.objects(h1, KBV.assessment)) == {_a("H1", "2021-01-10"), _a("H1", "2022-03-01")}
    assert list(graph.objects(h1, KBV.currentAssessment)) == [_a("H1", "2022-03-01")]
    # two on one day get distinct IRIs, and the later in the file is current
    h4 = rdflib.URIRef(f"{BASE}hypothesis/H4")
    assert set(graph.objects(h4, KBV.assessment)) == {_a("H4", "2022-05-01"), _a("H4", "2022-05-01-2")}
    assert graph.value(h4, KBV.currentAssessment) == _a("H4", "2022-05-01-2")
    assert graph.value(_a("H4", "2022-05-01-2"), KBV.confidence) == KBV.LowConfidence
    assert (rdflib.URIRef(f"{BASE}hypothesis/H5"), KBV.assessment, None) not in graph
    assert len(set(graph.subjects(rdflib.RDF.type, KBV.CerqualAssessment))) == 6


def test_an_assessment_carries_its_date_assessors_evidence_components_and_confidence(graph):
    a = _a("H1", "2022-03-01")
    assert graph.value(a, rdflib.DCTERMS.date) == rdflib.Literal("2022-03-01", datatype=rdflib.XSD.date)
    assessors = {str(graph.value(p, rdflib.RDFS.label)) for p in graph.objects(a, PROV.wasAttributedTo)}
    assert assessors == {"Kari Nordmann", "Review group"}
    for p in graph.objects(a, PROV.wasAttributedTo):
        assert (p, rdflib.RDF.type, PROV.Agent) in graph
    assert set(graph.objects(a, KBV.considered)) == {rdflib.URIRef(f"{BASE}evidence/E{n}") for n in (1, 2, 3)}
    concerns = {p: graph.value(graph.value(a, p), KBV.concern)
                for p in (KBV.methodologicalLimitations, KBV.coherence, KBV.adequacy, KBV.relevance)}
    assert concerns == {KBV.methodologicalLimitations: KBV.MinorConcerns, KBV.coherence: KBV.NoOrVeryMinorConcerns,
                        KBV.adequacy: KBV.ModerateConcerns, KBV.relevance: KBV.SeriousConcerns}
    explained = set(graph.objects(graph.value(a, KBV.adequacy), KBV.explanation))
    assert explained == {rdflib.Literal("Thin data.", lang="en"), rdflib.Literal("Thin data. (nb)", lang="nb")}
    assert (a, KBV.disseminationBias, None) not in graph
    assert graph.value(a, KBV.confidence) == KBV.ModerateConfidence
    assert graph.value(a, KBV.confidenceExplanation) == rdflib.Literal("Rated moderate.", lang="en")
    # H1 was revised on 2021-06-01: the first assessment judged v1, the second v2
    assert graph.value(_a("H1", "2021-01-10"), KBV.assessedVersion) == rdflib.URIRef(f"{BASE}hypothesis/H1/v1")
    assert graph.value(a, KBV.assessedVersion) == rdflib.URIRef(f"{BASE}hypothesis/H1/v2")


def test_finding_dissemination_bias_and_note_when_given(graph):
    a = _a("H2", "2022-04-01")
    assert set(graph.objects(a, KBV.finding)) == {rdflib.Literal("Worded finding of H2.", lang="en"),
                                                  rdflib.Literal("Funnet H2.", lang="nb")}
    assert graph.value(graph.value(a, KBV.disseminationBias), KBV.concern) == KBV.MinorConcerns
    assert graph.value(a, rdflib.RDFS.comment) == rdflib.Literal("A note on H2's assessment.", lang="en")
    assert graph.value(a, KBV.confidence) == KBV.VeryLowConfidence


def test_an_appraisal_is_a_node_of_its_evidence(graph):
    ap = graph.value(rdflib.URIRef(f"{BASE}evidence/E1"), KBV.appraisal)
    assert ap == rdflib.URIRef(f"{BASE}evidence/E1/appraisal")
    assert (ap, rdflib.RDF.type, KBV.Appraisal) in graph
    assert graph.value(ap, KBV.concern) == KBV.MinorConcerns
    assert graph.value(ap, KBV.tool) == rdflib.Literal("CASP")
    assert graph.value(ap, rdflib.DCTERMS.date) == rdflib.Literal("2021-01-05", datatype=rdflib.XSD.date)
    assert set(graph.objects(ap, rdflib.RDFS.comment)) == {rdflib.Literal("Clear aims.", lang="en"),
                                                          rdflib.Literal("Klare mål.", lang="nb")}
    assert str(graph.value(graph.value(ap, PROV.wasAttributedTo), rdflib.RDFS.label)) == "Per Hansen"


def test_a_restricted_items_appraisal_is_not_exported(root, turtle, graph):
    kb, _ = load(root)
    assert MARKER in kb.evidence["E2"].appraisal.note  # the test would pass vacuously without it
    for fmt in ("ttl", "jsonld", "nt"):
        assert MARKER not in serialize(public_view(kb), fmt)
    e2 = rdflib.URIRef(f"{BASE}evidence/E2")
    assert (e2, KBV.restricted, None) in graph
    assert (e2, KBV.appraisal, None) not in graph
    assert "E2/appraisal" not in turtle
    # an assessment that considered it still says so: the link is public, the text is not
    assert (_a("H1", "2022-03-01"), KBV.considered, e2) in graph


def _validate(turtle: str, inference: str = "none", data: rdflib.Graph | None = None):
    from pyshacl import validate

    data = data if data is not None else rdflib.Graph().parse(data=turtle, format="turtle")
    shapes = rdflib.Graph().parse(data=shapes_text(), format="turtle")
    ont = rdflib.Graph().parse(data=vocabulary_text(), format="turtle") if inference != "none" else None
    conforms, _, report = validate(data, shacl_graph=shapes, ont_graph=ont, inference=inference)
    return conforms, report


def test_the_export_conforms_to_the_shapes(turtle):
    conforms, report = _validate(turtle)
    assert conforms, report


def test_rdfs_inference_over_the_vocabulary_puts_no_cerqual_node_in_a_wrong_class(turtle):
    from pyshacl import validate

    data = rdflib.Graph().parse(data=turtle, format="turtle")
    vocab = rdflib.Graph().parse(data=vocabulary_text(), format="turtle")
    shapes = rdflib.Graph().parse(data=shapes_text(), format="turtle")
    _, results, _ = validate(data, shacl_graph=shapes, ont_graph=vocab, inference="rdfs", inplace=False)
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    focus = {str(results.value(r, sh.focusNode)) for r in results.subjects(rdflib.RDF.type, sh.ValidationResult)}
    assert not {f for f in focus if "/assessment/" in f or f.endswith("/appraisal")}, focus
    inferred = rdflib.Graph().parse(data=turtle, format="turtle") + vocab
    from owlrl import DeductiveClosure, RDFS_Semantics

    DeductiveClosure(RDFS_Semantics).expand(inferred)
    classes = {
        KBV.CerqualAssessment: {KBV.CerqualAssessment, PROV.Entity},
        KBV.CerqualComponent: {KBV.CerqualComponent},
        KBV.Appraisal: {KBV.Appraisal, PROV.Entity},
    }
    for cls, expected in classes.items():
        for node in set(data.subjects(rdflib.RDF.type, cls)):
            types = {t for t in inferred.objects(node, rdflib.RDF.type) if t != rdflib.RDFS.Resource}
            assert types == expected, (node, types)


@pytest.mark.parametrize("break_it, words", [
    (lambda g, a: g.remove((a, rdflib.DCTERMS.date, None)), "date"),
    (lambda g, a: g.remove((a, KBV.considered, None)), "considered"),
    (lambda g, a: g.remove((a, KBV.coherence, None)), "coherence"),
    (lambda g, a: g.add((a, KBV.confidence, KBV.HighConfidence)), "confidence"),
    (lambda g, a: g.set((a, KBV.confidence, KBV.moderate)), "confidence"),
    (lambda g, a: g.set((g.value(a, KBV.relevance), KBV.concern, KBV.LowConfidence)), "concern"),
    (lambda g, a: g.set((rdflib.URIRef(f"{BASE}evidence/E1/appraisal"), KBV.concern, KBV.strong)), "concern"),
    (lambda g, a: g.add((rdflib.URIRef(f"{BASE}evidence/E2"), KBV.appraisal,
                         rdflib.URIRef(f"{BASE}evidence/E1/appraisal"))), "appraisal"),
])
def test_the_shapes_catch_a_broken_assessment_or_appraisal(turtle, break_it, words):
    data = rdflib.Graph().parse(data=turtle, format="turtle")
    break_it(data, _a("H1", "2022-03-01"))
    conforms, report = _validate(turtle, data=data)
    assert not conforms
    assert words in report


def _rows(store: ox.Store) -> list[tuple[str, str, str, str]]:
    prefixes = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in export.PREFIXES.items())
    result = store.query(prefixes + LOW_CONFIDENCE.read_text(encoding="utf-8"))
    return [tuple(export.term_text(s[v]) for v in ("id", "confidence", "date", "finding")) for s in result]


def test_the_saved_question_finds_exactly_the_low_and_very_low_current_findings(root):
    store = export.load_store(triples(_public(root)))
    # H1 was low once but is moderate now; H3 is high; H4 is low after a high the same day
    assert _rows(store) == [("H2", "very low", "2022-04-01", "Worded finding of H2."),
                            ("H4", "low", "2022-05-01", "Statement of H4.")]


def test_the_saved_question_through_kb_query(root, run_kb):
    assert LOW_CONFIDENCE.read_text(encoding="utf-8").startswith("# ")
    result = run_kb("query", str(LOW_CONFIDENCE), "--format", "csv", cwd=root)
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert [(r["id"], r["confidence"], r["date"]) for r in rows] == [("H2", "very low", "2022-04-01"),
                                                                     ("H4", "low", "2022-05-01")]


def test_two_exports_are_byte_identical(root, run_kb, tmp_path):
    outs = []
    for n in (1, 2):
        out = tmp_path / f"{n}.ttl"
        result = run_kb("export", "--format", "ttl", "-o", str(out), cwd=root)
        assert result.exit_code == 0, result.output
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]
    assert b"kbv:CerqualAssessment" in outs[0] and MARKER.encode() not in outs[0]
