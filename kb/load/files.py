"""Where a knowledge base's files are, and their bytes.

Takes a directory; gives the KB's root (the nearest directory holding
``kb.yaml``) and every YAML file under its folders, in a fixed order. Kept
apart from :mod:`kb.load` because it imports nothing heavy: ``kb check``
with nothing changed needs only this and :mod:`kb.cache`.
"""

from __future__ import annotations

import os
from pathlib import Path

from kb.errors import NoKnowledgeBase

CONFIG_FILE = "kb.yaml"
#: The folders holding items, each read with its own model (see kb.load.loader.FOLDERS).
FOLDER_NAMES = ("hypotheses", "evidence", "registry")
YAML_SUFFIXES = (".yaml", ".yml")

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


def kb_files(root: Path) -> list[tuple[str, str]]:
    """Every YAML file of the KB as (folder kind, path relative to the root), sorted.

    Plain strings rather than Path objects: at 100,000 files pathlib alone
    costs seconds.
    """
    found: list[tuple[str, str]] = []
    top = str(root)
    cut = len(top) + 1
    for folder in FOLDER_NAMES:
        base = os.path.join(top, folder)
        if not os.path.isdir(base):
            continue
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            rel_dir = dirpath[cut:].replace(os.sep, "/")
            for name in filenames:
                if name.endswith(YAML_SUFFIXES) and not name.startswith("."):
                    found.append((folder, f"{rel_dir}/{name}"))
    found.sort(key=lambda fr: fr[1])
    return found


def read_files(root: Path) -> list[FileBytes]:
    """The bytes of every item file, in :func:`kb_files` order."""
    out = []
    for folder, rel in kb_files(root):
        with open(os.path.join(root, rel), "rb") as handle:
            out.append((folder, rel, handle.read()))
    return out
