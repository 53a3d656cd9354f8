"""The main page types of the shipped site at desktop and phone width, photographed for review.

Each page is opened in Chromium at 1366 px and at 390 px and saved as
``<type>-<width>.png`` in the screenshots directory (``$KB_SCREENSHOTS``;
``.ci/run`` sets it to test-output/screenshots/, and CI keeps it). On the
phone the page itself must not scroll sideways: a wide table or diagram may
scroll inside its own box, the page may not.
"""

from __future__ import annotations

import pytest

from browsing import ROOT

WIDTHS = {"desktop": 1366, "phone": 390}


def _page_types() -> dict[str, str]:
    """One page of each main type, by name -> path under the site."""
    from kb.load.loader import load

    kb, _ = load(ROOT)
    hid = next(iter(kb.hypotheses))
    open_evidence = next(e.id for e in kb.evidence.values() if not e.restricted and e.links)
    context = next(c.id for c in kb.contexts.values() if not c.part_of)
    construct = next(iter(kb.constructs))
    return {"home": "", "map": "map/", "hypotheses": "hypotheses/", "hypothesis": f"hypotheses/{hid}/",
            "evidence-index": "evidence/", "evidence": f"evidence/{open_evidence}/", "construct":
            f"constructs/{construct}/", "context": f"contexts/{context}/", "gaps": "gaps/",
            "findings": "findings/", "changes": "changes/", "questions": "questions/", "sources": "sources/"}


PAGES = _page_types()


@pytest.mark.parametrize("width", list(WIDTHS))
def test_main_page_types_photographed(browser, shipped_site, shots, width):
    pixels = WIDTHS[width]
    context = browser.new_context(viewport={"width": pixels, "height": 900})
    page = context.new_page()
    wide = []
    try:
        for name, path in PAGES.items():
            response = page.goto(shipped_site + path)
            assert response is not None and response.ok, f"/{path}: {response and response.status}"
            page.wait_for_load_state("load")
            target = shots / f"{name}-{width}.png"
            page.screenshot(path=target, full_page=True)
            assert target.stat().st_size > 0
            overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
            if overflow > 1:
                wide.append(f"/{path} ({overflow} px)")
    finally:
        context.close()
    assert not wide, f"at {pixels} px these pages scroll sideways: {', '.join(wide)}"
