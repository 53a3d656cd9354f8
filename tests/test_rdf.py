"""RDF export, SHACL conformance, SPARQL queries and publishing to a real Oxigraph server."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from click.testing import CliRunner
from rdflib.compare import isomorphic

from kb.cli import main
from kb.load.loader import load
from kb.rdf.export import serialize, shapes_text, triples, vocabulary_text

REPO = Path(__file__).resolve().parent.parent
QUERIES = REPO / "queries"


def run(*args: str, cwd: Path = REPO):
    result = CliRunner().invoke(main, ["-C", str(cwd), *args], catch_exceptions=False)
    return result


@pytest.fixture(scope="module")
def written():
    """The shipped KB as its files say, restricted texts and all."""
    kb, diags = load(REPO)
    assert not [d for d in diags if d.severity == "error"], diags
    return kb


@pytest.fixture(scope="module")
def shipped(written):
    """The shipped KB's public view (kb.public), which every export is made from."""
    from kb.public import public_view

    return public_view(written)


@pytest.fixture(scope="module")
def turtle(shipped) -> str:
    return serialize(shipped, "ttl")


def test_exports_are_byte_identical_across_processes(tmp_path):
    # Two separate processes with different hash seeds: set ordering must not leak.
    outs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        for fmt in ("ttl", "jsonld", "nt"):
            out = tmp_path / f"{seed}.{fmt}"
            subprocess.run(["kb", "-C", str(REPO), "export", "--format", fmt, "-o", str(out)],
                           check=True, env=env)
        outs.append([(tmp_path / f"{seed}.{f}").read_bytes() for f in ("ttl", "jsonld", "nt")])
    assert outs[0] == outs[1]


def test_turtle_and_jsonld_parse_with_pyoxigraph_to_the_same_triples(shipped, turtle):
    nt = serialize(shipped, "nt")
    n_nt = len([line for line in nt.splitlines() if line.strip()])
    from_ttl = list(ox.parse(turtle.encode(), format=ox.RdfFormat.TURTLE))
    from_jsonld = list(ox.parse(serialize(shipped, "jsonld").encode(), format=ox.RdfFormat.JSON_LD))
    assert len(from_ttl) == n_nt == len(from_jsonld) > 1000
    assert set(from_ttl) == set(from_jsonld)


def test_turtle_is_isomorphic_with_ntriples_in_rdflib(shipped, turtle):
    a = rdflib.Graph().parse(data=turtle, format="turtle")
    b = rdflib.Graph().parse(data=serialize(shipped, "nt"), format="nt")
    assert isomorphic(a, b)


def test_releasing_the_kb_while_streaming_gives_the_same_triples():
    from kb.rdf.export import iter_triples

    expected = triples(load(REPO)[0])
    kb, _ = load(REPO)
    assert list(iter_triples(kb, release=True)) == expected
    assert kb.evidence == {}  # each item was let go once its triples were out


def test_the_query_store_holds_every_triple_and_leaves_no_file(tmp_path, monkeypatch):
    """kb query's store, made through a temporary N-Triples file while the KB drains."""
    import tempfile

    from kb.rdf.export import iter_triples, load_store, load_store_draining

    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(tempfile, "tempdir", None)  # read TMPDIR again
    # filled with terms: the store writes decimals its own way ("4.0" as "4") either way
    expected = set(load_store(iter_triples(load(REPO)[0])))
    assert len(expected) > 1000
    kb, _ = load(REPO)
    store = load_store_draining(kb)
    assert set(store) == expected
    assert all(q.graph_name == ox.DefaultGraph() for q in store)
    assert kb.evidence == {}
    assert list(tmp_path.iterdir()) == []


def test_no_blank_nodes_and_every_iri_is_valid(turtle):
    graph = list(ox.parse(turtle.encode(), format=ox.RdfFormat.TURTLE))
    for t in graph:
        for term in (t.subject, t.predicate, t.object):
            assert not isinstance(term, ox.BlankNode)
            if isinstance(term, ox.NamedNode):
                assert re.match(r"^https?://[^\s<>\"{}|^`\\]+$", term.value), term.value


def test_unsafe_characters_in_iris_are_percent_encoded():
    from kb.rdf.export import Minter, safe_segment

    assert safe_segment("a b/ø") == "a%20b%2F%C3%B8"
    assert Minter("https://x.org/").agent("Ørjan Ås").value == "https://x.org/agent/%C3%B8rjan-%C3%A5s"


def test_shipped_export_conforms_to_the_shapes(turtle):
    from pyshacl import validate

    data = rdflib.Graph().parse(data=turtle, format="turtle")
    shapes = rdflib.Graph().parse(data=shapes_text(), format="turtle")
    conforms, _, report = validate(data, shacl_graph=shapes, ont_graph=None, inference="none")
    assert conforms, report


def test_shapes_can_fail(turtle):
    from pyshacl import validate

    data = rdflib.Graph().parse(data=turtle, format="turtle")
    kbv = rdflib.Namespace("https://w3id.org/kb-theory/vocab#")
    h = next(data.subjects(rdflib.RDF.type, kbv.Hypothesis))
    data.remove((h, kbv.status, None))  # a hypothesis without a status
    restricted = next(data.subjects(kbv.restricted, None))
    data.add((restricted, rdflib.DCTERMS.description, rdflib.Literal("leak", lang="en")))
    shapes = rdflib.Graph().parse(data=shapes_text(), format="turtle")
    conforms, _, report = validate(data, shacl_graph=shapes, inference="none")
    assert not conforms
    assert "status" in report and "description" in report


def test_every_vocabulary_term_used_is_defined_with_label_and_comment(turtle):
    vocab = rdflib.Graph().parse(data=vocabulary_text(), format="turtle")
    kbv = "https://w3id.org/kb-theory/vocab#"
    defined = {str(s) for s in vocab.subjects() if str(s).startswith(kbv)}
    for s in defined:
        node = rdflib.URIRef(s)
        assert (node, rdflib.RDFS.label, None) in vocab, s
        assert (node, rdflib.RDFS.comment, None) in vocab, s
    used = set(re.findall(r"kbv:([A-Za-z]+)", turtle))
    assert {kbv + u for u in used} <= defined, {kbv + u for u in used} - defined


def test_restricted_summaries_appear_in_no_output(written, shipped):
    restricted = [e for e in written.evidence.values() if e.restricted]
    assert len(restricted) >= 3
    texts = []
    for e in restricted:
        summary = e.summary if isinstance(e.summary, dict) else {"x": e.summary}
        texts += [t[:60] for t in summary.values()]
        if e.title:
            texts += list(e.title.values()) if isinstance(e.title, dict) else [e.title]
    for fmt in ("ttl", "jsonld", "nt"):
        out = serialize(shipped, fmt)
        assert "RESTRICTED-TEXT" not in out
        for text in texts:
            assert text not in out
    for args in (["graph", "--format", "graphml"], ["graph", "--format", "json"], ["show", restricted[0].id],
                 ["show", restricted[0].id, "--format", "json"]):
        result = run(*args)
        assert result.exit_code == 0, result.output
        assert "RESTRICTED-TEXT" not in result.output


def test_language_tags_and_typed_dates(turtle):
    assert '"Tillit"@nb' in turtle or "Tillit\"@nb" in turtle
    assert re.search(r'"\d{4}-\d{2}-\d{2}"\^\^xsd:date', turtle)
    assert "æ" in turtle or "ø" in turtle


def test_revisions_form_prov_revision_chains(shipped):
    store = ox.Store()
    store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples(shipped))
    revised = [h for h in shipped.hypotheses.values() if h.revisions]
    h = revised[0]
    q = f"""PREFIX prov: <http://www.w3.org/ns/prov#>
    SELECT (COUNT(*) AS ?n) WHERE {{ <{shipped.config.base_iri}hypothesis/{h.id}/v{len(h.revisions) + 1}>
      prov:wasRevisionOf+ ?older }}"""
    n = int(next(iter(store.query(q)))["n"].value)
    assert n == len(h.revisions)


# --- kb query and the saved questions ---------------------------------------------------


def _select(path: str, cwd: Path = REPO) -> list[dict[str, str]]:
    result = run("query", path, "--format", "csv", cwd=cwd)
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.output)))


EXPECTED = {
    # the shipped KB's answers, checked by hand against the YAML files
    "contradicted.rq": lambda rows: [r["id"] for r in rows] == ["H04", "H03", "H06", "H07"],
    "for-and-against.rq": lambda rows: {r["id"] for r in rows} == {"H03", "H04", "H06", "H07"},
    "without-evidence.rq": lambda rows: [r["id"] for r in rows] == ["H14"],
    "low-confidence.rq": lambda rows: [r["id"] for r in rows] == ["H02", "H05"],
    "lineage.rq": lambda rows: {(r["id"], r["ancestor"]) for r in rows} == {("H12", "H06"), ("H13", "H08")},
    "revised-after-midterm.rq": lambda rows: [r["id"] for r in rows] == ["H07", "H06", "H02", "H03"],
    "measurements-start-end.rq": lambda rows: len(rows) == 10
    and {(r["municipality"], r["construct"], r["start"], r["end"]) for r in rows
         if r["construct"] == "trust"} == {("stad", "trust", "4.6", "5.1"), ("nordre-follo", "trust", "4.8", "4.4")},
    "sources-cited.rq": lambda rows: {r["source"]: int(r["citations"]) for r in rows}
    == {"ansell-gash-2008": 7, "voorberg-2015": 6, "torfing-2019": 3, "vareide-2013": 3},
    "constructs-by-hypotheses.rq": lambda rows: rows[0]["construct"] == "co-creation" and len(rows) == 16,
    "evidence-by-context-phase.rq": lambda rows: sum(int(r["evidence"]) for r in rows) == 42,
    "standings.rq": lambda rows: len(rows) == 14 and rows[0]["id"] == "H14" and float(rows[0]["uncertainty"]) == 1.0,
}


def test_every_saved_query_is_tested_and_starts_with_a_comment():
    files = sorted(p.name for p in QUERIES.glob("*.rq"))
    assert len(files) >= 8
    assert set(files) == set(EXPECTED)
    for name in files:
        assert (QUERIES / name).read_text(encoding="utf-8").startswith("# "), name


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_saved_query_answers(name):
    rows = _select(f"queries/{name}")
    assert EXPECTED[name](rows), rows


def test_query_output_formats():
    q = "SELECT ?id WHERE { ?h a kbv:Hypothesis ; dcterms:identifier ?id } ORDER BY ?id LIMIT 2"
    table = run("query", q)
    assert table.exit_code == 0 and "H01" in table.output and "(2 rows)" in table.output
    data = json.loads(run("query", q, "--format", "json").output)
    assert [b["id"]["value"] for b in data["results"]["bindings"]] == ["H01", "H02"]
    tsv = run("query", q, "--format", "tsv").output.splitlines()
    assert tsv[0] == "?id" and tsv[1] == '"H01"'
    ask = run("query", "ASK { ?h a kbv:Hypothesis }", "--format", "json")
    assert json.loads(ask.output)["boolean"] is True
    construct = run("query", "CONSTRUCT { ?h a kbv:Hypothesis } WHERE { ?h a kbv:Hypothesis }", "--format", "nt")
    assert construct.exit_code == 0 and len(construct.output.splitlines()) == 14


@pytest.mark.parametrize("update", [
    "INSERT DATA { <http://x> <http://y> <http://z> }",
    "DELETE WHERE { ?s ?p ?o }",
    "CLEAR ALL",
    "LOAD <http://example.org/data.ttl>",
])
def test_update_is_refused(update):
    result = run("query", update)
    assert result.exit_code == 2, result.output
    assert "Update is not allowed" in result.output
    assert "Traceback" not in result.output


def test_service_is_refused_unless_allowed(tmp_path):
    q = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"
    result = run("query", q)
    assert result.exit_code == 2 and "SERVICE" in result.output
    # a SERVICE word inside a string or comment is not a clause
    ok = run("query", 'SELECT ("SERVICE" AS ?x) WHERE {} # SERVICE')
    assert ok.exit_code == 0, ok.output
    allowed = run("query", q, "--allow-service")
    assert "federated SERVICE" not in allowed.output


def test_bad_query_is_a_clear_error():
    result = run("query", "SELECT ?x WHERE { ?x ")
    assert result.exit_code == 2 and "not valid SPARQL" in result.output
    missing = run("query", "nothing-here.rq")
    assert missing.exit_code == 2 and "no query file" in missing.output


# --- publishing to a real Oxigraph server ---------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def oxigraph_server(tmp_path):
    binary = shutil.which("oxigraph")
    if binary is None:
        if os.environ.get("CI") == "true":
            pytest.fail("the oxigraph server (PyPI package 'oxigraph') is not installed")
        pytest.skip("the oxigraph server (PyPI package 'oxigraph') is not installed")
    port = _free_port()
    proc = subprocess.Popen([binary, "serve", "--location", str(tmp_path / "data"), "--bind", f"127.0.0.1:{port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + "/query?query=ASK%7B%7D", timeout=1).read()
            break
        except OSError:
            time.sleep(0.1)
    else:
        proc.kill()
        pytest.fail("oxigraph server did not start")
    yield base
    proc.terminate()
    proc.wait(timeout=10)


def _count(base: str, graph: str) -> int:
    q = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    req = urllib.request.Request(base + "/query", data=q.encode(), method="POST",
                                 headers={"Content-Type": "application/sparql-query",
                                          "Accept": "application/sparql-results+json"})
    data = json.loads(urllib.request.urlopen(req, timeout=10).read())
    return int(data["results"]["bindings"][0]["n"]["value"])


def test_publish_replaces_the_graph_and_leaves_others(oxigraph_server, shipped):
    base = oxigraph_server
    other = "http://example.org/other-project"
    body = b"<http://example.org/a> <http://example.org/b> <http://example.org/c> .\n"
    req = urllib.request.Request(f"{base}/store?graph={urllib.request.quote(other, safe='')}", data=body,
                                 method="PUT", headers={"Content-Type": "application/n-triples"})
    urllib.request.urlopen(req, timeout=10).read()

    n = len(serialize(shipped, "nt").splitlines())
    first = run("publish", "--store", f"{base}/store")
    assert first.exit_code == 0, first.output
    assert _count(base, shipped.config.base_iri) == n
    again = run("publish", "--store", f"{base}/store")
    assert again.exit_code == 0, again.output
    assert _count(base, shipped.config.base_iri) == n  # one copy, not two
    assert _count(base, other) == 1
    named = run("publish", "--store", f"{base}/store", "--graph", "http://example.org/g2")
    assert named.exit_code == 0 and _count(base, "http://example.org/g2") == n


def test_publish_to_a_stopped_server_is_a_clear_error():
    port = _free_port()
    result = run("publish", "--store", f"http://127.0.0.1:{port}/store")
    assert result.exit_code == 2
    assert "cannot reach the store" in result.output
    assert "Traceback" not in result.output


def test_publish_reports_http_errors(oxigraph_server):
    result = run("publish", "--store", f"{oxigraph_server}/no-such-endpoint")
    assert result.exit_code == 2
    assert "refused the graph: HTTP 404" in result.output


def test_credentials_come_from_the_environment(monkeypatch):
    from kb.rdf.publish import _auth_header

    monkeypatch.delenv("KB_STORE_TOKEN", raising=False)
    monkeypatch.setenv("KB_STORE_USER", "reviewer")
    monkeypatch.setenv("KB_STORE_PASSWORD", "s3cret")
    assert _auth_header()["Authorization"].startswith("Basic ")
    monkeypatch.setenv("KB_STORE_TOKEN", "abc")
    assert _auth_header() == {"Authorization": "Bearer abc"}
