"""kb.load.check: references, cycles, dates and consistency across files (KB3xx, KB4xx)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.load.check import check
from kb.errors import Diagnostic
from kb.load.loader import load

REGISTRY = {
    "registry/constructs.yaml": """\
        constructs:
          - {id: trust, label: Trust}
          - {id: co-creation, label: Co-creation}
        """,
    "registry/contexts.yaml": """\
        contexts:
          - {id: stad, label: Stad, kind: municipality}
          - {id: stad-arena, label: Arena, kind: co_creation_arena, part_of: stad}
        """,
    "registry/sources.yaml": """\
        sources:
          - {id: ansell-gash-2008, title: Collaborative governance, authors: [Ansell], year: 2008,
             doi: 10.1093/jopart/mum032}
        """,
}


def hypothesis(hid: str = "H01", extra: str = "", proposed: str = "2021-01-15", status: str = "proposed") -> str:
    return f"id: {hid}\ntitle: A claim\nstatement: Something holds.\nstatus: {status}\nproposed: {proposed}\n" + extra


def evidence(eid: str = "E001", extra: str = "", links: str = "links:\n  - {hypothesis: H01, stance: supports, strength: moderate}\n",
             kind: str = "field_observation", date: str = "2021-03-01") -> str:
    return f"id: {eid}\nkind: {kind}\ndate: {date}\nsummary: Seen.\n" + extra + links


def base(**overrides: str) -> dict[str, str]:
    files = {**REGISTRY, "hypotheses/H01.yaml": hypothesis(), "hypotheses/H02.yaml": hypothesis("H02"),
             "evidence/E001.yaml": evidence()}
    files.update({k.replace("__", "/").replace("_yaml", ".yaml"): v for k, v in overrides.items()})
    return files


def diagnostics(root: Path) -> list[Diagnostic]:
    kb, found = load(root)
    return sorted(set(found + check(kb)))


def test_the_base_is_clean(make_kb):
    assert diagnostics(make_kb(base())) == []


def only(root: Path) -> Diagnostic:
    found = diagnostics(root)
    assert len(found) == 1, [d.format() for d in found]
    return found[0]


# --- KB301 duplicate ids -------------------------------------------------------------


def test_duplicate_id_across_folders(make_kb):
    # evidence/ sorts before hypotheses/, so the hypothesis is the duplicate
    root = make_kb({**base(), "evidence/H02.yaml": evidence("H02")})
    d = only(root)
    assert (d.code, d.path, d.line, d.column, d.field) == ("KB301", "hypotheses/H02.yaml", 1, 5, "id")
    assert d.message == "duplicate id 'H02', already used in evidence/H02.yaml:1"


def test_duplicate_id_between_a_construct_and_a_context(make_kb):
    files = base()
    files["registry/contexts.yaml"] += "  - {id: trust, label: Trust town, kind: other}\n"
    d = only(make_kb(files))
    assert (d.code, d.path, d.line) == ("KB301", "registry/contexts.yaml", 4)
    assert "already used in registry/constructs.yaml:2" in d.message


def test_duplicate_id_within_one_registry_file(make_kb):
    files = base()
    files["registry/constructs.yaml"] += "  - {id: trust, label: Trust again}\n"
    d = only(make_kb(files))
    assert (d.code, d.line) == ("KB301", 4)


def test_ids_that_differ_only_in_case(make_kb):
    d = only(make_kb({**base(), "hypotheses/h02.yaml": hypothesis("h02")}))
    assert (d.code, d.path) == ("KB301", "hypotheses/h02.yaml")
    assert "differs only in case from 'H02'" in d.message


# --- KB302 unknown references --------------------------------------------------------

REFERENCES = [
    # (file, content, field, message, hint)
    ("hypotheses/H02.yaml", hypothesis("H02", "relation: {from: trusst, to: co-creation, effect: positive}\n"),
     "relation.from", "unknown construct 'trusst'", "did you mean 'trust'?"),
    ("hypotheses/H02.yaml", hypothesis("H02", "relation: {from: trust, to: cocreation, effect: positive}\n"),
     "relation.to", "unknown construct 'cocreation'", "did you mean 'co-creation'?"),
    ("hypotheses/H02.yaml", hypothesis("H02", "derived_from: [ansell-gash-2009]\n"),
     "derived_from[0]", "unknown source 'ansell-gash-2009'", "did you mean 'ansell-gash-2008'?"),
    ("hypotheses/H02.yaml", hypothesis("H02", "refines: [H01, H1]\n"),
     "refines[1]", "unknown hypothesis 'H1'", "did you mean 'H01'?"),
    ("hypotheses/H02.yaml", hypothesis("H02", "supersedes: [zzz]\n"),
     "supersedes[0]", "unknown hypothesis 'zzz'", "no hypothesis has this id"),
    ("hypotheses/H02.yaml", hypothesis("H02", "competes_with: [H3]\n"),
     "competes_with[0]", "unknown hypothesis 'H3'", ""),
    ("hypotheses/H02.yaml", hypothesis("H02", "revisions:\n  - {date: 2021-06-01, previous: p, change: c, because: [E01]}\n"),
     "revisions[0].because[0]", "unknown evidence 'E01'", "did you mean 'E001'?"),
    ("evidence/E001.yaml", evidence(extra="context: stadd\n"),
     "context", "unknown context 'stadd'", "did you mean 'stad'?"),
    ("evidence/E001.yaml", evidence(extra="sources: [ansell-gash]\n"),
     "sources[0]", "unknown source 'ansell-gash'", "did you mean 'ansell-gash-2008'?"),
    ("evidence/E001.yaml", evidence(kind="survey_measurement", extra="measurement: {construct: trrust, value: 5.0, "
                                    "scale: '1-7', sample_size: 9, instrument: i}\n"),
     "measurement.construct", "unknown construct 'trrust'", "did you mean 'trust'?"),
    ("evidence/E001.yaml", evidence(links="links:\n  - {hypothesis: H01, stance: supports, strength: weak, scope: [sted]}\n"),
     "links[0].scope[0]", "unknown context 'sted'", "did you mean 'stad'?"),
    ("evidence/E001.yaml", evidence(extra="phase: summer\n"),
     "phase", "unknown phase 'summer'", "phases in kb.yaml: start, midterm, end"),
]


@pytest.mark.parametrize("rel, content, field, message, hint", REFERENCES, ids=[r[2] for r in REFERENCES])
def test_unknown_references(make_kb, rel, content, field, message, hint):
    d = only(make_kb({**base(), rel: content}))
    assert (d.code, d.path, d.field, d.message) == ("KB302", rel, field, message)
    if field != "competes_with[0]":
        assert d.hint == hint
    lines = content.splitlines()
    # the position is the line where the offending id is written
    needle = message.split("'")[1]
    assert needle in lines[d.line - 1], (d.format(), lines)


def test_unknown_broader_and_part_of(make_kb):
    files = base()
    files["registry/constructs.yaml"] += "  - {id: faith, label: Faith, broader: trus}\n"
    files["registry/contexts.yaml"] += "  - {id: ws, label: Workshop, kind: politician_workshop, part_of: sta}\n"
    found = diagnostics(make_kb(files))
    assert [(d.code, d.path, d.line, d.field, d.hint) for d in found] == [
        ("KB302", "registry/constructs.yaml", 4, "broader", "did you mean 'trust'?"),
        ("KB302", "registry/contexts.yaml", 4, "part_of", "did you mean 'stad'?"),
    ]


def test_every_problem_is_reported_at_once(make_kb):
    root = make_kb({**base(), "hypotheses/H02.yaml": hypothesis("H02", "refines: [X1, X2]\n"),
                    "evidence/E001.yaml": evidence(extra="context: nowhere\n")})
    found = diagnostics(root)
    assert [d.field for d in found] == ["context", "refines[0]", "refines[1]"]


# --- KB303 cycles --------------------------------------------------------------------


def test_refines_cycle(make_kb):
    root = make_kb({**base(), "hypotheses/H01.yaml": hypothesis("H01", "refines: [H03]\n"),
                    "hypotheses/H02.yaml": hypothesis("H02", "refines: [H01]\n"),
                    "hypotheses/H03.yaml": hypothesis("H03", "refines: [H02]\n")})
    d = only(root)
    assert (d.code, d.path, d.line, d.field) == ("KB303", "hypotheses/H01.yaml", 6, "refines")
    assert d.message == "cycle in refines/supersedes: H01 -> H03 -> H02 -> H01"


def test_a_hypothesis_refining_itself(make_kb):
    d = only(make_kb({**base(), "hypotheses/H02.yaml": hypothesis("H02", "refines: [H02]\n")}))
    assert d.code == "KB303" and d.message.endswith("H02 -> H02")


def test_cycle_through_refines_and_supersedes(make_kb):
    root = make_kb({**base(), "hypotheses/H01.yaml": hypothesis("H01", "supersedes: [H02]\n"),
                    "hypotheses/H02.yaml": hypothesis("H02", "refines: [H01]\n")})
    d = only(root)
    assert (d.code, d.field, d.line) == ("KB303", "supersedes", 6)


def test_two_cycles_each_name_their_own_field(make_kb):
    root = make_kb({**base(), "hypotheses/H01.yaml": hypothesis("H01", "supersedes: [H02]\n"),
                    "hypotheses/H02.yaml": hypothesis("H02", "supersedes: [H01]\n"),
                    "hypotheses/H03.yaml": hypothesis("H03", "refines: [H04]\n"),
                    "hypotheses/H04.yaml": hypothesis("H04", "refines: [H03]\n")})
    found = [d for d in diagnostics(root) if d.code == "KB303"]
    assert [(d.path, d.field, d.line) for d in found] == [
        ("hypotheses/H01.yaml", "supersedes", 6),
        ("hypotheses/H03.yaml", "refines", 6),
    ]


def test_competing_hypotheses_may_point_at_each_other(make_kb):
    root = make_kb({**base(), "hypotheses/H01.yaml": hypothesis("H01", "competes_with: [H02]\n"),
                    "hypotheses/H02.yaml": hypothesis("H02", "competes_with: [H01]\n")})
    assert diagnostics(root) == []


def test_part_of_and_broader_cycles(make_kb):
    files = base()
    files["registry/contexts.yaml"] = "contexts:\n  - {id: a, label: A, kind: other, part_of: b}\n  - {id: b, label: B, kind: other, part_of: a}\n"
    files["registry/constructs.yaml"] = "constructs:\n  - {id: trust, label: T, broader: trust}\n  - {id: co-creation, label: C}\n"
    found = diagnostics(make_kb(files))
    assert [(d.code, d.field, d.message) for d in found] == [
        ("KB303", "broader", "cycle in broader: trust -> trust"),
        ("KB303", "part_of", "cycle in part_of: a -> b -> a"),
    ]


def test_a_long_chain_is_no_cycle(make_kb):
    files = base()
    for i in range(3, 200):
        files[f"hypotheses/H{i:03d}.yaml"] = hypothesis(f"H{i:03d}", f"refines: [H{i - 1:03d}]\n" if i > 3 else "")
    assert diagnostics(make_kb(files)) == []


# --- KB304 and KB406: dates ----------------------------------------------------------


def test_revision_before_proposed(make_kb):
    root = make_kb({**base(), "hypotheses/H02.yaml": hypothesis(
        "H02", "revisions:\n  - date: 2020-12-31\n    previous: p\n    change: c\n")})
    d = only(root)
    assert (d.code, d.line, d.column, d.field) == ("KB304", 7, 11, "revisions[0].date")
    assert d.message == "revision dated 2020-12-31 is before the hypothesis was proposed (2021-01-15)"


def test_revision_on_the_day_proposed_is_fine(make_kb):
    root = make_kb({**base(), "hypotheses/H02.yaml": hypothesis(
        "H02", "revisions:\n  - {date: 2021-01-15, previous: p, change: c}\n")})
    assert diagnostics(root) == []


def test_revisions_out_of_order_warn(make_kb):
    root = make_kb({**base(), "hypotheses/H02.yaml": hypothesis(
        "H02", "revisions:\n  - {date: 2021-06-01, previous: p, change: c}\n  - {date: 2021-03-01, previous: q, change: d}\n")})
    d = only(root)
    assert (d.code, d.severity, d.field, d.line) == ("KB406", "warning", "revisions[1].date", 8)
    assert d.hint == "list revisions oldest first"


def test_revision_because_of_later_evidence_warns(make_kb):
    root = make_kb({**base(), "hypotheses/H01.yaml": hypothesis(
        "H01", "revisions:\n  - {date: 2021-02-01, previous: p, change: c, because: [E001]}\n")})
    d = only(root)
    assert (d.code, d.severity, d.field) == ("KB406", "warning", "revisions[0].because[0]")
    assert "2021-03-01, after this revision (2021-02-01)" in d.message


def test_judgement_before_the_evidence_warns(make_kb):
    root = make_kb({**base(), "evidence/E001.yaml": evidence(
        links="links:\n  - hypothesis: H01\n    stance: supports\n    strength: weak\n    date: 2021-02-28\n")})
    d = only(root)
    assert (d.code, d.severity, d.field, d.line) == ("KB406", "warning", "links[0].date", 9)


# --- KB407, KB408 and KB406: GRADE-CERQual assessments --------------------------------


def assessment(date: str = "2021-04-01", considered: str = "[E001]", coherence: str = "{level: minor, explanation: Fits.}",
               extra: str = "") -> str:
    why = "explanation: Because."
    return (f"assessments:\n  - date: {date}\n    by: [Team]\n    considered: {considered}\n"
            f"    methodological_limitations: {{level: minor, {why}}}\n    coherence: {coherence}\n"
            f"    adequacy: {{level: moderate, {why}}}\n    relevance: {{level: no_or_very_minor, {why}}}\n"
            f"    confidence: {{level: moderate, {why}}}\n" + extra)


def test_a_current_assessment_is_clean(make_kb):
    assert diagnostics(make_kb(base(hypotheses__H01_yaml=hypothesis(extra=assessment())))) == []


def test_an_assessment_older_than_evidence_linked_since_warns(make_kb):
    later = evidence("E002", date="2021-05-10")
    root = make_kb(base(hypotheses__H01_yaml=hypothesis(extra=assessment()), evidence__E002_yaml=later))
    d = only(root)
    assert (d.path, d.code, d.severity, d.field, d.line, d.column) == (
        "hypotheses/H01.yaml", "KB407", "warning", "assessments[0].date", 7, 11)
    assert d.message == "the current assessment (2021-04-01) is older than evidence linked since: 'E002'"


def test_a_judgement_dated_after_the_assessment_makes_it_stale(make_kb):
    # the evidence is old, but it came to bear on H01 only when it was judged
    judged_later = evidence("E002", date="2021-02-01", links=(
        "links:\n  - {hypothesis: H01, stance: supports, strength: weak, date: 2021-06-01}\n"))
    root = make_kb(base(hypotheses__H01_yaml=hypothesis(extra=assessment()), evidence__E002_yaml=judged_later))
    assert only(root).code == "KB407"


def test_only_the_current_assessment_is_held_to_todays_links(make_kb):
    two = assessment() + assessment("2021-06-01", "[E001, E002]").replace("assessments:\n", "")
    root = make_kb(base(hypotheses__H01_yaml=hypothesis(extra=two),
                        evidence__E002_yaml=evidence("E002", date="2021-05-10")))
    assert diagnostics(root) == []


def test_considered_evidence_that_no_longer_links_warns(make_kb):
    unlinked = evidence("E002", links="links:\n  - {hypothesis: H02, stance: supports, strength: weak}\n")
    root = make_kb(base(hypotheses__H01_yaml=hypothesis(extra=assessment(considered="[E001, E002]")),
                        evidence__E002_yaml=unlinked))
    d = only(root)
    assert (d.code, d.field, d.line, d.column) == ("KB407", "assessments[0].considered[1]", 9, 24)
    assert "considered 'E002', which no longer links to 'H01'" in d.message


def test_a_rating_without_explanation_warns_at_its_level(make_kb):
    root = make_kb(base(hypotheses__H01_yaml=hypothesis(extra=assessment(coherence="{level: serious}"))))
    d = only(root)
    assert (d.code, d.severity, d.field, d.line, d.column) == (
        "KB408", "warning", "assessments[0].coherence.level", 11, 24)
    assert d.message == "coherence is rated 'serious' without an explanation"


def test_an_unknown_considered_id_is_an_error(make_kb):
    root = make_kb(base(hypotheses__H01_yaml=hypothesis(extra=assessment(considered="[E001, E099]"))))
    d = only(root)
    assert (d.code, d.severity, d.field) == ("KB302", "error", "assessments[0].considered[1]")


def test_considered_evidence_dated_after_the_assessment_warns(make_kb):
    root = make_kb(base(hypotheses__H01_yaml=hypothesis(extra=assessment(date="2021-02-01"))))
    d = only(root)
    assert (d.code, d.field) == ("KB406", "assessments[0].considered[0]")


def test_a_level_yaml_reads_as_false_is_refused_with_its_text(make_kb):
    root = make_kb(base(hypotheses__H01_yaml=hypothesis(extra=assessment(coherence="{level: no, explanation: x}"))))
    d = only(root)
    assert (d.code, d.field) == ("KB204", "assessments[0].coherence.level")
    assert "'no' is not one of no_or_very_minor, minor, moderate, serious" in d.message


# --- KB305 the same judgement twice --------------------------------------------------


def test_the_same_recorder_judging_twice(make_kb):
    root = make_kb({**base(), "evidence/E001.yaml": evidence(extra="recorded_by: [Kari]\n", links=(
        "links:\n  - {hypothesis: H01, stance: supports, strength: weak}\n"
        "  - {hypothesis: H02, stance: supports, strength: weak}\n"
        "  - {hypothesis: H01, stance: contradicts, strength: weak, by: Kari}\n"))})
    d = only(root)
    assert (d.code, d.field, d.line) == ("KB305", "links[2]", 9)
    assert d.message == "a second link to 'H01' by the same person (first: links[0])"


def test_two_judges_on_one_pair_are_fine(make_kb):
    root = make_kb({**base(), "evidence/E001.yaml": evidence(extra="recorded_by: [Kari]\n", links=(
        "links:\n  - {hypothesis: H01, stance: supports, strength: weak}\n"
        "  - {hypothesis: H01, stance: contradicts, strength: weak, by: Ola}\n"))})
    assert diagnostics(root) == []


# --- KB306 measurement and kind ------------------------------------------------------

MEASUREMENT = "measurement: {construct: trust, value: 5.2, scale: '1-7', sample_size: 120, instrument: Trust index}\n"


def test_survey_without_measurement(make_kb):
    d = only(make_kb({**base(), "evidence/E001.yaml": evidence(kind="survey_measurement")}))
    assert (d.code, d.field, d.line, d.column) == ("KB306", "kind", 2, 7)


def test_measurement_on_another_kind(make_kb):
    d = only(make_kb({**base(), "evidence/E001.yaml": evidence(kind="interview", extra=MEASUREMENT)}))
    assert (d.code, d.field, d.line) == ("KB306", "kind", 2)
    assert d.message == "only a survey_measurement carries a 'measurement', not a interview"


def test_a_survey_measurement_needs_no_links(make_kb):
    root = make_kb({**base(), "evidence/E001.yaml": evidence(kind="survey_measurement", extra=MEASUREMENT, links="")})
    assert diagnostics(root) == []


# --- warnings ------------------------------------------------------------------------


def test_evidence_without_links_warns(make_kb):
    d = only(make_kb({**base(), "evidence/E001.yaml": evidence(links="")}))
    assert (d.code, d.severity, d.line, d.column) == ("KB401", "warning", 1, 5)


def test_file_name_not_matching_the_id_warns(make_kb):
    files = base()
    files["hypotheses/h-two.yaml"] = files.pop("hypotheses/H02.yaml")
    d = only(make_kb(files))
    assert (d.code, d.severity, d.path, d.hint) == ("KB403", "warning", "hypotheses/h-two.yaml", "rename the file to H02.yaml")


def test_files_in_sub_folders_are_loaded_and_may_match_their_id(make_kb):
    files = base()
    files["evidence/2021/stad/E001.yaml"] = files.pop("evidence/E001.yaml")
    assert diagnostics(make_kb(files)) == []


def test_language_not_in_kb_yaml_warns(make_kb):
    root = make_kb({**base(), "hypotheses/H02.yaml": hypothesis("H02").replace(
        "statement: Something holds.", "statement: {en: Something holds., nn: Noko held.}")})
    d = only(root)
    assert (d.code, d.severity, d.field, d.line) == ("KB404", "warning", "statement", 3)
    assert d.message == "language 'nn' is not in kb.yaml's languages (en)"


def test_listed_languages_do_not_warn(make_kb):
    config = "title: T\nbase_iri: https://kb.example.org/t/\nlanguages: [nb, nn, en]\n"
    root = make_kb({**base(), "kb.yaml": config, "hypotheses/H02.yaml": hypothesis("H02").replace(
        "statement: Something holds.", "statement: {nb: Noe holder., nn: Noko held.}")})
    assert diagnostics(root) == []


def test_source_without_locator_warns(make_kb):
    files = base()
    files["registry/sources.yaml"] += "  - {id: grey-2019, title: A report, authors: [Someone], year: 2019, type: report}\n"
    d = only(make_kb(files))
    assert (d.code, d.severity, d.line, d.field) == ("KB405", "warning", 4, "id")


@pytest.mark.parametrize("locator", ["url: https://example.org/r", "isbn: 978-82-15-00000-0"])
def test_a_url_or_isbn_is_enough(make_kb, locator):
    files = base()
    files["registry/sources.yaml"] += f"  - {{id: grey-2019, title: A report, authors: [Someone], year: 2019, {locator}}}\n"
    assert diagnostics(make_kb(files)) == []


# --- through the command line --------------------------------------------------------


def test_warnings_do_not_fail_check(make_kb, run_kb):
    root = make_kb({**base(), "evidence/E001.yaml": evidence(links="")})
    result = run_kb("check", cwd=root)
    assert result.exit_code == 0, result.output
    assert "warning KB401" in result.stderr
    assert result.stdout.startswith("ok, 1 warning(s): 2 hypotheses, 1 evidence items, 0 links")


def test_strict_makes_warnings_fail(make_kb, run_kb):
    root = make_kb({**base(), "evidence/E001.yaml": evidence(links="")})
    result = run_kb("check", "--strict", cwd=root)
    assert result.exit_code == 1, result.output
    assert "warning KB401" in result.stderr


def test_strict_on_a_clean_kb(kitchen_sink, run_kb):
    result = run_kb("check", "--strict", cwd=kitchen_sink)
    assert result.exit_code == 0, result.output


def test_errors_fail_check_and_later_stages_refuse(make_kb, run_kb):
    root = make_kb({**base(), "hypotheses/H02.yaml": hypothesis("H02", "refines: [H9]\n")})
    result = run_kb("check", cwd=root)
    assert result.exit_code == 1, result.output
    assert "hypotheses/H02.yaml:6:11: error KB302 refines[0]: unknown hypothesis 'H9'" in result.stderr
    for command in (["status"], ["show", "H01"], ["graph"], ["gaps"]):
        result = run_kb(*command, cwd=root)
        assert result.exit_code == 1, result.output
        assert "run 'kb check'" in result.stderr


def test_language_check_covers_notes_and_revisions(make_kb):
    root = make_kb({**base(),
                    "hypotheses/H02.yaml": hypothesis("H02", "revisions:\n  - {date: 2021-06-01, previous: {de: Vorher}, change: c}\n"),
                    "evidence/E001.yaml": evidence(links="links:\n  - {hypothesis: H01, stance: supports, strength: weak, note: {sv: Notering}}\n")})
    found = diagnostics(root)
    assert [(d.code, d.field) for d in found] == [("KB404", "links[0].note"), ("KB404", "revisions[0].previous")]


# --- one mistake, one error (issue 16) -------------------------------------------------
#
# Each KB below has one mistake in one file, and other files that refer to what that file
# holds. Before, the item (or the whole registry file) was dropped and every reference to
# it became "unknown ... (did you mean ...?)", sorted ahead of the real error.


def referring(**overrides: str) -> dict[str, str]:
    """The base, with H02 refined by H01, linked from two evidence items and citing the source."""
    files = base(
        hypotheses__H01_yaml=hypothesis("H01", "refines: [H02]\nderived_from: [ansell-gash-2008]\n"
                                        "relation: {from: trust, to: co-creation, effect: positive}\n"),
        evidence__E001_yaml=evidence(extra="context: stad-arena\nsources: [ansell-gash-2008]\n",
                                     links="links:\n  - {hypothesis: H02, stance: supports, strength: moderate}\n"),
        evidence__E002_yaml=evidence("E002", extra="context: stad\n",
                                     links="links:\n  - {hypothesis: H02, stance: contradicts, strength: weak}\n"),
    )
    files.update({k.replace("__", "/").replace("_yaml", ".yaml"): v for k, v in overrides.items()})
    return files


def test_the_referring_kb_is_clean(make_kb):
    assert diagnostics(make_kb(referring())) == []


def test_a_hypothesis_with_a_field_error_keeps_its_id(make_kb):
    d = only(make_kb(referring(hypotheses__H02_yaml=hypothesis("H02", status="tested"))))
    assert d.format() == ("hypotheses/H02.yaml:4:9: error KB204 status: 'tested' is not one of proposed, testing, "
                          "supported, contested, refuted, revised, retired (did you mean 'testing'?)")


def test_a_hypothesis_that_does_not_parse_keeps_the_id_of_its_id_line(make_kb):
    broken = hypothesis("H02").replace("title: A claim", "title: A claim: with a colon")
    d = only(make_kb(referring(hypotheses__H02_yaml=broken)))
    assert (d.path, d.code, d.line) == ("hypotheses/H02.yaml", "KB104", 2)


def test_an_unreadable_hypothesis_gives_one_follow_on_after_its_error(make_kb):
    root = make_kb(referring(hypotheses__H02_yaml=b"\x00\x01binary"))
    found = diagnostics(root)
    assert [d.format() for d in found] == [
        "hypotheses/H02.yaml:1:1: error KB102 this is a binary file, not YAML text",
        # E001 and E002 and H01 all refer to H02: one follow-on, marked, last, with no "did you mean"
        "evidence/E001.yaml:8:18: error KB307 links[0].hypothesis: refers to 'H02', "
        "whose file hypotheses/H02.yaml has errors (see above)",
    ]
    assert [d.follow_on for d in found] == [False, True]


def test_a_follow_on_is_only_for_the_kind_the_file_holds(make_kb):
    # a broken hypotheses/stad.yaml says nothing about the context 'stad'
    root = make_kb(referring(hypotheses__stad_yaml=b"\x00", registry__contexts_yaml="contexts: []\n"))
    codes = [(d.code, d.field) for d in diagnostics(root)]
    assert ("KB302", "context") in codes and not any(code == "KB307" for code, _ in codes), codes


def test_a_registry_entry_with_an_error_drops_only_that_entry(make_kb):
    sources = """\
        sources:
          - {id: ansell-gash-2008, title: Collaborative governance, authors: [Ansell], year: 2008, volume: 18,
             doi: 10.1093/jopart/mum032}
          - {id: torfing-2016, title: Transforming, authors: [Torfing], year: 2016, doi: 10.1177/0095399716680057}
        """
    root = make_kb(referring(registry__sources_yaml=sources))
    kb, _ = load(root)
    assert list(kb.sources) == ["torfing-2016"] and "ansell-gash-2008" in kb.broken
    assert [d.format() for d in diagnostics(root)] == [
        "registry/sources.yaml:2:100: error KB203 sources[0].volume: expected text, got the number 18"
        " (put the value in quotes so YAML reads it as text)"]


def test_a_context_with_a_list_for_text_is_the_only_error(make_kb):
    contexts = """\
        contexts:
          - {id: stad, label: [Stad, Stad kommune], kind: municipality}
          - {id: stad-arena, label: Arena, kind: co_creation_arena, part_of: stad}
        """
    root = make_kb(referring(registry__contexts_yaml=contexts))
    found = diagnostics(root)
    assert [(d.path, d.code, d.field) for d in found] == [("registry/contexts.yaml", "KB203", "contexts[0].label")]
    kb, _ = load(root)
    assert list(kb.contexts) == ["stad-arena"] and list(kb.constructs) == ["trust", "co-creation"]


def test_a_registry_that_does_not_parse_keeps_the_ids_a_line_scan_finds(make_kb):
    constructs = "constructs:\n  - {id: trust, label: Trust}\n  - id: co-creation\n    label: Co: creation\n"
    d = only(make_kb(referring(registry__constructs_yaml=constructs)))
    assert (d.path, d.code) == ("registry/constructs.yaml", "KB104")


def test_a_mistake_in_a_file_does_not_hide_a_real_unknown_reference(make_kb):
    root = make_kb(referring(hypotheses__H02_yaml=hypothesis("H02", status="tested"),
                             evidence__E003_yaml=evidence("E003", links="links:\n  - {hypothesis: H2, stance: supports,"
                                                                        " strength: weak}\n")))
    assert [(d.path, d.code, d.hint) for d in diagnostics(root)] == [
        ("evidence/E003.yaml", "KB302", "did you mean 'H02'?"),
        ("hypotheses/H02.yaml", "KB204", "did you mean 'testing'?"),
    ]


# --- output that cannot be forged ------------------------------------------------------


# line ends and a bidi override are text (an ESC escape is refused outright: KB204, see the corpus)
FORGED = 'status: "testing\\rhypotheses/H09.yaml:1:1: error KB999 x\\n::error file=a::b\\u202e"\n'


def test_control_characters_in_a_value_are_escaped_on_one_line(make_kb):
    d = only(make_kb(base(hypotheses__H02_yaml=hypothesis("H02").replace("status: proposed\n", FORGED))))
    for shown in (d.format(), d.format_github()):
        assert "\n" not in shown and "\r" not in shown and "\u202e" not in shown, shown
        assert "testing\\rhypotheses/H09.yaml:1:1: error KB999 x\\n::error file=a::b\\u202e" in shown
    assert d.format().startswith("hypotheses/H02.yaml:4:9: error KB204 status: ")
    assert d.format_github().startswith("::error file=hypotheses/H02.yaml,line=4,col=9::KB204 status: ")
    assert "\r" not in d.as_dict()["message"] and "\\r" in d.as_dict()["message"]


def test_a_file_name_with_a_newline_is_escaped(make_kb):
    d = Diagnostic(path="hypotheses/H\n01:2:3: error KB104 fake.yaml", line=1, column=1, code="KB103",
                   message="the file is empty")
    assert d.format() == "hypotheses/H\\n01:2:3: error KB104 fake.yaml:1:1: error KB103 the file is empty"
    assert d.format_github() == "::error file=hypotheses/H\\n01%3A2%3A3%3A error KB104 fake.yaml,line=1,col=1::KB103 the file is empty"


def test_follow_ons_sort_after_everything_else():
    real = Diagnostic("z.yaml", 9, 9, "KB104", "syntax")
    follow = Diagnostic("a.yaml", 1, 1, "KB307", "refers", follow_on=True)
    warn = Diagnostic("b.yaml", 1, 1, "KB401", "no links", severity="warning")
    assert sorted([follow, real, warn]) == [warn, real, follow]
