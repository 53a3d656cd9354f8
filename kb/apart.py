"""A stage of the pipeline in a process of its own, so that the memory it held is handed back when it ends.

Python does not return a freed heap to the system: a process that has held
a knowledge base of 100,000 evidence items keeps its 1.5 GB until it exits,
whatever it does next. :func:`kb.build.pages` therefore runs the stages that
need the KB (load to pages) through :func:`apart`, and the saved questions'
store and the site engine come after that process has ended.

``apart(function, *args, **kwargs)`` runs the function in a
fresh interpreter (``python -P -m kb.apart``; no fork, so no lock or thread
of the caller's goes along, as in ``mkdocs serve``) and returns what it
returned, or raises what it raised: a :class:`~kb.errors.KbError` with its
diagnostics, as if it had run here. The request and the answer are pickled
over the child's stdin and stdout: both ends are this program, and nothing
a user wrote is unpickled. The child shows its progress on the terminal the
caller's would use, and anything it prints goes to stderr. A child that
dies without an answer (killed, out of memory) raises
:class:`~kb.errors.KbError` saying so.
"""

from __future__ import annotations

import importlib
import os
import pickle
import signal
import subprocess
import sys
from typing import Any, Callable

from kb.errors import KbError
from kb.progress import SILENT, Progress


def apart(function: Callable, *args: Any, **kwargs: Any) -> Any:
    """``function(*args, **kwargs)`` in a child process: its result, or its exception raised here.

    ``function`` is a module's function, found there by name; the arguments
    and the result are pickled. An argument that is a :class:`Progress`
    becomes one on the child's stderr (the same terminal), or a silent one.
    """
    shown = {}
    for name, value in list(kwargs.items()):
        if isinstance(value, Progress):
            shown[name] = value.shown
            del kwargs[name]
            value.end_line()  # the child's lines start on a line of their own
    request = pickle.dumps((function.__module__, function.__qualname__, args, kwargs, shown))
    proc = subprocess.Popen([sys.executable, "-P", "-m", "kb.apart"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE)
    try:
        answer, _ = proc.communicate(request)
    except BaseException:  # Ctrl-C or an error here: the child does not go on alone
        proc.kill()
        proc.wait()
        raise
    if proc.returncode != 0 or not answer:
        status = proc.returncode
        how = f"was stopped by signal {-status}" if status < 0 else f"exited with status {status}"
        if status == -signal.SIGKILL:
            how += " (out of memory?)"
        raise KbError(f"the {function.__name__} stage's process {how} without an answer")
    failed, value = pickle.loads(answer)
    if failed:
        raise value
    return value


def _child() -> int:
    """Read the request on stdin, run it, write (failed, result or exception) on what was stdout."""
    from kb.gcpolicy import for_batch_program

    for_batch_program()
    answer = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # a stray print goes to stderr, not into the answer
    module, name, args, kwargs, shown = pickle.load(sys.stdin.buffer)
    function = importlib.import_module(module)
    for part in name.split("."):
        function = getattr(function, part)
    progress = Progress(sys.stderr) if any(shown.values()) else SILENT
    kwargs.update({key: progress if on else SILENT for key, on in shown.items()})
    try:
        outcome = (False, function(*args, **kwargs))
    except BaseException as exc:  # handed to the caller, which raises it as if it had run there
        if not isinstance(exc, KbError):  # a fault of kb's: where it happened, for whoever debugs it
            import traceback

            exc.add_note("in kb.apart's child process:\n" + "".join(traceback.format_tb(exc.__traceback__)))
        outcome = (True, exc)
    finally:
        progress.end_line()
    try:
        data = pickle.dumps(outcome)
    except Exception as exc:  # an exception that cannot be pickled still reaches the caller, as text
        data = pickle.dumps((True, KbError(f"{type(outcome[1]).__name__}: {outcome[1]} ({exc})")))
    answer.write(data)
    answer.flush()
    return 0


if __name__ == "__main__":
    sys.exit(_child())
