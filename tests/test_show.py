"""kb show's messages when an item is not there (issue 16): they say why, rather than suggest another id.

And the option values every command shares: a bad --as-of or --context is a
usage error (exit 2), as the README says, with what to write instead.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest


def git(cwd: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "Researcher A", "GIT_AUTHOR_EMAIL": "a@example.org",
           "GIT_COMMITTER_NAME": "Researcher A", "GIT_COMMITTER_EMAIL": "a@example.org",
           "GIT_AUTHOR_DATE": "2023-01-01T12:00:00", "GIT_COMMITTER_DATE": "2023-01-01T12:00:00"}
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, env=env)


def test_show_before_a_hypothesis_was_proposed_says_when_it_was(kitchen_sink, run_kb):
    # H03 was proposed on 2020-09-15 (conftest); its neighbour H02 must not be suggested
    result = run_kb("show", "H03", "--as-of", "2020-07-01", cwd=kitchen_sink)
    assert result.exit_code == 1, result.output
    assert result.stderr.splitlines()[-1] == (
        "kb: H03 was proposed on 2020-09-15, after the as-of date 2020-07-01; try a later --as-of")
    assert "did you mean" not in result.stderr


HYPOTHESIS = "id: {0}\ntitle: A claim\nstatement: Something holds.\nstatus: proposed\nproposed: 2021-01-15\n"


def test_show_of_a_withdrawn_item_points_to_its_history(make_kb, run_kb):
    root = make_kb({"hypotheses/H01.yaml": HYPOTHESIS.format("H01"), "hypotheses/H09.yaml": HYPOTHESIS.format("H09")})
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-qm", "the knowledge base")
    git(root, "rm", "-q", "hypotheses/H09.yaml")
    git(root, "commit", "-qm", "withdraw H09")
    result = run_kb("show", "H09", cwd=root)
    assert result.exit_code == 1, result.output
    last = result.stderr.splitlines()[-1]
    # not "did you mean 'H01'?"
    assert last.startswith("kb: no item 'H09' now: it was withdrawn (its file is gone; last changed in "), last
    assert last.endswith(" on 2023-01-01); see 'kb history H09'") and "did you mean" not in last, last


def test_show_of_an_id_that_never_was_still_suggests_one(kitchen_sink, run_kb):
    git(kitchen_sink, "init", "-q")
    git(kitchen_sink, "add", ".")
    git(kitchen_sink, "commit", "-qm", "the knowledge base")
    result = run_kb("show", "H1", cwd=kitchen_sink)
    assert result.exit_code == 1, result.output
    assert "no item with id 'H1'; did you mean" in result.stderr


@pytest.mark.parametrize("value, message", [
    ("2022-02-30", "'2022-02-30' is not a real date: February 2022 has 28 days"),
    ("2021-W23-2", "'2021-W23-2' is an ISO week date: write the calendar date as YYYY-MM-DD, such as 2021-06-15"),
    ("15.06.2021", "expected a date like 2021-06-15 (YYYY-MM-DD), got '15.06.2021'"),
    ("basline", "'basline' is neither a date (YYYY-MM-DD) nor a milestone; did you mean 'baseline'?"),
])
@pytest.mark.parametrize("command", [["status"], ["show", "H01"], ["gaps"]])
def test_a_bad_as_of_is_a_usage_error(kitchen_sink, run_kb, command, value, message):
    result = run_kb(*command, "--as-of", value, cwd=kitchen_sink)
    assert result.exit_code == 2, result.output
    assert f"Invalid value for '--as-of': {message}" in result.stderr, result.stderr


def test_a_milestone_and_a_date_are_fine(kitchen_sink, run_kb):
    for value in ("baseline", "2021-06-15"):
        result = run_kb("status", "--as-of", value, cwd=kitchen_sink)
        assert result.exit_code == 0, result.output


@pytest.mark.parametrize("command", [["status"], ["show", "H01"]])
def test_an_unknown_context_is_a_usage_error(kitchen_sink, run_kb, command):
    result = run_kb(*command, "--context", "stadd", cwd=kitchen_sink)
    assert result.exit_code == 2, result.output
    assert "Invalid value for '--context': no context 'stadd'; did you mean 'stad'?" in result.stderr


def test_check_strict_says_the_warnings_fail_it(make_kb, run_kb):
    root = make_kb({"evidence/E001.yaml": "id: E001\nkind: interview\ndate: 2021-03-01\nsummary: Seen.\n"})
    relaxed = run_kb("check", cwd=root)
    assert relaxed.exit_code == 0, relaxed.output
    assert relaxed.stdout.startswith("ok, 1 warning(s): ")
    result = run_kb("check", "--strict", cwd=root)
    assert result.exit_code == 1, result.output
    assert "warning KB401 id: evidence 'E001' links to no hypothesis" in result.stderr
    assert result.stdout.startswith("1 warning(s), which fail --strict: "), result.stdout
    as_json = run_kb("check", "--strict", "--format", "json", cwd=root)
    assert as_json.exit_code == 1 and '"ok": false' in as_json.stdout, as_json.output
