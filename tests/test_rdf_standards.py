"""The RDF and the SPARQL answers as the standards define them, checked with the standards' own tools.

RDFS: pySHACL validates the export with the vocabulary as its ontology and RDFS inference
(as ``pyshacl -s shapes.ttl -e vocab.ttl -i rdfs`` does), and OWL-RL's RDFS closure must
give no node a class it was not given. People are agent resources. The JSON-LD is compact
JSON-LD with a context: PyLD reads it to the Turtle's triples and compacts it back to the
same document. ``kb query`` answers in the W3C SPARQL 1.1 results formats, which rdflib and
pyoxigraph parse back to what pyoxigraph answers directly; a format that does not fit the
query's form is a usage error.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from pyld import jsonld

from kb.load.loader import load
from kb.public import public_view
from kb.rdf.export import (PREFIXES, iter_triples, load_store, serialize, shapes_text, vocabulary_text,
                           write_rdf_downloads)
from kb.rdf.queries import QueryError, format_result, query_form

REPO = Path(__file__).resolve().parent.parent
KBV = rdflib.Namespace("https://w3id.org/kb-theory/vocab#")
PROV = rdflib.Namespace("http://www.w3.org/ns/prov#")
FOAF = rdflib.Namespace("http://xmlns.com/foaf/0.1/")
SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")


def _public(root: Path):
    kb, diags = load(root)
    assert not [d for d in diags if d.severity == "error"], diags
    return public_view(kb)


@pytest.fixture(params=["shipped", "kitchen sink"])
def root(request) -> Path:
    return REPO if request.param == "shipped" else request.getfixturevalue("kitchen_sink")


@pytest.fixture
def turtle(root) -> str:
    return serialize(_public(root), "ttl")


def _graph(text: str) -> rdflib.Graph:
    return rdflib.Graph().parse(data=text, format="turtle")


def _shacl(data: rdflib.Graph, vocab: str = None):
    from pyshacl import validate

    shapes = _graph(shapes_text())
    ont = _graph(vocab if vocab is not None else vocabulary_text())
    conforms, results, report = validate(data, shacl_graph=shapes, ont_graph=ont, inference="rdfs", inplace=False)
    return conforms, results, report


# --- RDFS -----------------------------------------------------------------------------


def test_the_export_conforms_under_rdfs_inference_over_the_vocabulary(turtle):
    conforms, _, report = _shacl(_graph(turtle))
    assert conforms, report


def test_pyshacl_on_the_command_line_agrees(tmp_path):
    data, shapes, vocab = tmp_path / "kb.ttl", tmp_path / "shapes.ttl", tmp_path / "vocab.ttl"
    data.write_text(serialize(_public(REPO), "ttl"), encoding="utf-8")
    shapes.write_text(shapes_text(), encoding="utf-8")
    vocab.write_text(vocabulary_text(), encoding="utf-8")
    run = subprocess.run(["pyshacl", "-s", str(shapes), "-e", str(vocab), "-i", "rdfs", str(data)],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Conforms: True" in run.stdout


def test_the_old_domain_of_statement_would_make_every_version_a_hypothesis(turtle):
    """The check can fail: with kbv:statement's domain kbv:Hypothesis, as it was, versions break the shapes."""
    old = vocabulary_text().replace("rdfs:domain kbv:Claim", "rdfs:domain kbv:Hypothesis")
    assert old != vocabulary_text()
    conforms, results, _ = _shacl(_graph(turtle), old)
    assert not conforms
    focus = {str(results.value(r, SH.focusNode)) for r in results.subjects(rdflib.RDF.type, SH.ValidationResult)}
    assert focus and all("/v" in f for f in focus), focus


def test_rdfs_inference_gives_no_node_a_class_it_was_not_given(turtle):
    """Every domain and range fits every use: the closure adds only superclasses of asserted classes."""
    from owlrl import DeductiveClosure, RDFS_Semantics

    data = _graph(turtle)
    vocab = _graph(vocabulary_text())
    closed = data + vocab
    DeductiveClosure(RDFS_Semantics).expand(closed)
    wrong = {}
    for node in set(data.subjects()):
        given = set()
        for cls in data.objects(node, rdflib.RDF.type):
            given |= set(vocab.transitive_objects(cls, rdflib.RDFS.subClassOf))
        inferred = {c for c in closed.objects(node, rdflib.RDF.type) if c != rdflib.RDFS.Resource}
        if inferred - given:
            wrong[str(node)] = inferred - given
    assert not wrong, dict(list(wrong.items())[:5])


def test_people_are_agent_resources_with_names(turtle):
    data = _graph(turtle)
    people = 0
    for prop in (rdflib.DCTERMS.creator, rdflib.DCTERMS.contributor, PROV.wasAttributedTo):
        for who in data.objects(None, prop):
            assert isinstance(who, rdflib.URIRef), (prop, who)
            assert {PROV.Agent, FOAF.Agent} <= set(data.objects(who, rdflib.RDF.type)), who
            assert data.value(who, FOAF.name) is not None and data.value(who, rdflib.RDFS.label) is not None, who
            people += 1
    assert people > 5
    assert set(data.objects(None, rdflib.DCTERMS.creator))  # sources' and hypotheses' authors are among them


def test_restricted_judges_stay_pseudonyms(kitchen_sink):
    written, _ = load(kitchen_sink)
    data = _graph(serialize(public_view(written), "ttl"))
    real = {link.by for e in written.evidence.values() if e.restricted for link in e.links if link.by}
    assert real  # the kitchen sink's restricted items name their judges
    for e in (e for e in written.evidence.values() if e.restricted):
        for link in data.subjects(KBV.evidence, rdflib.URIRef(f"{written.config.base_iri}evidence/{e.id}")):
            for judge in data.objects(link, PROV.wasAttributedTo):
                name = str(data.value(judge, FOAF.name))
                assert name.startswith(f"{e.id} judge") and name not in real, name


# --- JSON-LD --------------------------------------------------------------------------


def _triples(quads) -> set[ox.Triple]:
    return {ox.Triple(q.subject, q.predicate, q.object) for q in quads}


def test_jsonld_is_compact_with_a_context_and_holds_the_turtles_triples(root, turtle):
    kb = _public(root)
    text = serialize(kb, "jsonld")
    doc = json.loads(text)
    context = doc["@context"]
    assert context["@base"] == kb.config.base_iri
    assert {"kbv", "dcterms", "prov", "foaf", "xsd", "rdfs", "skos"} <= set(context)
    assert any(node.get("@type") == "kbv:KnowledgeBase" for node in doc["@graph"])
    nquads = jsonld.to_rdf(doc, {"format": "application/n-quads"})
    from_jsonld = _triples(ox.parse(nquads.encode(), format=ox.RdfFormat.N_QUADS))
    from_turtle = _triples(ox.parse(turtle.encode(), format=ox.RdfFormat.TURTLE))
    assert from_jsonld == from_turtle and len(from_turtle) > 400
    assert _triples(ox.parse(text.encode(), format=ox.RdfFormat.JSON_LD)) == from_turtle
    # compact form: PyLD, compacting the same data with the same context, writes the same document
    assert jsonld.compact(jsonld.expand(doc), context) == doc


def test_jsonld_is_byte_identical_and_the_download_is_the_export(tmp_path):
    kb = _public(REPO)
    first = serialize(kb, "jsonld")
    assert serialize(_public(REPO), "jsonld") == first
    from kb.graph.score import standings

    write_rdf_downloads(kb, standings(kb), tmp_path)
    assert (tmp_path / "kb.jsonld").read_text(encoding="utf-8") == first


# --- SPARQL results -------------------------------------------------------------------

SELECT = """SELECT ?h ?title ?created ?none ?odd WHERE {
  ?h a kbv:Hypothesis ; dcterms:title ?title ; dcterms:created ?created .
  OPTIONAL { ?h kbv:noSuchProperty ?none }
  BIND(IF(?h = <%sH01>, "a, \\"quoted\\"\\tand\\nnew line"@en, 1.5) AS ?odd)
} ORDER BY ?h ?title"""
CONSTRUCT = "CONSTRUCT { ?h dcterms:title ?t ; a kbv:Hypothesis } WHERE { ?h a kbv:Hypothesis ; dcterms:title ?t }"


@pytest.fixture(scope="module")
def store():
    return load_store(iter_triples(_public(REPO)))


def _direct(store, query: str):
    prologue = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())
    return store.query(prologue + query)


def _kb(run_kb, query: str, fmt: str):
    return run_kb("query", query, "--format", fmt, cwd=REPO)


def _from_rdflib(term):
    """An rdflib term as the pyoxigraph term it names."""
    if term is None:
        return None
    if isinstance(term, rdflib.URIRef):
        return ox.NamedNode(str(term))
    if term.language:
        return ox.Literal(str(term), language=term.language)
    return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype or rdflib.XSD.string)))


@pytest.fixture(scope="module")
def select_query():
    return SELECT % (_public(REPO).config.base_iri + "hypothesis/")


def test_select_answers_parse_back_to_the_direct_answer(store, run_kb, select_query):
    direct = _direct(store, select_query)
    variables = [v.value for v in direct.variables]
    expected = [tuple(s[v] for v in variables) for s in direct]
    assert len(expected) >= 14 and any(row[4] is not None and "\n" in row[4].value for row in expected)
    for fmt in ("json", "xml", "tsv"):
        result = _kb(run_kb, select_query, fmt)
        assert result.exit_code == 0, result.output
        data = result.stdout_bytes  # as written: click's .output turns CRLF into LF
        parsed = ox.parse_query_results(data, format=getattr(ox.QueryResultsFormat, fmt.upper()))
        assert [v.value for v in parsed.variables] == variables
        assert [tuple(s[v] for v in variables) for s in parsed] == expected, fmt
        back = rdflib.query.Result.parse(io.BytesIO(data), format=fmt)
        assert [str(v) for v in back.vars] == variables
        assert [tuple(_from_rdflib(row.get(rdflib.Variable(v))) for v in variables) for row in back.bindings] \
            == expected, fmt


def test_select_as_csv_is_the_w3c_csv(store, run_kb, select_query):
    """CSV keeps only each term's text (the W3C format is lossy by design), with CRLF line ends."""
    direct = _direct(store, select_query)
    variables = [v.value for v in direct.variables]
    expected = [tuple("" if s[v] is None else s[v].value for v in variables) for s in direct]
    result = _kb(run_kb, select_query, "csv")
    assert result.exit_code == 0, result.output
    out = result.stdout_bytes.decode("utf-8")  # as written: click's .output turns CRLF into LF
    assert out.startswith(",".join(variables) + "\r\n") and out.endswith("\r\n")
    rows = list(csv.reader(io.StringIO(out, newline="")))
    assert [tuple(r) for r in rows[1:]] == expected
    back = rdflib.query.Result.parse(io.BytesIO(out.encode("utf-8")), format="csv")
    got = [tuple(str(row.get(rdflib.Variable(v), "")) for v in variables) for row in back.bindings]
    assert got == expected


@pytest.mark.parametrize("query, answer", [("ASK { ?h a kbv:Hypothesis }", True), ("ASK { ?h a kbv:Nothing }", False)])
def test_ask_answers_in_json_and_xml(store, run_kb, query, answer):
    assert bool(_direct(store, query)) is answer
    for fmt in ("json", "xml"):
        result = _kb(run_kb, query, fmt)
        assert result.exit_code == 0, result.output
        data = result.stdout_bytes
        assert bool(ox.parse_query_results(data, format=getattr(ox.QueryResultsFormat, fmt.upper()))) is answer
        assert rdflib.query.Result.parse(io.BytesIO(data), format=fmt).askAnswer is answer
    assert json.loads(_kb(run_kb, query, "json").output) == {"head": {}, "boolean": answer}
    assert _kb(run_kb, query, "table").output == ("true\n" if answer else "false\n")


def test_construct_answers_parse_back_to_the_direct_graph(store, run_kb):
    expected = set(_direct(store, CONSTRUCT))
    assert len(expected) >= 28
    for fmt, syntax in (("ttl", ox.RdfFormat.TURTLE), ("nt", ox.RdfFormat.N_TRIPLES), ("jsonld", ox.RdfFormat.JSON_LD),
                        ("table", ox.RdfFormat.TURTLE)):
        result = _kb(run_kb, CONSTRUCT, fmt)
        assert result.exit_code == 0, result.output
        assert _triples(ox.parse(result.output.encode(), format=syntax)) == expected, fmt
        if fmt in ("ttl", "nt"):
            graph = rdflib.Graph().parse(data=result.output, format={"ttl": "turtle", "nt": "nt"}[fmt])
            assert len(graph) == len(expected), fmt
    doc = json.loads(_kb(run_kb, CONSTRUCT, "jsonld").output)
    nquads = jsonld.to_rdf(doc, {"format": "application/n-quads"})
    assert _triples(ox.parse(nquads.encode(), format=ox.RdfFormat.N_QUADS)) == expected
    assert jsonld.compact(jsonld.expand(doc), doc["@context"]) == doc


@pytest.mark.parametrize("query, fmt, fitting", [
    ("ASK { ?s ?p ?o }", "csv", "table, json or xml"),
    ("ASK { ?s ?p ?o }", "tsv", "table, json or xml"),
    ("ASK { ?s ?p ?o }", "ttl", "table, json or xml"),
    (CONSTRUCT, "json", "table, ttl, nt or jsonld"),
    (CONSTRUCT, "csv", "table, ttl, nt or jsonld"),
    ("DESCRIBE <http://example.org/x>", "xml", "table, ttl, nt or jsonld"),
    ("SELECT ?s WHERE { ?s ?p ?o }", "ttl", "table, csv, tsv, json or xml"),
    ("SELECT ?s WHERE { ?s ?p ?o }", "jsonld", "table, csv, tsv, json or xml"),
])
def test_a_format_that_does_not_fit_the_query_is_a_usage_error(run_kb, query, fmt, fitting):
    result = _kb(run_kb, query, fmt)
    assert result.exit_code == 2, result.output
    assert f"--format {fmt} does not apply" in result.output and fitting in result.output
    assert "Traceback" not in result.output


def test_the_library_refuses_a_format_that_does_not_fit_the_answer(store):
    with pytest.raises(QueryError, match="table, json or xml"):
        format_result(_direct(store, "ASK {}"), "csv")
    with pytest.raises(QueryError, match="table, ttl, nt or jsonld"):
        format_result(_direct(store, CONSTRUCT), "json")


@pytest.mark.parametrize("text, form", [
    ("PREFIX ask: <http://x/> SELECT ?ask WHERE { ?ask ask:p 'CONSTRUCT' }", "SELECT"),
    ("# SELECT in a comment\nBASE <http://x/select>\nask { }", "ASK"),
    ("CONSTRUCT { ?s ?p ?o } WHERE { { SELECT ?s ?p ?o WHERE { ?s ?p ?o } } }", "CONSTRUCT"),
    ("\\u0044ESCRIBE <http://x>", "DESCRIBE"),
    ("not a query", None),
])
def test_the_query_form_is_read_from_the_tokens(text, form):
    assert query_form(text) == form


def test_the_shapes_refuse_a_person_as_a_string(turtle):
    data = _graph(turtle)
    h = next(data.subjects(rdflib.RDF.type, KBV.Hypothesis))
    data.add((h, rdflib.DCTERMS.creator, rdflib.Literal("Kari Nordmann")))
    conforms, results, _ = _shacl(data)
    assert not conforms
    focus = {results.value(r, SH.focusNode) for r in results.subjects(rdflib.RDF.type, SH.ValidationResult)}
    assert focus == {rdflib.Literal("Kari Nordmann")}
