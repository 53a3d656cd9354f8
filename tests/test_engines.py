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
    # the other language: generated pages only (docs/ is written in English), the downloads shared
    other = (pages_folder / "mkdocs.nb.yml").read_text(encoding="utf-8")
    assert "docs_dir: nb/docs" in other and "site_dir: site/nb" in other and 'language: "nb"' in other
    assert "alternate:" in other and "- kb" not in other
    assert (pages_folder / "nb" / "docs" / "hypotheses" / "H01.md").is_file()
    assert not (pages_folder / "nb" / "docs" / "format.md").exists()
    assert not (pages_folder / "nb" / "docs" / "downloads").exists()


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
    "mkdocs": lambda config, site: [*_engine("mkdocs"), "build", "-f", str(config), "-d", str(site)],
    "properdocs": lambda config, site: [*_engine("properdocs"), "build", "-f", str(config), "-d", str(site)],
    # Zensical reads mkdocs.yml and builds into its site_dir; it takes no -d
    "zensical": lambda config, site: [*_engine("zensical"), "build", "-f", str(config)],
}


@pytest.mark.parametrize("engine", sorted(ENGINES))
def test_an_engine_builds_the_pages_without_kb(engine, pages_folder, tmp_path):
    project = tmp_path / "project"
    shutil.copytree(pages_folder, project, symlinks=True)
    site = project / "site"
    env = {"NO_MKDOCS_2_WARNING": "1", "PATH": str(Path(sys.executable).parent) + ":/usr/bin:/bin",
           "HOME": str(tmp_path)}
    done = subprocess.run(ENGINES[engine](project / "mkdocs.yml", site), cwd=project, capture_output=True, text=True,
                          timeout=300, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    # the site in the KB's other language: its own docs folder and mkdocs.nb.yml, built after the first into site/nb/
    done = subprocess.run(ENGINES[engine](project / "mkdocs.nb.yml", site / "nb"), cwd=project, capture_output=True,
                          text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    nb = (site / "nb" / "hypotheses" / "H01" / "index.html").read_text(encoding="utf-8")
    assert '<html lang="nb"' in nb and "Tillit fremmer samskaping" in nb and "kb-bar" in nb
    assert '<link rel="alternate" href="../../../" hreflang="en">' in nb
    assert (site / "nb" / "search" / "search_index.json").is_file() or engine == "zensical"
    h01 = (site / "hypotheses" / "H01" / "index.html").read_text(encoding="utf-8")
    assert '<html lang="en"' in h01 and '<link rel="alternate" href="../../nb/" hreflang="nb">' in h01
    assert "kb-bar" in h01 and "<table" in h01  # kb's own HTML came through the engine's Markdown
    assert (site / "downloads" / "kb.ttl").read_bytes() == (pages_folder / "docs" / "downloads" / "kb.ttl").read_bytes()
    evidence = list((site / "evidence").glob("*/index.html"))
    assert len(evidence) == len(list((pages_folder / "docs" / "evidence").glob("E*.md")))
    assert (site / "assets" / "kb.css").is_file()


def test_the_sites_are_built_after_the_kb_process_has_ended_two_mkdocs_at_once(tmp_path, monkeypatch):
    """The pages come from a child process that has ended (its memory handed back) when MkDocs starts;
    both languages' sites then build at once, each into its place, and their pages are removed."""
    import resource

    from kb.build import pages
    from kb.engine.mkdocs import build_sites

    project, site = tmp_path / "project", tmp_path / "site"
    project.mkdir()
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime
    built = pages(ROOT, project, portable=False)
    assert resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime > before  # the KB was loaded elsewhere
    first, other = built.languages
    assert (project / other / "docs" / "hypotheses" / "H01.md").is_file()
    assert "<table" in (project / "docs" / "questions.md").read_text(encoding="utf-8")  # answered after
    assert not list(project.rglob("kb-names.json"))  # the pages stage's note to the questions' page, used up
    import kb.engine.mkdocs as engine

    started: list = []
    seen: set[int] = set()

    class Watched(subprocess.Popen):  # how many MkDocs builds are alive together
        def __init__(self, *args, **kw):
            super().__init__(*args, **kw)
            started.append(self)

        def poll(self):
            seen.add(sum(1 for p in started if p.returncode is None))
            return super().poll()

    monkeypatch.setattr(engine.subprocess, "Popen", Watched)
    messages = build_sites(ROOT, project, site, built.languages)
    monkeypatch.undo()
    assert len(started) == 2 and 2 in seen
    assert isinstance(messages, list) and not (project / "docs").exists() and not (project / other / "docs").exists()
    assert (site / "hypotheses" / "H01" / "index.html").is_file()
    assert (site / other / "hypotheses" / "H01" / "index.html").is_file()
    assert f'lang="{other}"' in (site / other / "index.html").read_text(encoding="utf-8")
