"""The pipeline's site-engine stage: MkDocs builds each language's folder of pages into a site, in child processes.

Takes the KB's root, the project folder the pages stage wrote (``docs/``
and ``mkdocs.yml``, and ``<lang>/docs`` with ``mkdocs.<lang>.yml`` for each
other language), where to put the site and the languages; runs
``python -m kb.engine.mkdocs`` per language, with the KB's own
``mkdocs.yml`` for the root site when it has one (its hand-written pages
and settings win; the ``kb`` plugin adds the generated pages to them) or
else the project's, which names the kb plugin for speed. Gives MkDocs'
messages (warnings) to show; raises :class:`~kb.errors.SiteError` with
MkDocs' own words when it fails.

MkDocs holds every page of its site while it builds (770 MB for 107,000
pages): :func:`build_sites` runs two of them at a time, which keeps two
cores busy and two sites' memory, and the knowledge base's process has
ended before (:mod:`kb.build`). Each other language is built into a folder
of its own beside the site and moved under it at the end, since a MkDocs
build starts by emptying its site folder; the pages of a built site are
removed as soon as it is done, while the others still build.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from kb.errors import SiteError

CONFIG_FILE = "mkdocs.yml"
#: MkDocs builds at once: two cores busy, two sites in memory.
AT_ONCE = 2


def build_sites(root: Path, project: Path, site: Path, languages: list[str], *, strict: bool = False) -> list[str]:
    """Build each language's pages into ``site`` (the first language's at the root); MkDocs' warning lines.

    The messages come in the order of ``languages``, whichever build ends first.
    """
    root, project, site = Path(root), Path(project), Path(site)
    waiting = [(lang, i == 0) for i, lang in enumerate(languages)]
    running: list[_Build] = []
    done: dict[str, list[str]] = {}
    try:
        while waiting or running:
            while waiting and len(running) < AT_ONCE:
                lang, first = waiting.pop(0)
                running.append(_Build(root, project, site, lang, first, strict))
            finished = [b for b in running if b.proc.poll() is not None]
            if not finished:
                time.sleep(0.05)
                continue
            for b in finished:
                running.remove(b)
                done[b.language] = b.result()  # raises SiteError if it failed
                shutil.rmtree(b.pages, ignore_errors=True)  # nothing reads them again
    finally:
        for b in running:  # one failed, or the pipeline was stopped: the others end too
            b.stop()
    for lang in languages[1:]:
        target = site / lang
        if target.exists():  # a hand-written page of the root site in that folder: the language's site wins
            shutil.rmtree(target)
        os.replace(_site_apart(site, lang), target)
    return [line for lang in languages for line in done[lang]]


def _site_apart(site: Path, language: str) -> Path:
    """Where the site in ``language`` is built, beside the root site: a MkDocs build empties its own folder."""
    return site.with_name(f"{site.name}-{language}")


class _Build:
    """One language's MkDocs build in a child process, its messages going to a file."""

    def __init__(self, root: Path, project: Path, site: Path, language: str, first: bool, strict: bool) -> None:
        from kb.engine.config import config_file, docs_folder

        own = root / CONFIG_FILE
        self.language = language
        config = own if first and own.is_file() else project / config_file(None if first else language)
        self.pages = docs_folder(project, None if first else language)
        target = site if first else _site_apart(site, language)
        args = [sys.executable, "-P", "-m", "kb.engine.mkdocs", str(config), str(self.pages), str(target)]
        # MkDocs' messages go to a file, not a pipe: nobody reads a pipe while the builds run,
        # and a child whose pipe is full waits for ever
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(args + (["--strict"] if strict else []), stdout=subprocess.DEVNULL,
                                     stderr=self.log)

    def result(self) -> list[str]:
        with self.log:
            self.log.seek(0)
            text = self.log.read().decode("utf-8", errors="replace")
        messages = [line for line in text.splitlines() if line.strip() and not line.startswith("INFO")]
        if self.proc.returncode != 0:
            detail = "\n  ".join(messages[-20:]) or f"MkDocs exited with status {self.proc.returncode}"
            raise SiteError(f"the site could not be built:\n  {detail}")
        return messages

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait()
        self.log.close()


def _child(argv: list[str]) -> int:
    """``python -m kb.engine.mkdocs CONFIG PAGES SITE [--strict]``: MkDocs on prepared pages."""
    import logging

    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import Abort, MkDocsException


    strict = "--strict" in argv
    config_file, pages, site = [a for a in argv if a != "--strict"]
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s - %(message)s"))
    mkdocs_log = logging.getLogger("mkdocs")
    mkdocs_log.addHandler(handler)
    mkdocs_log.setLevel(logging.INFO)
    try:
        config = load_config(config_file, site_dir=site, strict=strict)
        plugin = config.plugins.get("kb")
        if plugin is None:
            print(f"ERROR - {config_file} does not use the kb plugin: add '- kb' under 'plugins:'", file=sys.stderr)
            return 1
        plugin.pages_folder = Path(pages)
        build(config)
    except (MkDocsException, Abort) as exc:
        print(f"ERROR - {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(_child(sys.argv[1:]))
