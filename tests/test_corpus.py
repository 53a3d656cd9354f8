"""The corpus of broken knowledge bases: each case is broken in one way.

Each directory under tests/corpus/ is a knowledge base (kb.yaml and a few
files) plus ``expected.txt``, the exact diagnostic lines ``kb check`` must
print, and optionally ``args.txt`` with extra arguments (``--strict`` for the
warning cases). ``pytest --update-snapshots`` rewrites expected.txt from the
current output; review the diff before keeping it.

The number of cases is written down here, so a broken glob or a stray filter
cannot shrink the corpus without a test failing.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kb.errors import CODES

CORPUS = Path(__file__).parent / "corpus"
CASES = sorted(p.parent for p in CORPUS.glob("*/kb.yaml"))
EXPECTED_CASES = 83

#: Codes no corpus case needs to show (problems in kb.yaml itself exit 2 and
#: are covered by test_cli.py; the tag checks need a git repository and are
#: covered by test_asof_git.py; a saved question fails in kb build, not kb check).
NOT_IN_CORPUS: set[str] = {"KB501", "KB502", "KB601"}

_DIAGNOSTIC = re.compile(r"^.+:\d+:\d+: (error|warning) KB\d{3} ")
_CODE = re.compile(r"^.+?:\d+:\d+: (?:error|warning) (KB\d{3}) ")


def snapshot(root: Path) -> dict[str, tuple[bytes, int] | None]:
    """Every file and folder under ``root``: bytes and mtime (None for folders)."""
    out: dict[str, tuple[bytes, int] | None] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        out[rel] = None if path.is_dir() else (path.read_bytes(), path.stat().st_mtime_ns)
    return out


def expected_lines(case: Path) -> list[str]:
    path = case / "expected.txt"
    if not path.exists():
        return []
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_corpus_has_every_case():
    assert len(CASES) == EXPECTED_CASES, [c.name for c in CASES]


def test_every_case_has_expected_output():
    missing = [c.name for c in CASES if not expected_lines(c)]
    assert not missing, f"cases without expected.txt: {missing} (run pytest --update-snapshots)"


def test_corpus_covers_every_diagnostic_code():
    # the code where a diagnostic line has it (a forged one inside an escaped message does not count)
    found = {m.group(1) for c in CASES for line in expected_lines(c) if (m := _CODE.match(line))}
    assert found == set(CODES) - NOT_IN_CORPUS, (
        f"no case for {sorted(set(CODES) - NOT_IN_CORPUS - found)}; unknown {sorted(found - set(CODES))}"
    )


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_case(case: Path, run_kb, monkeypatch, update_snapshots):
    args_file = case / "args.txt"
    extra = args_file.read_text(encoding="utf-8").split() if args_file.exists() else []
    # run from inside the case, so anything a malicious file made kb write would land here
    monkeypatch.chdir(case)
    before = snapshot(case)

    result = run_kb("check", *extra, cwd=case)

    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output, result.output
    assert snapshot(case) == before, "kb check changed files in the case directory"
    again = run_kb("check", *extra, cwd=case)  # served from the parse cache this time
    assert (again.exit_code, again.stdout, again.stderr) == (1, result.stdout, result.stderr)
    printed = [line for line in result.stderr.splitlines() if line.strip()]
    assert all(_DIAGNOSTIC.match(line) for line in printed), result.stderr
    if update_snapshots:
        (case / "expected.txt").write_text("\n".join(printed) + "\n", encoding="utf-8")
    assert printed == expected_lines(case), result.stderr
    summary = result.stdout.strip().splitlines()[-1]
    assert re.match(r"^(\d+ error\(s\)( and \d+ follow-on\(s\))?(, \d+ warning\(s\))?|ok, \d+ warning\(s\)"
                    r"|\d+ warning\(s\), which fail --strict): ", summary), result.stdout
