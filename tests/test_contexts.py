"""One model of the context hierarchy: every output counts the same judgements in a context.

The KB below has three levels of contexts under two municipalities, a
regional arena beside them, evidence at every level, and scoped links. The
expected counts are worked out by hand from the rule in KnowledgeBase's
docstring: a link is placed in its scope, else in its evidence's context, and
holds there and in every context enclosing it, never in those inside it.

    stad (municipality)                  follo (municipality)      region (exchange arena)
      stad-arena                           follo-arena
        stad-m1, stad-m2 (meetings)          follo-m1 (meeting)
      stad-ws (workshop)

    link  evidence  hypothesis  stance       placed in
    L1    E01       H1          supports     stad-m1
    L2    E02       H1          contradicts  stad-m2
    L3    E03       H1          supports     stad-arena
    L4    E03       H2          qualifies    stad-arena
    L5    E04       H1          supports     stad
    L6    E05       H2          supports     stad-ws
    L7    E06       H1          contradicts  follo-m1
    L8    E07       H2          supports     follo
    L9    E08       H1          supports     stad          (E08 is from region; scope [stad])
    L10   E08       H1          contradicts  follo-arena   (scope [follo-arena])
    L11   E08       H2          supports     region        (no scope)
    L12   E09       H1          supports     stad-m1 and stad-m2 (E09 is from stad-arena; scope both)
    L13   E10       H1          supports     literature    (no context, no scope)
    L14   E11       H2          contradicts  follo         (literature scoped to follo)

So, as (supports, contradicts, qualifies):

    stad        H1 L1 L3 L5 L9 L12 + / L2 -      = (5, 1, 0)   H2 L6 + / L4 ~  = (1, 0, 1)
    stad-arena  H1 L1 L3 L12 + / L2 -           = (3, 1, 0)   H2 L4 ~         = (0, 0, 1)
    stad-ws     H2 L6                           = (1, 0, 0)
    stad-m1     H1 L1 L12                       = (2, 0, 0)
    stad-m2     H1 L12 + / L2 -                 = (1, 1, 0)
    follo       H1 L7 L10 -                     = (0, 2, 0)   H2 L8 + / L14 - = (1, 1, 0)
    follo-arena H1 L7 L10 -                     = (0, 2, 0)
    follo-m1    H1 L7 -                         = (0, 1, 0)
    region      H2 L11                          = (1, 0, 0)   (L9 is about stad, not the region)
    literature  H1 L13                          = (1, 0, 0)   (L14 is scoped to follo)

At level 1, the links placed at level 0 (L5, L8, L9, L11, L14) are in no column; L12,
placed in two meetings, counts once in stad-arena and once in each meeting at level 2.
"""

from __future__ import annotations

import html

import json
import os
import subprocess
from pathlib import Path

import pytest

from kb.load.loader import load

CONFIG = """\
title: Contexts test
base_iri: https://kb.example.org/contexts/
languages: [en]
"""

REGISTRY = """\
contexts:
  - {id: stad, label: Stad municipality, kind: municipality, role: project}
  - {id: stad-arena, label: Stad arena, kind: co_creation_arena, part_of: stad}
  - {id: stad-m1, label: Stad meeting one, kind: other, part_of: stad-arena}
  - {id: stad-m2, label: Stad meeting two, kind: other, part_of: stad-arena}
  - {id: stad-ws, label: Stad workshop, kind: politician_workshop, part_of: stad}
  - {id: follo, label: Follo municipality, kind: municipality, role: sparring}
  - {id: follo-arena, label: Follo arena, kind: co_creation_arena, part_of: follo}
  - {id: follo-m1, label: Follo meeting one, kind: other, part_of: follo-arena}
  - {id: region, label: Regional arena, kind: exchange_arena}
"""


def hypothesis(hid: str) -> str:
    return f"id: {hid}\ntitle: Hypothesis {hid}\nstatement: Claim {hid}.\nstatus: testing\nproposed: 2021-01-01\n"


def evidence(eid: str, context: str | None, *links: str) -> str:
    where = f"context: {context}\n" if context else ""
    kind = "field_observation" if context else "literature_finding"
    body = "".join(f"  - {link}\n" for link in links)
    return (f"id: {eid}\nkind: {kind}\ntitle: Evidence {eid}\ndate: 2022-01-01\n{where}"
            f"summary: Illustrative.\nillustrative: true\nlinks:\n{body}")


def link(hid: str, stance: str, scope: str = "", by: str = "") -> str:
    extra = (f", scope: [{scope}]" if scope else "") + (f", by: {by}" if by else "")
    return f"{{hypothesis: {hid}, stance: {stance}, strength: moderate{extra}}}"


FILES = {
    "kb.yaml": CONFIG,
    "registry/contexts.yaml": REGISTRY,
    "hypotheses/H1.yaml": hypothesis("H1"),
    "hypotheses/H2.yaml": hypothesis("H2"),
    "evidence/E01.yaml": evidence("E01", "stad-m1", link("H1", "supports")),
    "evidence/E02.yaml": evidence("E02", "stad-m2", link("H1", "contradicts")),
    "evidence/E03.yaml": evidence("E03", "stad-arena", link("H1", "supports"), link("H2", "qualifies")),
    "evidence/E04.yaml": evidence("E04", "stad", link("H1", "supports")),
    "evidence/E05.yaml": evidence("E05", "stad-ws", link("H2", "supports")),
    "evidence/E06.yaml": evidence("E06", "follo-m1", link("H1", "contradicts")),
    "evidence/E07.yaml": evidence("E07", "follo", link("H2", "supports")),
    "evidence/E08.yaml": evidence("E08", "region", link("H1", "supports", "stad", by="Kari"),
                                  link("H1", "contradicts", "follo-arena", by="Ola"), link("H2", "supports")),
    "evidence/E09.yaml": evidence("E09", "stad-arena", link("H1", "supports", "stad-m1, stad-m2")),
    "evidence/E10.yaml": evidence("E10", None, link("H1", "supports")),
    "evidence/E11.yaml": evidence("E11", None, link("H2", "contradicts", "follo")),
}

NONE = (0, 0, 0)
#: context -> hypothesis -> (supports, contradicts, qualifies), from the table above
EXPECTED = {
    "stad": {"H1": (5, 1, 0), "H2": (1, 0, 1)},
    "stad-arena": {"H1": (3, 1, 0), "H2": (0, 0, 1)},
    "stad-ws": {"H1": NONE, "H2": (1, 0, 0)},
    "stad-m1": {"H1": (2, 0, 0), "H2": NONE},
    "stad-m2": {"H1": (1, 1, 0), "H2": NONE},
    "follo": {"H1": (0, 2, 0), "H2": (1, 1, 0)},
    "follo-arena": {"H1": (0, 2, 0), "H2": NONE},
    "follo-m1": {"H1": (0, 1, 0), "H2": NONE},
    "region": {"H1": NONE, "H2": (1, 0, 0)},
    "literature": {"H1": (1, 0, 0), "H2": NONE},
}
LEVELS = {
    0: ["stad", "follo", "region", "literature"],
    1: ["stad-arena", "stad-ws", "follo-arena", "literature"],
    2: ["stad-m1", "stad-m2", "follo-m1", "literature"],
}
STANCES = ("supports", "contradicts", "qualifies")


def triple(counts: dict) -> tuple[int, int, int]:
    return tuple(counts.get(s, 0) for s in STANCES)  # type: ignore[return-value]


@pytest.fixture
def root(make_kb) -> Path:
    return make_kb(FILES)


@pytest.fixture
def kb(root: Path):
    kb, diags = load(root)
    assert not [d for d in diags if d.severity == "error"], diags
    return kb


# --- the model ---------------------------------------------------------------------------


def test_the_hierarchy(kb):
    assert kb.context_ancestors("stad-m2") == ("stad-arena", "stad")
    assert kb.context_ancestors("region") == ()
    assert kb.context_descendants("stad") == ("stad-arena", "stad-m1", "stad-m2", "stad-ws")
    assert kb.context_descendants("stad-m1") == ()
    assert [kb.context_level(c) for c in ("follo", "follo-arena", "follo-m1")] == [0, 1, 2]
    assert kb.context_at_level("stad-m2", 0) == "stad"
    assert kb.context_at_level("stad-m2", 1) == "stad-arena"
    assert kb.context_at_level("stad-m2", 2) == "stad-m2"
    assert kb.context_at_level("stad-arena", 2) is None
    with pytest.raises(KeyError):
        kb.context_ancestors("nowhere")


def test_a_scoped_link_holds_where_it_is_placed_and_above(kb):
    e08 = kb.evidence["E08"]
    to_stad, to_follo_arena, unscoped = e08.links
    assert kb.link_holds_in(e08, to_stad, "stad")
    assert not kb.link_holds_in(e08, to_stad, "region")  # where the evidence is from: the scope decides
    assert not kb.link_holds_in(e08, to_stad, "stad-arena")  # not inside the context it names
    assert kb.link_holds_in(e08, to_follo_arena, "follo")  # but in the contexts enclosing it
    assert kb.link_holds_in(e08, unscoped, "region")
    assert kb.evidence_within("stad") == ("E01", "E02", "E03", "E04", "E05", "E08", "E09")
    assert kb.evidence_within("follo") == ("E06", "E07", "E08", "E11")
    assert kb.evidence_within("stad-ws") == ("E05",)


def test_every_count_follows_the_rule(kb):
    """The table in the module docstring, from the model's methods alone."""
    for cid, expected in EXPECTED.items():
        if cid == "literature":
            continue
        found = {hid: [0, 0, 0] for hid in kb.hypotheses}
        for eid in kb.evidence_within(cid):
            e = kb.evidence[eid]
            for ln in e.links:
                if kb.link_holds_in(e, ln, cid):
                    found[ln.hypothesis][STANCES.index(ln.stance)] += 1
        assert {h: tuple(v) for h, v in found.items()} == expected, cid


def test_a_cycle_of_part_of_ends_every_walk(make_kb):
    files = {"registry/c.yaml": """\
        contexts:
          - {id: a, label: A, kind: other, part_of: b}
          - {id: b, label: B, kind: other, part_of: a}
          - {id: c, label: C, kind: other, part_of: a}
        """}
    kb = load(make_kb(files))[0]
    assert kb.context_ancestors("a") == ("b",) and kb.context_ancestors("b") == ("a",)
    assert kb.context_ancestors("c") == ("a", "b")
    assert kb.context_descendants("a") == ("b", "c")


def test_an_as_of_copy_does_not_read_the_originals_index(kb):
    assert "E09" in kb.evidence_within("stad")
    fewer = kb.model_copy(update={"evidence": {k: v for k, v in kb.evidence.items() if k != "E09"}})
    assert "E09" not in fewer.evidence_within("stad")
    assert "E09" in kb.evidence_within("stad")


# --- every output --------------------------------------------------------------------------


def test_status_per_context(root, run_kb):
    for cid, expected in EXPECTED.items():
        if cid == "literature":
            continue
        result = run_kb("status", "--context", cid, "--format", "json", cwd=root)
        assert result.exit_code == 0, result.output
        rows = {r["id"]: (r["supports"], r["contradicts"], r["qualifies"]) for r in json.loads(result.stdout)}
        assert rows == expected, cid


def test_show_of_a_context_counts_what_holds_there(root, run_kb):
    for cid, expected in EXPECTED.items():
        if cid == "literature":
            continue
        result = run_kb("show", cid, "--format", "json", cwd=root)
        assert result.exit_code == 0, result.output
        data = json.loads(result.stdout)
        found = {hid: triple(data["hypotheses"].get(hid, {})) for hid in ("H1", "H2")}
        assert found == expected, cid
    stad = json.loads(run_kb("show", "stad", "--format", "json", cwd=root).stdout)
    assert stad["contains"] == ["stad-arena", "stad-ws"]
    assert stad["descendants"] == ["stad-arena", "stad-m1", "stad-m2", "stad-ws"]  # grandchildren too
    assert stad["evidence"] == ["E01", "E02", "E03", "E04", "E05", "E08", "E09"]
    text = run_kb("show", "stad", cwd=root).stdout
    assert "  H1 +5 -1 ~0" in text and "  E08 2022-01-01 field_observation (from region)" in text
    meeting = json.loads(run_kb("show", "stad-m2", "--format", "json", cwd=root).stdout)
    assert meeting["ancestors"] == ["stad-arena", "stad"]


def test_show_of_a_hypothesis_in_a_context(root, run_kb):
    result = run_kb("show", "H1", "--context", "stad-arena", "--format", "json", cwd=root)
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)["evidence"]
    assert sorted(c["evidence"] for c in found) == ["E01", "E02", "E03", "E09"]
    assert [sum(c["stance"] == s for c in found) for s in STANCES] == list(EXPECTED["stad-arena"]["H1"])


@pytest.mark.parametrize("level", [0, 1, 2])
def test_gaps_at_each_level(root, run_kb, level):
    result = run_kb("gaps", "--level", str(level), "--format", "json", cwd=root)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["level"] == level and data["columns"] == LEVELS[level]
    for col in LEVELS[level]:
        for hid in ("H1", "H2"):
            assert triple(data["rows"][hid][col]) == EXPECTED[col][hid], (level, col, hid)


def test_gaps_level_zero_is_the_default_and_levels_are_checked(root, run_kb):
    default = json.loads(run_kb("gaps", "--format", "json", cwd=root).stdout)
    assert default == json.loads(run_kb("gaps", "--level", "0", "--format", "json", cwd=root).stdout)
    too_deep = run_kb("gaps", "--level", "3", cwd=root)
    assert too_deep.exit_code == 2, too_deep.output
    assert "no context lies at level 3; the deepest are at level 2" in too_deep.output
    by_phase = run_kb("gaps", "--by", "phase", "--level", "1", cwd=root)
    assert by_phase.exit_code == 2, by_phase.output
    text = run_kb("gaps", "--level", "1", cwd=root)
    assert text.exit_code == 0, text.output
    assert text.stdout.splitlines()[0].split() == ["id", *LEVELS[1]]


def triple_of(cell) -> tuple[int, int, int]:
    return (cell.supports, cell.contradicts, cell.qualifies)


def test_the_sites_gap_map_and_context_pages(kb):
    from kb.site.gapmap import gaps_view
    from kb.site.items import context_view
    from kb.site.kit import Site
    from kb.site.pages import render_site

    site = Site(kb)
    view = gaps_view(site)
    holding = [col for col in LEVELS[0] if any(c != NONE for c in EXPECTED[col].values())]
    assert [c.key for c in view.matrix.columns] == holding
    assert [c.key for c in view.matrix.folded] == [col for col in LEVELS[0] if col not in holding]
    for row in view.matrix.rows:
        assert [triple_of(c) for c in row.cells] == [EXPECTED[col][row.ref.label] for col in holding], row.ref.label
    page = html.unescape(render_site(kb)["gaps.md"])
    assert "H1 · Stad municipality: 5 supporting, 1 contradicting, 0 qualifying" in page
    for cid, expected in EXPECTED.items():
        if cid == "literature":
            continue
        touched = {ref.label: (p, n, q) for ref, _, p, n, q in context_view(site, cid).touched}
        assert touched == {h: c for h, c in expected.items() if c != NONE}, cid
    stad = context_view(site, "stad")
    listed = [r.ref.label for _, rows in stad.evidence for r in rows]
    assert sorted(listed) == ["E01", "E02", "E03", "E04", "E05", "E08", "E09"]
    assert [depth for _, _, depth, _ in stad.parts] == [1, 2, 2, 1]


# --- kb diff ---------------------------------------------------------------------------------


def git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "A", "GIT_AUTHOR_EMAIL": "a@example.org",
           "GIT_COMMITTER_NAME": "A", "GIT_COMMITTER_EMAIL": "a@example.org",
           "GIT_AUTHOR_DATE": "2023-01-01T12:00:00", "GIT_COMMITTER_DATE": "2023-01-01T12:00:00"}
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True, env=env).stdout


def test_diff_credits_new_evidence_to_its_own_context(root, run_kb):
    git(root, "init", "-q", "-b", "main")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "start")

    def counts(cid: str) -> dict:
        rows = json.loads(run_kb("status", "--context", cid, "--format", "json", cwd=root).stdout)
        return {r["id"]: (r["supports"], r["contradicts"], r["qualifies"]) for r in rows}

    before = {cid: counts(cid) for cid in ("stad", "stad-arena", "stad-m2")}
    (root / "evidence/E12.yaml").write_text(evidence("E12", "stad-m2", link("H1", "supports")), encoding="utf-8")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "a second meeting observed")

    result = run_kb("diff", "HEAD~1", "HEAD", "--format", "json", cwd=root)
    assert result.exit_code == 0, result.output
    changed = {c["id"]: c for c in json.loads(result.stdout)["hypotheses_changed"]}
    assert changed["H1"]["new_evidence"] == [
        {"id": "E12", "stance": "supports", "context": "Stad meeting two", "kind": "field_observation"}]
    assert "H2" not in changed
    assert "1 new supporting evidence item from Stad meeting two" in run_kb("diff", "HEAD~1", "HEAD", cwd=root).stdout
    # the one new supporting link shows in that meeting and in each context enclosing it
    for cid, was in before.items():
        s, c, q = was["H1"]
        assert counts(cid) == {"H1": (s + 1, c, q), "H2": was["H2"]}, cid
    assert counts("stad-m1") == EXPECTED["stad-m1"] and counts("follo") == EXPECTED["follo"]
