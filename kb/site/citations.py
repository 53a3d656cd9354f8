"""The sources as each language's site cites them, formatted ahead in a process of its own.

Takes the public view and the site's languages; gives, per language, each
source's in-text label ('(Torfing et al., 2019)') and its bibliography entry
as HTML (:class:`Citations`), which :class:`kb.site.kit.Site` uses for links to
sources and the sources page.

citeproc-py takes about 25 ms an entry in APA, in each language's locale:
at 2,000 sources, 50 s a language on a build whose citation cache
(``$KB_CACHE_DIR/citations.json``) is cold. :func:`ahead` starts that work in a
child process when the KB is loaded, so it runs on a second core beside the
downloads, the history and the saved questions, and the pages stage takes the
result when it needs it. The child is only a speed-up: if it fails for any
reason, the pages stage formats the citations itself, and any error is
reported from there, as without it. The child is a fresh interpreter
(``python -m kb.site.citations``, the sources and settings as JSON on stdin)
rather than a fork, because ``mkdocs serve`` runs kb in a process with
threads, and rather than multiprocessing's spawn, which would run the
caller's main script again.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from kb.model import Config, KnowledgeBase, Source


@dataclass(frozen=True)
class Citations:
    """One language's citations, by source id: in-text labels (plain text) and bibliography entries (HTML, in order)."""

    labels: dict[str, str]
    entries: dict[str, str]


def citations(sources: Sequence[Source], config: Config, root: Path) -> Citations:
    """The citations of ``sources`` in the language of ``config`` (its site_language), in its citation style."""
    from kb.site.fmt import esc
    from kb.sources.cite import html, labels

    return Citations(labels(sources, config, root), html(sources, config, root, escape=esc))


class Ahead:
    """The citations of every language, being formatted in a child process (:func:`ahead`), one language after another."""

    def __init__(self, languages: Sequence[str] = (), proc: subprocess.Popen | None = None) -> None:
        self._waiting, self._proc = list(languages), proc
        self._done: dict[str, Citations] = {}

    def get(self, language: str) -> Citations | None:
        """``language``'s citations, waiting for them; None if the child could not make them."""
        try:
            while language not in self._done and self._waiting and self._proc is not None:
                line = self._proc.stdout.readline()
                made = json.loads(line)  # a line per language, in the order asked; '' when the child died
                self._done[self._waiting.pop(0)] = Citations(made["labels"], made["entries"])
        except (ValueError, KeyError, TypeError, OSError):  # the pages stage formats them itself
            self.close()
        if not self._waiting:
            self.close()
        return self._done.pop(language, None)

    def close(self) -> None:
        """End the child, done or not (a build that failed does not wait for it)."""
        if self._proc is not None:
            self._proc.kill()
            self._proc.wait()
            self._proc.stdout.close()
            self._proc = None
            self._waiting = []


def ahead(kb: KnowledgeBase, configs: dict[str, Config]) -> Ahead:
    """Start formatting ``kb``'s citations in a child process, for each language's config
    (:func:`kb.site.kit.in_language`), in that order; nothing to do without sources."""
    if not kb.sources:
        return Ahead()
    asked = {"root": str(kb.root),
             "sources": [s.model_dump(mode="json", by_alias=True) for s in kb.sources.values()],
             "configs": [config.model_dump(mode="json", by_alias=True) for config in configs.values()]}
    try:
        with tempfile.TemporaryFile() as given:  # a file, not a pipe: the parent goes on at once
            given.write(json.dumps(asked).encode())
            given.seek(0)
            proc = subprocess.Popen([sys.executable, "-P", "-m", "kb.site.citations"], stdin=given,
                                    stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    except OSError:  # no child process here: the pages stage does it
        return Ahead()
    return Ahead(list(configs), proc)


def _child() -> None:
    """``python -m kb.site.citations``: the request on stdin as JSON; a line of JSON per language on stdout."""
    from kb.model import Config, Source

    asked = json.load(sys.stdin)
    sources = [Source.model_validate(s) for s in asked["sources"]]
    for config in asked["configs"]:
        made = citations(sources, Config.model_validate(config), Path(asked["root"]))
        sys.stdout.write(json.dumps({"labels": made.labels, "entries": made.entries}) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    _child()
