"""A cache of parsed files, keyed by their exact content.

Takes the bytes of each file; gives back the validated items (and the
diagnostics) of the last run that saw the very same bytes at the very same
path with the very same version of kb's parsing code. A changed file gets a
new key, so the cache can never serve a stale result; it only saves the
parsing and validation of files that did not change.

The cache lives outside the knowledge base (``$KB_CACHE_DIR``, else
``$XDG_CACHE_HOME/kb``, else ``~/.cache/kb``), one file per knowledge base,
so ``kb check`` never writes into the repository. ``KB_NO_CACHE=1`` turns it
off. A cache file that cannot be read is ignored and rebuilt.

Beside it, :class:`Verdict` keeps the outcome of the last ``kb check``
(diagnostics and counts) under one key made of every file's path and bytes
and the whole of kb's code: when nothing changed, ``kb check`` only reads
and hashes the files and prints the stored outcome.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

from kb import __version__

_CODE = ("model.py", "load/yamlread.py", "load/loader.py", "errors.py", "load/cache.py")  # relative to kb/


@lru_cache(maxsize=1)
def _code_fingerprint() -> bytes:
    """kb's version plus the bytes of the modules that decide what a file parses to."""
    h = hashlib.blake2b(__version__.encode(), digest_size=16)
    here = Path(__file__).parent.parent
    for name in _CODE:
        h.update((here / name).read_bytes())
    return h.digest()


@lru_cache(maxsize=1)
def _all_code_fingerprint() -> bytes:
    """kb's version plus every module's bytes: any of them may change a check's outcome."""
    h = hashlib.blake2b(__version__.encode(), digest_size=16)
    package = Path(__file__).parent.parent
    for path in sorted(package.rglob("*.py")):
        h.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    return h.digest()


def _cache_path(root: Path, enabled: bool | None, scope: str) -> Path | None:
    if enabled is None:
        enabled = os.environ.get("KB_NO_CACHE", "") in ("", "0")
    if not enabled:
        return None
    name = hashlib.blake2b(str(root.resolve()).encode(), digest_size=12).hexdigest()
    return cache_dir() / f"{name}{'-' + scope if scope else ''}.pickle"


def _write_atomically(path: Path, value: Any) -> None:
    """Pickle ``value`` to ``path`` through a temporary file; never fail the run."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        with open(tmp, "wb") as handle:
            pickler = pickle.Pickler(handle, protocol=pickle.HIGHEST_PROTOCOL)
            # no memo: the entries hold no cycles, and at 100,000 files the
            # memo of every object pickled would cost hundreds of megabytes
            pickler.fast = True
            pickler.dump(value)
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only home or a full disk only costs speed


def _read(path: Path | None) -> Any:
    """A pickled cache file, or None when it is missing or cannot be read."""
    if path is None:
        return None
    try:
        with open(path, "rb") as handle:
            return pickle.load(handle)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, KeyError,
            ImportError, TypeError, ValueError, IndexError):
        return None


def cache_dir() -> Path:
    explicit = os.environ.get("KB_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "kb"


class Cache:
    """Parsed files by content key; ``save`` writes only when something changed."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._old: dict[bytes, Any] = {}
        self._new: dict[bytes, Any] = {}
        self._dirty = False
        stored = _read(path)
        if isinstance(stored, dict) and stored.get("code") == _code_fingerprint():
            self._old = stored.get("entries") or {}

    @classmethod
    def for_root(cls, root: Path, enabled: bool | None = None, scope: str = "") -> "Cache":
        return cls(_cache_path(root, enabled, scope))

    def key(self, folder: str, rel: str, raw: bytes) -> bytes:
        h = hashlib.blake2b(_code_fingerprint(), digest_size=20)
        h.update(f"{folder}\0{rel}\0".encode())
        h.update(raw)
        return h.digest()

    def get(self, key: bytes) -> Any:
        if self.path is None:
            return None
        hit = self._old.get(key)
        if hit is not None:
            self._new[key] = hit
        return hit

    def put(self, key: bytes, value: Any) -> None:
        if self.path is not None:
            self._new[key] = value
            self._dirty = True

    def save(self) -> None:
        """Keep the entries of this run only; write atomically, never fail the run."""
        if self.path is None or (not self._dirty and len(self._new) == len(self._old)):
            return
        _write_atomically(self.path, {"code": _code_fingerprint(), "entries": self._new})


class Verdict:
    """The outcome of the last check of exactly these files with exactly this code."""

    def __init__(self, path: Path | None, key: bytes) -> None:
        self.path = path
        self.key = key

    @classmethod
    def for_files(cls, root: Path, config: bytes, files: Iterable[tuple[str, str, bytes]],
                  enabled: bool | None = None) -> "Verdict":
        """The verdict slot for kb.yaml's bytes and these (folder, path, bytes), in order."""
        h = hashlib.blake2b(_all_code_fingerprint(), digest_size=20)
        h.update(len(config).to_bytes(8, "little") + config)
        for folder, rel, raw in files:
            # lengths first, so that no two different lists of files can hash the same stream
            name = f"{folder}\0{rel}".encode()
            h.update(len(name).to_bytes(8, "little") + name + len(raw).to_bytes(8, "little") + raw)
        return cls(_cache_path(root, enabled, "verdict"), h.digest())

    def get(self) -> Any:
        stored = _read(self.path)
        if isinstance(stored, dict) and stored.get("key") == self.key:
            return stored.get("value")
        return None

    def put(self, value: Any) -> None:
        if self.path is not None:
            _write_atomically(self.path, {"key": self.key, "value": value})
