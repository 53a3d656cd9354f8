"""Files kb writes for the user: a new KB, new items from templates, JSON Schemas.

Every function here creates files and never overwrites one: files are opened
in exclusive mode, so a file that appears between the check and the write is
still safe. None writes through a symlink (a folder of the KB that is a link
to elsewhere is refused), and none leaves half a result: a text that cannot
be written leaves no empty file, and ``kb init`` makes the KB in a work
folder beside the target and renames it into place (into an existing folder,
it removes what it made if any file fails).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from kb.errors import KbError
from kb.model import Config, Evidence, Hypothesis, Registry
from kb.output import refuse_symlink, write_atomic

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


def write_schemas(directory: Path, inside: Path | None = None) -> list[Path]:
    """Write (or refresh) the JSON Schema files; these are generated, never hand-written.

    ``inside`` is the KB root when ``directory`` is in it: no folder between
    the two may be a symlink. A schema file that is a symlink is refused.
    """
    refuse_links_between(inside or directory.parent, directory)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in schema_texts().items():
        path = directory / name
        refuse_symlink(path)
        if not path.is_file() or path.read_bytes() != text.encode("utf-8"):
            write_atomic(path, text)
            written.append(path)
    return written


def refuse_links_between(base: Path, target: Path) -> None:
    """KbError if ``target`` or any folder between ``base`` and it is a symlink."""
    try:
        rel = target.relative_to(base)
    except ValueError:
        rel = Path(target.name)
        base = target.parent
    here = base
    for part in rel.parts:
        here = here / part
        refuse_symlink(here)


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


def create_file(path: Path, text: str, inside: Path | None = None) -> None:
    """Create ``path`` with ``text``; FileExistsError if anything is there (a symlink too).

    The text is encoded before the file is opened, so a text that cannot be
    written (an undecodable title) leaves no file; ``inside`` is the KB root,
    and no folder between it and ``path`` may be a symlink.
    """
    try:
        raw = text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise KbError(f"the text for {path.name} is not valid Unicode ({exc.reason}); nothing was written") from None
    if inside is not None:
        refuse_links_between(inside, path.parent)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(raw)
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def create_kb(directory: Path, files: dict[str, str]) -> None:
    """Write a new KB's ``files`` into ``directory``, whole or not at all.

    A new directory is made as a work folder beside it and renamed into
    place; into an existing one each file is created exclusively, and what
    was made is removed again if one fails. No folder on the way may be a
    symlink.
    """
    if not directory.exists() and not directory.is_symlink():
        parent = directory.absolute().parent
        parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", suffix=".kb-init", dir=parent))
        try:
            for rel, text in files.items():
                create_file(work / rel, text)
            os.rename(work, directory)  # fails if the directory appeared meanwhile: nothing is mixed
        except BaseException:
            shutil.rmtree(work, ignore_errors=True)
            raise
        return
    made: list[Path] = []
    try:
        for rel, text in files.items():
            path = directory / rel
            refuse_links_between(directory, path)
            missing = [p for p in reversed(path.parents) if p.is_relative_to(directory) and not p.exists()]
            for folder in missing:
                folder.mkdir()
                made.append(folder)
            create_file(path, text)
            made.append(path)
    except BaseException:
        for path in reversed(made):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
        raise


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
