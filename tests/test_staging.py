"""kb.engine.staging: at every instant there is a complete site, and killed builds leave nothing for long.

The swap is killed at random moments, many times, by a real SIGKILL of the
process doing it, while a reader checks the site after each kill; the
exchange itself is one system call, so there is no moment between "old" and
"new" to land in.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from kb.engine.staging import remove_stale, staging, swap

#: A child that builds fake sites (a numbered marker and 30 files) and swaps them in, forever.
SWAPPER = r"""
import sys, pathlib
from kb.engine.staging import staging
out = pathlib.Path(sys.argv[1])
n = 0
while True:
    n += 1
    with staging(out) as work:
        work.site.mkdir()
        for i in range(30):
            (work.site / f"page{i}.html").write_text(str(n))
        (work.site / "index.html").write_text(str(n))
        work.swap_into_place()
"""


def _complete(site: Path) -> bool:
    """A site of one build: its index and all 30 pages, with the same build number."""
    marks = {p.read_text() for p in site.glob("*.html")}
    return (site / "index.html").is_file() and len(list(site.glob("page*.html"))) == 30 and len(marks) == 1


def test_a_build_killed_at_any_moment_leaves_a_complete_site(tmp_path):
    out = tmp_path / "site"
    rng = random.Random(7)
    for attempt in range(25):
        proc = subprocess.Popen([sys.executable, "-c", SWAPPER, str(out)])
        _wait_for(out if attempt == 0 else None)
        deadline = time.monotonic() + 60
        while not list(tmp_path.glob(f".site.{proc.pid}.*")):  # its first build has begun
            assert time.monotonic() < deadline, "the swapper never started a build"
            time.sleep(0.002)
        time.sleep(rng.random() * 0.05)  # somewhere inside a build or a swap
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert _complete(out), f"attempt {attempt}: {sorted(p.name for p in out.iterdir())}"
    # whatever work folders the killed builds left, the next build removes
    with staging(out):
        pass
    assert [p.name for p in tmp_path.iterdir()] == ["site"]


def _wait_for(path: Path | None, limit: float = 60) -> None:
    """Until the first site is in place (a loaded machine starts Python slowly)."""
    deadline = time.monotonic() + limit
    while path is not None and not (path / "index.html").exists():
        assert time.monotonic() < deadline, "the swapper never put a site in place"
        time.sleep(0.01)


def test_a_reader_never_sees_no_site(tmp_path):
    out = tmp_path / "site"
    proc = subprocess.Popen([sys.executable, "-c", SWAPPER, str(out)])
    try:
        _wait_for(out)
        deadline = time.monotonic() + 2
        seen = 0
        while time.monotonic() < deadline:
            assert (out / "index.html").is_file()
            seen += 1
        assert seen > 100
    finally:
        proc.kill()
        proc.wait()


def test_the_first_swap_moves_the_site_in_and_later_ones_exchange(tmp_path):
    out = tmp_path / "site"
    new = tmp_path / "new"
    new.mkdir()
    (new / "index.html").write_text("one")
    swap(new, out)
    assert (out / "index.html").read_text() == "one" and not new.exists()
    new.mkdir()
    (new / "index.html").write_text("two")
    swap(new, out)
    assert (out / "index.html").read_text() == "two"
    assert (new / "index.html").read_text() == "one"  # the old site, to leave with the work folder


def test_work_folders_of_running_builds_are_kept(tmp_path):
    out = tmp_path / "site"
    mine = tmp_path / f".site.{os.getpid()}.abc.tmp"
    mine.mkdir()
    dead = tmp_path / ".site.999999999.abc.tmp"
    dead.mkdir()
    assert remove_stale(out) == [dead]
    assert mine.is_dir() and not dead.exists()
