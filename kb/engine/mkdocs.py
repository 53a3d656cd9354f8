"""The pipeline's site-engine stage: MkDocs builds a folder of pages into a site, in a child process.

Takes the KB's root, the project folder the pages stage wrote (``docs/``
and ``mkdocs.yml``) and where to put the site; runs
``python -m kb.engine.mkdocs`` with the KB's own ``mkdocs.yml`` when it has
one (its hand-written pages and settings win; the ``kb`` plugin adds the
generated pages to them) or else the project's, which names the kb plugin
for speed. MkDocs holds every page of the site while it builds; in a
process of its own that never comes on top of the knowledge base, at every
size, and while it runs the pipeline goes on with the next language's pages
(:class:`Engine`). Gives MkDocs' messages (warnings) to show; raises
:class:`~kb.errors.SiteError` with MkDocs' own words when it fails.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from kb.errors import SiteError

CONFIG_FILE = "mkdocs.yml"


class Engine:
    """The site engine stage: each language's site built by MkDocs in a child process, one at a time.

    :meth:`start` returns as soon as the child runs, so the pipeline writes
    the next language's pages while MkDocs builds the site before it (the two
    use two cores); it first waits for the build before, because each MkDocs
    holds every page of its site and two at once would hold both. The pages
    of a site that is built are removed then, while the next one builds: they
    live in the build's work folder and nothing reads them again.
    """

    def __init__(self, root: Path, project: Path, site: Path, *, strict: bool = False) -> None:
        self.root, self.project, self.site, self.strict = Path(root), Path(project), Path(site), strict
        self.messages: list[str] = []
        self._running: tuple[subprocess.Popen, Any, Path] | None = None

    def start(self, language: str | None = None) -> None:
        """Build ``project/docs`` into ``site`` (``language``: ``project/<language>/docs`` into ``site/<language>``).

        ``language`` is a site in another language than the KB's site_language,
        with the project's ``mkdocs.<language>.yml`` (the KB's own mkdocs.yml
        and hand-written pages belong to the first site), and goes after that
        one, whose build empties its folder first.
        """
        from kb.engine.config import config_file

        done = self._finish_running()
        own = self.root / CONFIG_FILE
        config = own if language is None and own.is_file() else self.project / config_file(language)
        pages = self.project / language / "docs" if language else self.project / "docs"
        site = self.site / language if language else self.site
        args = [sys.executable, "-P", "-m", "kb.engine.mkdocs", str(config), str(pages), str(site)]
        # MkDocs' messages go to a file, not a pipe: nobody reads a pipe while the next pages are written,
        # and a child whose pipe is full waits for ever
        log = tempfile.TemporaryFile()
        proc = subprocess.Popen(args + (["--strict"] if self.strict else []), stdout=subprocess.DEVNULL, stderr=log)
        self._running = (proc, log, pages)
        if done is not None:
            shutil.rmtree(done, ignore_errors=True)

    def finish(self) -> list[str]:
        """Wait for the last build; MkDocs' warning lines of every build."""
        done = self._finish_running()
        if done is not None:
            shutil.rmtree(done, ignore_errors=True)
        return self.messages

    def _finish_running(self) -> Path | None:
        """Wait for the build under way, if any; its pages folder. Raises :class:`SiteError` if it failed."""
        if self._running is None:
            return None
        proc, log, pages = self._running
        self._running = None
        with log:
            status = proc.wait()
            log.seek(0)
            text = log.read().decode("utf-8", errors="replace")
        messages = [line for line in text.splitlines() if line.strip() and not line.startswith("INFO")]
        if status != 0:
            detail = "\n  ".join(messages[-20:]) or f"MkDocs exited with status {status}"
            raise SiteError(f"the site could not be built:\n  {detail}")
        self.messages += messages
        return pages

    def stop(self) -> None:
        """End a build under way (the pipeline failed after starting it)."""
        if self._running is not None:
            proc, log, _ = self._running
            self._running = None
            proc.kill()
            proc.wait()
            log.close()


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
