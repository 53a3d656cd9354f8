"""The docs say what the code does: generated references are current, every code and command is documented."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from kb.cli import main
from kb.errors import CODES
from kb.reference import cli_reference, format_reference
from kb.scaffold import schema_texts

REPO = Path(__file__).resolve().parent.parent
DOCS = REPO / "docs"


def test_format_reference_is_current():
    assert (DOCS / "format.md").read_text(encoding="utf-8") == format_reference(), \
        "docs/format.md is out of date: run python -m kb.reference"


def test_cli_reference_is_current():
    assert (DOCS / "cli.md").read_text(encoding="utf-8") == cli_reference(), \
        "docs/cli.md is out of date: run python -m kb.reference"


def test_shipped_json_schemas_are_current():
    for name, text in schema_texts().items():
        assert (REPO / "schema" / name).read_text(encoding="utf-8") == text, f"run kb schema ({name})"


def test_every_diagnostic_code_has_a_heading():
    headings = set(re.findall(r"^## (KB\d{3})$", (DOCS / "diagnostics.md").read_text(encoding="utf-8"), re.M))
    assert headings == set(CODES)


def test_every_command_is_in_the_readme():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for name in main.commands:
        assert f"kb {name}" in readme, name


def test_readme_commands_exist():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = "\n".join(re.findall(r"```sh\n(.*?)```", readme, re.S))
    used = set(re.findall(r"`kb (?:-C \S+ )?([a-z]+)", readme))
    used |= set(re.findall(r"^kb (?:-C \S+ )?([a-z]+)", blocks, re.M))
    used |= set(re.findall(r"&& kb ([a-z]+)", blocks))
    assert used <= set(main.commands), used - set(main.commands)


def test_help_is_fast_and_imports_nothing_heavy():
    code = ("import sys; from click.testing import CliRunner; from kb.cli import main; "
            "CliRunner().invoke(main, ['--help']); "
            "heavy = [m for m in ('networkx', 'pyoxigraph', 'mkdocs', 'rdflib', 'nh3') if m in sys.modules]; "
            "print(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == ""


def test_check_imports_neither_networkx_nor_rdf():
    code = ("import sys; from click.testing import CliRunner; from kb.cli import main; "
            f"r = CliRunner().invoke(main, ['-C', {str(REPO)!r}, 'check']); "
            "heavy = [m for m in ('networkx', 'pyoxigraph', 'mkdocs', 'rdflib') if m in sys.modules]; "
            "print(r.exit_code, ','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "0"


def test_every_link_inside_the_format_reference_has_its_section():
    import re

    text = (Path(__file__).resolve().parents[1] / "docs" / "format.md").read_text(encoding="utf-8")
    anchors = {h.lower().replace(".", "").replace(" ", "-") for h in re.findall(r"^## (.+)$", text, re.M)}
    links = set(re.findall(r"\]\(#([^)]+)\)", text))
    assert links and links <= anchors, sorted(links - anchors)
