"""Build the website into a directory, all or nothing.

Takes the KB's root, the loaded (and checked) knowledge base and the output
directory; runs a MkDocs build into a fresh directory beside the output and
swaps it into place only when the build succeeded, so a failed build leaves
the previous site as it was. Uses the KB's ``mkdocs.yml`` when there is one,
else a built-in configuration (Material, search, privacy, the kb plugin), so
a KB made with ``kb init`` gets a site too.

``kb build`` runs a large KB's build in two processes (:func:`prepare_site`
in the one that loaded the KB, :func:`finish_site` in a fresh one), so that
MkDocs never shares memory with the KB; :func:`build_site` does both in one.

Raises :class:`SiteError` (a :class:`~kb.errors.KbError`) when MkDocs fails.
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from kb.errors import SiteError

CONFIG_FILE = "mkdocs.yml"
#: The folder, inside a build's work folder, of the pages made for the second process.
PREPARED = "prepared"
#: Where the privacy plugin keeps downloaded assets (Mermaid), relative to the KB.
PRIVACY_CACHE = ".cache/plugin/privacy"

DEFAULT_CONFIG = """\
site_name: Knowledge base
theme:
  name: material
  font: false
plugins:
  - search
  - privacy:
      cache_dir: {cache}
  - kb:
      root: {root}
validation:
  nav:
    omitted_files: ignore
"""


def build_site(root: Path, kb: Any, out_dir: Path, *, strict: bool = False) -> None:
    """Build the site of ``kb`` into ``out_dir``, replacing it only if the build succeeds.

    The build lets ``kb`` go once every page has been made, before the pages
    are written: a caller that keeps no reference of its own (``kb build``)
    gets the KB's memory back for the rest of the build.
    """
    from mkdocs.commands.build import build

    root, out_dir = Path(root).resolve(), Path(out_dir).resolve()
    work = _work_dir(out_dir)
    with _removed_on_failure(work):
        config = _config(root, work, strict)
        _plugin(config).kb = kb
        del kb  # the plugin holds the only reference now
        build(config)
    _swap(work / "site", out_dir)
    shutil.rmtree(work, ignore_errors=True)


def prepare_site(root: Path, kb: Any, out_dir: Path, *, strict: bool = False) -> Path:
    """The first half of a build in two processes: every page and download of ``kb``, made into a work folder.

    Returns the folder (beside ``out_dir``), for :func:`finish_site` to
    build the site from in another process: that process never holds the
    KB, so MkDocs and the saved questions' store do not come on top of the
    memory it took. Removes the folder if anything fails.
    """
    from kb.engine.plugin import PreparedPages

    root, out_dir = Path(root).resolve(), Path(out_dir).resolve()
    work = _work_dir(out_dir)
    with _removed_on_failure(work):
        config = _config(root, work, strict)
        PreparedPages.write(kb, root, _plugin(config).config, config.use_directory_urls, work / PREPARED)
    return work


def finish_site(work: Path, out_dir: Path, *, strict: bool = False) -> None:
    """The second half: build the site from the pages :func:`prepare_site` made, and put it at ``out_dir``.

    The work folder is removed whether the build succeeds or not; a failed
    build leaves the previous site intact.
    """
    from mkdocs.commands.build import build

    from kb.engine.plugin import PreparedPages

    work, out_dir = Path(work).resolve(), Path(out_dir).resolve()
    with _removed_on_failure(work):
        prepared = PreparedPages.read(work / PREPARED)
        config = _config(prepared.root, work, strict)
        _plugin(config).prepared = prepared
        build(config)
    _swap(work / "site", out_dir)
    shutil.rmtree(work, ignore_errors=True)


@contextmanager
def _removed_on_failure(work: Path) -> Iterator[None]:
    """Remove the work folder if what runs inside fails; MkDocs' own errors become a SiteError."""
    from mkdocs.exceptions import MkDocsException

    try:
        yield
    except MkDocsException as exc:
        shutil.rmtree(work, ignore_errors=True)
        raise SiteError(f"the site could not be built: {exc}") from exc
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise


def _work_dir(out_dir: Path) -> Path:
    """A fresh folder beside ``out_dir`` (same file system, so the finished site is moved, not copied)."""
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".tmp", dir=out_dir.parent))


def _config(root: Path, work: Path, strict: bool) -> Any:
    from mkdocs.config import load_config

    site_dir = str(work / "site")
    own = root / CONFIG_FILE
    if own.is_file():
        return load_config(str(own), site_dir=site_dir, strict=strict)
    docs = work / "docs"
    docs.mkdir(exist_ok=True)  # made by the first half of a build in two processes
    text = DEFAULT_CONFIG.format(cache=_yaml_str(root / PRIVACY_CACHE), root=_yaml_str(root))
    return load_config(io.StringIO(text), config_file_path=str(own), docs_dir=str(docs),
                       site_dir=site_dir, strict=strict)


def _yaml_str(path: Path) -> str:
    return '"' + str(path).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _plugin(config: Any) -> Any:
    from kb.engine.plugin import KbPlugin

    for plugin in config.plugins.values():
        if isinstance(plugin, KbPlugin):
            return plugin
    raise SiteError(f"{CONFIG_FILE} does not use the kb plugin: add '- kb' under 'plugins:'")


def _swap(new: Path, out_dir: Path) -> None:
    """Put ``new`` where ``out_dir`` is; the old site is removed only once the new one is in place."""
    old = None
    if out_dir.exists() or out_dir.is_symlink():
        old = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".old", dir=out_dir.parent))
        os.replace(out_dir, old / out_dir.name)
    try:
        os.replace(new, out_dir)
    except BaseException:
        if old is not None:
            os.replace(old / out_dir.name, out_dir)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
