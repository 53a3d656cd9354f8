"""Progress on long work: the stage under way and a count, on stderr, while a person watches.

One :class:`Progress` per command run. Calling it names a stage
(``progress("load and check")``, the shape :func:`kb.build.build` already
calls); :meth:`Progress.counter` hands the library a ``(done, total)``
callback for the stage's files or commits. Each stage is one line on the
terminal, rewritten in place with ``\\r`` as its count grows, and ended when
the next stage starts or the run ends::

    kb: load and check... 1,204 files
    kb: history... 310/310 commits
    kb: site engine...

It writes only when stderr is a terminal and ``--quiet`` is not given:
never into a pipe, a log or CI's output, and never on stdout, so what a
command prints there is the same with and without it. When silent,
:meth:`Progress.counter` returns None, so the library's loops pay nothing.

Plain ``\\r`` lines rather than click's ``progressbar`` (or rich, which kb
does not depend on): a bar needs its length before the work starts and
wraps the loop it measures, while kb's counts come from callbacks deep in
the library, some with no known total (the loader reads files as it finds
them), and a stage name plus a number is all a watcher needs.
"""

from __future__ import annotations

import sys
import time
from typing import Callable, TextIO

#: What the library calls with each step: (done so far, total or None when not known).
Counter = Callable[[int, "int | None"], None]

#: Rewrite a count line at most this often (seconds): a terminal that scrolls less keeps up.
_EVERY = 0.1


class Progress:
    """Stage names and counts on ``stream``; silent when ``stream`` is None."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream
        self._line = ""  # the stage line on the terminal now, not yet ended
        self._shown_at = 0.0
        self._pending = ""  # the latest count line, when the throttle held it back

    @classmethod
    def on_stderr(cls, quiet: bool = False) -> "Progress":
        """Progress on stderr if it is a terminal and not ``quiet``; else a silent one."""
        stream = sys.stderr
        try:
            watched = not quiet and stream is not None and stream.isatty()
        except (AttributeError, ValueError):  # a replaced or closed stderr
            watched = False
        return cls(stream if watched else None)

    @property
    def shown(self) -> bool:
        return self._stream is not None

    def __call__(self, stage: str) -> None:
        """A new stage starts: end the previous line, show this one."""
        if self._stream is None:
            return
        self.end_line()
        self._line = f"kb: {stage}..."
        self._write(self._line)

    def counter(self, what: str = "files") -> Counter | None:
        """A ``(done, total)`` callback counting ``what`` in the current stage; None when silent."""
        if self._stream is None:
            return None

        def count(done: int, total: int | None = None) -> None:
            if not self._line:
                return
            amount = f"{done:,}/{total:,}" if total is not None else f"{done:,}"
            self._pending = f"\r{self._line} {amount} {what}"
            now = time.monotonic()
            if now - self._shown_at >= _EVERY or done == total:
                self._shown_at = now
                self._write(self._pending)
                self._pending = ""

        return count

    def end_line(self) -> None:
        """End the stage line, so that whatever is printed next starts a line of its own."""
        if self._stream is not None and self._line:
            self._write(self._pending + "\n")  # the final count, if the throttle held it back
            self._line = self._pending = ""

    close = end_line

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _write(self, text: str) -> None:
        try:
            self._stream.write(text)  # type: ignore[union-attr]
            self._stream.flush()  # type: ignore[union-attr]
        except (OSError, ValueError):
            self._stream = None  # the terminal went away: the work goes on without it


#: A progress that never shows anything, for callers that pass none.
SILENT = Progress()
