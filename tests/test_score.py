"""kb.graph.score and kb.history.asof: subjective-logic standings, by hand, and the framework over time.

Every expected number is worked out in the comment beside it, from
b = r/(r+s+W), d = s/(r+s+W), u = W/(r+s+W), P = b + a*u with W = 2 and
a = 0.5 unless kb.yaml says otherwise; a link weighs its strength (weak .5,
moderate 1, strong 2) times its kind (survey 1.5, document and literature
.75, the rest 1), shared equally among the judges of one evidence item for
one hypothesis.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from kb.load.loader import load
from kb.graph.score import opinion, standings, status_warnings, suggest_status, trajectory
from kb.history.asof import hypothesis_as_of, key_dates, lineage, resolve_date, view_as_of

H = "id: {id}\ntitle: A claim\nstatement: Something holds.\nstatus: {status}\nproposed: 2021-01-01\n"


def hyp(hid: str = "H01", status: str = "proposed") -> str:
    return H.format(id=hid, status=status)


def ev(eid: str, kind: str, links: list[str], date: str = "2021-03-01", extra: str = "") -> str:
    if kind == "survey_measurement":
        extra += "measurement: {construct: trust, value: 5.0, scale: '1-7', sample_size: 50, instrument: i}\n"
    body = "".join(f"  - {{{link}}}\n" for link in links)
    return f"id: {eid}\nkind: {kind}\ndate: {date}\nsummary: Seen.\n{extra}links:\n{body}"


def kb_with(make_kb, evidence: dict[str, str], hypotheses: dict[str, str] | None = None, config: str | None = None):
    files = {f"evidence/{eid}.yaml": text for eid, text in evidence.items()}
    files.update({f"hypotheses/{hid}.yaml": text for hid, text in (hypotheses or {"H01": hyp()}).items()})
    files["registry/constructs.yaml"] = "constructs:\n  - {id: trust, label: Trust}\n"
    if config is not None:
        files["kb.yaml"] = config
    kb, diags = load(make_kb(files))
    assert not [d for d in diags if d.severity == "error"], [d.format() for d in diags]
    return kb


def close(st, b: float, d: float, u: float, p: float) -> None:
    assert (st.belief, st.disbelief, st.uncertainty, st.probability) == pytest.approx((b, d, u, p), abs=1e-9)
    assert st.belief + st.disbelief + st.uncertainty == pytest.approx(1.0)


def test_opinion_formula():
    assert opinion(0, 0, 2, 0.5) == (0, 0, 1, 0.5)
    assert opinion(3, 1, 2, 0.5) == pytest.approx((0.5, 1 / 6, 1 / 3, 0.5 + 1 / 6))
    assert opinion(1, 0, 1, 0.2) == pytest.approx((0.5, 0, 0.5, 0.6))


def test_no_evidence_is_total_uncertainty(make_kb):
    st = standings(kb_with(make_kb, {}))["H01"]
    close(st, 0, 0, 1, 0.5)
    assert st.suggested == "proposed" and st.contributions == () and st.latest is None


def test_one_moderate_observation(make_kb):
    kb = kb_with(make_kb, {"E01": ev("E01", "field_observation", ["hypothesis: H01, stance: supports, strength: moderate"])})
    st = standings(kb)["H01"]
    close(st, 1 / 3, 0, 2 / 3, 1 / 3 + 1 / 3)  # r = 1: b = 1/3, u = 2/3
    assert st.suggested == "testing"  # u > .5
    assert (st.positive, st.negative) == (1.0, 0.0)


@pytest.mark.parametrize(
    "kind, strength, weight",
    [
        ("field_observation", "weak", 0.5),
        ("arena_record", "moderate", 1.0),
        ("workshop_record", "strong", 2.0),
        ("interview", "strong", 2.0),
        ("survey_measurement", "moderate", 1.5),
        ("survey_measurement", "strong", 3.0),
        ("document", "moderate", 0.75),
        ("literature_finding", "weak", 0.375),
    ],
)
def test_link_weight_is_strength_times_kind(make_kb, kind, strength, weight):
    kb = kb_with(make_kb, {"E01": ev("E01", kind, [f"hypothesis: H01, stance: contradicts, strength: {strength}"])})
    st = standings(kb)["H01"]
    assert st.negative == pytest.approx(weight)
    close(st, 0, weight / (weight + 2), 2 / (weight + 2), 0.5 * 2 / (weight + 2))


def test_supporting_and_contradicting_together(make_kb):
    kb = kb_with(make_kb, {
        "E01": ev("E01", "survey_measurement", ["hypothesis: H01, stance: supports, strength: strong"]),   # 2 x 1.5 = 3
        "E02": ev("E02", "document", ["hypothesis: H01, stance: contradicts, strength: weak"]),            # .5 x .75 = .375
    })
    st = standings(kb)["H01"]
    n = 3 + 0.375 + 2
    close(st, 3 / n, 0.375 / n, 2 / n, 3 / n + 0.5 * 2 / n)
    assert st.suggested == "supported"  # u = .372 <= .5 and b >= 2d


def test_qualifying_links_are_shown_not_counted(make_kb):
    kb = kb_with(make_kb, {"E01": ev("E01", "interview", ["hypothesis: H01, stance: qualifies, strength: strong"])})
    st = standings(kb)["H01"]
    close(st, 0, 0, 1, 0.5)
    assert st.suggested == "proposed"
    assert st.count("qualifies") == 1 and st.contributions[0].counted == 0.0
    assert st.explain()[0] == "E01 qualifies (strong, interview, by unknown): shown, not counted"


def test_two_judges_share_the_weight_of_one_item(make_kb):
    kb = kb_with(make_kb, {"E01": ev("E01", "field_observation", [
        "hypothesis: H01, stance: supports, strength: strong, by: Kari",      # 2 x 1/2 = 1
        "hypothesis: H01, stance: contradicts, strength: strong, by: Ola",    # 2 x 1/2 = 1
    ])})
    st = standings(kb)["H01"]
    close(st, 0.25, 0.25, 0.5, 0.5)  # r = s = 1, n = 4
    assert st.suggested == "contested"  # u = .5 is not above .5; neither side doubles the other
    assert [c.share for c in st.contributions] == [0.5, 0.5]


def test_three_judges_and_a_second_hypothesis(make_kb):
    kb = kb_with(make_kb, {"E01": ev("E01", "interview", [
        "hypothesis: H01, stance: supports, strength: moderate, by: A",
        "hypothesis: H01, stance: supports, strength: moderate, by: B",
        "hypothesis: H01, stance: supports, strength: weak, by: C",
        "hypothesis: H02, stance: supports, strength: moderate, by: A",
    ])}, {"H01": hyp(), "H02": hyp("H02")})
    st = standings(kb)
    assert st["H01"].positive == pytest.approx((1 + 1 + 0.5) / 3)
    assert st["H02"].positive == pytest.approx(1.0)  # the only judge of E01 for H02


def test_suggested_status_thresholds(make_kb):
    def suggest(links: list[str]) -> str:
        evidence = {f"E{i}": ev(f"E{i}", "field_observation", [link]) for i, link in enumerate(links)}
        return standings(kb_with(make_kb, evidence))["H01"].suggested

    strong_for = "hypothesis: H01, stance: supports, strength: strong"
    strong_against = "hypothesis: H01, stance: contradicts, strength: strong"
    assert suggest([strong_for]) == "supported"                # r = 2: u = .5, b = .5 >= 2 x 0
    assert suggest([strong_against]) == "refuted"              # s = 2
    assert suggest([strong_for, strong_against]) == "contested"
    assert suggest([strong_for, strong_for, strong_against]) == "supported"  # b = 4/8 >= 2 x 2/8
    assert suggest(["hypothesis: H01, stance: supports, strength: moderate"]) == "testing"


def test_weights_come_from_kb_yaml(make_kb):
    config = ("title: T\nbase_iri: https://kb.example.org/t/\n"
              "scoring: {prior_weight: 1.0, base_rate: 0.2, strength: {moderate: 3.0}, kind: {interview: 0.5}}\n")
    kb = kb_with(make_kb, {"E01": ev("E01", "field_observation", ["hypothesis: H01, stance: supports, strength: moderate"]),
                           "E02": ev("E02", "interview", ["hypothesis: H01, stance: supports, strength: strong"])},
                 config=config)
    st = standings(kb)["H01"]
    # r = 3 x 1 + 2 x .5 = 4, W = 1: b = .8, u = .2, P = .8 + .2 x .2
    close(st, 0.8, 0, 0.2, 0.84)


def test_suggest_status_directly():
    from kb.graph.score import Standing

    assert suggest_status(Standing("H", 0, 0, 1, 0.5, 0, 0, 2, 0.5)) == "proposed"
    assert suggest_status(Standing("H", 0.3, 0, 0.7, 0.65, 0.86, 0, 2, 0.5)) == "testing"


# --- the kitchen sink: explain, contexts, status warnings ----------------------------


def test_kitchen_sink_standings(kitchen_kb):
    st = standings(kitchen_kb)
    # H01: r = 2 + 1 + 1.5 + .75 + .75 = 6, s = .5, n = 8.5
    close(st["H01"], 6 / 8.5, 0.5 / 8.5, 2 / 8.5, 6 / 8.5 + 1 / 8.5)
    assert st["H01"].suggested == "supported" and st["H01"].latest == dt.date(2022, 4, 1)
    close(st["H02"], 1 / 3, 0, 2 / 3, 2 / 3)  # E04 interview moderate; E02 only qualifies
    close(st["H03"], 0.75 / 2.75, 0, 2 / 2.75, 0.75 / 2.75 + 1 / 2.75)
    close(st["H04"], 0, 0, 1, 0.5)
    assert status_warnings(kitchen_kb) == []


def test_explain_lists_the_computation(kitchen_sink, run_kb):
    result = run_kb("show", "H01", "--explain", cwd=kitchen_sink)
    assert result.exit_code == 0, result.output
    for line in [
        "how the standing was computed:",
        "  E07 supports (moderate 1 x literature_finding 0.75, by Kari Nordmann) = 0.750",
        "  E01 supports (strong 2 x field_observation 1, by Kari Nordmann) = 2.000",
        "  E03 contradicts (weak 0.5 x workshop_record 1, by Kari Nordmann) = 0.500",
        # E05 is restricted: kb show names its judges by pseudonym (kb.public)
        "  E05 supports (strong 2 x survey_measurement 1.5 x share 0.50, by judge 1) = 1.500",
        "  E05 supports (moderate 1 x survey_measurement 1.5 x share 0.50, by judge 2) = 0.750",
        "  r (supporting) = 6.000; s (contradicting) = 0.500; W (prior weight) = 2; a (base rate) = 0.5",
        "  belief = r/(r+s+W) = 6.000/8.500 = 0.706",
        "  disbelief = s/(r+s+W) = 0.500/8.500 = 0.059",
        "  uncertainty = W/(r+s+W) = 2/8.500 = 0.235",
        "  probability = belief + a x uncertainty = 0.824",
        "  suggested status: supported (belief 0.71 >= 2 x disbelief 0.06)",
    ]:
        assert line in result.stdout.splitlines(), (line, result.stdout)


def test_explain_as_json(kitchen_sink, run_kb):
    result = run_kb("show", "H02", "--explain", "--format", "json", cwd=kitchen_sink)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["standing"]["r"] == 1.0 and data["standing"]["suggested"] == "testing"
    assert "E02 qualifies (weak, arena_record, by Ola Nordmann): shown, not counted" in data["explanation"]


def test_standings_in_a_context_follow_part_of_and_scope(kitchen_kb):
    stad = standings(kitchen_kb, "stad")["H01"]
    # E01 and E02 from stad-arena (part of stad) 2 + 1, E05 Kari scoped to stad 1.5;
    # Ola's E05 judgement is scoped to follo, E03 is from follo-ws, E07 from nowhere
    assert (stad.positive, stad.negative) == pytest.approx((4.5, 0.0))
    close(stad, 4.5 / 6.5, 0, 2 / 6.5, 4.5 / 6.5 + 1 / 6.5)
    assert {c.evidence for c in stad.contributions} == {"E01", "E02", "E05"}
    follo = standings(kitchen_kb, "follo")["H01"]
    assert (follo.positive, follo.negative) == pytest.approx((0.75, 0.5))  # Ola's E05 share, E03
    arena = standings(kitchen_kb, "stad-arena")["H01"]
    assert arena.positive == pytest.approx(3.0)  # E01, E02; the survey is from stad as a whole
    assert standings(kitchen_kb, "exchange")["H03"].positive == pytest.approx(0.75)
    assert standings(kitchen_kb, "elsewhere")["H01"].contributions == ()


def test_status_in_a_context_on_the_command_line(kitchen_sink, run_kb):
    result = run_kb("status", "--context", "stad", "--format", "json", cwd=kitchen_sink)
    assert result.exit_code == 0, result.output
    h01 = next(row for row in json.loads(result.stdout) if row["id"] == "H01")
    assert h01["belief"] == pytest.approx(4.5 / 6.5, abs=1e-12) and h01["supports"] == 3
    result = run_kb("show", "H01", "--context", "follo", cwd=kitchen_sink)
    assert result.exit_code == 0, result.output
    assert "standing in follo: belief 0.23, disbelief 0.15, uncertainty 0.62, probability 0.54" in result.stdout


def test_unknown_context_suggests_one(kitchen_sink, run_kb):
    result = run_kb("status", "--context", "stadd", cwd=kitchen_sink)
    assert result.exit_code == 2, result.output  # a bad option value is a usage error
    assert "did you mean 'stad'?" in result.stderr


def test_declared_status_disagreeing_with_evidence_warns(make_kb, run_kb):
    files = {"hypotheses/H01.yaml": hyp("H01", "supported"), "hypotheses/H02.yaml": hyp("H02", "refuted"),
             "hypotheses/H03.yaml": hyp("H03", "retired"), "hypotheses/H04.yaml": hyp("H04", "contested"),
             "evidence/E01.yaml": ev("E01", "field_observation", [
                 "hypothesis: H01, stance: supports, strength: moderate",
                 "hypothesis: H02, stance: contradicts, strength: strong",
                 "hypothesis: H03, stance: supports, strength: strong",
                 "hypothesis: H04, stance: supports, strength: strong"])}
    root = make_kb(files)
    kb, _ = load(root)
    found = status_warnings(kb)
    # H01 has r = 1 (testing); H02 is refuted as declared; H03 is retired (lifecycle, no claim);
    # H04 declared contested but r = 2 suggests supported
    assert [(d.code, d.severity, d.path, d.line, d.field) for d in found] == [
        ("KB402", "warning", "hypotheses/H01.yaml", 4, "status"),
        ("KB402", "warning", "hypotheses/H04.yaml", 4, "status"),
    ]
    assert found[0].message == ("H01 is declared 'supported' but the evidence suggests 'testing'"
                                " (belief 0.33, disbelief 0.00, uncertainty 0.67)")
    assert found[0].hint == "see 'kb show H01 --explain'"
    result = run_kb("check", cwd=root)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("ok, 2 warning(s)")
    assert run_kb("check", "--strict", cwd=root).exit_code == 1


# --- over time -----------------------------------------------------------------------


def test_trajectory_counts_links_by_their_date(kitchen_kb):
    days = [dt.date(2020, 2, 1), dt.date(2020, 3, 1), dt.date(2021, 12, 31), dt.date(2022, 12, 31)]
    steps = dict(trajectory(kitchen_kb, "H01", days))
    assert (steps[days[0]].positive, steps[days[0]].negative) == (0, 0)  # E07 judged 2020-02-15
    assert steps[days[1]].positive == pytest.approx(2.75)  # E07 .75 + E01 2
    assert (steps[days[2]].positive, steps[days[2]].negative) == pytest.approx((3.75, 0.5))  # + E02, E03
    assert steps[days[3]].positive == pytest.approx(6.0)


def test_trajectory_agrees_with_the_view_as_of_the_same_day(kitchen_kb):
    # on 2022-03-20 only Kari had judged E05; Ola's judgement came on 2022-04-01
    day = dt.date(2022, 3, 20)
    (_, then), = trajectory(kitchen_kb, "H01", [day])
    assert then.positive == pytest.approx(standings(view_as_of(kitchen_kb, day))["H01"].positive)


def test_key_dates(kitchen_kb):
    assert key_dates(kitchen_kb, "H02") == [dt.date(2020, 6, 1), dt.date(2020, 12, 31), dt.date(2021, 6, 30),
                                            dt.date(2021, 10, 1)]
    assert dt.date(2020, 1, 1) in key_dates(kitchen_kb)


def test_resolve_date(kitchen_kb):
    assert resolve_date(kitchen_kb, "baseline") == dt.date(2020, 12, 31)
    assert resolve_date(kitchen_kb, "2021-02-03") == dt.date(2021, 2, 3)
    assert resolve_date(kitchen_kb, dt.date(2021, 2, 3)) == dt.date(2021, 2, 3)


def test_a_revised_hypothesis_reads_as_it_did(kitchen_kb):
    h = kitchen_kb.hypotheses["H01"]
    assert hypothesis_as_of(h, dt.date(2020, 1, 31)) is None
    before = hypothesis_as_of(h, dt.date(2021, 2, 28))
    assert before is not None
    assert before.statement == "Trust is needed before co-creation can start."
    assert before.title == {"nb": "Tillit først", "en": "Trust first"}
    assert (before.status, before.revisions) == ("proposed", [])
    assert hypothesis_as_of(h, dt.date(2021, 3, 1)) is h


def test_lineage(kitchen_kb):
    assert lineage(kitchen_kb, "H02") == {"ancestors": ["H01"], "descendants": []}
    assert lineage(kitchen_kb, "H01") == {"ancestors": [], "descendants": ["H02"]}
    assert lineage(kitchen_kb, "H04") == {"ancestors": [], "descendants": ["H03"]}


def test_status_as_of_an_early_date(kitchen_sink, run_kb):
    result = run_kb("status", "--as-of", "2020-04-01", "--format", "json", cwd=kitchen_sink)
    assert result.exit_code == 0, result.output
    rows = {row["id"]: row for row in json.loads(result.stdout)}
    assert set(rows) == {"H01", "H04"}  # H02 and H03 were proposed later
    # E07 (.75) and E01 (2): r = 2.75; E02 and everything later excluded
    assert rows["H01"]["belief"] == pytest.approx(2.75 / 4.75, abs=1e-12)
    assert (rows["H01"]["supports"], rows["H01"]["contradicts"]) == (2, 0)
    assert rows["H01"]["declared"] == "proposed" and rows["H01"]["title"] == "Tillit først"


def test_as_of_drops_judgements_made_later(kitchen_sink, run_kb):
    result = run_kb("show", "E05", "--as-of", "2022-03-10", "--format", "json", cwd=kitchen_sink)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["links"] == []


def test_show_as_of_gives_the_earlier_statement(kitchen_sink, run_kb):
    result = run_kb("show", "H01", "--as-of", "2020-12-31", cwd=kitchen_sink)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("H01: Tillit først\n  Trust is needed before co-creation can start.\n")
    assert "Høyere tillit" not in result.stdout
    assert "declared: proposed" in result.stdout and "revisions:" not in result.stdout
    now = run_kb("show", "H01", cwd=kitchen_sink)
    assert "Høyere tillit gir bedre samskaping på tvers av sektorer." in now.stdout
    assert "declared: supported" in now.stdout and "revisions:" in now.stdout


def test_milestone_names_work_for_as_of(kitchen_sink, run_kb):
    by_name = run_kb("status", "--as-of", "baseline", "--format", "json", cwd=kitchen_sink)
    by_date = run_kb("status", "--as-of", "2020-12-31", "--format", "json", cwd=kitchen_sink)
    assert by_name.exit_code == 0, by_name.output
    assert by_name.stdout == by_date.stdout
    at_start = run_kb("status", "--as-of", "start", "--format", "json", cwd=kitchen_sink)
    assert json.loads(at_start.stdout) == []  # nothing proposed by 2020-01-01


@pytest.mark.parametrize("command", [["status"], ["show", "H01"], ["gaps"], ["graph"]])
def test_an_unknown_milestone_fails_with_a_suggestion(kitchen_sink, run_kb, command):
    result = run_kb(*command, "--as-of", "basline", cwd=kitchen_sink)
    assert result.exit_code == 2, result.output  # a bad option value is a usage error
    assert "'basline' is neither a date (YYYY-MM-DD) nor a milestone; did you mean 'baseline'?" in result.stderr


def test_an_unknown_milestone_without_a_near_one_lists_them(kitchen_sink, run_kb):
    result = run_kb("status", "--as-of", "whenever", cwd=kitchen_sink)
    assert result.exit_code == 2, result.output
    assert "(milestones: start, baseline, midterm)" in result.stderr


def test_the_view_as_of_keeps_no_reference_to_later_hypotheses(kitchen_kb):
    # H02 (2020-06-01) competes with H03, proposed 2020-09-15
    view = view_as_of(kitchen_kb, dt.date(2020, 7, 1))
    assert "H03" not in view.hypotheses
    referenced = {ref for h in view.hypotheses.values() for ref in (*h.refines, *h.supersedes, *h.competes_with)}
    assert referenced <= set(view.hypotheses), referenced


def test_several_revisions_read_back_in_order(make_kb):
    revisions = (
        "title: Title three\nrevisions:\n"
        "  - {date: 2021-03-01, previous: Statement one, previous_status: proposed, change: a}\n"
        "  - {date: 2021-06-01, previous: Statement two, previous_title: Title two, change: b}\n"
        "  - {date: 2021-09-01, previous: Statement three, previous_title: Title one, previous_status: testing, change: c}\n"
    )
    text = hyp("H01", "supported").replace("title: A claim\n", "").replace("statement: Something holds.", "statement: Statement four")
    kb = kb_with(make_kb, {}, {"H01": text + revisions})
    h = kb.hypotheses["H01"]
    read = {day: hypothesis_as_of(h, dt.date.fromisoformat(day)) for day in
            ("2021-02-01", "2021-04-01", "2021-07-01", "2021-10-01")}
    # each revision stores what was current before it; later revisions may leave title or status alone
    assert [(v.title, v.statement, v.status, len(v.revisions)) for v in read.values()] == [
        ("Title two", "Statement one", "proposed", 0),
        ("Title two", "Statement two", "testing", 1),
        ("Title one", "Statement three", "testing", 2),
        ("Title three", "Statement four", "supported", 3),
    ]


@pytest.mark.parametrize("context", [None, "stad", "follo", "stad-arena"])
def test_the_one_pass_standings_agree_with_their_listed_contributions(kitchen_kb, context):
    """standings() sums r and s without listing contributions; the listed ones must give the same."""
    from kb.graph.score import standing_from

    computed = standings(kitchen_kb, context)
    assert any(st.contributions for st in computed.values())
    for hid, st in computed.items():
        again = standing_from(hid, list(st.contributions), kitchen_kb.config.scoring)
        assert (st.positive, st.negative, st.belief, st.disbelief, st.latest) == \
            (again.positive, again.negative, again.belief, again.disbelief, again.latest)
        assert [st.count(k) for k in ("supports", "contradicts", "qualifies")] == \
            [sum(1 for c in st.contributions if c.stance == k) for k in ("supports", "contradicts", "qualifies")]


def test_a_qualifying_judgement_takes_no_share_of_the_weight(make_kb):
    # issue 16: A counts E01 as moderate support (1 x 1 = 1); B only qualifies it, which is
    # shown, not counted, so A's support stays whole: r = 1, s = 0, n = 3
    kb = kb_with(make_kb, {"E01": ev("E01", "arena_record", [
        "hypothesis: H01, stance: supports, strength: moderate, by: A",
        "hypothesis: H01, stance: qualifies, strength: weak, by: B",
    ], date="2021-03-01")})
    st = standings(kb)["H01"]
    close(st, 1 / 3, 0, 2 / 3, 1 / 3 + 0.5 * 2 / 3)  # b = 1/3, u = 2/3, P = 2/3
    assert [c.counted for c in st.contributions] == [1.0, 0.0]
    assert standings(kb)["H01"].belief == st.belief == trajectory(kb, "H01", [dt.date(2021, 3, 1)])[0][1].belief
