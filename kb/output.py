"""Writing results safely: whole files or nothing, never half a file.

``write_atomic`` writes to a temporary file beside the target and renames
it into place, so a reader (or a crash) never sees a partial file, and a
failed run leaves the previous output as it was. It never writes through a
symlink: a target that is a symlink is refused (a hostile repository could
otherwise point ``site/questions.ttl`` or ``-o`` at any file the user owns).
The file gets the mode an ordinary ``open()`` would give it: a new file
``0666`` less the umask, a replaced file the mode it had (a temporary file
is made ``0600``, which would otherwise hide every ``-o`` output from the
group that shares it).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from kb.errors import KbError


def refuse_symlink(path: Path) -> None:
    """KbError when ``path`` is a symlink (kb never writes through one)."""
    if path.is_symlink():
        raise KbError(f"{path} is a symlink; kb does not write through symlinks (remove it, or choose another path)")


def write_atomic(path: str | os.PathLike[str], data: str | bytes) -> None:
    """Write ``data`` to ``path`` whole, through a temporary file beside it; never through a symlink."""
    path = Path(path)
    refuse_symlink(path)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, _mode_for(path))
        with os.fdopen(fd, "wb") as handle:
            handle.write(raw)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _mode_for(path: Path) -> int:
    """The permission bits ``path`` keeps (if it exists) or would get from ``open()`` under the umask."""
    try:
        return path.stat().st_mode & 0o777
    except FileNotFoundError:
        return 0o666 & ~_umask()


def _umask() -> int:
    """The process's umask; read from /proc where it can be, as setting it to read it races other threads."""
    try:
        with open("/proc/self/status", "rb") as status:
            for line in status:
                if line.startswith(b"Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
