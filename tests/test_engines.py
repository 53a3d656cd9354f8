"""`kb pages`: the shipped KB's site as a plain docs folder, built by MkDocs + Material, ProperDocs and Zensical.

Each engine is the real program, run as a user runs it on the folder `kb pages`
wrote, with no kb plugin. The site must hold every item's page with kb's own
content (the belief bar, the evidence tables), the downloads and the
stylesheet.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from kb.cli import main

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def pages_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("pages") / "out"
    result = CliRunner().invoke(main, ["-C", str(ROOT), "pages", str(folder)])
    assert result.exit_code == 0, result.output
    return folder


def test_kb_pages_writes_a_docs_folder_and_a_config_without_kb(pages_folder):
    config = (pages_folder / "mkdocs.yml").read_text(encoding="utf-8")
    assert "- kb" not in config and "name: material" in config and "docs_dir: docs" in config
    for rel in ("index.md", "hypotheses/H01.md", "evidence/index.md", "gaps.md", "assets/kb.css",
                "downloads/kb.ttl", "downloads/kb.jsonld", "downloads/kb.graphml", "format.md"):
        assert (pages_folder / "docs" / rel).is_file(), rel


def test_kb_pages_refuses_a_folder_that_is_not_empty(tmp_path):
    (tmp_path / "mine.txt").write_text("kept", encoding="utf-8")
    result = CliRunner().invoke(main, ["-C", str(ROOT), "pages", str(tmp_path)])
    assert result.exit_code == 2, result.output
    assert (tmp_path / "mine.txt").read_text(encoding="utf-8") == "kept"


def _engine(name: str) -> list[str]:
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    assert found, f"{name} is not installed: .ci/run installs the test extras"
    return [found]


ENGINES = {
    "mkdocs": lambda project, site: [*_engine("mkdocs"), "build", "-f", str(project / "mkdocs.yml"), "-d", str(site)],
    "properdocs": lambda project, site: [*_engine("properdocs"), "build", "-f", str(project / "mkdocs.yml"),
                                         "-d", str(site)],
    # Zensical reads mkdocs.yml and builds into its site_dir; it takes no -d
    "zensical": lambda project, site: [*_engine("zensical"), "build", "-f", str(project / "mkdocs.yml")],
}


@pytest.mark.parametrize("engine", sorted(ENGINES))
def test_an_engine_builds_the_pages_without_kb(engine, pages_folder, tmp_path):
    project = tmp_path / "project"
    shutil.copytree(pages_folder, project, symlinks=True)
    site = project / "site"
    env = {"NO_MKDOCS_2_WARNING": "1", "PATH": str(Path(sys.executable).parent) + ":/usr/bin:/bin",
           "HOME": str(tmp_path)}
    done = subprocess.run(ENGINES[engine](project, site), cwd=project, capture_output=True, text=True,
                          timeout=300, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    h01 = (site / "hypotheses" / "H01" / "index.html").read_text(encoding="utf-8")
    assert "kb-bar" in h01 and "<table" in h01  # kb's own HTML came through the engine's Markdown
    assert (site / "downloads" / "kb.ttl").read_bytes() == (pages_folder / "docs" / "downloads" / "kb.ttl").read_bytes()
    evidence = list((site / "evidence").glob("*/index.html"))
    assert len(evidence) == len(list((pages_folder / "docs" / "evidence").glob("E*.md")))
    assert (site / "assets" / "kb.css").is_file()
