"""The fuzz run (benchmarks/fuzz.py) in CI: mutated copies of the shipped KB never crash, hang or forge output.

The big test runs 2,000 YAML cases (kb.yaml, hypotheses, evidence,
registries) and 300 saved-query cases from a fixed seed and asserts that
none ends in a traceback, a hang, a crash, a broken message or invalid
output. The smaller tests prove that the fuzzer can fail: its oracle flags
each kind of failure, its workers report a crash and a hang and go on, and
its cases are a function of the seed.
"""

from __future__ import annotations

import json
import socket
import sys

import click
import pytest
from click.testing import CliRunner

from benchmarks import fuzz

SEED = 20261201
YAML_CASES, QUERY_CASES = 2000, 300


@pytest.fixture(scope="module")
def report() -> fuzz.Report:
    return fuzz.run(YAML_CASES, QUERY_CASES, SEED, jobs=2, time_limit=20.0)


def _failures(report: fuzz.Report) -> str:
    lines = [f"{len(report.failing)} failing case(s): {fuzz.summary_line(report)}"]
    for r in report.failing[:25]:
        lines.append(f"- {r['kind']}:{r['index']} {r['cls']} {r['file']} {r['family']}/{r['op']} {r['detail'][:60]!r}"
                     f" ({r['command']}; replay: python3 -m benchmarks.fuzz --seed {SEED} --replay {r['kind']}:{r['index']})")
        lines.extend("    " + line for line in r["output"].split("\n")[-6:])
    return "\n".join(lines)


def test_fuzzed_kb_never_crashes_hangs_or_forges_output(report):
    assert report.done == {"yaml": YAML_CASES, "query": QUERY_CASES}, report.done  # no case lost
    assert report.failures() == 0, _failures(report)
    for kind in ("yaml", "query"):
        for cls in fuzz.FAILING:
            assert report.counts[kind].get(cls, 0) == 0, _failures(report)


def test_fuzz_run_covers_every_class_of_mutation_and_outcome(report):
    for family in fuzz.YAML_FAMILIES:
        assert report.mutations["yaml"].get(family, 0) >= 20, report.mutations
    for family in fuzz.QUERY_FAMILIES:
        assert report.mutations["query"].get(family, 0) >= 3, report.mutations
    wanted = ["yaml/structure/" + op for op in ("to_list", "to_mapping", "delete_key", "duplicate_key", "anchor_alias",
                                                "alias_bomb", "tag", "deep_nesting", "huge_string")]
    wanted += ["yaml/types/retype", "yaml/unicode/in_value", "yaml/unicode/raw_bytes", "yaml/unicode/quoted_escape",
               "yaml/bytes/flip", "yaml/bytes/insert", "yaml/bytes/delete", "yaml/files/symlink_out", "yaml/files/fifo"]
    wanted += ["query/sparql/" + op for op in ("nest_group", "nest_expression", "service", "garbage", "huge", "update")]
    assert [op for op in wanted if not report.ops.get(op)] == [], sorted(report.ops)
    assert report.counts["yaml"].get("ok", 0) >= 50, report.counts  # the second commands ran on these
    assert report.counts["yaml"].get("problems", 0) >= 500, report.counts
    assert report.counts["query"].get("ok", 0) >= 10 and report.counts["query"].get("usage", 0) >= 50, report.counts
    assert set(report.second) == set(fuzz.SECOND), report.second


def test_mutations_are_a_function_of_the_seed():
    files = fuzz.shipped_files()
    again = [fuzz.make_mutation(7, "yaml", i, files, 0) for i in range(200)]
    assert [fuzz.make_mutation(7, "yaml", i, files, 0) for i in range(200)] == again
    other = [fuzz.make_mutation(8, "yaml", i, files, 0) for i in range(200)]
    assert sum(a.data != b.data or a.fs != b.fs for a, b in zip(again, other)) > 150
    assert all(m.data != files[m.file] for m in again if m.data is not None and m.op != "tree_unparsed")


def _result(body):
    @click.command()
    def cmd():
        body()

    return CliRunner().invoke(cmd, [], color=True)


def _exit(code, *lines):
    def body():
        for line in lines:
            click.echo(line, err=True)
        sys.exit(code)

    return body


def test_oracle_flags_tracebacks_broken_messages_and_missing_messages():
    ok_diag = "hypotheses/H01.yaml:3:5: error KB103 links[0].stance: unknown stance 'x'"
    assert fuzz.classify(_result(_exit(1, ok_diag, "kb: 1 error(s)")))[0] == "problems"
    assert fuzz.classify(_result(_exit(2, "kb: no knowledge base here")))[0] == "usage"
    assert fuzz.classify(_result(_exit(0)))[0] == "ok"

    def boom():
        raise KeyError("id")

    assert fuzz.classify(_result(boom))[0] == "TRACEBACK"
    assert fuzz.classify(_result(_exit(1, ok_diag.replace("'x'", "'\x1b[31mx'"))))[0] == "BROKEN MESSAGE"
    assert fuzz.classify(_result(_exit(1, ok_diag, "a second line of the message")))[0] == "BROKEN MESSAGE"
    assert fuzz.classify(_result(_exit(1)))[0] == "BROKEN MESSAGE"  # exit 1 that says nothing
    assert fuzz.classify(_result(_exit(2, "kb: a query error\n| spread over lines")))[0] == "BROKEN MESSAGE"
    assert fuzz.classify(_result(_exit(3, "kb: odd")))[0] == "BROKEN MESSAGE"


def test_oracle_refuses_invalid_output():
    assert fuzz.validate("status", json.dumps([{"belief": 0.5}])) == ""
    assert "NaN" in fuzz.validate("status", '[{"belief": NaN}]')
    assert fuzz.validate("gaps", "{") != ""
    assert fuzz.validate("graph", "<graphml><node id='a'/></graphml>") == ""
    assert fuzz.validate("graph", "<graphml>\x01</graphml>") != ""
    assert fuzz.validate("export", '<a:s> <a:p> "1.5"^^<http://www.w3.org/2001/XMLSchema#decimal> .') == ""
    assert "decimal" in fuzz.validate("export", '<a:s> <a:p> "NaN"^^<http://www.w3.org/2001/XMLSchema#decimal> .')
    assert fuzz.validate("export", "<a:s> <a:p> .") != ""
    assert "U+001B" in fuzz.validate("export", r'<a:s> <a:p> "red \u001b[31m" .')  # no xsd:string holds it


def test_a_connection_to_the_listener_is_seen():
    listener = fuzz._listen()
    try:
        assert not fuzz._was_contacted(listener)
        with socket.create_connection(listener.getsockname(), timeout=5):
            pass
        assert fuzz._was_contacted(listener)
    finally:
        listener.close()


def test_a_crash_and_a_hang_are_recorded_and_the_run_goes_on(monkeypatch):
    monkeypatch.setenv("KB_FUZZ_CRASH_AT", "yaml:2")
    monkeypatch.setenv("KB_FUZZ_HANG_AT", "yaml:4")
    got = fuzz.run(6, 0, SEED, jobs=1, time_limit=2.0, batch=3)
    assert got.done == {"yaml": 6}, got.done
    caught = [(r["index"], r["cls"]) for r in got.failing if r["cls"] in ("SEGFAULT", "HANG")]
    assert caught == [(2, "SEGFAULT"), (4, "HANG")], got.failing
    assert "signal 11" in got.failing[0]["output"]
