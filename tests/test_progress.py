"""Progress on long work, seen as a user sees it: the real ``kb`` program on a pseudo-terminal.

stderr goes to a pty (so kb sees a terminal), stdout to a file; the same
command with stderr to a pipe, and with ``--quiet`` on the pty, must show
no progress, and stdout must be byte for byte the same every time.
Also the mode of files written with ``-o`` (kb.output.write_atomic).
"""

from __future__ import annotations

import io
import os
import re
import select
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kb.output import write_atomic
from kb.progress import Progress

EVIDENCE = """\
id: {id}
kind: field_observation
date: 2021-03-{day:02d}
summary: Observation {id}.
links:
  - hypothesis: H0{h}
    stance: {stance}
    strength: moderate
"""
HYPOTHESIS = "id: H0{n}\ntitle: Hypothesis {n}\nstatement: Statement {n}.\nstatus: testing\nproposed: 2021-01-01\n"


def _write_kb(root: Path, evidence: range) -> None:
    (root / "hypotheses").mkdir(parents=True, exist_ok=True)
    (root / "evidence").mkdir(exist_ok=True)
    (root / "kb.yaml").write_text("title: Progress test\nbase_iri: https://kb.example.org/progress/\n")
    for n in range(1, 4):
        (root / "hypotheses" / f"H0{n}.yaml").write_text(HYPOTHESIS.format(n=n))
    for i in evidence:
        text = EVIDENCE.format(id=f"E{i:03d}", day=i % 28 + 1, h=i % 3 + 1,
                               stance="contradicts" if i % 5 == 0 else "supports")
        (root / "evidence" / f"E{i:03d}.yaml").write_text(text)


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=T", "-c", "user.email=t@example.org", *args], cwd=root, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def big_kb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """300 evidence items in a git repository: v1 has 250 of them, the working tree commit all 300."""
    root = tmp_path_factory.mktemp("progress") / "kb"
    _write_kb(root, range(1, 251))
    _git(root, "init", "-q")
    _git(root, "add", ".")
    _git(root, "commit", "-q", "-m", "first")
    _git(root, "tag", "v1")
    _write_kb(root, range(1, 301))
    _git(root, "add", ".")
    _git(root, "commit", "-q", "-m", "more")
    _git(root, "tag", "v2")
    return root


def _kb(args: list[str], cwd: Path, out: Path, tty: bool) -> tuple[int, bytes, str]:
    """Run ``python -m kb ARGS``: (exit status, stdout bytes, what reached stderr)."""
    env = {**os.environ, "KB_NO_CACHE": "1", "COLUMNS": "200"}
    with open(out, "wb") as stdout:
        if not tty:
            proc = subprocess.run([sys.executable, "-m", "kb", *args], cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                  stdout=stdout, stderr=subprocess.PIPE, timeout=600)
            return proc.returncode, out.read_bytes(), proc.stderr.decode("utf-8", "replace")
        master, slave = os.openpty()
        proc = subprocess.Popen([sys.executable, "-m", "kb", *args], cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                stdout=stdout, stderr=slave)
        os.close(slave)
        seen = bytearray()
        deadline = time.monotonic() + 600
        try:
            while time.monotonic() < deadline:
                ready, _, _ = select.select([master], [], [], 1.0)
                if not ready:
                    if proc.poll() is not None:
                        break
                    continue
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # EIO: the program closed its end
                    break
                if not chunk:
                    break
                seen += chunk
        finally:
            os.close(master)
            rc = proc.wait(timeout=60)
    return rc, out.read_bytes(), seen.decode("utf-8", "replace")


def _three_ways(args: list[str], cwd: Path, tmp_path: Path) -> tuple[str, str, str]:
    """stderr on a terminal, in a pipe, and on a terminal with --quiet; stdout must be the same in all three."""
    rc, shown, on_tty = _kb(args, cwd, tmp_path / "tty.out", tty=True)
    assert rc == 0, on_tty
    rc, piped, in_pipe = _kb(args, cwd, tmp_path / "pipe.out", tty=False)
    assert rc == 0, in_pipe
    rc, quiet, quiet_tty = _kb(["-q", *args], cwd, tmp_path / "quiet.out", tty=True)
    assert rc == 0, quiet_tty
    assert shown == piped == quiet, "stdout differs with progress shown"
    assert shown, "the command printed nothing on stdout"
    return on_tty, in_pipe, quiet_tty


def _no_progress(text: str) -> None:
    assert "..." not in text and "\r" not in text, text


def test_check_shows_its_stages_and_counts_on_a_terminal_only(big_kb, tmp_path):
    on_tty, in_pipe, quiet = _three_ways(["check"], big_kb, tmp_path)
    assert "kb: read files..." in on_tty
    assert re.search(r"kb: load and check\.\.\. 303/303 files", on_tty), on_tty
    _no_progress(in_pipe)
    _no_progress(quiet)


def test_export_names_loading_and_exporting(big_kb, tmp_path):
    on_tty, in_pipe, quiet = _three_ways(["export", "--format", "nt"], big_kb, tmp_path)
    assert re.search(r"kb: load and check\.\.\. [\d,]+ files", on_tty), on_tty
    assert "kb: export nt..." in on_tty
    _no_progress(in_pipe)
    _no_progress(quiet)


def test_export_to_a_file_prints_progress_and_writes_the_same_file(big_kb, tmp_path):
    rc, _, on_tty = _kb(["export", "-o", str(tmp_path / "a.ttl")], big_kb, tmp_path / "o1", tty=True)
    assert rc == 0 and "kb: export ttl..." in on_tty, on_tty
    rc, _, in_pipe = _kb(["export", "-o", str(tmp_path / "b.ttl")], big_kb, tmp_path / "o2", tty=False)
    assert rc == 0 and in_pipe == "", in_pipe
    assert (tmp_path / "a.ttl").read_bytes() == (tmp_path / "b.ttl").read_bytes()


def test_diff_counts_the_files_of_each_revision(big_kb, tmp_path):
    on_tty, in_pipe, quiet = _three_ways(["diff", "v1", "v2"], big_kb, tmp_path)
    assert re.search(r"kb: load v1\.\.\. 253/253 files", on_tty), on_tty
    assert re.search(r"kb: load v2\.\.\. 303/303 files", on_tty), on_tty
    assert "kb: compare..." in on_tty
    _no_progress(in_pipe)
    _no_progress(quiet)


def test_build_names_every_stage(big_kb, tmp_path):
    args = ["build", "-o", str(tmp_path / "site")]
    rc, _, on_tty = _kb(args, big_kb, tmp_path / "b1", tty=True)
    assert rc == 0, on_tty
    for stage in ("load and check", "public view", "standings", "downloads", "history", "saved questions",
                  "pages", "site engine", "swap"):
        assert f"kb: {stage}..." in on_tty, (stage, on_tty)
    assert re.search(r"kb: history\.\.\. 2/2 commits", on_tty), on_tty
    rc, _, in_pipe = _kb(args, big_kb, tmp_path / "b2", tty=False)
    assert rc == 0, in_pipe
    _no_progress(in_pipe)


def test_errors_start_on_a_line_of_their_own(big_kb, tmp_path):
    broken = tmp_path / "broken"
    _write_kb(broken, range(1, 40))
    (broken / "evidence" / "E005.yaml").write_text(EVIDENCE.format(id="E005", day=1, h=9, stance="supports"))
    rc, _, on_tty = _kb(["export"], broken, tmp_path / "x", tty=True)
    assert rc == 1, on_tty
    lines = on_tty.replace("\r\n", "\n").split("\n")
    assert any(line.startswith("evidence/E005.yaml:") for line in lines), on_tty
    assert "Traceback" not in on_tty


def test_the_reporter_is_silent_off_a_terminal():
    quiet = Progress.on_stderr(quiet=True)
    assert not quiet.shown and quiet.counter() is None
    buffer = io.StringIO()  # not a terminal
    assert Progress(buffer).shown  # only on_stderr decides by the terminal
    Progress(buffer)("x")
    assert buffer.getvalue() == "kb: x..."


def test_a_count_held_back_by_the_throttle_is_shown_when_the_stage_ends():
    buffer = io.StringIO()
    progress = Progress(buffer)
    progress("load")
    count = progress.counter("files")
    for done in range(1, 1001):
        count(done, None)
    progress.close()
    assert buffer.getvalue().endswith("kb: load... 1,000 files\n"), buffer.getvalue()


# --- the mode of files written with -o ----------------------------------------------------


def test_a_new_file_gets_the_mode_the_umask_allows(tmp_path):
    old = os.umask(0o022)
    try:
        write_atomic(tmp_path / "new.ttl", "x")
        os.umask(0o027)
        write_atomic(tmp_path / "group.ttl", "x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new.ttl").stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "group.ttl").stat().st_mode) == 0o640


def test_a_replaced_file_keeps_its_mode(tmp_path, run_kb, make_kb):
    target = tmp_path / "kb.ttl"
    target.write_text("old")
    target.chmod(0o640)
    old = os.umask(0o022)
    try:
        result = run_kb("export", "-o", str(target), cwd=make_kb({}))
    finally:
        os.umask(old)
    assert result.exit_code == 0, result.output
    assert target.read_text() != "old"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_import_names_its_stages(tmp_path):
    import shutil

    repo, data = Path(__file__).resolve().parents[1], Path(__file__).resolve().parent / "data" / "qdpx"
    root = tmp_path / "kb"
    root.mkdir()
    for name in ("kb.yaml", "hypotheses", "evidence", "registry", "data"):
        (shutil.copytree if (repo / name).is_dir() else shutil.copyfile)(repo / name, root / name)
    (root / "imports").mkdir()
    shutil.copyfile(data / "mapping.yaml", root / "imports" / "qdpx-mapping.yaml")
    # a dry run writes nothing, so the three runs see the same KB and print the same plan
    on_tty, in_pipe, quiet = _three_ways(["import", "qdpx", str(data / "arenas-v1.qdpx"), "--dry-run"], root, tmp_path)
    for stage in ("read the project", "load the knowledge base", "plan the import"):
        assert f"kb: {stage}..." in on_tty, on_tty
    assert "write the evidence" not in on_tty  # a dry run
    _no_progress(in_pipe)
    _no_progress(quiet)
