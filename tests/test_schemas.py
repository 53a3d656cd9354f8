"""The JSON Schemas for editors, held to a strict validator (check-jsonschema).

check-jsonschema reads every ``pattern`` as an ECMA-262 regular expression
(unicode mode) by default, as editors' validators do, so a Python-only
pattern fails here. The schemas must accept every valid shipped file, state
the rules a single file can break (KB306), and reach files at any folder
depth through the ``yaml.schemas`` setting ``kb init`` writes for VS Code.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from kb.scaffold import SCHEMA_DIR, schema_texts

REPO = Path(__file__).resolve().parent.parent
SCHEMAS = REPO / SCHEMA_DIR


def check_jsonschema(*args: str | Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "check_jsonschema", *map(str, args)],
                          capture_output=True, text=True, timeout=120)


def _files(root: Path) -> dict[str, list[Path]]:
    """Schema file name -> the KB files it governs (sub-folders included)."""
    return {
        "config.schema.json": [root / "kb.yaml"],
        "hypothesis.schema.json": sorted((root / "hypotheses").rglob("*.yaml")),
        "evidence.schema.json": sorted((root / "evidence").rglob("*.yaml")),
        "registry.schema.json": sorted((root / "registry").rglob("*.yaml")),
    }


@pytest.mark.parametrize("variant", ["default", "nonunicode"])
def test_shipped_schemas_pass_the_strict_metaschema_check(variant):
    names = sorted(SCHEMAS.glob("*.json"))
    assert [p.name for p in names] == sorted(schema_texts())
    done = check_jsonschema("--check-metaschema", "--regex-variant", variant, *names)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_metaschema_check_refuses_a_python_only_pattern(tmp_path):
    # the check must be able to fail: '\"' is a valid Python escape, not an ECMA-262 one
    bad = tmp_path / "bad.schema.json"
    bad.write_text(json.dumps({"$schema": "https://json-schema.org/draft/2020-12/schema",
                               "type": "string", "pattern": '^[^\\s\\"]+$'}), encoding="utf-8")
    done = check_jsonschema("--check-metaschema", bad)
    assert done.returncode == 1 and "is not a 'regex'" in done.stdout, done.stdout + done.stderr


@pytest.mark.parametrize("name", sorted(_files(REPO)))
def test_shipped_kb_files_follow_their_schema(name):
    files = _files(REPO)[name]
    assert files, f"the shipped KB has no files for {name}"
    done = check_jsonschema("--schemafile", SCHEMAS / name, *files)
    assert done.returncode == 0, done.stdout + done.stderr


def test_kitchen_sink_follows_the_schemas(kitchen_sink):
    for name, files in _files(kitchen_sink).items():
        done = check_jsonschema("--schemafile", SCHEMAS / name, *files)
        assert done.returncode == 0, f"{name}: {done.stdout}{done.stderr}"


EVIDENCE = """\
id: E001
kind: {kind}
date: 2021-05-01
summary: s
links: [{{hypothesis: H01, stance: supports, strength: weak}}]
"""
MEASUREMENT = """\
measurement: {construct: trust, value: 5.0, scale: "1-7", sample_size: 30, instrument: Q}
"""


@pytest.mark.parametrize(("kind", "extra", "valid"), [
    ("survey_measurement", MEASUREMENT, True),
    ("survey_measurement", "", False),
    ("survey_measurement", "measurement: null\n", False),
    ("interview", "", True),
    ("interview", "measurement: null\n", True),
    ("interview", MEASUREMENT, False),
])
def test_a_measurement_belongs_to_a_survey_measurement_only(make_kb, run_kb, kind, extra, valid):
    root = make_kb({
        "registry/constructs.yaml": "constructs:\n  - {id: trust, label: Trust}\n",
        "hypotheses/H01.yaml": "id: H01\ntitle: t\nstatement: s\nstatus: proposed\nproposed: 2021-01-01\n",
        "evidence/E001.yaml": EVIDENCE.format(kind=kind) + extra,
    })
    done = check_jsonschema("--schemafile", SCHEMAS / "evidence.schema.json", root / "evidence" / "E001.yaml")
    assert done.returncode == (0 if valid else 1), done.stdout + done.stderr
    # the schema says what kb check says (KB306), no more and no less
    result = run_kb("check", cwd=root)
    assert (result.exit_code == 0) is valid, result.output
    assert ("KB306" in result.output) is not valid, result.output


def test_base_iri_pattern_still_refuses_what_kb_refuses(make_kb, run_kb):
    root = make_kb({"kb.yaml": "title: T\nbase_iri: https://kb.example.org/a b/\n"})
    done = check_jsonschema("--schemafile", SCHEMAS / "config.schema.json", root / "kb.yaml")
    assert done.returncode == 1, done.stdout + done.stderr
    assert run_kb("check", cwd=root).exit_code != 0


# --- editors: yaml.schemas in .vscode/settings.json -------------------------------------------


def _yaml_extension_matches(pattern: str, path: str) -> bool:
    # how VS Code's YAML extension (yaml-language-server) matches a yaml.schemas glob: special
    # characters escaped, each '*' read as '.*', anchored at the end of the file's URI only
    regex = re.sub(r"[-\\{}+?|^$.,\[\]()#\s]", lambda m: "\\" + m.group(0), pattern).replace("*", ".*")
    return re.search(regex + "$", "file:///home/me/kb/" + path) is not None


@pytest.fixture
def initialised(tmp_path, run_kb):
    root = tmp_path / "new-kb"
    result = run_kb("init", root, "--kb-source", "0.1.0", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    return root


def test_kb_init_maps_every_schema_to_its_folders(initialised):
    settings = json.loads((initialised / ".vscode" / "settings.json").read_text(encoding="utf-8"))
    mapping = settings["yaml.schemas"]
    assert set(mapping) == {f"./{SCHEMA_DIR}/{name}" for name in schema_texts()}
    for schema in mapping:
        assert (initialised / schema).is_file(), schema
    assert mapping[f"./{SCHEMA_DIR}/config.schema.json"] == ["/kb.yaml"]


@pytest.mark.parametrize("rel", [
    "evidence/E001.yaml", "evidence/sub/E002.yaml", "evidence/sub/deeper/E003.yml",
    "hypotheses/H01.yaml", "hypotheses/themes/trust/H02.yaml", "registry/extra/sources.yaml",
])
def test_the_globs_reach_files_at_any_depth(initialised, rel):
    mapping = json.loads((initialised / ".vscode" / "settings.json").read_text(encoding="utf-8"))["yaml.schemas"]
    target = initialised / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("x: 1\n", encoding="utf-8")
    folder = rel.split("/")[0]
    expected = {"evidence": "evidence", "hypotheses": "hypothesis", "registry": "registry"}[folder]
    # a glob engine (VS Code's own: '**' is any number of folders) ...
    by_glob = {s for s, globs in mapping.items() for g in globs if target in initialised.glob(g.lstrip("/"))}
    # ... and the YAML extension's reading of the same globs both name exactly one schema
    by_extension = {s for s, globs in mapping.items() for g in globs if _yaml_extension_matches(g, rel)}
    assert by_glob == by_extension == {f"./{SCHEMA_DIR}/{expected}.schema.json"}


def test_a_deeply_nested_evidence_file_is_checked_by_the_schema_the_settings_name(initialised):
    mapping = json.loads((initialised / ".vscode" / "settings.json").read_text(encoding="utf-8"))["yaml.schemas"]
    nested = initialised / "evidence" / "sub" / "deeper" / "E009.yaml"
    nested.parent.mkdir(parents=True)
    nested.write_text(EVIDENCE.format(kind="survey_measurement"), encoding="utf-8")  # no measurement
    (schema,) = [s for s, globs in mapping.items()
                 for g in globs if nested in initialised.glob(g.lstrip("/"))]
    done = check_jsonschema("--schemafile", initialised / schema, nested)
    assert done.returncode == 1 and "measurement" in done.stdout, done.stdout + done.stderr
    nested.write_text(EVIDENCE.format(kind="survey_measurement") + MEASUREMENT, encoding="utf-8")
    done = check_jsonschema("--schemafile", initialised / schema, nested)
    assert done.returncode == 0, done.stdout + done.stderr
