"""Browser fixtures shared by the browser tests: a static server, headless Chromium, screenshots.

Needs /usr/bin/chromium (Debian's chromium) and Playwright. Outside CI the
tests skip when Chromium is missing; under CI=true they fail instead.
Screenshots go to a temporary directory, or to $KB_SCREENSHOTS when set.
``watched`` fails a test whose page logs a console error or asks for
anything outside 127.0.0.1.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
IN_CI = os.environ.get("CI", "").lower() == "true"

#: True when the page has diagrams and every one holds a drawn SVG (kb draws them at build time,
#: so this holds as soon as the page has loaded, or never).
DIAGRAMS_DONE = """() => {
  const boxes = [...document.querySelectorAll("figure.kb-diagram")];
  return boxes.length > 0 && boxes.every(b => {
    const svg = b.querySelector("svg");
    return svg && svg.getBoundingClientRect().width > 0 && svg.childElementCount > 1;
  });
}"""


def _missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install playwright)"
    if not Path(CHROMIUM).exists():
        return f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    return None


def _require_browser() -> None:
    reason = _missing()
    if reason:
        if IN_CI:
            pytest.fail(f"browser tests must run under CI: {reason}")
        pytest.skip(reason)


# --- sites and a server -----------------------------------------------------------------


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="session")
def serve():
    servers = []

    def start(directory: Path) -> str:
        handler = functools.partial(Quiet, directory=str(directory))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def _build(root: Path, out: Path) -> Path:
    from kb.build import build

    build(root, out)
    return out


@pytest.fixture(scope="session")
def shipped_build(tmp_path_factory) -> Path:
    """The shipped KB's site as `kb build` makes it, built once for every test that reads it (read only)."""
    return _build(ROOT, tmp_path_factory.mktemp("shipped") / "site")


@pytest.fixture(scope="session")
def shipped_site(shipped_build, serve):
    """The URL of the shipped site, served from 127.0.0.1."""
    _require_browser()
    return serve(shipped_build)


# --- the browser ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    wanted = os.environ.get("KB_SCREENSHOTS")
    path = Path(wanted) if wanted else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


class Watched:
    """A page that records console errors and every request leaving 127.0.0.1 (which it blocks)."""

    def __init__(self, context) -> None:
        self.errors: list[str] = []
        self.outside: list[str] = []
        context.route(re.compile(r".*"), self._route)
        self.page = context.new_page()
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def _route(self, route) -> None:
        url = route.request.url
        if url.startswith("http://127.0.0.1:"):
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()

    def open(self, url: str, diagrams: bool = True):
        self.page.goto(url)
        self.page.wait_for_load_state("load")
        if diagrams:
            assert self.page.evaluate(DIAGRAMS_DONE), f"{url}: a diagram without its SVG"
        return self.page


@pytest.fixture()
def watched(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    w = Watched(context)
    yield w
    context.close()
    assert not w.outside, f"requests left 127.0.0.1: {w.outside}"
    assert not w.errors, f"console errors: {w.errors}"
