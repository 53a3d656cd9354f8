"""Where a build is made, and how it replaces the previous site: at every instant there is a complete site.

A build works in a folder beside the site (same file system), named after
the site and the building process: ``.site.<pid>.<random>.tmp``. The
finished site is exchanged with the old one in one step (Linux'
``renameat2(RENAME_EXCHANGE)``), so a reader, or a build killed at any
moment, sees either the old site or the new one; the old one then leaves
with the work folder. Where the system has no exchange, two renames are
used and the gap between them is a few microseconds. Work folders left by
builds that were killed are removed by the next build, once the process
that made them is gone.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import re
import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


@dataclass
class Work:
    """A build's work folder: ``project`` (docs/ and mkdocs.yml, as ``kb pages`` writes them) and ``site``."""

    root: Path
    out_dir: Path

    @property
    def project(self) -> Path:
        return self.root / "project"

    @property
    def site(self) -> Path:
        return self.root / "site"

    def swap_into_place(self) -> None:
        """Put the built site at ``out_dir``; the old one (if any) moves into the work folder, to go with it."""
        swap(self.site, self.out_dir)


@contextmanager
def staging(out_dir: Path) -> Iterator[Work]:
    """A fresh work folder beside ``out_dir``, removed afterwards whether the build succeeded or not."""
    out_dir = Path(out_dir).resolve()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    remove_stale(out_dir)
    root = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.{os.getpid()}.", suffix=".tmp", dir=out_dir.parent))
    try:
        (root / "project").mkdir()
        yield Work(root, out_dir)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def swap(new: Path, out_dir: Path) -> None:
    """Exchange ``new`` and ``out_dir`` atomically where the system can; ``new`` then holds the old site."""
    if not (out_dir.exists() or out_dir.is_symlink()):
        os.replace(new, out_dir)
        return
    if _exchange(new, out_dir):
        return
    old = new.with_name(new.name + ".old")
    os.replace(out_dir, old)
    try:
        os.replace(new, out_dir)
    except BaseException:
        os.replace(old, out_dir)
        raise
    os.replace(old, new)


def _exchange(a: Path, b: Path) -> bool:
    """Linux' atomic exchange of two paths; False where it is not available."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError, TypeError):
        return False
    done = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return done == 0


def remove_stale(out_dir: Path) -> list[Path]:
    """Remove work folders of builds of ``out_dir`` whose process no longer runs; returns them."""
    pattern = re.compile(rf"\.{re.escape(out_dir.name)}\.(\d+)\.[^/]*\.(?:tmp|old)$")
    removed = []
    for entry in out_dir.parent.iterdir() if out_dir.parent.is_dir() else ():
        m = pattern.match(entry.name)
        if m and entry.is_dir() and not entry.is_symlink() and not _running(int(m.group(1))):
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry)
    return removed


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
