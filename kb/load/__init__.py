"""Reading a knowledge base: its files, each YAML file with positions, the model, the cache, and the checks across files.

:func:`checked` is the pipeline's first two stages (load, then check) for
callers that must not go on with a broken KB.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Callable

from kb.errors import Diagnostic, ProblemsFound, errors_in

if TYPE_CHECKING:
    # not at run time: importing kb.load.cache (the warm `kb check`) must not build the
    # pydantic models, which costs 0.6 s, twice what the rest of a warm check does
    from kb.model import KnowledgeBase


def checked(root: Path, *, strict: bool = False,
            on_file: Callable[[int, int | None], None] | None = None) -> tuple[KnowledgeBase, list[Diagnostic]]:
    """The KB at ``root`` with its warnings; raises :class:`ProblemsFound` on errors (on warnings too, if ``strict``).

    ``on_file`` follows the loading for a progress display (kb.load.loader.add_files).
    """
    from kb.load.check import check
    from kb.load.loader import load

    kb, diags = load(root, on_file=on_file)
    diags = sorted(set(diags + check(kb)))
    problems = errors_in(diags)
    if problems:
        raise ProblemsFound(f"{len(problems)} error(s) in the knowledge base; run 'kb check'", problems)
    if strict and diags:
        raise ProblemsFound(f"{len(diags)} warning(s) in the knowledge base, and --strict makes them fail", diags)
    return kb, diags
