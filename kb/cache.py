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
"""

from __future__ import annotations

import hashlib
import os
import pickle
from functools import lru_cache
from pathlib import Path
from typing import Any

from . import __version__

_CODE = ("model.py", "yamlread.py", "load.py", "errors.py", "cache.py")


@lru_cache(maxsize=1)
def _code_fingerprint() -> bytes:
    """kb's version plus the bytes of the modules that decide what a file parses to."""
    h = hashlib.blake2b(__version__.encode(), digest_size=16)
    here = Path(__file__).parent
    for name in _CODE:
        h.update((here / name).read_bytes())
    return h.digest()


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
        if path is not None:
            try:
                with open(path, "rb") as handle:
                    stored = pickle.load(handle)
                if stored.get("code") == _code_fingerprint():
                    self._old = stored["entries"]
            except (OSError, pickle.UnpicklingError, EOFError, AttributeError, KeyError,
                    ImportError, TypeError, ValueError):
                self._old = {}

    @classmethod
    def for_root(cls, root: Path, enabled: bool | None = None, scope: str = "") -> "Cache":
        if enabled is None:
            enabled = os.environ.get("KB_NO_CACHE", "") in ("", "0")
        if not enabled:
            return cls(None)
        name = hashlib.blake2b(str(root.resolve()).encode(), digest_size=12).hexdigest()
        return cls(cache_dir() / f"{name}{'-' + scope if scope else ''}.pickle")

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
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
            with open(tmp, "wb") as handle:
                pickler = pickle.Pickler(handle, protocol=pickle.HIGHEST_PROTOCOL)
                # no memo: the entries hold no cycles, and at 100,000 files the
                # memo of every object pickled would cost hundreds of megabytes
                pickler.fast = True
                pickler.dump({"code": _code_fingerprint(), "entries": self._new})
            os.replace(tmp, self.path)
        except OSError:
            pass  # a read-only home or a full disk only costs speed
