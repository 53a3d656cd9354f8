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

The cache holds data, never code: it is JSON, each item the JSON of its
pydantic model, validated again by the model when it is used (a planted or
damaged file can at worst be ignored; loading it runs nothing). It used to be
a pickle, which runs whatever a planted file asks at the next ``kb check``;
old ``.pickle`` files are never opened.

Beside it, :class:`Verdict` keeps the outcome of the last ``kb check``
(diagnostics and counts) under one key made of every file's path and bytes
and the whole of kb's code: when nothing changed, ``kb check`` only reads
and hashes the files and prints the stored outcome.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

from kb import __version__
from kb.errors import Diagnostic

_CODE = ("model.py", "load/yamlread.py", "load/loader.py", "errors.py", "load/cache.py",  # relative to kb/
         "sources/__init__.py", "sources/bib.py", "sources/csljson.py")  # the readers of .bib and CSL-JSON


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
    return cache_dir() / f"{name}{'-' + scope if scope else ''}.json"


def _json(value: Any) -> bytes:
    """Compact JSON (UTF-8) of plain data.

    pydantic-core's encoder takes half the time of the standard library's on
    the entries (each holds its items' JSON as text, which must be escaped).
    It refuses text that is not valid Unicode (a lone surrogate, as in a file
    name that is not UTF-8), which the standard encoder escapes: such an entry
    falls back to it. Imported here: the warm check, which may write only the
    verdict, imports nothing of pydantic.
    """
    from pydantic_core import to_json

    try:
        return to_json(value)
    except ValueError:
        return json.dumps(value, separators=(",", ":")).encode()


def _write_atomically(path: Path, head: dict[str, Any], entries: Iterable[tuple[str, Any]] = ()) -> None:
    """Write ``head`` plus an ``entries`` mapping as JSON through a temporary file; never fail the run.

    Each entry is encoded on its own (one call per entry), so the whole file is
    never one string in memory.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        with open(tmp, "wb") as handle:
            handle.write(json.dumps(head)[:-1].encode() + b', "entries": {')
            for n, (key, value) in enumerate(entries):
                handle.write((b"," if n else b"") + _json(key) + b":" + _json(value))
            handle.write(b"}}")
        os.replace(tmp, path)
    except (OSError, TypeError, ValueError):
        try:
            tmp.unlink()  # type: ignore[possibly-undefined]
        except (OSError, NameError):
            pass  # a read-only home or a full disk only costs speed


def _read(path: Path | None) -> Any:
    """A cache file's JSON, or None when it is missing or cannot be read. JSON runs no code."""
    if path is None:
        return None
    try:
        with open(path, "rb") as handle:
            return json.loads(handle.read())
    except (OSError, ValueError, RecursionError):
        return None


def _diag_data(d: Diagnostic) -> dict[str, Any]:
    return dataclasses.asdict(d)


def _diags_from(data: Any) -> list[Diagnostic]:
    return [Diagnostic(**d) for d in data]


def _encode(parsed: Any) -> list[Any]:
    """One parsed file (kb.load.loader.Parsed or ParsedFully) as JSON data."""
    items, diags, *rest = parsed
    out = [[[attr, item.model_dump_json(by_alias=True), list(at), fields] for attr, item, at, fields in items],
           [_diag_data(d) for d in diags]]
    if rest:  # the ids of what the file holds but could not be loaded
        out.append([[item_id, b.kind, list(b.at), b.certain] for item_id, b in rest[0]])
    return out


@lru_cache(maxsize=1)
def _models() -> dict[str, Any]:
    from kb.model import Construct, Context, Evidence, Hypothesis, Source

    return {"hypotheses": Hypothesis, "evidence": Evidence, "constructs": Construct,
            "contexts": Context, "sources": Source}


def _decode(data: Any) -> Any:
    """JSON data back into a parsed file, each item validated by its model; None if it does not fit."""
    from kb.model import Broken, Located

    try:
        items, diags, *rest = data
        models = _models()
        out = ([(attr, models[attr].model_validate_json(text), Located(*at),
                 {name: (place[0], place[1]) for name, place in fields.items()})
                for attr, text, at, fields in items], _diags_from(diags))
        if rest:
            out += ([(item_id, Broken(kind, Located(*at), bool(certain))) for item_id, kind, at, certain in rest[0]],)
        return out
    except (TypeError, ValueError, KeyError, IndexError, AttributeError):  # pydantic's ValidationError is a ValueError
        return None


def cache_dir() -> Path:
    explicit = os.environ.get("KB_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "kb"


#: The scope of the cache of files read from git (old revisions).
HISTORY = "history"
_SHARED: dict[Path, "Cache"] = {}


class Cache:
    """Parsed files by content key; ``save`` writes only when something changed."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._old: dict[bytes, Any] = {}
        self._new: dict[bytes, Any] = {}
        self._dirty = False
        stored = _read(path)
        if isinstance(stored, dict) and stored.get("code") == _code_fingerprint().hex():
            entries = stored.get("entries")
            self._old = entries if isinstance(entries, dict) else {}

    @classmethod
    def for_root(cls, root: Path, enabled: bool | None = None, scope: str = "") -> "Cache":
        """The cache of ``root`` (``scope``: a separate file); the one of ``history`` is read once per process.

        ``kb diff`` reads two revisions and ``kb history`` many, each through
        the loader: reading the history cache again for each (0.4 s at 20,000
        files) would only give back what this process put in it, so they
        share one, which then keeps the entries of all of them.
        """
        path = _cache_path(root, enabled, scope)
        if scope != HISTORY or path is None:
            return cls(path)
        if path not in _SHARED:
            _SHARED[path] = cls(path)
        return _SHARED[path]

    def key(self, folder: str, rel: str, raw: bytes) -> str:
        h = hashlib.blake2b(_code_fingerprint(), digest_size=20)
        h.update(f"{folder}\0{rel}\0".encode())
        h.update(raw)
        return h.hexdigest()

    def get(self, key: str) -> Any:
        """The parsed file stored under ``key``, validated again; None if absent or unusable."""
        if self.path is None:
            return None
        stored = self._old.get(key)
        if stored is None:  # put by this process, reading another revision
            stored = self._new.get(key)
        hit = _decode(stored) if stored is not None else None
        if hit is not None:
            self._new[key] = stored
        return hit

    def put(self, key: str, value: Any) -> None:
        if self.path is not None:
            try:
                self._new[key] = _encode(value)
            except (TypeError, ValueError):
                return  # what cannot be stored is parsed again next time
            self._dirty = True

    def save(self) -> None:
        """Keep the entries of this run only; write atomically, never fail the run."""
        if self.path is None or (not self._dirty and len(self._new) == len(self._old)):
            return
        _write_atomically(self.path, {"code": _code_fingerprint().hex()}, self._new.items())


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

    def get(self) -> tuple[list[Diagnostic], dict[str, int]] | None:
        """The stored (diagnostics, counts), or None when there is none for this key or it is unusable."""
        stored = _read(self.path)
        if not isinstance(stored, dict) or stored.get("key") != self.key.hex():
            return None
        try:
            value = stored["entries"]
            counts = value["counts"]
            if not all(isinstance(k, str) and isinstance(n, int) for k, n in counts.items()):
                return None
            return _diags_from(value["diagnostics"]), counts
        except (TypeError, ValueError, KeyError, AttributeError):
            return None

    def put(self, value: tuple[list[Diagnostic], dict[str, int]]) -> None:
        if self.path is not None:
            diags, counts = value
            _write_atomically(self.path, {"key": self.key.hex()},
                              [("diagnostics", [_diag_data(d) for d in diags]), ("counts", counts)])
