"""Files kb writes for the user: a new KB, new items from templates, JSON Schemas.

Every function here creates files and never overwrites one: files are opened
in exclusive mode, so a file that appears between the check and the write is
still safe.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

from kb.model import Config, Evidence, Hypothesis, Registry

SCHEMA_DIR = "schema"
SCHEMAS = {
    "hypothesis": Hypothesis,
    "evidence": Evidence,
    "registry": Registry,
    "config": Config,
}


def schema_texts() -> dict[str, str]:
    """File name -> JSON Schema text for each kind of KB file."""
    out = {}
    for name, model in SCHEMAS.items():
        schema = model.model_json_schema(by_alias=True)
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema["title"] = f"kb {name} file"
        out[f"{name}.schema.json"] = json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    return out


def write_schemas(directory: Path) -> list[Path]:
    """Write (or refresh) the JSON Schema files; these are generated, never hand-written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in schema_texts().items():
        path = directory / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            tmp = path.with_suffix(".tmp")
            tmp.write_text(text, encoding="utf-8")
            tmp.replace(path)
            written.append(path)
    return written


def next_id(prefix: str, taken: set[str]) -> str:
    """The next free id such as H11 or E042, keeping the width already in use."""
    pattern = re.compile(rf"^{re.escape(prefix)}(\d+)$")
    numbers = [(int(m.group(1)), len(m.group(1))) for t in taken if (m := pattern.match(t))]
    width = max((w for _, w in numbers), default=2 if prefix == "H" else 3)
    n = max((n for n, _ in numbers), default=0) + 1
    while f"{prefix}{n:0{width}d}" in taken:
        n += 1
    return f"{prefix}{n:0{width}d}"


def _yaml_text(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid YAML scalar


def hypothesis_template(item_id: str, title: str, today: dt.date, language: str) -> str:
    return f"""# yaml-language-server: $schema=../{SCHEMA_DIR}/hypothesis.schema.json
id: {item_id}
title:
  {language}: {_yaml_text(title)}
statement:
  {language}: "TODO: state the expected relationship in one sentence."
# relation: {{from: CONSTRUCT, to: CONSTRUCT, effect: positive}}
status: proposed
proposed: {today.isoformat()}
authors: []
derived_from: []
"""


def evidence_template(item_id: str, title: str, today: dt.date, language: str) -> str:
    return f"""# yaml-language-server: $schema=../{SCHEMA_DIR}/evidence.schema.json
id: {item_id}
kind: field_observation
title:
  {language}: {_yaml_text(title)}
date: {today.isoformat()}
# context: CONTEXT-ID
# phase: start
recorded_by: []
summary:
  {language}: "TODO: what was observed."
links: []
#  - hypothesis: H01
#    stance: supports      # supports | contradicts | qualifies
#    strength: moderate    # weak | moderate | strong
"""


def create_file(path: Path, text: str) -> None:
    """Create ``path`` with ``text``; FileExistsError if anything is there."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "x", encoding="utf-8") as handle:
        handle.write(text)


def init_files(title: str, language: str) -> dict[str, str]:
    """Relative path -> content of a new, empty knowledge base."""
    files = {
        "kb.yaml": f"""# yaml-language-server: $schema={SCHEMA_DIR}/config.schema.json
title:
  {language}: {_yaml_text(title)}
base_iri: https://kb.example.org/{_slug(title)}/
languages: [{language}]
site_language: {"nb" if language in ("nb", "nn", "no") else "en"}
phases: [start, midterm, end]
milestones: []
""",
        "hypotheses/.gitkeep": "",
        "evidence/.gitkeep": "",
        "registry/constructs.yaml": f"# yaml-language-server: $schema=../{SCHEMA_DIR}/registry.schema.json\nconstructs: []\n",
        "registry/contexts.yaml": f"# yaml-language-server: $schema=../{SCHEMA_DIR}/registry.schema.json\ncontexts: []\n",
        "registry/sources.yaml": f"# yaml-language-server: $schema=../{SCHEMA_DIR}/registry.schema.json\nsources: []\n",
        ".gitignore": "site/\n",
        ".github/workflows/kb.yml": WORKFLOW,
        ".pre-commit-config.yaml": PRE_COMMIT_CONFIG,
    }
    for name, text in schema_texts().items():
        files[f"{SCHEMA_DIR}/{name}"] = text
    return files


#: The CI workflow `kb init` writes (and this repository uses): check every
#: push and pull request, annotate problems on the changed lines, and post
#: what changed in the framework as a comment on the pull request.
WORKFLOW = """\
# Written by `kb init`. Checks the knowledge base on every push and pull
# request and comments the framework's changes on each pull request.
name: kb
on:
  push:
    branches: [main]
  pull_request:
permissions:
  contents: read
  pull-requests: write
jobs:
  check:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0  # kb diff reads the base branch from git history
      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"
      - name: Install kb
        # the kb repository itself installs from source; a knowledge base installs the release
        run: |
          if grep -qs 'name = "kb-theory"' pyproject.toml; then pip install .; else pip install kb-theory; fi
      - name: Check the knowledge base
        run: kb check --format github
      - name: Describe the changes to the framework
        if: github.event_name == 'pull_request'
        run: |
          kb diff "origin/${{ github.base_ref }}" HEAD --format markdown > kb-diff.md
          cat kb-diff.md >> "$GITHUB_STEP_SUMMARY"
      - name: Comment on the pull request
        if: github.event_name == 'pull_request' && github.event.pull_request.head.repo.full_name == github.repository
        env:
          GH_TOKEN: ${{ github.token }}
        run: gh pr comment "${{ github.event.pull_request.number }}" --body-file kb-diff.md
"""

PRE_COMMIT_CONFIG = """\
# Runs `kb check` before every commit (https://pre-commit.com).
repos:
  - repo: local
    hooks:
      - id: kb-check
        name: kb check
        entry: kb check
        language: system
        pass_filenames: false
        files: ^(kb\\.yaml|hypotheses/|evidence/|registry/)
"""


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug or "kb"
