"""Shared fixtures: build small knowledge bases on disk and run the CLI in-process.

``make_kb`` writes a minimal kb.yaml plus whatever files a test gives it;
``kitchen_sink`` is one valid KB that uses every field and relation (the
numbers in test_score.py and test_graph.py are computed by hand from it);
``run_kb`` runs ``kb -C DIR ...`` through click's CliRunner.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Callable

import pytest
from click.testing import CliRunner, Result

from kb.cli import main

MINIMAL_CONFIG = """\
title: Test knowledge base
base_iri: https://kb.example.org/test/
"""


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-snapshots",
        action="store_true",
        default=False,
        help="Rewrite the golden files (tests/golden/, expected.txt of each corpus case) from kb's current output.",
    )


@pytest.fixture(autouse=True)
def _private_parse_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep kb's parse cache out of the home directory while testing."""
    monkeypatch.setenv("KB_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "kb-cache"))
    monkeypatch.delenv("KB_NO_CACHE", raising=False)


@pytest.fixture
def update_snapshots(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-snapshots"))


def write_files(root: Path, files: dict[str, str | bytes]) -> None:
    """Write ``files`` (relative path -> text or bytes) under ``root``; text is dedented."""
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content), encoding="utf-8")


@pytest.fixture
def make_kb(tmp_path: Path) -> Callable[..., Path]:
    """A factory: ``make_kb({"hypotheses/H01.yaml": "..."})`` -> the KB root.

    Writes MINIMAL_CONFIG as kb.yaml unless the files give one. Each call
    makes a fresh directory, so one test may build several KBs.
    """
    counter = [0]

    def _make(files: dict[str, str | bytes] | None = None) -> Path:
        counter[0] += 1
        root = tmp_path / f"kb{counter[0]}"
        root.mkdir()
        files = dict(files or {})
        files.setdefault("kb.yaml", MINIMAL_CONFIG)
        write_files(root, files)
        return root

    return _make


def run(*args: str, cwd: Path | str) -> Result:
    """``kb -C cwd ARGS`` in-process. Exceptions propagate: a traceback fails the test."""
    runner = CliRunner()
    return runner.invoke(main, ["-C", str(cwd), *map(str, args)], catch_exceptions=False)


@pytest.fixture
def run_kb() -> Callable[..., Result]:
    """``run_kb("check", "--strict", cwd=root)``; assert ``exit_code`` first, output as message."""
    return run


# --- the kitchen sink ---------------------------------------------------------------------
#
# Hand-computed standings (default weights: weak .5, moderate 1, strong 2;
# field/arena/workshop/interview 1, survey 1.5, document and literature .75;
# W = 2, a = 0.5):
#
# H01  E01 field strong supports          2
#      E02 arena moderate supports         1
#      E03 workshop weak contradicts       0.5 (s)
#      E05 survey, two judges (share 1/2): Kari strong supports 2*1.5/2 = 1.5,
#          Ola moderate supports, scope [follo]   1*1.5/2 = 0.75
#      E07 literature moderate supports    0.75
#      r = 6.0, s = 0.5, r+s+W = 8.5
# H02  E02 qualifies (not counted), E04 interview moderate supports 1: r = 1
# H03  E06 document moderate supports 0.75
# H04  no evidence (retired)

KITCHEN_SINK: dict[str, str] = {
    "kb.yaml": """\
        title:
          nb: Kjøkkenbenken – alt på én gang
          en: The kitchen sink
        description: A knowledge base that uses every field and relation.
        base_iri: https://kb.example.org/sink/
        languages: [nb, en]
        site_language: nb
        phases: [start, midterm, end]
        milestones:
          - id: start
            date: 2020-01-01
            label: {nb: Oppstart, en: Start}
            tag: v0.1
          - id: baseline
            date: 2020-12-31
            label: Baseline
          - id: midterm
            date: 2021-06-30
            label: {en: Midterm}
        scoring:
          prior_weight: 2.0
          base_rate: 0.5
          strength: {weak: 0.5}
          kind: {document: 0.75}
        """,
    "registry/constructs.yaml": """\
        constructs:
          - id: trust
            label: {nb: Tillit, en: Trust}
            definition: {en: Confidence in the others' good intentions.}
            kind: factor
            broader: social-capital
          - id: social-capital
            label: {nb: Sosial kapital, en: Social capital}
            kind: condition
          - id: co-creation
            label: {nb: Samskaping, en: Co-creation}
            kind: outcome
          - id: learning
            label: Learning
            kind: process
        """,
    "registry/contexts.yaml": """\
        contexts:
          - id: stad
            label: {nb: Stad kommune, en: Stad municipality}
            kind: municipality
            role: project
            description: {en: Newly merged municipality.}
          - id: stad-arena
            label: {nb: Samskapingsarena i Stad, en: Co-creation arena in Stad}
            kind: co_creation_arena
            part_of: stad
          - id: follo
            label: Nordre Follo
            kind: municipality
            role: sparring
          - id: follo-ws
            label: {nb: Politikerverksted på Ås, en: Politician workshop}
            kind: politician_workshop
            part_of: follo
          - id: exchange
            label: Exchange arena
            kind: exchange_arena
          - id: ks
            label: KS
            kind: organisation
            part_of: exchange
          - id: elsewhere
            label: Somewhere else
            kind: other
            role: follower
        """,
    "registry/sources.yaml": """\
        sources:
          - id: ansell-gash-2008
            type: article
            title: Collaborative governance in theory and practice
            authors: ["Ansell, Chris", "Gash, Alison"]
            year: 2008
            container: Journal of Public Administration Research and Theory
            volume: "18"
            issue: "4"
            pages: "543-571"
            doi: 10.1093/jopart/mum032
          - id: torfing-2016
            type: book
            title: Public innovation through collaboration and design
            authors: ["Torfing, Jacob"]
            year: 2016
            publisher: Routledge
            isbn: 978-1-138-01593-6
          - id: ks-web
            type: web
            title: Samskaping i kommunene
            authors: [KS]
            year: 2021
            url: https://www.ks.no/samskaping
        """,
    "hypotheses/H01.yaml": """\
        id: H01
        title:
          nb: Tillit fremmer samskaping
          en: Trust furthers co-creation
        statement:
          nb: Høyere tillit gir bedre samskaping på tvers av sektorer.
          en: More trust makes co-creation succeed across sectors.
        relation:
          from: trust
          to: co-creation
          effect: positive
        status: supported
        proposed: 2020-02-01
        authors: [Kari Nordmann, Ola Nordmann]
        rationale: The literature names trust as a starting condition.
        derived_from: [ansell-gash-2008]
        tags: [trust, factor]
        illustrative: false
        revisions:
          - date: 2021-03-01
            previous: Trust is needed before co-creation can start.
            previous_title: {nb: Tillit først, en: Trust first}
            previous_status: proposed
            change: Widened from a precondition to a continuous effect.
            reason: Trust kept growing during the arenas.
            because: [E01]
            by: [Kari Nordmann]
        """,
    "hypotheses/H02.yaml": """\
        id: H02
        title: {en: Trust matters most across sectors}
        statement: {en: The effect of trust is strongest between sectors.}
        relation: {from: trust, to: learning, effect: nonlinear}
        status: testing
        proposed: 2020-06-01
        refines: [H01]
        competes_with: [H03]
        illustrative: true
        """,
    "hypotheses/H03.yaml": """\
        id: H03
        title: {en: Learning drives co-creation}
        statement: {en: Mutual learning rather than trust drives co-creation.}
        relation: {from: learning, to: co-creation, effect: unknown}
        status: testing
        proposed: 2020-09-15
        supersedes: [H04]
        derived_from: [torfing-2016]
        """,
    "hypotheses/H04.yaml": """\
        id: H04
        title: {en: Size decides}
        statement: {en: Larger municipalities co-create less.}
        relation: {from: social-capital, to: co-creation, effect: negative}
        status: retired
        proposed: 2020-01-15
        """,
    "evidence/E01.yaml": """\
        id: E01
        kind: field_observation
        title: {nb: Åpen dialog på første samling, en: Open dialogue at the first meeting}
        date: 2020-03-01
        context: stad-arena
        phase: start
        recorded_by: [Kari Nordmann]
        summary: {en: Participants spoke openly from the first meeting.}
        links:
          - hypothesis: H01
            stance: supports
            strength: strong
            note: {en: Trust was visible at once.}
        """,
    "evidence/E02.yaml": """\
        id: E02
        kind: arena_record
        title: {en: Minutes of the second arena}
        date: 2020-05-01
        context: stad-arena
        phase: start
        recorded_by: [Ola Nordmann]
        summary: {en: The arena agreed on a shared plan.}
        links:
          - hypothesis: H01
            stance: supports
            strength: moderate
          - hypothesis: H02
            stance: qualifies
            strength: weak
            note: Only between two of the sectors.
        """,
    "evidence/E03.yaml": """\
        id: E03
        kind: workshop_record
        title: {en: Politicians doubted the arena}
        date: 2021-09-01
        context: follo-ws
        phase: midterm
        recorded_by: [Kari Nordmann]
        summary: {en: Several politicians said trust was not the issue.}
        links:
          - hypothesis: H01
            stance: contradicts
            strength: weak
        """,
    "evidence/E04.yaml": """\
        id: E04
        kind: interview
        title: {en: Interview with a unit leader}
        date: 2021-10-01
        context: follo
        phase: midterm
        recorded_by: [Ola Nordmann]
        summary: {en: Confidential interview.}
        restricted: true
        links:
          - hypothesis: H02
            stance: supports
            strength: moderate
            note: {en: Secret note.}
        """,
    "evidence/E05.yaml": """\
        id: E05
        kind: survey_measurement
        title: {en: Trust survey at the end}
        date: 2022-03-01
        context: stad
        phase: end
        recorded_by: [Survey team]
        summary: {en: Mean trust rose to 5.2 on the seven-point scale.}
        restricted: true
        measurement:
          construct: trust
          value: 5.2
          scale: "1-7"
          sample_size: 120
          instrument: Trust index
          spread: 1.1
        links:
          - hypothesis: H01
            stance: supports
            strength: strong
            by: Kari Nordmann
            date: 2022-03-15
            scope: [stad]
          - hypothesis: H01
            stance: supports
            strength: moderate
            by: Ola Nordmann
            date: 2022-04-01
            scope: [follo]
        """,
    "evidence/E06.yaml": """\
        id: E06
        kind: document
        title: {en: The municipal plan}
        date: 2022-01-01
        context: exchange
        recorded_by: [Kari Nordmann]
        summary: {en: The plan names learning as the goal.}
        sources: [ks-web]
        links:
          - hypothesis: H03
            stance: supports
            strength: moderate
        """,
    "evidence/E07.yaml": """\
        id: E07
        kind: literature_finding
        title: {en: Trust as a starting condition}
        date: 2008-10-01
        summary: {en: A meta-analysis of 137 cases names trust as a starting condition.}
        sources: [ansell-gash-2008]
        illustrative: true
        links:
          - hypothesis: H01
            stance: supports
            strength: moderate
            by: Kari Nordmann
            date: 2020-02-15
        """,
}


@pytest.fixture
def kitchen_sink(make_kb: Callable[..., Path]) -> Path:
    """A valid KB using every field and relation; ``kb check --strict`` passes on it."""
    return make_kb(KITCHEN_SINK)


@pytest.fixture
def kitchen_kb(kitchen_sink: Path):
    """The kitchen sink, loaded (and asserted clean)."""
    from kb.load.check import check
    from kb.load.loader import load

    kb, diags = load(kitchen_sink)
    diags += check(kb)
    assert not diags, "\n".join(d.format() for d in diags)
    return kb


GOLDEN = Path(__file__).parent / "golden"


class Snapshot:
    """Golden files under ``directory``: compared byte for byte, or written with ``--update-snapshots``."""

    def __init__(self, directory: Path, update: bool) -> None:
        self.directory, self.update = directory, update

    def expected(self, name: str, actual: str) -> str:
        """The golden text of ``name``; with the switch, ``actual`` is written as it first."""
        path = self.directory / name
        if self.update:
            data = actual.encode("utf-8")
            if not path.is_file() or path.read_bytes() != data:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
            return actual
        if not path.is_file():
            pytest.fail(f"no golden file {path}; make it with: python3 -m pytest --update-snapshots "
                        f"{Path(__file__).parent.name}/test_golden.py", pytrace=False)
        return path.read_bytes().decode("utf-8")

    def assert_match(self, name: str, actual: str) -> None:
        """``actual`` is the golden file's bytes; else fail with a diff (the first 60 lines)."""
        import difflib

        expected = self.expected(name, actual)
        if expected.encode("utf-8") != actual.encode("utf-8"):
            diff = list(difflib.unified_diff(expected.splitlines(), actual.splitlines(),
                                             f"golden/{name}", "now", lineterm=""))
            pytest.fail(f"{name} differs from its golden file; if the change is meant, run "
                        "python3 -m pytest --update-snapshots tests/test_golden.py\n" + "\n".join(diff[:60]),
                        pytrace=False)


@pytest.fixture
def snapshot(update_snapshots: bool) -> Snapshot:
    """Golden files in tests/golden/ (see :class:`Snapshot`)."""
    return Snapshot(GOLDEN, update_snapshots)


# The browser fixtures (tests/browsing.py), for every test file that opens pages in Chromium.
from browsing import browser, serve, shipped_build, shipped_site, shots, watched  # noqa: E402, F401
