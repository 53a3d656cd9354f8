"""kb diff and kb history against real temporary git repositories."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from kb.cli import main

REPO = Path(__file__).resolve().parent.parent

CONFIG = """title: {en: History test}
base_iri: https://example.org/h/
languages: [en]
milestones:
  - {id: start, date: 2021-01-01, label: Start, tag: m-start}
  - {id: end, date: 2023-12-31, label: End, tag: m-end}
"""
REGISTRY = """constructs:
  - {id: trust, label: Trust}
  - {id: participation, label: Participation}
contexts:
  - {id: stad, label: Stad, kind: municipality}
  - {id: nordre-follo, label: Nordre Follo, kind: municipality}
"""


def hypothesis(hid: str, statement: str, status: str = "testing") -> str:
    return f"""id: {hid}
title: {{en: Hypothesis {hid}}}
statement: {{en: {statement}}}
relation: {{from: trust, to: participation, effect: positive}}
status: {status}
proposed: 2021-01-01
"""


def evidence(eid: str, hid: str, stance: str, context: str, strength: str = "strong") -> str:
    return f"""id: {eid}
kind: field_observation
title: Observation {eid}
date: 2022-05-01
context: {context}
summary: An illustrative observation.
illustrative: true
links:
  - {{hypothesis: {hid}, stance: {stance}, strength: {strength}}}
"""


def git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "Researcher A", "GIT_AUTHOR_EMAIL": "a@example.org",
           "GIT_COMMITTER_NAME": "Researcher A", "GIT_COMMITTER_EMAIL": "a@example.org",
           "GIT_AUTHOR_DATE": "2023-01-01T12:00:00", "GIT_COMMITTER_DATE": "2023-01-01T12:00:00"}
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True, env=env).stdout


def write(root: Path, files: dict[str, str | None]) -> None:
    for rel, text in files.items():
        path = root / rel
        if text is None:
            path.unlink()
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    """A KB with five commits: start (tagged), add, reword, re-rate by evidence, remove (tagged)."""
    root = tmp_path / "kbrepo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    write(root, {"kb.yaml": CONFIG, "registry/r.yaml": REGISTRY,
                 "hypotheses/H01.yaml": hypothesis("H01", "Trust increases participation.", "supported"),
                 "hypotheses/H02.yaml": hypothesis("H02", "Optimism helps."),
                 "evidence/E001.yaml": evidence("E001", "H01", "supports", "stad")})
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "Start the framework")
    git(root, "tag", "m-start")
    write(root, {"hypotheses/H03.yaml": hypothesis("H03", "Place identity matters.")})
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "Add H03 on place identity")
    write(root, {"hypotheses/H01.yaml": hypothesis("H01", "Trust widens the breadth of participation.", "supported")})
    git(root, "commit", "-q", "-am", "Reword H01 after the first arena")
    write(root, {"hypotheses/H01.yaml": hypothesis("H01", "Trust widens the breadth of participation.", "contested"),
                 "evidence/E002.yaml": evidence("E002", "H01", "contradicts", "nordre-follo"),
                 "evidence/E003.yaml": evidence("E003", "H01", "contradicts", "nordre-follo", "moderate")})
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "Re-rate H01 on new observations from Nordre Follo")
    write(root, {"hypotheses/H02.yaml": None})
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "Drop H02")
    git(root, "tag", "m-end")
    return root


def run(root: Path, *args: str):
    return CliRunner().invoke(main, ["-C", str(root), *args], catch_exceptions=False)


def test_diff_between_tags_in_text(repo):
    result = run(repo, "diff", "m-start", "m-end")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "+ H03 added (testing)" in out
    assert "- H02 removed (was testing)" in out
    assert out.splitlines()[1:3] == [
        "suggested status flips:",
        "  ! H01 Hypothesis H01: the evidence now suggests contested (was supported);"
        " standing b 0.50 / d 0.00 / u 0.50 -> b 0.29 / d 0.43 / u 0.29"]
    assert "  H01 Hypothesis H01: supported -> contested (changed without a revision entry)" in out
    assert "~ H01 Hypothesis H01: 2 new contradicting evidence items from Nordre Follo" in out
    assert ("statement: Trust [-increases-] {+widens the breadth of+} participation."
            " (changed without a revision entry)") in out
    assert "standing: b " in out
    assert "  Nordre Follo:\n    + E002 added (field_observation, 2022-05-01): contradicts H01\n    + E003 added" in out
    sections = [line for line in out.splitlines() if line.endswith(":") and not line.startswith(" ")]
    assert sections == ["suggested status flips:", "declared status:", "hypotheses added and withdrawn:",
                        "titles and statements:", "evidence by context:", "standing:"]


def test_diff_markdown_reads_as_a_pull_request_comment(repo):
    result = run(repo, "diff", "m-start", "m-end", "--format", "markdown")
    assert result.exit_code == 0, result.output
    out = result.output
    first = out.splitlines()[0]
    assert first.startswith("### Framework changes") and first.endswith(
        "the evidence now suggests a different status: H01 supported → contested")
    assert "- **H01** Hypothesis H01: supported → contested ⚠ *changed without a revision entry*" in out
    assert "- **H01** Hypothesis H01: 2 new contradicting evidence items from Nordre Follo; standing" in out
    assert "~~increases~~ **widens the breadth of**" in out
    assert "**Evidence by context: 2 added, 0 removed**\n\n- Nordre Follo\n  - E002 (field_observation" in out


def test_diff_json_is_complete(repo):
    result = run(repo, "diff", "m-start", "m-end", "--format", "json")
    data = json.loads(result.output)
    assert [h["id"] for h in data["hypotheses_added"]] == ["H03"]
    assert [h["id"] for h in data["hypotheses_removed"]] == ["H02"]
    (h01,) = data["hypotheses_changed"]
    assert (h01["status_before"], h01["status_after"]) == ("supported", "contested")
    assert h01["standing_after"]["disbelief"] > h01["standing_before"]["disbelief"]
    assert [e["id"] for e in data["evidence_added"]] == ["E002", "E003"]
    assert [(f["id"], f["suggested_before"], f["suggested_after"]) for f in data["flips"]] == [
        ("H01", "supported", "contested")]
    assert [(u["id"], u["part"]) for u in data["unlogged"]] == [("H01", "status"), ("H01", "statement")]
    assert data["judgements_changed"] == [] and data["fail_on_flip"] is False


def rejudge(root: Path, logged: bool) -> None:
    """A commit that re-reads E001 as contradicting H01 (and, unlogged or not, declares H01 contested)."""
    text = hypothesis("H01", "Trust widens the breadth of participation.", "contested")
    if logged:
        text += ("revisions:\n  - {date: 2023-06-01, previous: Trust widens the breadth of participation.,"
                 " previous_status: supported, change: contested after E001 was re-read}\n")
    write(root, {"evidence/E001.yaml": evidence("E001", "H01", "contradicts", "stad")
                 .replace("stance: contradicts", "stance: contradicts, scope: [stad], by: Researcher B"),
                 "hypotheses/H01.yaml": text})
    git(root, "commit", "-q", "-am", "Re-read E001")


def test_a_rejudged_evidence_item_that_flips_a_suggested_status(repo):
    write(repo, {"hypotheses/H01.yaml": hypothesis("H01", "Trust widens the breadth of participation.", "supported"),
                 "evidence/E001.yaml": evidence("E001", "H01", "supports", "stad", "moderate"),
                 "evidence/E002.yaml": evidence("E002", "H01", "supports", "nordre-follo"), "evidence/E003.yaml": None})
    git(repo, "commit", "-q", "-am", "Two supporting observations")
    rejudge(repo, logged=False)
    md = run(repo, "diff", "HEAD~1", "HEAD", "--format", "markdown")
    assert md.exit_code == 0, md.output
    lines = md.output.splitlines()
    assert "the evidence now suggests a different status: H01 supported → contested" in lines[0]
    assert lines[2:5] == ["**Suggested status flips**", "",
                          "- **H01** Hypothesis H01: the evidence now suggests **contested** (was supported);"
                          " standing b 0.60 / d 0.00 / u 0.40 → b 0.33 / d 0.33 / u 0.33"]
    assert ("- E001 on H01: stance supports → contradicts, strength moderate → strong, scope \\[\\] → \\[stad\\],"
            " by (none) → Researcher B") in md.output
    data = json.loads(run(repo, "diff", "HEAD~1", "HEAD", "--format", "json").output)
    assert [(f["id"], f["suggested_before"], f["suggested_after"]) for f in data["flips"]] == [
        ("H01", "supported", "contested")]
    (judged,) = data["judgements_changed"]
    assert judged == {"hypothesis": "H01", "evidence": "E001", "context": "Stad", "change": "changed", "fields": {
        "stance": {"before": "supports", "after": "contradicts"},
        "strength": {"before": "moderate", "after": "strong"},
        "scope": {"before": [], "after": ["stad"]},
        "by": {"before": None, "after": "Researcher B"}}}
    assert data["unlogged"] == [{"id": "H01", "part": "status", "before": "supported", "after": "contested"}]
    (h01,) = data["hypotheses_changed"]
    assert h01["judgements"] == [{k: v for k, v in judged.items() if k != "hypothesis"}]
    assert h01["standing_before"]["belief"] > h01["standing_after"]["belief"]


def test_a_logged_status_change_is_not_flagged(repo):
    rejudge(repo, logged=True)
    data = json.loads(run(repo, "diff", "HEAD~1", "HEAD", "--format", "json").output)
    assert data["unlogged"] == []
    assert "revision entry" not in run(repo, "diff", "HEAD~1", "HEAD").output


def test_fail_on_flip_from_the_flag_or_the_base_config(repo):
    rejudge(repo, logged=False)
    assert run(repo, "diff", "HEAD~1", "HEAD").exit_code == 0
    flagged = run(repo, "diff", "HEAD~1", "HEAD", "--fail-on-flip", "--format", "markdown")
    assert flagged.exit_code == 1 and flagged.output.startswith("### Framework changes")
    assert "the suggested status flips (H01 contested -> refuted)" in flagged.output
    # the setting is read from the base revision, so a change cannot switch off its own check
    write(repo, {"kb.yaml": CONFIG + "review: {fail_on_flip: true}\n"})
    git(repo, "commit", "-q", "-am", "Fail on flips")
    rejudge_back = hypothesis("H01", "Trust widens the breadth of participation.", "contested")
    write(repo, {"evidence/E001.yaml": evidence("E001", "H01", "supports", "stad"), "hypotheses/H01.yaml": rejudge_back})
    git(repo, "commit", "-q", "-am", "E001 supports again")
    assert run(repo, "diff", "HEAD~1", "HEAD").exit_code == 1
    assert run(repo, "diff", "HEAD~1", "HEAD", "--no-fail-on-flip").exit_code == 0
    assert run(repo, "diff", "HEAD~3", "HEAD~2").exit_code == 0  # before the setting: not asked


def test_diff_against_the_working_tree_and_no_changes(repo):
    same = run(repo, "diff", "m-end")
    assert same.exit_code == 0 and "no changes to the framework" in same.output
    write(repo, {"hypotheses/H04.yaml": hypothesis("H04", "Creative climate matters.")})
    result = run(repo, "diff", "HEAD")
    assert "+ H04 added" in result.output and "working tree" in result.output


def test_diff_never_touches_the_working_tree(repo):
    before = {p: p.read_bytes() for p in repo.rglob("*") if p.is_file() and ".git" not in p.parts}
    run(repo, "diff", "m-start", "m-end")
    after = {p: p.read_bytes() for p in repo.rglob("*") if p.is_file() and ".git" not in p.parts}
    assert before == after


def test_history_lists_every_commit_with_a_summary(repo):
    result = run(repo, "history")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    messages = [line for line in lines if not line.startswith("    ")]
    assert len(messages) == 5
    assert "Researcher A: Drop H02" in messages[0]
    assert "H02 removed" in lines[1]
    assert "H01 supported -> contested" in result.output
    assert "E002 added" in result.output
    assert "H01 reworded" in result.output


def test_history_of_one_item(repo):
    result = run(repo, "history", "H01", "--format", "json")
    data = json.loads(result.output)
    assert [c["message"] for c in data] == [
        "Re-rate H01 on new observations from Nordre Follo",
        "Reword H01 after the first arena",
        "Start the framework",
    ]
    assert all(c["author"] == "Researcher A" and c["date"] == "2023-01-01" for c in data)


def test_unknown_revision_is_a_clear_error(repo):
    result = run(repo, "diff", "no-such-tag")
    assert result.exit_code == 2
    assert "unknown revision 'no-such-tag'" in result.output
    assert "Traceback" not in result.output


def test_a_revision_whose_kb_does_not_load(repo):
    write(repo, {"hypotheses/H05.yaml": "id: H05\ntitle: [broken\n"})
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "Broken file")
    result = run(repo, "diff", "m-end", "HEAD")
    assert result.exit_code == 2
    assert "does not load" in result.output and "H05.yaml" in result.output
    history = run(repo, "history")
    assert history.exit_code == 0 and "does not load" in history.output


def test_without_git_repository(tmp_path):
    write(tmp_path, {"kb.yaml": CONFIG})
    for args in (["diff", "HEAD"], ["history"]):
        result = run(tmp_path, *args)
        assert result.exit_code == 2, result.output
        assert "not in a git repository" in result.output
        assert "Traceback" not in result.output


def test_shallow_clone_says_so(repo, tmp_path):
    clone = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{repo}", str(clone))
    result = run(clone, "diff", "HEAD~3")
    assert result.exit_code == 2
    assert "shallow clone" in result.output


def test_kb_in_a_subdirectory_of_the_repository(tmp_path):
    top = tmp_path / "project"
    kbdir = top / "theory"
    kbdir.mkdir(parents=True)
    git(top, "init", "-q", "-b", "main")
    write(kbdir, {"kb.yaml": CONFIG, "registry/r.yaml": REGISTRY,
                  "hypotheses/H01.yaml": hypothesis("H01", "Trust increases participation.")})
    git(top, "add", "-A")
    git(top, "commit", "-q", "-m", "first")
    write(kbdir, {"hypotheses/H02.yaml": hypothesis("H02", "Optimism helps.")})
    git(top, "add", "-A")
    git(top, "commit", "-q", "-m", "second")
    result = run(kbdir, "diff", "HEAD~1", "HEAD")
    assert result.exit_code == 0, result.output
    assert "+ H02 added" in result.output


def test_diff_between_two_tags_of_the_shipped_kb(tmp_path):
    """The repository's own history: tag the commit that first shipped the KB and HEAD."""
    if not (REPO / ".git").exists():
        pytest.fail("the tests need the repository's git history")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(REPO), str(clone))
    if git(clone, "rev-parse", "--is-shallow-repository").strip() == "true":
        result = run(clone, "diff", "HEAD~1")
        assert result.exit_code == 2 and "shallow" in result.output
        return
    first = git(clone, "log", "--diff-filter=A", "--format=%H", "--", "hypotheses/H01.yaml").split()[-1]
    git(clone, "tag", "shipped-first", first)
    git(clone, "tag", "shipped-now", "HEAD")
    for fmt in ("text", "markdown", "json"):
        result = run(clone, "diff", "shipped-first", "shipped-now", "--format", fmt)
        assert result.exit_code == 0, result.output


def test_milestone_tags_are_found(repo):
    from kb.history.git import milestone_revisions
    from kb.load.loader import load

    kb, _ = load(repo)
    assert milestone_revisions(repo, kb) == [("start", "m-start"), ("end", "m-end")]
    shutil.rmtree(repo / ".git")
    assert milestone_revisions(repo, kb) == []
