"""kb status/show --as-of read from git, the milestones' tag checks, and the site's milestone table.

One real repository of a KB, eight commits from 2021 to 2024, two tagged
milestones and one untagged, and a status change never logged in
``revisions`` (H01, testing -> supported in February 2022): the revision log
alone puts that change in the past, git does not.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from kb.cli import main

CONFIG = """title: {en: As-of test}
base_iri: https://example.org/asof/
languages: [en]
milestones:
  - id: baseline
    date: 2021-06-30
    label: Baseline
    tag: v-baseline
  - id: midterm
    date: 2022-06-30
    label: Midterm
  - id: end
    date: 2023-12-31
    label: End
    tag: v-end
"""
REGISTRY = """constructs:
  - {id: trust, label: Trust}
  - {id: participation, label: Participation}
contexts:
  - {id: stad, label: Stad, kind: municipality}
"""


def hypothesis(hid: str, title: str, statement: str, status: str, proposed: str, revisions: str = "") -> str:
    return (f"id: {hid}\ntitle: {{en: {title}}}\nstatement: {{en: {statement}}}\n"
            f"relation: {{from: trust, to: participation, effect: positive}}\n"
            f"status: {status}\nproposed: {proposed}\n" + revisions)


def evidence(eid: str, hid: str, stance: str, date: str) -> str:
    return (f"id: {eid}\nkind: field_observation\ntitle: Observation {eid}\ndate: {date}\ncontext: stad\n"
            f"summary: An illustrative observation.\nillustrative: true\n"
            f"links:\n  - {{hypothesis: {hid}, stance: {stance}, strength: strong}}\n")


H01_TESTING = hypothesis("H01", "Trust first", "Trust increases participation.", "testing", "2021-01-10")
H01_SUPPORTED = hypothesis("H01", "Trust first", "Trust increases participation.", "supported", "2021-01-10")
H02_OLD = hypothesis("H02", "Optimism", "Optimism helps.", "proposed", "2021-01-10")
H02_NEW = hypothesis("H02", "Optimism", "Optimism among staff helps co-creation.", "testing", "2021-01-10",
                     "revisions:\n  - date: 2022-02-01\n    previous: {en: Optimism helps.}\n"
                     "    previous_status: proposed\n    change: Narrowed to staff.\n")
H03_OLD = hypothesis("H03", "Place", "Place identity matters.", "proposed", "2021-05-01")
H03_NEW = hypothesis("H03", "Place identity", "Place identity matters.", "proposed", "2021-05-01",
                     "revisions:\n  - date: 2022-09-01\n    previous: {en: Place identity matters.}\n"
                     "    previous_title: {en: Place}\n    change: Clearer title.\n")
H03_TESTING = H03_NEW.replace("status: proposed", "status: testing")

#: (commit date, message, files written (None: removed), tag)
COMMITS = [
    ("2021-01-15", "Start the framework", {"kb.yaml": CONFIG, "registry/r.yaml": REGISTRY,
                                           "hypotheses/H01.yaml": H01_TESTING, "hypotheses/H02.yaml": H02_OLD,
                                           "evidence/E001.yaml": evidence("E001", "H01", "supports", "2021-01-12")},
     None),
    ("2021-05-01", "Add H03 on place identity", {"hypotheses/H03.yaml": H03_OLD}, None),
    ("2021-06-20", "First arena observed", {"evidence/E002.yaml": evidence("E002", "H01", "supports", "2021-06-15")},
     "v-baseline"),
    ("2022-02-01", "H01 supported (not logged); H02 narrowed",
     {"hypotheses/H01.yaml": H01_SUPPORTED, "hypotheses/H02.yaml": H02_NEW}, None),
    ("2022-09-01", "Retitle H03", {"hypotheses/H03.yaml": H03_NEW,
                                   "evidence/E003.yaml": evidence("E003", "H03", "supports", "2022-08-20")}, None),
    ("2023-03-01", "Drop H02", {"hypotheses/H02.yaml": None}, None),
    ("2023-12-20", "Add H04 at the end", {"hypotheses/H04.yaml": hypothesis(
        "H04", "Leaders", "Leaders matter.", "proposed", "2023-12-01")}, "v-end"),
    ("2024-03-01", "H03 now tested (not logged)", {"hypotheses/H03.yaml": H03_TESTING}, None),
]


def git(cwd: Path, *args: str, date: str = "2024-06-01") -> str:
    stamp = f"{date}T12:00:00+00:00"
    env = {**os.environ, "GIT_AUTHOR_NAME": "Researcher A", "GIT_AUTHOR_EMAIL": "a@example.org",
           "GIT_COMMITTER_NAME": "Researcher A", "GIT_COMMITTER_EMAIL": "a@example.org",
           "GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp}
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
    root = tmp_path / "kbrepo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    for date, message, files, tag in COMMITS:
        write(root, files)
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", message, date=date)
        if tag:
            git(root, "tag", tag)
    return root


def run(root: Path, *args: str):
    return CliRunner().invoke(main, ["-C", str(root), *args], catch_exceptions=False)


def as_json(root: Path, *args: str):
    result = run(root, *args, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def declared(root: Path, *as_of: str) -> dict[str, tuple[str, str, str]]:
    """id -> (declared status, title, statement), by kb status and kb show."""
    rows = as_json(root, "status", *as_of)
    out = {}
    for row in rows:
        shown = as_json(root, "show", row["id"], *as_of)
        assert shown["status"] == row["declared"]
        out[row["id"]] = (row["declared"], shown["title"]["en"], shown["statement"]["en"])
    return out


def checked_out(repo: Path, tag: str, tmp_path: Path) -> Path:
    tree = tmp_path / f"wt-{tag}"
    git(repo, "worktree", "add", "-q", "--detach", str(tree), tag)
    return tree


@pytest.mark.parametrize("milestone, tag", [("baseline", "v-baseline"), ("end", "v-end")])
def test_as_of_a_tagged_milestone_is_the_tree_at_its_tag(repo, tmp_path, milestone, tag):
    then = declared(checked_out(repo, tag, tmp_path))
    assert declared(repo, "--as-of", milestone) == then
    sha = git(repo, "rev-parse", f"{tag}^{{commit}}").strip()
    rows = as_json(repo, "status", "--as-of", milestone)
    assert {row["as_of"]["source"] for row in rows} == {f"git commit {sha[:7]}"}
    assert rows[0]["as_of"]["commit"] == sha and rows[0]["as_of"]["how"] == f"tag {tag}"


def test_the_unlogged_status_change_stays_where_it_was_made(repo):
    from kb.history.asof import view_as_of
    from kb.load.loader import load

    baseline = declared(repo, "--as-of", "baseline")
    assert baseline["H01"] == ("testing", "Trust first", "Trust increases participation.")
    assert baseline["H02"] == ("proposed", "Optimism", "Optimism helps.")  # removed since, there then
    assert baseline["H03"][1] == "Place"
    # the revision log alone applies the unlogged change to the past: the two sources differ
    kb, _ = load(repo)
    assert view_as_of(kb, dt.date(2021, 6, 30)).hypotheses["H01"].status == "supported"
    end = declared(repo, "--as-of", "end")
    assert end["H01"][0] == "supported" and "H02" not in end and end["H03"][:2] == ("proposed", "Place identity")
    assert declared(repo)["H03"][0] == "testing"  # changed after the end, not before


def test_an_untagged_milestone_and_a_date_read_the_last_commit_by_then(repo):
    midterm = as_json(repo, "status", "--as-of", "midterm")
    shas = git(repo, "log", "--format=%H %cs").split("\n")
    feb = next(line.split()[0] for line in shas if line.endswith("2022-02-01"))
    assert midterm[0]["as_of"]["source"] == f"git commit {feb[:7]}"
    assert midterm[0]["as_of"]["how"] == "the last commit on or before 2022-06-30"
    assert {r["id"]: r["declared"] for r in midterm} == {"H01": "supported", "H02": "testing", "H03": "proposed"}
    on_the_day = as_json(repo, "status", "--as-of", "2022-09-01")  # a commit of that day counts
    assert {r["id"]: r["title"] for r in on_the_day}["H03"] == "Place identity"
    assert {r["id"]: r["title"] for r in as_json(repo, "status", "--as-of", "2022-08-31")}["H03"] == "Place"


def test_evidence_still_counts_by_its_own_date(repo):
    # E002 was committed on 2021-06-20 but dated 2021-06-15: as of 2021-06-16 it counts
    rows = {r["id"]: r for r in as_json(repo, "status", "--as-of", "2021-06-16")}
    assert rows["H01"]["supports"] == 2 and rows["H01"]["as_of"]["source"].startswith("git commit ")


def test_before_the_first_commit_it_is_the_revision_log_and_says_so(repo):
    result = run(repo, "status", "--as-of", "2021-01-12")
    assert result.exit_code == 0, result.output
    assert ("kb: as of 2021-01-12: declared statuses, titles and statements from the revision log "
            "(no commit on or before 2021-01-12); evidence dated by then") in result.stderr
    assert "revision log" not in result.stdout
    rows = as_json(repo, "status", "--as-of", "2021-01-12")
    assert rows[0]["as_of"] == {"date": "2021-01-12", "source": "revision log", "commit": None,
                                "how": "no commit on or before 2021-01-12"}
    assert {r["id"]: r["declared"] for r in rows}["H01"] == "supported"  # what the log can tell


def test_without_git_it_is_the_revision_log_and_says_so(repo, tmp_path):
    copy = tmp_path / "no-git"
    shutil.copytree(repo, copy, ignore=shutil.ignore_patterns(".git"))
    shown = as_json(copy, "show", "H01", "--as-of", "baseline")
    assert shown["as_of"]["source"] == "revision log" and shown["as_of"]["how"] == "not in a git repository"
    assert shown["status"] == "supported"
    text = run(copy, "show", "H01", "--as-of", "baseline")
    assert text.exit_code == 0, text.output
    assert "from the revision log (not in a git repository)" in text.stderr
    assert as_json(copy, "show", "H01")["as_of"] is None


def test_the_sites_milestone_table_agrees(repo, tmp_path):
    from kb.history.git import git_history
    from kb.load.loader import load
    from kb.site.kit import Site, timeline_events
    from kb.site.overview import changes_view

    kb, _ = load(repo)
    site = Site(kb, history=git_history(repo, kb))
    view = changes_view(site, timeline_events(site))
    assert [m[0] for m in view.milestones] == ["baseline", "midterm", "end"]
    columns = {m[0]: i for i, m in enumerate(view.milestones)}
    table = {ref.label: cells for ref, _, cells in view.matrix}
    assert set(table) == {"H01", "H02", "H03", "H04"}  # H02, removed since, has its row
    for milestone, tag in (("baseline", "v-baseline"), ("end", "v-end")):
        then = declared(checked_out(repo, tag, tmp_path))
        shown = {hid: cells[columns[milestone]].declared for hid, cells in table.items()
                 if cells[columns[milestone]] is not None}
        assert shown == {hid: status for hid, (status, _, _) in then.items()}
    midterm = {r["id"]: r["declared"] for r in as_json(repo, "status", "--as-of", "midterm")}
    assert {h: c[columns["midterm"]].declared for h, c in table.items() if c[columns["midterm"]]} == midterm
    baseline_sha = git(repo, "rev-parse", "v-baseline^{commit}").strip()
    assert view.sources[0] == f"as committed ({baseline_sha[:7]})"
    # the git section below the table: between the two tags H01 goes testing -> supported, as in the table
    (d,) = view.diffs
    assert {c.ref.label: c.status for c in d.changed}["H01"] == ("testing", "supported")


def test_the_site_without_its_history_reads_the_revision_log(repo):
    from kb.load.loader import load
    from kb.site.kit import Site, timeline_events
    from kb.site.overview import changes_view

    kb, _ = load(repo)
    view = changes_view(Site(kb), timeline_events(Site(kb)))
    assert set(view.sources) == {"from the revision log"}


def _tag_line(config: str, tag: str) -> tuple[int, int]:
    for n, line in enumerate(config.splitlines(), 1):
        if line.strip() == f"tag: {tag}":
            return n, line.index(tag) + 1
    raise AssertionError(tag)


def test_a_mistyped_tag_is_warned_about_at_its_line(repo):
    config = CONFIG.replace("tag: v-baseline", "tag: v-basline")
    write(repo, {"kb.yaml": config})
    line, column = _tag_line(config, "v-basline")
    result = run(repo, "check")
    assert result.exit_code == 0, result.output
    assert (f"kb.yaml:{line}:{column}: warning KB501 milestones[0].tag: milestone 'baseline' names the tag "
            "'v-basline', which does not exist in the repository") in result.stderr
    assert "did you mean 'v-baseline'?" in result.stderr
    assert run(repo, "check", "--strict").exit_code == 1
    data = as_json(repo, "check")
    assert [d["code"] for d in data["diagnostics"]] == ["KB501"]
    # as-of then reads by the milestone's date, and says why
    rows = as_json(repo, "status", "--as-of", "baseline")
    assert rows[0]["as_of"]["how"] == ("tag 'v-basline' does not exist, so the last commit on or before 2021-06-30")
    # the tag is no file of the KB: creating it ends the warning though no file changed
    git(repo, "tag", "v-basline", "v-baseline")
    assert "KB501" not in run(repo, "check").output


def test_a_tag_far_from_its_milestone_is_warned_about(repo):
    config = CONFIG.replace("tag: v-end", "tag: v-baseline")
    write(repo, {"kb.yaml": config})
    result = run(repo, "check")
    assert result.exit_code == 0, result.output
    line = config.splitlines().index("    tag: v-baseline", 10) + 1
    assert (f"kb.yaml:{line}:10: warning KB502 milestones[2].tag: milestone 'end' is dated 2023-12-31 but its "
            "tag 'v-baseline' points at a commit of 2021-06-20, 924 days away") in result.stderr
    assert "KB501" not in result.output and result.output.count("KB502") == 1  # baseline's own is 10 days off


def test_no_tag_check_outside_git(repo, tmp_path):
    copy = tmp_path / "no-git"
    shutil.copytree(repo, copy, ignore=shutil.ignore_patterns(".git"))
    write(copy, {"kb.yaml": CONFIG.replace("tag: v-baseline", "tag: v-basline")})
    result = run(copy, "check", "--strict")
    assert result.exit_code == 0, result.output


def test_the_timeline_shows_the_unlogged_change_where_the_table_does(repo):
    from kb.history.git import git_history
    from kb.load.loader import load
    from kb.site.kit import Render, Site, timeline_events
    from kb.site.overview import changes_page, changes_view

    kb, _ = load(repo)
    site = Site(kb, history=git_history(repo, kb))
    view = changes_view(site, timeline_events(site))
    by_period = {p.heading: [(ev.subject.label, ev.kind, ev.old, ev.new) for ev in p.events] for p in view.periods}
    midterm = by_period["Up to Midterm (2022-06-30)"]
    assert ("H01", "status", "testing", "supported") in midterm  # not logged: seen between the milestones
    assert [e for e in midterm if e[0] == "H02" and e[1] == "status"] == []  # logged in H02's (removed) file
    page = changes_page(view, Render(site.words))
    assert "not in its revision log" in page and "as committed (" in page


def test_what_a_committed_hypothesis_referred_to_is_in_the_view(tmp_path):
    """A source and a construct removed since stay in the past, so every as-of output can name them."""
    root = tmp_path / "kb"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    source = '  - {id: src1, title: A source, authors: [A. Author], year: 2020, url: "https://example.org/s"}\n'
    then = hypothesis("H01", "One", "Gone matters.", "testing", "2021-01-01").replace("from: trust", "from: gone")
    write(root, {"kb.yaml": CONFIG.split("milestones:")[0], "hypotheses/H01.yaml": then + "derived_from: [src1]\n",
                 "registry/r.yaml": REGISTRY.replace("constructs:\n", "constructs:\n  - {id: gone, label: Gone}\n")
                 + "sources:\n" + source})
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "one", date="2021-02-01")
    write(root, {"hypotheses/H01.yaml": hypothesis("H01", "One", "Trust matters.", "testing", "2021-01-01"),
                 "registry/r.yaml": REGISTRY})
    git(root, "commit", "-q", "-am", "two", date="2022-02-01")
    shown = as_json(root, "show", "H01", "--as-of", "2021-06-01")
    assert shown["statement"]["en"] == "Gone matters." and shown["as_of"]["source"].startswith("git commit ")
    for command in (["export"], ["graph"], ["show", "src1"], ["show", "gone"]):
        result = run(root, *command, "--as-of", "2021-06-01")
        assert result.exit_code == 0, result.output
    assert "src1" in run(root, "export", "--as-of", "2021-06-01").stdout
