"""Where a knowledge base's files are, and their bytes.

Takes a directory; gives the KB's root (the nearest directory holding
``kb.yaml``) and every item file under its folders (YAML; in registry/ also
BibTeX and CSL-JSON), in a fixed order. Kept apart from :mod:`kb.load`
because it imports nothing heavy: ``kb check`` with nothing changed needs
only this and :mod:`kb.cache`.

kb reads only what belongs to the knowledge base: regular files inside its
root. A symlink is followed only to a regular file inside the root and
outside its dot-folders (``.git`` holds remotes and tokens); a FIFO, device
or socket is refused without being opened (it could block or never end); a
folder that cannot be read is an error, never silently skipped; and no file
may be larger than :data:`MAX_FILE_BYTES`. Each refusal is a Diagnostic
(KB110, KB111) naming the file, collected like any other problem.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Iterator

from kb.errors import ConfigError, Diagnostic, NoKnowledgeBase

CONFIG_FILE = "kb.yaml"
#: The folders holding items, each read with its own model (see kb.load.loader.FOLDERS).
FOLDER_NAMES = ("hypotheses", "evidence", "registry")
YAML_SUFFIXES = (".yaml", ".yml")
#: Sources exactly as a reference manager exports them (BibTeX, CSL-JSON): registry/ only.
SOURCE_SUFFIXES = (".bib", ".json")

#: The largest input file kb reads (YAML, kb.yaml, saved queries). The largest registry
#: of the large benchmark (5,000 hypotheses, 100,000 evidence items) is well below.
MAX_FILE_BYTES = 2 * 1024 * 1024
#: Folders nested deeper than this under hypotheses/, evidence/ or registry/ are refused.
MAX_FOLDER_DEPTH = 32

#: (folder kind, path relative to the root, the file's bytes)
FileBytes = tuple[str, str, bytes]


def find_root(start: str | os.PathLike[str]) -> Path:
    """The nearest directory at or above ``start`` holding kb.yaml, like git."""
    here = Path(start).resolve()
    for candidate in (here, *here.parents):
        if (candidate / CONFIG_FILE).is_file():
            return candidate
    raise NoKnowledgeBase(
        f"no knowledge base found: no {CONFIG_FILE} in {here} or any parent directory"
        " (run 'kb init DIR' to create one, or 'kb -C DIR' to point at one)"
    )


class Refused(Exception):
    """A file kb will not read; carries the Diagnostic that says why."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


def _refused(rel: str, message: str, code: str = "KB110", hint: str = "") -> Refused:
    return Refused(Diagnostic(path=rel, line=1, column=1, code=code, message=message, hint=hint))


_KINDS = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a folder"))


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def _inside(root: str, target: str) -> bool:
    """Is the resolved ``target`` inside ``root`` (resolved) and outside its dot-folders?"""
    real_root = os.path.realpath(root)
    rel = os.path.relpath(target, real_root)
    parts = rel.split(os.sep)
    return rel != os.curdir and parts[0] != os.pardir and not any(p.startswith(".") for p in parts)


def read_inside(root: str | os.PathLike[str], rel: str, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of ``root/rel`` if it is a regular file kb may read; else :class:`Refused`.

    Decided on ``lstat`` before opening (a FIFO or device is never opened),
    then opened with O_NOFOLLOW and O_NONBLOCK and checked again with
    ``fstat``, so a file swapped for a FIFO or a symlink in between is still
    refused and nothing can block.
    """
    top = os.fspath(root)
    path = os.path.join(top, rel)
    try:
        info = os.lstat(path)
        if stat.S_ISLNK(info.st_mode):
            target = os.path.realpath(path)
            if not _inside(top, target):
                raise _refused(rel, "is a symlink to a file outside the knowledge base; kb does not read it",
                               hint="replace the link by the file itself")
            path, info = target, os.stat(target)
        if not stat.S_ISREG(info.st_mode):
            raise _refused(rel, f"is {_kind(info.st_mode)}, not a regular file; kb does not read it")
        if info.st_size > limit:
            raise _too_large(rel, info.st_size, limit)
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
                     | getattr(os, "O_CLOEXEC", 0))
    except Refused:
        raise
    except OSError as exc:
        raise _refused(rel, f"cannot be read: {exc.strerror or exc}") from None
    try:
        opened = os.fstat(fd)
        if not stat.S_ISREG(opened.st_mode) or (opened.st_dev, opened.st_ino) != (info.st_dev, info.st_ino):
            raise _refused(rel, "changed while it was being read; kb does not read it")
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise _too_large(rel, size, limit)
        return b"".join(chunks)
    except OSError as exc:
        raise _refused(rel, f"cannot be read: {exc.strerror or exc}") from None
    finally:
        os.close(fd)


def _too_large(rel: str, size: int, limit: int) -> Refused:
    return _refused(rel, f"the file is larger than {limit / 2**20:g} MB ({size:,} bytes or more); kb reads "
                    f"files up to {limit:,} bytes", code="KB111",
                    hint="split it into several files (a registry may be spread over several files)")


def read_config(root: Path) -> bytes:
    """kb.yaml's bytes, read as any input is; ConfigError (exit 2) when it may not be read."""
    try:
        return read_inside(root, CONFIG_FILE)
    except Refused as exc:
        raise ConfigError(f"{CONFIG_FILE} cannot be used", [exc.diagnostic]) from None


def kb_files(root: Path, problems: list[Diagnostic] | None = None) -> list[tuple[str, str]]:
    """Every item file of the KB (:func:`is_item_file`) as (folder kind, path relative to the root), sorted.

    Folders that cannot be listed, symlinked folders and folders nested past
    :data:`MAX_FOLDER_DEPTH` are added to ``problems`` (when given), never
    silently left out. Plain strings rather than Path objects: at 100,000
    files pathlib alone costs seconds.
    """
    found: list[tuple[str, str]] = []
    top = str(root)
    cut = len(top) + 1
    report = problems.append if problems is not None else (lambda d: None)

    def unreadable(exc: OSError) -> None:
        rel = (exc.filename or top)[cut:].replace(os.sep, "/") or "."
        report(Diagnostic(rel, 1, 1, "KB110", f"the folder cannot be read: {exc.strerror or exc}",
                          hint="make it readable, or remove it"))

    for folder in FOLDER_NAMES:
        base = os.path.join(top, folder)
        if os.path.islink(base):
            report(Diagnostic(folder, 1, 1, "KB110", "the folder is a symlink; kb does not follow it",
                              hint="replace the link by the folder itself"))
            continue
        if not os.path.isdir(base):
            continue
        for dirpath, dirnames, filenames in os.walk(base, onerror=unreadable):
            rel_dir = dirpath[cut:].replace(os.sep, "/")
            keep = []
            for d in sorted(d for d in dirnames if not d.startswith(".")):
                if os.path.islink(os.path.join(dirpath, d)):
                    report(Diagnostic(f"{rel_dir}/{d}", 1, 1, "KB110", "the folder is a symlink; kb does not"
                                      " follow it", hint="replace the link by the folder itself"))
                elif rel_dir.count("/") + 1 >= MAX_FOLDER_DEPTH:
                    report(Diagnostic(f"{rel_dir}/{d}", 1, 1, "KB111",
                                      f"folders are nested more than {MAX_FOLDER_DEPTH} deep; kb does not read them"))
                else:
                    keep.append(d)
            dirnames[:] = keep
            for name in filenames:
                if is_item_file(folder, name):
                    found.append((folder, f"{rel_dir}/{name}"))
    found.sort(key=lambda fr: fr[1])
    return found


def is_item_file(folder: str, name: str) -> bool:
    """Is a file called ``name`` in ``folder`` one kb reads: YAML anywhere, .bib and CSL-JSON in registry/."""
    if name.startswith("."):
        return False
    return name.endswith(YAML_SUFFIXES) or (folder == "registry" and name.endswith(SOURCE_SUFFIXES))


def iter_files(root: Path, problems: list[Diagnostic]) -> Iterator[FileBytes]:
    """The bytes of every item file, in :func:`kb_files` order, one at a time; refusals go to ``problems``."""
    for folder, rel in kb_files(root, problems):
        try:
            yield folder, rel, read_inside(root, rel)
        except Refused as exc:
            problems.append(exc.diagnostic)


def read_files(root: Path) -> tuple[list[FileBytes], list[Diagnostic]]:
    """The bytes of every item file kb may read, in :func:`kb_files` order, and the refusals."""
    problems: list[Diagnostic] = []
    return list(iter_files(root, problems)), problems


def list_folder(root: Path, rel: str, problems: list[Diagnostic]) -> list[str]:
    """The sorted names in the folder ``root/rel`` (none if it is missing); a symlinked or
    unreadable folder is reported in ``problems`` and lists nothing."""
    path = os.path.join(root, rel)
    if os.path.islink(path):
        problems.append(Diagnostic(rel, 1, 1, "KB110", "the folder is a symlink; kb does not follow it",
                                   hint="replace the link by the folder itself"))
        return []
    if not os.path.isdir(path):
        return []
    try:
        return sorted(os.listdir(path))
    except OSError as exc:
        problems.append(Diagnostic(rel, 1, 1, "KB110", f"the folder cannot be read: {exc.strerror or exc}"))
        return []
