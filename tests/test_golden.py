"""Golden files (tests/golden/): the shipped KB's Turtle and five of its site's pages.

The KB is this repository's own (the illustrative theory in hypotheses/,
evidence/, registry/). The Turtle is compared byte for byte and, separately,
by meaning (rdflib's graph isomorphism), so a change in formatting alone
fails only the first. The pages are made by the engine-free generation from
the public view, as every output is. After a meant change:

    python3 -m pytest --update-snapshots tests/test_golden.py
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import Snapshot, run

REPO = Path(__file__).resolve().parents[1]

#: home, a hypothesis with revisions, an evidence item, a context with parts, the gap map
PAGES = ["index.md", "hypotheses/H02.md", "evidence/E014.md", "contexts/stad.md", "gaps.md"]


@pytest.fixture(scope="module")
def turtle() -> str:
    result = run("export", "--format", "ttl", cwd=REPO)
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.fixture(scope="module")
def pages() -> dict[str, str]:
    from kb.load.check import check
    from kb.load.loader import load
    from kb.public import public_view
    from kb.site.pages import render_site

    kb, diags = load(REPO)
    errors = [d for d in diags + check(kb) if d.severity == "error"]
    assert not errors, "\n".join(d.format() for d in errors)
    return render_site(public_view(kb), build_date="GOLDEN")


def test_turtle_bytes(turtle: str, snapshot: Snapshot) -> None:
    snapshot.assert_match("kb.ttl", turtle)


def test_turtle_meaning(turtle: str, snapshot: Snapshot) -> None:
    from rdflib import Graph
    from rdflib.compare import graph_diff, isomorphic, to_isomorphic

    golden = Graph().parse(data=snapshot.expected("kb.ttl", turtle), format="turtle")
    now = Graph().parse(data=turtle, format="turtle")
    assert len(now) > 1000  # the whole KB, not an empty export that matches an empty file
    if not isomorphic(golden, now):
        _, only_golden, only_now = graph_diff(to_isomorphic(golden), to_isomorphic(now))
        lost = sorted(only_golden.serialize(format="nt").splitlines())[:20]
        added = sorted(only_now.serialize(format="nt").splitlines())[:20]
        pytest.fail("the Turtle means something else now\nonly in golden:\n" + "\n".join(lost)
                    + "\nonly now:\n" + "\n".join(added), pytrace=False)


@pytest.mark.parametrize("page", PAGES)
def test_page(page: str, pages: dict[str, str], snapshot: Snapshot) -> None:
    assert page in pages, f"the site has no page {page}"
    snapshot.assert_match(f"pages/{page}", pages[page])


def test_a_missing_golden_file_names_the_switch(tmp_path: Path) -> None:
    with pytest.raises(pytest.fail.Exception, match="--update-snapshots"):
        Snapshot(tmp_path, update=False).assert_match("absent.md", "text")


def test_a_changed_output_fails_with_a_diff(tmp_path: Path) -> None:
    (tmp_path / "page.md").write_bytes(b"# Title\nold line\n")
    with pytest.raises(pytest.fail.Exception, match=r"(?s)-old line.*\+new line"):
        Snapshot(tmp_path, update=False).assert_match("page.md", "# Title\nnew line\n")


def test_the_switch_writes_and_then_matches(tmp_path: Path) -> None:
    Snapshot(tmp_path, update=True).assert_match("sub/page.md", "# Title\n")
    assert (tmp_path / "sub" / "page.md").read_bytes() == b"# Title\n"
    Snapshot(tmp_path, update=False).assert_match("sub/page.md", "# Title\n")
