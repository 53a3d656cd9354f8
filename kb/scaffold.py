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


def init_files(title: str, language: str, kb_source: "KbSource | None" = None, kb_dir: str = ".") -> dict[str, str]:
    """Relative path -> content of a new, empty knowledge base (``kb_dir``: its folder in the git repository)."""
    source = kb_source or installed_source()
    files = {
        "kb.yaml": f"""# yaml-language-server: $schema={SCHEMA_DIR}/config.schema.json
title:
  {language}: {_yaml_text(title)}
base_iri: https://kb.example.org/{_slug(title)}/
languages: [{language}]
site_language: {"nb" if language in ("nb", "nn", "no") else "en"}
phases: [start, midterm, end]
milestones: []
# the pull-request check: true makes the CI job fail when a change flips the
# status the evidence suggests for a hypothesis
review: {{fail_on_flip: false}}
""",
        "hypotheses/.gitkeep": "",
        "evidence/.gitkeep": "",
        "registry/constructs.yaml": f"# yaml-language-server: $schema=../{SCHEMA_DIR}/registry.schema.json\nconstructs: []\n",
        "registry/contexts.yaml": f"# yaml-language-server: $schema=../{SCHEMA_DIR}/registry.schema.json\ncontexts: []\n",
        "registry/sources.yaml": f"# yaml-language-server: $schema=../{SCHEMA_DIR}/registry.schema.json\nsources: []\n",
        ".gitignore": "# the built website, and what building it caches\nsite/\n.cache/\n",
        ".github/workflows/kb.yml": workflow_text(source, kb_dir),
        ".pre-commit-config.yaml": PRE_COMMIT_CONFIG,
        "mkdocs.yml": MKDOCS_CONFIG,
        "docs/.gitkeep": "",
        **{f"queries/{name}": text for name, text in STARTER_QUERIES.items()},
    }
    for name, text in schema_texts().items():
        files[f"{SCHEMA_DIR}/{name}"] = text
    files[".vscode/settings.json"] = vscode_settings()
    return files


#: folder (or file) -> the schema its YAML files follow
SCHEMA_FOLDERS = {"hypotheses": "hypothesis", "evidence": "evidence", "registry": "registry"}


def vscode_settings() -> str:
    """``.vscode/settings.json`` telling VS Code's YAML extension which schema each file follows.

    The ``$schema`` line in a file is relative to that file, so it breaks when
    evidence moves into a sub-folder; these globs, relative to the KB's folder
    opened as the workspace, reach every depth. Each folder gets two: the
    YAML extension turns ``*`` into "anything, slashes too", a glob engine
    reads ``**/`` as "any folders", and between them every depth matches in both.
    """
    schemas = {f"./{SCHEMA_DIR}/config.schema.json": ["/kb.yaml"]}
    for folder, name in SCHEMA_FOLDERS.items():
        schemas[f"./{SCHEMA_DIR}/{name}.schema.json"] = [
            f"/{folder}/{deep}*.{ext}" for ext in ("yaml", "yml") for deep in ("", "**/")]
    return json.dumps({"yaml.schemas": schemas}, indent=2) + "\n"


# --- where CI installs kb from ------------------------------------------------------------


@dataclass(frozen=True)
class KbSource:
    """What ``pip install`` is given in CI (``spec``), and a sentence on where it came from."""

    spec: str
    origin: str


#: The distribution name of kb itself.
DISTRIBUTION = "kb-theory"


def source_from_spec(spec: str) -> KbSource:
    """``kb init --kb-source SPEC``: a version (0.2.0 or kb-theory==0.2.0), a git URL, or a wheel path."""
    spec = spec.strip()
    if re.fullmatch(r"\d+(\.\d+)*([a-z]+\d*)?", spec):
        spec = f"{DISTRIBUTION}=={spec}"
    elif spec.endswith(".whl") and "://" not in spec:
        spec = str(Path(spec).expanduser().resolve()) if Path(spec).expanduser().exists() else spec
    return KbSource(spec, "chosen with kb init --kb-source")


def installed_source() -> KbSource:
    """Where the running kb was installed from, if the installation says (PEP 610 direct_url.json).

    A VCS install gives ``git+URL@COMMIT``, a wheel or a local folder its
    path (on this machine: CI needs one it can reach); an install from a
    package index gives the version. Unknown: an empty spec, which the
    workflow refuses with a message saying what to set.
    """
    from importlib import metadata

    try:
        dist = metadata.distribution(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return KbSource("", "kb's installation could not be found")
    raw = dist.read_text("direct_url.json")
    if not raw:
        installer = (dist.read_text("INSTALLER") or "").strip()
        if installer:
            return KbSource(f"{DISTRIBUTION}=={dist.version}", f"the installed release ({installer})")
        return KbSource("", "kb was installed from a source folder that its installation does not name")
    try:
        info = json.loads(raw)
        url = info["url"]
    except (ValueError, KeyError, TypeError):
        return KbSource("", "kb's installation record (direct_url.json) cannot be read")
    if "vcs_info" in info:
        vcs = info["vcs_info"]
        ref = vcs.get("commit_id") or vcs.get("requested_revision")
        return KbSource(f"{vcs.get('vcs', 'git')}+{url}" + (f"@{ref}" if ref else ""), "the git URL kb was installed from")
    local = url[len("file://"):] if url.startswith("file://") else None
    if local is not None:
        kind = "wheel" if local.endswith(".whl") else "folder"
        return KbSource(local, f"the local {kind} kb was installed from: CI cannot reach it unless it is in the repository")
    return KbSource(url, "the address kb was installed from")


def workflow_text(source: KbSource, kb_dir: str = ".") -> str:
    """The CI workflow, installing kb from ``source``, for the KB in ``kb_dir`` of the repository."""
    note = f"Set by kb init from {source.origin}." if source.spec else \
        f"kb init could not tell where kb comes from ({source.origin}): set it, or the job stops at 'Install kb'."
    return (WORKFLOW.replace("{note}", note).replace("{source}", json.dumps(source.spec))
            .replace('KB_DIR: "."', f"KB_DIR: {json.dumps(kb_dir)}"))


#: The CI workflow `kb init` writes (and this repository uses, installing
#: itself with KB_SOURCE "."): check every push and pull request, annotate
#: problems on the changed lines, keep one comment on each pull request
#: saying what the change does to the theory, and fail on a flip of a
#: suggested status when kb.yaml asks for it.
WORKFLOW = """\
# Written by `kb init`. Checks the knowledge base on every push and pull
# request. On a pull request it keeps one comment saying what the change does
# to the theory (updated on each push; found again by its first line,
# <!-- kb-diff -->), and fails the job when the status the evidence suggests
# for a hypothesis flips, if kb.yaml says `review: {fail_on_flip: true}`.
name: kb
on:
  push:
    branches: [main]
  pull_request:
permissions:
  contents: read
  pull-requests: write
env:
  # What pip installs kb from: a released version ("kb-theory==0.2.0"), a git
  # URL ("git+https://github.com/OWNER/kb@v0.2.0") or a wheel kept in this
  # repository ("./tools/kb_theory-0.2.0-py3-none-any.whl").
  # {note}
  KB_SOURCE: {source}
  # The knowledge base's folder inside the repository ("." at its top).
  KB_DIR: "."
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
        run: |
          if [ -z "$KB_SOURCE" ]; then
            echo "::error file=.github/workflows/kb.yml::set KB_SOURCE to where pip can install kb from (a version, a git URL or a wheel)"
            exit 1
          fi
          python -m pip install "$KB_SOURCE"
      - name: Check the knowledge base
        run: kb -C "$KB_DIR" check --format github
      - name: Describe what the change does to the theory
        if: github.event_name == 'pull_request'
        env:
          BASE_REF: ${{ github.base_ref }}
        run: |
          kb -C "$KB_DIR" diff "origin/$BASE_REF" HEAD --no-fail-on-flip --format markdown -o kb-diff.md
          cat kb-diff.md >> "$GITHUB_STEP_SUMMARY"
      - name: Comment on the pull request
        if: github.event_name == 'pull_request' && github.event.pull_request.head.repo.full_name == github.repository
        env:
          GH_TOKEN: ${{ github.token }}
          PR: ${{ github.event.pull_request.number }}
          REPO: ${{ github.repository }}
        run: |
          { echo '<!-- kb-diff -->'; cat kb-diff.md; } > kb-comment.md
          id=$(gh api "repos/$REPO/issues/$PR/comments" --paginate \\
                 --jq '.[] | select(.body | startswith("<!-- kb-diff -->")) | .id' | head -n 1)
          if [ -n "$id" ]; then
            gh api --method PATCH "repos/$REPO/issues/comments/$id" -F body=@kb-comment.md > /dev/null
          else
            gh api --method POST "repos/$REPO/issues/$PR/comments" -F body=@kb-comment.md > /dev/null
          fi
      - name: Fail on a flip of a suggested status, if kb.yaml says so
        if: github.event_name == 'pull_request'
        env:
          BASE_REF: ${{ github.base_ref }}
        run: kb -C "$KB_DIR" diff "origin/$BASE_REF" HEAD --format text
"""

PRE_COMMIT_CONFIG = """\
# Runs `kb check` before every commit (https://pre-commit.com) on the
# knowledge base holding the changed files, wherever it is in the repository.
repos:
  - repo: local
    hooks:
      - id: kb-check
        name: kb check
        entry: kb check
        language: system
        files: (^|/)(kb\\.yaml|(hypotheses|evidence|registry)/.*\\.ya?ml|registry/.*\\.(bib|json))$
"""

#: The website's configuration, so `mkdocs serve` works in a new KB (kb build
#: uses it too). The pages are generated from the YAML by the kb plugin.
MKDOCS_CONFIG = """\
# The knowledge base's website: `kb build` builds it into site/ (all or
# nothing); `mkdocs serve` previews it and rebuilds when a YAML file changes.
# The pages come from the YAML (the kb plugin); docs/ may add pages of your own.
site_name: Knowledge base   # replaced by the title in kb.yaml
docs_dir: docs
site_dir: site
theme:
  name: material
  font: false               # system fonts: the site needs no network
plugins:
  - search
  # kb draws its diagrams as SVG when it builds, so the site needs no network
  # to build or to view.
  - kb
markdown_extensions:
  - tables
  - admonition
  - attr_list
  - pymdownx.details
  - pymdownx.superfences
validation:
  nav:
    omitted_files: ignore   # item pages are reached from the index pages, not the nav
"""

#: Saved queries for `kb query NAME` and the site's questions page.
STARTER_QUERIES = {
    "standings.rq": """\
# How well does each hypothesis stand (computed, derived values), least certain first?
SELECT ?id ?declared ?suggested ?belief ?disbelief ?uncertainty
WHERE {
  ?s a kbv:Standing ; kbv:standingOf ?h ; kbv:belief ?belief ; kbv:disbelief ?disbelief ;
     kbv:uncertainty ?uncertainty ; kbv:suggestedStatus ?suggested .
  ?h dcterms:identifier ?id ; kbv:status ?declared .
}
ORDER BY DESC(?uncertainty) ?id
""",
    "contradicted.rq": """\
# Which hypotheses have contradicting evidence, and how much speaks for and against each?
SELECT ?id ?status (SUM(?against) AS ?contradicting) (SUM(?for) AS ?supporting)
WHERE {
  ?link a kbv:EvidenceLink ; kbv:hypothesis ?h ; kbv:stance ?stance .
  ?h dcterms:identifier ?id ; kbv:status ?status .
  BIND(IF(?stance = kbv:contradicting, 1, 0) AS ?against)
  BIND(IF(?stance = kbv:supporting, 1, 0) AS ?for)
}
GROUP BY ?id ?status
HAVING (SUM(?against) > 0)
ORDER BY DESC(?contradicting) ?id
""",
    "without-evidence.rq": """\
# Which hypotheses have no evidence linked to them yet?
SELECT ?id ?status
WHERE {
  ?h a kbv:Hypothesis ; dcterms:identifier ?id ; kbv:status ?status .
  FILTER NOT EXISTS { ?link a kbv:EvidenceLink ; kbv:hypothesis ?h . }
}
ORDER BY ?id
""",
}


# --- new entries in the registry ------------------------------------------------------------

#: kind -> (the registry's list key, the file a new KB keeps them in)
REGISTRY_KINDS = {"construct": ("constructs", "registry/constructs.yaml"),
                  "context": ("contexts", "registry/contexts.yaml"),
                  "source": ("sources", "registry/sources.yaml")}


def registry_entry(kind: str, item_id: str, title: str, today: dt.date, language: str) -> dict[str, str]:
    """The fields of a new registry entry as YAML text, one value each, in the order written."""
    if kind == "construct":
        return {"id": item_id, "label": f"{{{language}: {_yaml_text(title)}}}", "kind": "factor"}
    if kind == "context":
        return {"id": item_id, "label": f"{{{language}: {_yaml_text(title)}}}", "kind": "other"}
    return {"id": item_id, "type": "article", "title": _yaml_text(title), "authors": "[]",
            "year": str(today.year)}


def append_registry_entry(path: Path, key: str, fields: dict[str, str], inside: Path | None = None) -> None:
    """Add one entry to the list ``key`` of the registry file ``path``, as text.

    The rest of the file is kept byte for byte (comments, order, quoting):
    the entry is appended at the end when the list is the file's last block,
    else inserted after its last item; an empty ``key: []`` becomes a block
    list. A file without ``key`` gets it at the end; a missing file is
    created. Raises ValueError when the list is written in flow style
    (``[a, b]``), which text cannot be added to safely. ``inside`` is the KB
    root: no folder between it and ``path``, nor ``path``, may be a symlink.
    """
    import yaml

    refuse_links_between(inside or path.parent, path)

    text = path.read_text(encoding="utf-8") if path.exists() else ""
    node = yaml.compose(text) if text.strip() else None
    value = None
    if node is not None:
        if not isinstance(node, yaml.MappingNode):
            raise ValueError(f"{path.name} is not a mapping of lists")
        value = next((v for k, v in node.value if getattr(k, "value", None) == key), None)
    if value is not None and not isinstance(value, yaml.SequenceNode):
        raise ValueError(f"{key} in {path.name} is not a list")
    if value is not None and value.flow_style and value.value:
        raise ValueError(f"{key} in {path.name} is written as [a, b]; write it one item a line to add to it")
    indent = "  "
    if value is not None and value.value:
        line = text.splitlines()[value.value[0].start_mark.line]
        indent = line[: len(line) - len(line.lstrip())]
    entry = "".join(f"{indent}{'- ' if i == 0 else '  '}{name}: {v}\n" for i, (name, v) in enumerate(fields.items()))
    if value is None:
        new = text + ("" if not text or text.endswith("\n") else "\n") + f"{key}:\n" + entry
    elif value.flow_style:  # key: [] (a trailing comment stays on the key's line)
        rest = text[value.end_mark.index:]
        first, newline, after = rest.partition("\n")
        new = text[:value.start_mark.index].rstrip(" ") + first.rstrip() + "\n" + entry + (after if newline else "")
    else:
        # a block list ends where the next key (or the end) starts; comments and blank lines
        # before that belong to what follows, so the entry goes after the list's last line
        lines = text[:value.end_mark.index].splitlines(keepends=True)
        k = len(lines)
        while k and (not lines[k - 1].strip() or lines[k - 1].lstrip().startswith("#")):
            k -= 1
        head = "".join(lines[:k])
        new = head + ("" if head.endswith("\n") else "\n") + entry + text[len(head):]
    data = yaml.safe_load(new)
    if not isinstance(data, dict) or not isinstance(data.get(key), list) or data[key][-1].get("id") != fields["id"]:
        raise ValueError(f"adding to {path.name} would not give a list of {key}")  # never write a broken file
    path.parent.mkdir(parents=True, exist_ok=True)
    if new.startswith(text):
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o666)
        with os.fdopen(fd, "a", encoding="utf-8") as handle:
            handle.write(new[len(text):])
    else:
        write_atomic(path, new)


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug or "kb"
