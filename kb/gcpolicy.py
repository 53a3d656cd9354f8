"""Bulk work without the cyclic garbage collector.

Building tens of thousands of objects (models, graph nodes, RDF terms) makes
Python's cyclic collector rescan them again and again: measured here, it
slowed loading, scoring and exporting 3-6x at the benchmark's medium and
large scales. Nothing built in these stages is cyclic garbage, so each stage
pauses the collector while it runs.

Pausing only defers the cost: the collector counts every object allocated
meanwhile, and its first run after the pause walks all of them. A loaded
knowledge base lives until the process ends, so :func:`settled` moves it
out of the collector's sight for good (``gc.freeze``); plain reference
counting still frees it when it is dropped, as nothing in it is cyclic.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def gc_paused() -> Iterator[None]:
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def settled() -> None:
    """Everything built so far is long-lived: the cyclic collector need not walk it again."""
    gc.freeze()
