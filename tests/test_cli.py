"""kb.cli: exit codes, output formats, finding the KB, and the commands that write files."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from kb.scaffold import next_id


def tree(root: Path) -> dict[str, tuple[bytes, int] | None]:
    """Every file and folder under ``root``, with bytes and mtime."""
    return {p.relative_to(root).as_posix(): None if p.is_dir() else (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(root.rglob("*"))}


# --- check ---------------------------------------------------------------------------


def test_check_a_clean_kb(kitchen_sink, run_kb):
    result = run_kb("check", cwd=kitchen_sink)
    assert result.exit_code == 0, result.output
    assert result.stdout == "ok: 4 hypotheses, 7 evidence items, 9 links, 4 constructs, 7 contexts, 3 sources\n"
    assert result.stderr == ""


def test_check_an_empty_kb(make_kb, run_kb):
    result = run_kb("check", cwd=make_kb())
    assert result.exit_code == 0, result.output
    assert result.stdout == "ok: 0 hypotheses, 0 evidence items, 0 links, 0 constructs, 0 contexts, 0 sources\n"


def test_check_never_writes(kitchen_sink, run_kb, monkeypatch):
    monkeypatch.chdir(kitchen_sink)
    before = tree(kitchen_sink)
    for args in (["check"], ["check", "--format", "json"], ["status"], ["show", "H01", "--explain"],
                 ["graph", "--format", "dot"]):
        assert run_kb(*args, cwd=kitchen_sink).exit_code == 0
    assert tree(kitchen_sink) == before


def test_check_does_not_write_into_a_broken_kb(make_kb, run_kb, monkeypatch):
    root = make_kb({"hypotheses/H01.yaml": "id: H01\nstatus: [\n"})
    monkeypatch.chdir(root)
    before = tree(root)
    assert run_kb("check", cwd=root).exit_code == 1
    assert tree(root) == before


def test_check_json(make_kb, run_kb):
    root = make_kb({"hypotheses/H01.yaml": "id: H01\ntitle: Tillit på Bø\nstatement: s\nstatus: proposd\nproposed: 2021-01-01\n"})
    result = run_kb("check", "--format", "json", cwd=root)
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    assert data["ok"] is False
    assert data["counts"] == {"hypotheses": 0, "evidence": 0, "links": 0, "constructs": 0, "contexts": 0, "sources": 0}
    assert data["diagnostics"] == [{
        "path": "hypotheses/H01.yaml", "line": 4, "column": 9, "severity": "error", "code": "KB204",
        "field": "status", "hint": "did you mean 'proposed'?", "follow_on": False,
        "message": "'proposd' is not one of proposed, testing, supported, contested, refuted, revised, retired",
    }]


def test_check_json_on_a_clean_kb(kitchen_sink, run_kb):
    result = run_kb("check", "--format", "json", cwd=kitchen_sink)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["ok"] is True and data["diagnostics"] == [] and data["counts"]["links"] == 9


def test_check_github(make_kb, run_kb):
    root = make_kb({
        "hypotheses/H01.yaml": "id: H01\ntitle: t\nstatement: s\nstatus: proposed\nproposed: 2021-01-01\nrefines: [H1]\n",
        "evidence/E001.yaml": "id: E001\nkind: interview\ndate: 2021-02-01\nsummary: s\n",
    })
    result = run_kb("check", "--format", "github", cwd=root)
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    assert lines[:2] == [
        "::warning file=evidence/E001.yaml,line=1,col=5::KB401 id: evidence 'E001' links to no hypothesis"
        " (add 'links' saying which hypotheses it bears on)",
        "::error file=hypotheses/H01.yaml,line=6,col=11::KB302 refines[0]: unknown hypothesis 'H1' (did you mean 'H01'?)",
    ]
    assert lines[2].startswith("1 error(s), 1 warning(s): ")


def test_diagnostics_go_to_stderr_and_the_summary_to_stdout(make_kb, run_kb):
    root = make_kb({"hypotheses/H01.yaml": "id: H01\n"})
    result = run_kb("check", cwd=root)
    assert result.exit_code == 1, result.output
    assert "KB202" in result.stderr and "KB202" not in result.stdout
    assert result.stdout.startswith("4 error(s): ")


# --- finding the knowledge base ------------------------------------------------------


def test_no_kb_found(tmp_path, run_kb):
    result = run_kb("check", cwd=tmp_path)
    assert result.exit_code == 2, result.output
    assert "no knowledge base found: no kb.yaml in" in result.stderr
    assert "kb init DIR" in result.stderr
    assert "Traceback" not in result.output


def test_dash_c_points_at_the_kb(kitchen_sink, run_kb, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # nowhere near a KB
    result = run_kb("check", cwd=kitchen_sink)
    assert result.exit_code == 0, result.output


def test_walks_up_from_a_subdirectory(kitchen_sink, run_kb, monkeypatch):
    deep = kitchen_sink / "evidence" / "2021" / "spring"
    deep.mkdir(parents=True)
    result = run_kb("check", cwd=deep)
    assert result.exit_code == 0, result.output
    assert "4 hypotheses" in result.stdout
    monkeypatch.chdir(kitchen_sink / "hypotheses")
    from click.testing import CliRunner

    from kb.cli import main

    result = CliRunner().invoke(main, ["status", "--format", "csv"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1].startswith("H01,")


@pytest.mark.parametrize(
    "config, expected",
    [
        ("title: T\n", "kb.yaml:1:1: error KB202 base_iri: missing required field 'base_iri'"),
        ("title: T\nbase_iri: https://kb.example.org/t\n",
         "kb.yaml:2:11: error KB207 base_iri: 'https://kb.example.org/t' is not a valid IRI: a base IRI ends with '/'"),
        # issue 16: values validated for what they are
        ("title: T\nbase_iri: 'https://kb example.org/'\n",
         "kb.yaml:2:11: error KB207 base_iri: 'https://kb example.org/' is not a valid IRI: a space is not allowed in an IRI"),
        ("title: T\nbase_iri: https://kb.example.org/t/\nlanguages: [nb, english]\n",
         "kb.yaml:3:17: error KB207 languages[1]: 'english' is not a language tag (BCP 47)"),
        ("title: T\nbase_iri: https://kb.example.org/t/\nscoring: {prior_weight: 0.0}\n",
         "kb.yaml:3:25: error KB204 scoring.prior_weight: input should be greater than 0, got 0.0 (a weight is"),
        ("title: T\nbase_iri: https://kb.example.org/t/\nscoring: {strength: {weak: .inf}}\n",
         "kb.yaml:3:28: error KB204 scoring.strength.weak: expected a finite number, got inf (a weight is"),
        ("title: T\nbase_iri: https://kb.example.org/t/\nscoring: {kind: {interview: -1.0}}\n",
         "kb.yaml:3:29: error KB204 scoring.kind.interview: input should be greater than 0, got -1.0"),
        ("title: T\nbase_iri: https://kb.example.org/t/\nlanguage: [en]\n",
         "kb.yaml:3:1: error KB201 language: unknown field 'language' (did you mean 'languages'?)"),
        ("title: T\nbase_iri: https://kb.example.org/t/\nphases: start\n", "kb.yaml:3:9: error KB203 phases:"),
        ("title: T\nbase_iri: [\n", "kb.yaml:3:1: error KB104 YAML syntax error"),
        ("- title: T\n", "kb.yaml:1:1: error KB109 "),
        ("", "kb.yaml:1:1: error KB103 the file is empty"),
        ("title: T\nbase_iri: https://kb.example.org/t/\nscoring: {base_rate: 1.5}\n", "kb.yaml:3:22: error KB204 scoring.base_rate:"),
    ],
)
def test_a_bad_kb_yaml_cannot_run(make_kb, run_kb, config, expected):
    root = make_kb({"kb.yaml": config})
    result = run_kb("check", cwd=root)
    assert result.exit_code == 2, result.output
    assert any(line.startswith(expected) for line in result.stderr.splitlines()), result.stderr
    assert result.stderr.splitlines()[-1] == "kb: kb.yaml cannot be used"


def test_a_bad_kb_yaml_stops_every_command(make_kb, run_kb):
    root = make_kb({"kb.yaml": "title: T\n"})
    for args in (["status"], ["show", "H01"], ["graph"], ["gaps"], ["new", "hypothesis"]):
        result = run_kb(*args, cwd=root)
        assert result.exit_code == 2, (args, result.output)


def test_usage_errors_exit_2(kitchen_sink, run_kb):
    assert run_kb("check", "--format", "xml", cwd=kitchen_sink).exit_code == 2
    assert run_kb("no-such-command", cwd=kitchen_sink).exit_code == 2
    assert run_kb("new", "thing", cwd=kitchen_sink).exit_code == 2


def test_help_and_version(run_kb, tmp_path):
    result = run_kb("--help", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    for command in ("check", "status", "show", "gaps", "graph", "new", "init", "schema"):
        assert f"  {command}" in result.stdout
    result = run_kb("--version", cwd=tmp_path)
    assert result.exit_code == 0 and "0.1.0" in result.stdout


def test_check_does_not_import_heavy_libraries(kitchen_sink):
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from kb.cli import main\n"
        f"r = CliRunner().invoke(main, ['-C', {str(kitchen_sink)!r}, 'check'])\n"
        "assert r.exit_code == 0, r.output\n"
        "print(sorted(m for m in ('networkx', 'rdflib', 'mkdocs', 'jinja2') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


# --- new -----------------------------------------------------------------------------


def test_next_id():
    assert next_id("H", set()) == "H01"
    assert next_id("E", set()) == "E001"
    assert next_id("H", {"H01", "H02", "H09"}) == "H10"
    assert next_id("H", {"H01", "H03"}) == "H04"
    assert next_id("E", {"E1", "E2"}) == "E3"
    assert next_id("E", {"E099", "E014"}) == "E100"
    assert next_id("H", {"H01", "H1a", "trust"}) == "H02"


def test_new_hypothesis_takes_the_next_free_id(kitchen_sink, run_kb):
    result = run_kb("new", "hypothesis", "--title", "Tillit på tvers – æøå", cwd=kitchen_sink)
    assert result.exit_code == 0, result.output
    assert result.stdout == "hypotheses/H05.yaml\n"
    text = (kitchen_sink / "hypotheses" / "H05.yaml").read_text(encoding="utf-8")
    assert "id: H05\n" in text and "Tillit på tvers – æøå" in text
    assert "status: proposed\n" in text
    check = run_kb("check", "--strict", cwd=kitchen_sink)
    assert check.exit_code == 0, check.output
    assert "5 hypotheses" in check.stdout
    show = run_kb("show", "H05", cwd=kitchen_sink)
    assert show.exit_code == 0 and show.stdout.startswith("H05: Tillit på tvers – æøå\n"), show.output


def test_new_evidence_keeps_the_width_in_use(kitchen_sink, run_kb):
    result = run_kb("new", "evidence", "--title", 'A "quoted" title: with colon', cwd=kitchen_sink)
    assert result.exit_code == 0, result.output
    assert result.stdout == "evidence/E08.yaml\n"
    check = run_kb("check", cwd=kitchen_sink)
    assert check.exit_code == 0, check.output
    assert "warning KB401" in check.stderr  # a new item links to nothing yet
    show = run_kb("show", "E08", cwd=kitchen_sink)
    assert 'E08: A "quoted" title: with colon' in show.stdout


def test_new_in_an_empty_kb(make_kb, run_kb):
    root = make_kb()
    assert run_kb("new", "hypothesis", cwd=root).stdout == "hypotheses/H01.yaml\n"
    assert run_kb("new", "evidence", cwd=root).stdout == "evidence/E001.yaml\n"
    assert run_kb("new", "hypothesis", cwd=root).stdout == "hypotheses/H02.yaml\n"


def test_new_counts_files_that_do_not_load(make_kb, run_kb):
    root = make_kb({"hypotheses/H07.yaml": "this is not a hypothesis\n"})
    result = run_kb("new", "hypothesis", cwd=root)
    assert result.exit_code == 0, result.output
    assert result.stdout == "hypotheses/H08.yaml\n"


def test_new_never_overwrites(make_kb, run_kb):
    root = make_kb({"hypotheses/H09.yaml": "# a draft someone is still writing\n"})
    path = root / "hypotheses" / "H09.yaml"
    before = tree(root)
    result = run_kb("new", "hypothesis", "--id", "H09", "--title", "Overwrite?", cwd=root)
    assert result.exit_code == 1, result.output
    assert "'H09' is already taken" in result.stderr
    assert tree(root) == before
    assert path.read_text() == "# a draft someone is still writing\n"


def test_new_refuses_an_id_used_elsewhere(kitchen_sink, run_kb):
    before = tree(kitchen_sink)
    result = run_kb("new", "evidence", "--id", "trust", cwd=kitchen_sink)  # a construct's id
    assert result.exit_code == 1, result.output
    assert tree(kitchen_sink) == before


def test_new_with_a_chosen_id(kitchen_sink, run_kb):
    result = run_kb("new", "hypothesis", "--id", "H-trust-2", cwd=kitchen_sink)
    assert result.exit_code == 0, result.output
    assert (kitchen_sink / "hypotheses" / "H-trust-2.yaml").exists()


@pytest.mark.parametrize("bad", ["../H01", "H/01", "H 01", ".hidden"])
def test_new_rejects_an_unsafe_id(kitchen_sink, run_kb, bad):
    before = tree(kitchen_sink)
    result = run_kb("new", "hypothesis", "--id", bad, cwd=kitchen_sink)
    assert result.exit_code == 2, result.output
    assert tree(kitchen_sink) == before


def test_new_prints_a_path_relative_to_where_kb_started(kitchen_sink, run_kb):
    result = run_kb("new", "hypothesis", cwd=kitchen_sink / "hypotheses")
    assert result.exit_code == 0, result.output
    assert result.stdout == "H05.yaml\n"
    assert (kitchen_sink / "hypotheses" / "H05.yaml").exists()


# --- init ----------------------------------------------------------------------------


def test_init_makes_a_kb_that_checks(tmp_path, run_kb):
    target = tmp_path / "new-kb"
    result = run_kb("init", str(target), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert f"created a knowledge base in {target}" in result.stdout
    for rel in ("kb.yaml", "registry/constructs.yaml", "registry/contexts.yaml", "registry/sources.yaml",
                "schema/hypothesis.schema.json", "hypotheses/.gitkeep", "evidence/.gitkeep"):
        assert (target / rel).exists(), rel
    check = run_kb("check", "--strict", cwd=target)
    assert check.exit_code == 0, check.output
    assert check.stdout.startswith("ok: 0 hypotheses")


def test_init_then_new_then_check(tmp_path, run_kb):
    target = tmp_path / "samskaping"
    assert run_kb("init", str(target), "--title", 'Kommunen på "Bø"', "--language", "nb", cwd=tmp_path).exit_code == 0
    config = (target / "kb.yaml").read_text(encoding="utf-8")
    assert "languages: [nb]" in config and "site_language: nb" in config and 'Kommunen på \\"Bø\\"' in config
    assert run_kb("new", "hypothesis", "--title", "Tillit", cwd=target).exit_code == 0
    check = run_kb("check", "--strict", cwd=target)
    assert check.exit_code == 0, check.output
    show = run_kb("show", "H01", cwd=target)
    assert show.stdout.startswith("H01: Tillit\n")


def test_init_refuses_an_existing_kb(kitchen_sink, run_kb, tmp_path):
    before = tree(kitchen_sink)
    result = run_kb("init", str(kitchen_sink), cwd=tmp_path)
    assert result.exit_code == 2, result.output
    assert "already exists; nothing was written" in result.stderr
    assert tree(kitchen_sink) == before


def test_init_refuses_to_overwrite_any_file(tmp_path, run_kb):
    target = tmp_path / "half"
    (target / "registry").mkdir(parents=True)
    (target / "registry" / "sources.yaml").write_text("sources: []  # mine\n")
    before = tree(target)
    result = run_kb("init", str(target), cwd=tmp_path)
    assert result.exit_code == 2, result.output
    assert "would overwrite registry/sources.yaml" in result.stderr
    assert tree(target) == before


# --- schema --------------------------------------------------------------------------


def test_schema_writes_json_schemas(kitchen_sink, run_kb):
    result = run_kb("schema", cwd=kitchen_sink)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("4 schema file(s) written to ")
    schemas = {p.name: json.loads(p.read_text(encoding="utf-8")) for p in (kitchen_sink / "schema").glob("*.json")}
    assert set(schemas) == {"hypothesis.schema.json", "evidence.schema.json", "registry.schema.json", "config.schema.json"}
    for name, schema in schemas.items():
        assert schema["title"] == f"kb {name.split('.')[0]} file"
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert schema["additionalProperties"] is False
    assert {"id", "title", "statement", "status", "proposed", "relation", "revisions"} <= set(
        schemas["hypothesis.schema.json"]["properties"])
    assert set(schemas["hypothesis.schema.json"]["required"]) == {"id", "title", "statement", "status", "proposed"}
    assert {"kind", "links", "measurement", "restricted"} <= set(schemas["evidence.schema.json"]["properties"])
    assert set(schemas["registry.schema.json"]["properties"]) == {"constructs", "contexts", "sources"}
    assert "from" in schemas["hypothesis.schema.json"]["$defs"]["Relation"]["properties"]
    again = run_kb("schema", cwd=kitchen_sink)
    assert again.exit_code == 0 and "up to date" in again.stdout


def test_schema_to_another_directory(kitchen_sink, run_kb, tmp_path):
    result = run_kb("schema", "-o", str(tmp_path / "out"), cwd=kitchen_sink)
    assert result.exit_code == 0, result.output
    assert len(list((tmp_path / "out").glob("*.schema.json"))) == 4
    assert not (kitchen_sink / "schema").exists()


def test_schemas_accept_the_kitchen_sink_and_refuse_a_typo(kitchen_sink, run_kb):
    import jsonschema  # a test dependency: under CI a missing one must fail, not skip
    from kb.load.yamlread import read_yaml

    assert run_kb("schema", cwd=kitchen_sink).exit_code == 0

    def validator(name: str):
        schema = json.loads((kitchen_sink / "schema" / f"{name}.schema.json").read_text(encoding="utf-8"))
        return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())

    def as_json(rel: str):
        data, _, diags = read_yaml((kitchen_sink / rel).read_bytes(), rel)
        assert not diags
        return json.loads(json.dumps(data, default=str))  # dates as the strings the editor sees

    for name, rel in [("config", "kb.yaml"), ("hypothesis", "hypotheses/H01.yaml"), ("hypothesis", "hypotheses/H02.yaml"),
                      ("evidence", "evidence/E05.yaml"), ("evidence", "evidence/E02.yaml"),
                      ("registry", "registry/constructs.yaml"), ("registry", "registry/contexts.yaml"),
                      ("registry", "registry/sources.yaml")]:
        errors = [e.message for e in validator(name).iter_errors(as_json(rel))]
        assert errors == [], (rel, errors)
    e02 = as_json("evidence/E02.yaml")
    e02["links"][0]["stance"] = "suport"
    assert not validator("evidence").is_valid(e02)
    h01 = as_json("hypotheses/H01.yaml")
    h01["id"] = "../H01"
    assert not validator("hypothesis").is_valid(h01)


# --- show and status -----------------------------------------------------------------


def test_show_an_unknown_id_suggests_the_nearest(kitchen_sink, run_kb):
    result = run_kb("show", "H1", cwd=kitchen_sink)
    assert result.exit_code == 1, result.output
    assert result.stderr == "kb: no item with id 'H1'; did you mean 'H01'?\n"
    result = run_kb("show", "nothing-like-it", cwd=kitchen_sink)
    assert result.exit_code == 1, result.output
    assert result.stderr == "kb: no item with id 'nothing-like-it'\n"


@pytest.mark.parametrize("item, first", [
    ("H01", "H01: Tillit fremmer samskaping"),
    ("E01", "E01: Åpen dialog på første samling"),
    ("E04", "E04: [restricted: text not shown]"),
    ("trust", "trust: Tillit (factor)"),
    ("stad", "stad: Stad kommune (municipality, project)"),
    # APA, as citeproc-py formats it (tests/test_sources_bib.py compares kb with citeproc-py itself)
    ("ansell-gash-2008", "ansell-gash-2008: Ansell, C., & Gash, A. (2008). Collaborative governance in theory and"
                         " practice. Journal of Public Administration Research and Theory, 18(4), 543–571."
                         " https://doi.org/10.1093/jopart/mum032"),
])
def test_show_every_kind_of_item(kitchen_sink, run_kb, item, first):
    result = run_kb("show", item, cwd=kitchen_sink)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == first
    as_json = run_kb("show", item, "--format", "json", cwd=kitchen_sink)
    assert as_json.exit_code == 0, as_json.output
    assert json.loads(as_json.stdout)["id"] == item


def test_show_keeps_restricted_text_in(kitchen_sink, run_kb):
    for item in ("E04", "H02", "follo"):
        for fmt in ("text", "json"):
            result = run_kb("show", item, "--format", fmt, cwd=kitchen_sink)
            assert result.exit_code == 0, result.output
            assert "Confidential interview" not in result.stdout and "Secret note" not in result.stdout, (item, fmt)
            assert "Interview with a unit leader" not in result.stdout, (item, fmt)


def test_norwegian_letters_survive(kitchen_sink, run_kb):
    text = run_kb("show", "H01", cwd=kitchen_sink).stdout
    assert "  nb: Høyere tillit gir bedre samskaping på tvers av sektorer." in text
    as_json = run_kb("show", "H01", "--format", "json", cwd=kitchen_sink).stdout
    assert "Høyere tillit" in as_json  # not \u00f8
    assert json.loads(as_json)["title"]["nb"] == "Tillit fremmer samskaping"
    status = run_kb("status", "--format", "json", cwd=kitchen_sink).stdout
    assert "Tillit fremmer samskaping" in status
    context = run_kb("show", "follo-ws", "--format", "json", cwd=kitchen_sink).stdout
    assert json.loads(context)["label"]["nb"] == "Politikerverksted på Ås"


def test_status_json(kitchen_sink, run_kb):
    result = run_kb("status", "--format", "json", cwd=kitchen_sink)
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [row["id"] for row in rows] == ["H01", "H02", "H03", "H04"]
    for row in rows:
        assert {"id", "belief", "disbelief", "uncertainty", "probability", "declared", "suggested"} <= set(row)
        assert row["belief"] + row["disbelief"] + row["uncertainty"] == pytest.approx(1.0, abs=1e-3)
        assert 0 <= row["probability"] <= 1
    h01 = rows[0]
    assert (h01["supports"], h01["contradicts"], h01["qualifies"], h01["latest"]) == (5, 1, 0, "2022-04-01")
    assert h01["belief"] == pytest.approx(6 / 8.5, abs=1e-12)  # full precision in JSON


def test_status_csv(kitchen_sink, run_kb):
    result = run_kb("status", "--format", "csv", cwd=kitchen_sink)
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["id"] for r in rows] == ["H01", "H02", "H03", "H04"]
    assert rows[0]["title"] == "Tillit fremmer samskaping"
    assert float(rows[0]["belief"]) == pytest.approx(6 / 8.5, abs=1e-12)
    assert rows[3]["latest"] == "" and rows[3]["suggested"] == "proposed"


def test_status_text(kitchen_sink, run_kb):
    result = run_kb("status", cwd=kitchen_sink)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["id", "title", "declared", "suggested", "belief", "disbelief", "uncertainty",
                                "probability", "supports", "contradicts", "qualifies", "latest"]
    assert lines[1].split()[-9:] == ["supported", "0.71", "0.06", "0.24", "0.82", "5", "1", "0", "2022-04-01"]
    assert lines[4].endswith("1.00         0.50         0         0            0          -")


def test_show_a_hypothesis_with_its_lineage_and_rivals(kitchen_sink, run_kb):
    result = run_kb("show", "H02", cwd=kitchen_sink)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "(illustrative: an example hypothesis, not one the project holds)" in result.stdout
    assert "relation: trust -> learning (nonlinear)" in lines
    assert "lineage: H01 -> [H02]" in lines and "competes with: H03" in lines
    # E04 is restricted: its judge (its recorder) is named by pseudonym (kb.public)
    assert "  E04 (moderate, interview, follo, 2021-10-01, by judge 1) [restricted: text not shown]" in lines
