"""The pipeline's site-engine stage: MkDocs builds a folder of pages into a site, in a child process.

Takes the KB's root, the project folder the pages stage wrote (``docs/``
and ``mkdocs.yml``) and where to put the site; runs
``python -m kb.engine.mkdocs`` with the KB's own ``mkdocs.yml`` when it has
one (its hand-written pages and settings win; the ``kb`` plugin adds the
generated pages to them) or else the project's, which names the kb plugin
for speed. MkDocs holds every page of the site while it builds; in a
process of its own that never comes on top of the knowledge base, at every
size. Returns MkDocs' messages (warnings) to show; raises
:class:`~kb.errors.SiteError` with MkDocs' own words when it fails.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from kb.errors import SiteError

CONFIG_FILE = "mkdocs.yml"


def run_engine(root: Path, project: Path, site: Path, *, strict: bool = False, language: str | None = None) -> list[str]:
    """Build ``project/docs`` into ``site``; MkDocs' warning lines.

    ``language``: the site in another language than the KB's site_language,
    ``project/<language>/docs`` with the project's ``mkdocs.<language>.yml``
    (the KB's own mkdocs.yml and hand-written pages belong to the first site).
    """
    from kb.engine.config import config_file

    own = Path(root) / CONFIG_FILE
    config = own if language is None and own.is_file() else Path(project) / config_file(language)
    pages = Path(project) / language / "docs" if language else Path(project) / "docs"
    args = [sys.executable, "-P", "-m", "kb.engine.mkdocs", str(config), str(pages), str(site)]
    proc = subprocess.run(args + (["--strict"] if strict else []), capture_output=True, text=True,
                          encoding="utf-8", errors="replace")
    messages = [line for line in proc.stderr.splitlines() if line.strip() and not line.startswith("INFO")]
    if proc.returncode != 0:
        detail = "\n  ".join(messages[-20:]) or f"MkDocs exited with status {proc.returncode}"
        raise SiteError(f"the site could not be built:\n  {detail}")
    return messages


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
