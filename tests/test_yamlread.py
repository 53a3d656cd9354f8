"""kb.load.yamlread: safe YAML with positions, and the PyYAML traps caught."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from kb.load.yamlread import MAX_ALIASES, dotted, read_yaml


def read(text: str | bytes):
    raw = text.encode("utf-8") if isinstance(text, str) else text
    return read_yaml(raw, "f.yaml")


def only_diagnostic(text: str | bytes):
    data, marks, diags = read(text)
    assert data is None and marks == {}, data
    assert len(diags) == 1, [d.format() for d in diags]
    return diags[0]


# --- values --------------------------------------------------------------------------


@pytest.mark.parametrize("word", ["yes", "no", "Yes", "No", "NO", "on", "off", "On", "OFF", "y", "n"])
def test_yes_no_on_off_stay_strings(word):
    data, _, diags = read(f"value: {word}\n{word}: key\n")
    assert not diags
    assert data == {"value": word, word: "key"}


@pytest.mark.parametrize("word, value", [("true", True), ("false", False), ("True", True), ("FALSE", False)])
def test_true_and_false_are_booleans(word, value):
    data, _, _ = read(f"value: {word}\n")
    assert data["value"] is value


def test_core_scalars():
    data, _, diags = read("a: 1\nb: 1.10\nc: 2021-06-15\nd: ~\ne: '1.10'\nf: text\ng: !!str 123\n")
    assert not diags
    assert data == {"a": 1, "b": 1.1, "c": dt.date(2021, 6, 15), "d": None, "e": "1.10", "f": "text", "g": "123"}


def test_an_impossible_date_stays_text_for_the_model_to_report():
    data, _, diags = read("proposed: 2021-13-45\n")
    assert not diags
    assert data == {"proposed": "2021-13-45"}


def test_keys_are_kept_as_written():
    data, _, diags = read("1: a\nyes: b\nnull: c\n1.10: d\n2021-01-01: e\ntrue: f\n")
    assert not diags
    assert list(data) == ["1", "yes", "null", "1.10", "2021-01-01", "true"]


def test_byte_order_mark_is_ignored():
    data, _, diags = read(b"\xef\xbb\xbfid: H01\n")
    assert not diags and data == {"id": "H01"}


def test_explicit_document_markers_are_fine():
    data, _, diags = read("---\nid: H01\n...\n")
    assert not diags and data == {"id": "H01"}


def test_norwegian_text_survives():
    data, _, diags = read("title: {nb: Tillit på tvers – æøå ÆØÅ}\n")
    assert not diags and data["title"]["nb"] == "Tillit på tvers – æøå ÆØÅ"


# --- positions -----------------------------------------------------------------------


def test_marks_give_line_and_column_of_every_value():
    text = "id: E01\nlinks:\n  - hypothesis: H01\n    stance: supports\n  - {hypothesis: H02, stance: qualifies}\n"
    data, marks, diags = read(text)
    assert not diags
    assert marks[()] == (1, 1)
    assert marks[("id",)] == (1, 5)
    assert marks[("links",)] == (3, 3)
    assert marks[("links", 0)] == (3, 5)
    assert marks[("links", 0, "stance")] == (4, 13)
    assert marks[("links", 1, "stance")] == (5, 31)
    assert marks[("links", 0, "stance", "<keypos>")] == (4, 5)
    assert data["links"][1] == {"hypothesis": "H02", "stance": "qualifies"}


def test_dotted_paths():
    assert dotted(("links", 0, "stance")) == "links[0].stance"
    assert dotted(("revisions", 2, "because", 0)) == "revisions[2].because[0]"
    assert dotted(()) == ""
    assert dotted((0, "id")) == "[0].id"


# --- what is refused -----------------------------------------------------------------


def test_duplicate_key_is_an_error_with_both_lines():
    d = only_diagnostic("id: H01\nstatus: proposed\ntitle: t\nstatus: supported\n")
    assert (d.code, d.line, d.column, d.field) == ("KB106", 4, 1, "status")
    assert "first at line 2" in d.message


def test_duplicate_key_in_a_nested_mapping():
    d = only_diagnostic("links:\n  - hypothesis: H01\n    stance: supports\n    hypothesis: H02\n")
    assert (d.code, d.line, d.field) == ("KB106", 4, "links[0].hypothesis")


def test_a_few_aliases_are_fine():
    data, _, diags = read("a: &x [1, 2]\nb: *x\nc: *x\nd: &s text\ne: *s\n")
    assert not diags
    assert data == {"a": [1, 2], "b": [1, 2], "c": [1, 2], "d": "text", "e": "text"}


def test_aliases_up_to_the_limit_then_refused():
    items = ", ".join(["*x"] * MAX_ALIASES)
    data, _, diags = read(f"a: &x [1]\nb: [{items}]\n")
    assert not diags and len(data["b"]) == MAX_ALIASES
    d = only_diagnostic(f"a: &x [1]\nb: [{items}, *x]\n")
    assert d.code == "KB107"


def test_billion_laughs_stops_at_once():
    levels = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, 10):
        levels.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    started = time.perf_counter()
    d = only_diagnostic("\n".join(levels) + "\n")
    assert d.code == "KB107"
    assert time.perf_counter() - started < 1.0


def test_a_self_referencing_alias_is_refused():
    assert only_diagnostic("a: &x {b: *x}\n").code == "KB107"


def test_undefined_alias_is_a_syntax_error():
    d = only_diagnostic("a: *nope\n")
    assert (d.code, d.line, d.column) == ("KB104", 1, 4)


@pytest.mark.parametrize(
    "text",
    [
        "a: !!python/object/apply:os.system ['touch pwned']\n",
        "a: !!python/object/apply:os.system\n  args: ['touch pwned']\n",
        "a: !!python/name:os.system\n",
        "a: !!python/tuple [1, 2]\n",
        "a: !!binary aGVsbG8=\n",
        "a: !!set {x, y}\n",
        "a: !!omap [{x: 1}]\n",
        "a: !local x\n",
        "!!python/object:collections.OrderedDict {a: 1}\n",
    ],
)
def test_tags_are_refused(text, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    d = only_diagnostic(text)
    assert d.code == "KB108"
    assert "is not allowed" in d.message
    assert not (tmp_path / "pwned").exists()


def test_merge_keys_are_refused():
    d = only_diagnostic("base: &b {x: 1}\nother:\n  <<: *b\n  y: 2\n")
    assert (d.code, d.line, d.column) == ("KB108", 3, 3)


def test_a_collection_as_key_is_refused():
    d = only_diagnostic("? [a, b]\n: c\n")
    assert (d.code, d.line) == ("KB109", 1)


def test_not_utf8_points_at_the_byte():
    d = only_diagnostic("id: H01\ntitle: Bø\n".encode("latin-1"))
    assert (d.code, d.line, d.column) == ("KB101", 2, 9)
    assert "0xf8" in d.message


def test_nul_bytes_mean_binary():
    assert only_diagnostic(b"id: H01\n\x00\x01\x02").code == "KB102"


@pytest.mark.parametrize("text", ["", "\n\n", "   \n", "# a comment\n# another\n", "\ufeff"])
def test_empty_files(text):
    assert only_diagnostic(text).code == "KB103"


def test_more_than_one_document():
    d = only_diagnostic("id: H01\n---\nid: H02\n")
    assert (d.code, d.line, d.column) == ("KB105", 2, 1)


def test_syntax_error_with_position_and_hint():
    d = only_diagnostic("id: H01\nstatement: Trust: it matters\n")
    assert (d.code, d.line, d.column) == ("KB104", 2, 17)
    assert d.hint == "a value containing ': ' must be quoted"


def test_unclosed_flow_sequence():
    d = only_diagnostic("tags: [a, b\nid: H01\n")
    assert d.code == "KB104" and d.line == 2


def test_tab_indentation_gets_a_hint():
    d = only_diagnostic("authors:\n\t- Kari\n")
    assert (d.code, d.line, d.column) == ("KB104", 2, 1)
    assert d.hint == "indent with spaces, not tabs"


def test_control_character_is_one_line_with_its_position():
    d = only_diagnostic("id: H01\ntitle: a\x07b\n")
    assert d.code == "KB104"
    assert "\n" not in d.format(), d.format()
    assert (d.line, d.column) == (2, 9)


def test_scalars_and_lists_at_the_top_are_returned_for_the_model_to_refuse():
    assert read("just text\n")[0] == "just text"
    assert read("- a\n- b\n")[0] == ["a", "b"]


# --- YAML 1.1 surprises, refused with a hint (issue 16) ---------------------------------


@pytest.mark.parametrize("text, message, hint", [
    ("pages: 1:30\n", "1:30 is a base-60 number in YAML 1.1 (it would be read as 90)",
     "quote it ('1:30') if it is text, or write the number it means"),
    ("pages: 1:02:03\n", "1:02:03 is a base-60 number in YAML 1.1 (it would be read as 3723)",
     "quote it ('1:02:03') if it is text, or write the number it means"),
    ("issue: 010\n", "010 is an octal number in YAML 1.1 (it would be read as 8)",
     "quote it ('010') if it is text, or write it without the leading zero"),
    ("n: 1_000\n", "1_000 has '_' in it, which YAML 1.1 drops (it would be read as 1000)",
     "quote it ('1_000') if it is text, or write the number without '_'"),
    ('n: !!int "12"\n', "the explicit tag '!!int' is not allowed on '12'",
     "remove the tag: write numbers, dates, true and false plainly, and quote text"),
    ("n: !!float 12\n", "the explicit tag '!!float' is not allowed on '12'",
     "remove the tag: write numbers, dates, true and false plainly, and quote text"),
    ('d: !!timestamp "2021-06-15"\n', "the explicit tag '!!timestamp' is not allowed on '2021-06-15'",
     "remove the tag: write numbers, dates, true and false plainly, and quote text"),
    ("b: !!bool yes\n", "the explicit tag '!!bool' is not allowed on 'yes'",
     "remove the tag: write numbers, dates, true and false plainly, and quote text"),
])
def test_yaml11_surprises_are_refused(text, message, hint):
    d = only_diagnostic(text)
    assert (d.code, d.message, d.hint, d.line, d.column) == ("KB203", message, hint, 1, text.index(":") + 3)


@pytest.mark.parametrize("text, value", [
    ("v: '1:30'\n", "1:30"), ("v: 12\n", 12), ("v: 0\n", 0), ("v: -0.5\n", -0.5), ("v: 1.5e+3\n", 1500.0), ("v: 1.5e3\n", "1.5e3"),
    ("v: 2021-06-15\n", dt.date(2021, 6, 15)), ("v: !!str 12\n", "12"), ("v: 10:30 am\n", "10:30 am"),
    ("v: 0o17\n", "0o17"), ("v: true\n", True), ("v: null\n", None),
])
def test_plain_values_still_read_as_written(text, value):
    data, _, diags = read(text)
    assert diags == [] and data == {"v": value}


@pytest.mark.parametrize("tag", ["!!binary aGVsbG8=", "!!python/object:os.system x", "!!python/name:os.system ''",
                                 "!!set {a, b}", "!custom x"])
def test_other_tags_stay_refused(tag):
    d = only_diagnostic(f"v: {tag}\n")
    assert d.code == "KB108" and d.hint == "kb files hold plain text, numbers, dates, lists and mappings"


# --- the reader's fast paths give the slow paths' diagnostics -------------------------
# read_yaml skips per-value work that facts about the whole text make needless (no backslash:
# no escaped control character; no '&': no alias; a short text: no deep nesting). Each case
# below has the fact false, so the check must still fire, at the same place.


@pytest.mark.parametrize("text, line, column, field", [
    ('title: plain\nname: "bell \\a"\n', 2, 7, "name"),  # a value
    ('"k\\e": 1\n', 1, 1, "<key>"),  # a key: keys take their own fast path
    ("tags:\n  - ok\n  - \"\\x1b[31m\"\n", 3, 5, "tags[1]"),  # a list item
])
def test_an_escaped_control_character_is_found_wherever_it_is(text, line, column, field):
    d = only_diagnostic(text)
    assert (d.code, d.line, d.column, d.field) == ("KB204", line, column, field), d.format()


def test_a_backslash_that_escapes_nothing_harmful_is_read():
    data, _, diags = read('a: "tab\\there"\nb: \'C:\\dir\'\n')
    assert diags == [] and data == {"a": "tab\there", "b": "C:\\dir"}


def test_an_ampersand_in_text_does_not_stop_the_alias_bound():
    laughs = "note: R&D\nb: &b [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"c{i}: &c{i} [{', '.join([f'*{prev}'] * 10)}]\n" for i, prev in enumerate(["b", "c0", "c1", "c2"]))
    assert only_diagnostic(laughs).code == "KB107"


@pytest.mark.parametrize("text", ["# only a comment\n\n   # and another\n", "\n\n# late comment", " \x0b \n"])
def test_files_of_comments_and_spaces_are_empty(text):
    assert only_diagnostic(text).code == "KB103"


def test_a_file_that_starts_with_a_comment_is_read():
    data, _, diags = read("# the first item\n\nid: H01\n")
    assert diags == [] and data == {"id": "H01"}


def _nested_keys(depth: int) -> str:
    return "".join("  " * i + f"k{i}:\n" for i in range(depth)) + "  " * depth + "leaf: 1\n"


def test_mappings_nested_to_the_limit_are_read_and_one_more_is_refused_at_the_key():
    data, _, diags = read(_nested_keys(63))  # the leaf's path is 64 long: the limit
    assert diags == [], [d.format() for d in diags]
    d = only_diagnostic(_nested_keys(64))
    assert (d.code, d.line, d.column, d.field) == ("KB111", 65, 129, "k0"), d.format()


def test_deep_nesting_in_a_long_file_is_refused_before_composing():
    text = "a: 1\n" + "x: " + "[\n" * 6000 + "]\n" * 6000  # longer than the cheap bound, one bracket a line
    d = only_diagnostic(text)
    assert (d.code, d.line) == ("KB111", 65), d.format()


@pytest.mark.parametrize("value", [
    "", "~", "null", "Null", "NULL", "true", "True", "false", "FALSE", "yes", "no", "on", "Off", "y", "n",
    "0", "-1", "+12", "010", "0x1f", "0o7", "1_000", "1:30", "1.5", ".5", "-.inf", ".NaN", "1e3", "6.8523015e+5",
    "2021-01-01", "2021-1-1 10:00:00", "2001-12-14t21:59:43.10-05:00", "<<", "=", "!", "&", "*", "text", "é", "-",
])
def test_our_resolver_gives_pyyaml_s_tags(value):
    from yaml.nodes import MappingNode, ScalarNode, SequenceNode
    from yaml.resolver import BaseResolver

    from kb.load.yamlread import _Loader11

    ours = _Loader11("")
    for implicit in ((True, False), (False, True), (False, False)):
        expected = BaseResolver.resolve(ours, ScalarNode, value, implicit)
        assert ours.resolve(ScalarNode, value, implicit) == expected, (value, implicit)
    for kind in (SequenceNode, MappingNode):
        assert ours.resolve(kind, None, True) == BaseResolver.resolve(ours, kind, None, True)
    ours.dispose()
