"""kb.model: what a researcher may write, field by field."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import TypeAdapter, ValidationError

from kb.model import (
    EVIDENCE_KINDS,
    STANCES,
    Config,
    Day,
    Evidence,
    Hypothesis,
    Id,
    Link,
    Measurement,
    Registry,
    Scoring,
    Source,
    Text,
    text_in,
)

HYPOTHESIS = {"id": "H01", "title": "t", "statement": "s", "status": "proposed", "proposed": dt.date(2021, 1, 15)}
EVIDENCE = {"id": "E01", "kind": "field_observation", "date": dt.date(2021, 3, 1), "summary": "s"}


def error_of(model_or_type, value) -> dict:
    """The single pydantic error for ``value``."""
    with pytest.raises(ValidationError) as info:
        if isinstance(model_or_type, type) and hasattr(model_or_type, "model_validate"):
            model_or_type.model_validate(value)
        else:
            TypeAdapter(model_or_type).validate_python(value)
    errors = info.value.errors()
    assert len(errors) == 1, errors
    return errors[0]


# --- Text ----------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["Trust", {"en": "Trust"}, {"nb": "Tillit", "en": "Trust"}, {"nb-NO": "Tillit"},
                                   {"nn": "Tillit på tvers"}, {"sme": "Luohttámuš"}])
def test_text_accepts_a_string_or_a_language_mapping(value):
    assert TypeAdapter(Text).validate_python(value) == value


@pytest.mark.parametrize("value", [5, 1.5, True, None, [], ["a"], {}, "", "   "])
def test_text_rejects_what_is_not_text(value):
    assert error_of(Text, value)["type"] == "kb_text"


@pytest.mark.parametrize("key", ["english", "E", "EN", "1", "en_GB", "n"])
def test_text_rejects_bad_language_keys(key):
    err = error_of(Text, {key: "text"})
    assert err["type"] == "kb_text"
    assert f"'{key}' is not a language tag (BCP 47)" in err["msg"], err["msg"]


@pytest.mark.parametrize("value", [{"en": ""}, {"en": 5}, {"en": None}, {"en": ["a"]}])
def test_text_rejects_empty_or_non_string_translations(value):
    err = error_of(Text, value)
    assert err["type"] == "kb_text"
    assert err["msg"].startswith("the 'en' text must be a non-empty string"), err["msg"]


def test_text_messages_show_the_value():
    assert "got 5" in error_of(Text, 5)["msg"]
    assert "{nb: ..., en: ...}" in error_of(Text, 5)["msg"]


def test_text_in_prefers_the_first_listed_language():
    assert text_in({"en": "Trust", "nb": "Tillit"}, ["nb", "en"]) == "Tillit"
    assert text_in({"en": "Trust"}, ["nb"]) == "Trust"
    assert text_in("plain", ["nb"]) == "plain"
    assert text_in(None, ["nb"]) == ""


# --- Id ------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["H01", "E014", "ansell-gash-2008", "stad_ws1", "7", "a" * 64])
def test_id_accepts_short_safe_names(value):
    assert TypeAdapter(Id).validate_python(value) == value


@pytest.mark.parametrize("value", ["", "H/01", "../etc", "..", "H.01", "H 01", "-H01", "_H01", "a" * 65, "Bø", "H01\n"])
def test_id_rejects_unsafe_names(value):
    err = error_of(Id, value)
    assert err["type"] == "kb_id"
    assert f"invalid id {value!r}" in err["msg"], err["msg"]


@pytest.mark.parametrize("value", [1, 1.0, True, None, ["H01"]])
def test_id_must_be_a_string(value):
    assert error_of(Id, value)["type"] == "string_type"


# --- Day -----------------------------------------------------------------------------


def test_day_accepts_dates_and_iso_strings():
    assert TypeAdapter(Day).validate_python(dt.date(2021, 6, 15)) == dt.date(2021, 6, 15)
    assert TypeAdapter(Day).validate_python("2021-06-15") == dt.date(2021, 6, 15)


@pytest.mark.parametrize("value", [20210615, 2021, 1.5, True, None])
def test_day_rejects_what_is_not_a_date(value):
    err = error_of(Day, value)
    assert err["type"] == "kb_date"
    assert err["msg"] == f"expected a date like 2021-06-15, got {value!r}"


@pytest.mark.parametrize("value, message", [
    ("last spring", "expected a date like 2021-06-15 (YYYY-MM-DD), got 'last spring'"),
    ("15.06.2021", "expected a date like 2021-06-15 (YYYY-MM-DD), got '15.06.2021'"),
    ("", "expected a date like 2021-06-15 (YYYY-MM-DD), got ''"),
    # Python's fromisoformat reads these; a reader of the file would not
    ("20210615", "expected a date like 2021-06-15 (YYYY-MM-DD), got '20210615'"),
    ("2021-W23-2", "'2021-W23-2' is an ISO week date: write the calendar date as YYYY-MM-DD, such as 2021-06-15"),
    ("2021W232", "'2021W232' is an ISO week date: write the calendar date as YYYY-MM-DD, such as 2021-06-15"),
    # shaped like a date, but none: say so rather than "use YYYY-MM-DD"
    ("2022-02-30", "'2022-02-30' is not a real date: February 2022 has 28 days"),
    ("2023-02-29", "'2023-02-29' is not a real date: February 2023 has 28 days"),
    ("2021-04-31", "'2021-04-31' is not a real date: April 2021 has 30 days"),
    ("2021-13-45", "'2021-13-45' is not a real date: there is no month 13 (write YYYY-MM-DD, month 01-12)"),
    ("0000-01-01", "'0000-01-01' is not a real date: there is no year 0"),
])
def test_day_says_what_is_wrong_with_a_text_date(value, message):
    err = error_of(Day, value)
    assert err["type"] == "kb_date"
    assert err["msg"] == message


def test_day_accepts_a_leap_day():
    assert TypeAdapter(Day).validate_python("2024-02-29") == dt.date(2024, 2, 29)


def test_day_rejects_a_date_and_time():
    err = error_of(Day, dt.datetime(2021, 6, 15, 10, 30))
    assert err["type"] == "kb_date"
    assert "date and time" in err["msg"]


# --- strictness ----------------------------------------------------------------------


def test_a_minimal_hypothesis_has_defaults():
    h = Hypothesis.model_validate(HYPOTHESIS)
    assert (h.relation, h.authors, h.revisions, h.illustrative) == (None, [], [], False)


def test_unknown_fields_are_errors():
    assert error_of(Hypothesis, {**HYPOTHESIS, "statment": "x"})["type"] == "extra_forbidden"
    assert error_of(Evidence, {**EVIDENCE, "links": [{"hypothesis": "H01", "stance": "supports",
                                                       "strength": "weak", "weight": 3}]})["loc"] == ("links", 0, "weight")


def test_missing_required_fields():
    err = error_of(Hypothesis, {k: v for k, v in HYPOTHESIS.items() if k != "proposed"})
    assert (err["type"], err["loc"]) == ("missing", ("proposed",))


@pytest.mark.parametrize(
    "model, data, loc, kind",
    [
        (Hypothesis, {**HYPOTHESIS, "authors": "Kari"}, ("authors",), "list_type"),
        (Hypothesis, {**HYPOTHESIS, "authors": [False]}, ("authors", 0), "string_type"),
        (Hypothesis, {**HYPOTHESIS, "illustrative": "yes"}, ("illustrative",), "bool_type"),
        (Hypothesis, {**HYPOTHESIS, "illustrative": 1}, ("illustrative",), "bool_type"),
        (Hypothesis, {**HYPOTHESIS, "tags": [1.1]}, ("tags", 0), "string_type"),
        (Source, {"id": "s", "title": "t", "authors": ["a"], "year": "2008"}, ("year",), "int_type"),
        (Source, {"id": "s", "title": "t", "authors": ["a"], "year": 2008, "volume": 18}, ("volume",), "string_type"),
        (Measurement, {"construct": "trust", "value": "5.2", "scale": "1-7", "sample_size": 10, "instrument": "i"},
         ("value",), "float_type"),
        (Measurement, {"construct": "trust", "value": True, "scale": "1-7", "sample_size": 10, "instrument": "i"},
         ("value",), "float_type"),
    ],
)
def test_values_are_not_coerced(model, data, loc, kind):
    err = error_of(model, data)
    assert (err["loc"], err["type"]) == (loc, kind)


def test_a_whole_number_is_a_fine_float():
    m = Measurement.model_validate({"construct": "trust", "value": 5, "scale": "1-7", "sample_size": 10,
                                    "instrument": "i"})
    assert m.value == 5.0 and m.construct_ == "trust"


def test_models_are_frozen():
    h = Hypothesis.model_validate(HYPOTHESIS)
    with pytest.raises(ValidationError):
        h.status = "supported"  # type: ignore[misc]


@pytest.mark.parametrize("stance", STANCES)
def test_every_stance(stance):
    assert Link.model_validate({"hypothesis": "H01", "stance": stance, "strength": "weak"}).stance == stance


def test_unknown_stance_is_a_literal_error():
    err = error_of(Link, {"hypothesis": "H01", "stance": "suport", "strength": "weak"})
    assert err["type"] == "literal_error"


@pytest.mark.parametrize("kind", EVIDENCE_KINDS)
def test_every_evidence_kind(kind):
    assert Evidence.model_validate({**EVIDENCE, "kind": kind}).kind == kind


def test_relation_uses_from_as_written():
    h = Hypothesis.model_validate({**HYPOTHESIS, "relation": {"from": "trust", "to": "co-creation",
                                                              "effect": "positive"}})
    assert h.relation is not None and h.relation.from_ == "trust"
    assert h.model_dump(by_alias=True)["relation"]["from"] == "trust"


def test_measurement_sample_size_at_least_one():
    err = error_of(Measurement, {"construct": "t", "value": 1.0, "scale": "s", "sample_size": 0, "instrument": "i"})
    assert err["type"] == "greater_than_equal"


@pytest.mark.parametrize("field, value", [("doi", "https://doi.org/10.1/x"), ("doi", "doi:10.1093/x")])
def test_source_locators_have_a_form(field, value):
    err = error_of(Source, {"id": "s", "title": "t", "authors": ["a"], "year": 2008, field: value})
    assert err["type"] == "string_pattern_mismatch"


@pytest.mark.parametrize("value", ["www.example.org", "ftp://example.org/x", "https://", "https://a.org/a report",
                                   "https://a.org/%zz", "https://a.org/a<b>"])
def test_source_urls_are_iris(value):
    err = error_of(Source, {"id": "s", "title": "t", "authors": ["a"], "year": 2008, "url": value})
    assert err["type"] == "kb_iri" and err["msg"].startswith(f"{value!r} is not a valid IRI: "), err["msg"]


def test_registry_holds_three_lists():
    r = Registry.model_validate({"constructs": [{"id": "trust", "label": "Trust"}]})
    assert r.constructs[0].kind == "factor" and r.contexts == [] and r.sources == []


# --- kb.yaml -------------------------------------------------------------------------


def test_config_defaults():
    c = Config.model_validate({"title": "T", "base_iri": "https://kb.example.org/t/"})
    assert c.languages == ["en"] and c.phases == ["start", "midterm", "end"] and c.milestones == []
    assert c.scoring == Scoring()


@pytest.mark.parametrize("iri", ["https://kb.example.org/t", "kb.example.org/t/", "https://kb example.org/"])
def test_config_base_iri_must_end_with_a_slash(iri):
    err = error_of(Config, {"title": "T", "base_iri": iri})
    assert err["loc"] == ("base_iri",)


def test_scoring_defaults():
    s = Scoring()
    assert (s.prior_weight, s.base_rate) == (2.0, 0.5)
    assert s.strength == {"weak": 0.5, "moderate": 1.0, "strong": 2.0}
    assert s.kind == {"field_observation": 1.0, "arena_record": 1.0, "workshop_record": 1.0, "interview": 1.0,
                      "survey_measurement": 1.5, "document": 0.75, "literature_finding": 0.75}


def test_a_partial_weight_table_overrides_only_what_it_names():
    s = Scoring.model_validate({"strength": {"weak": 0.25}, "kind": {"interview": 2.0}})
    assert s.strength == {"weak": 0.25, "moderate": 1.0, "strong": 2.0}
    assert s.kind["interview"] == 2.0 and s.kind["document"] == 0.75


@pytest.mark.parametrize("data", [{"base_rate": 1.0}, {"base_rate": 0.0}, {"prior_weight": 0.0},
                                  {"strength": {"mighty": 1.0}}, {"kind": {"rumour": 1.0}}])
def test_scoring_limits(data):
    with pytest.raises(ValidationError):
        Scoring.model_validate(data)


# --- values validated for what they are (issue 16) ------------------------------------

#: Hard cases for an IRI: kb's check must refuse whatever Oxigraph (kb export, a SPARQL store) refuses.
IRI_CASES = [
    "https://kb.example.org/x/", "http://kb.example.org", "https://a.org/é", "https://a.org/%20", "https://u@a.org/",
    "http://[::1]/a", "https://a.org:8080/p?q=1#f", "https://ex ample.org/", "http://[::1/", "http://a.org/<x>",
    "http://[zz]/", "https://a.org:x/", "https://a.org/%zz", 'https://a.org/a"b', "https://a.org/a{b}",
    "https://a.org/a|b", "https://a.org/a\\b", "https://a.org/a^b", "https://a.org/`", "https://a.org/?q=[1]",
    "https://a.org/#f#g", "https://a.org/\u202e", "https://a.org/\x1b[31m", "https://a.org/\n", "https://",
    "ftp://a.org/", "mailto:a@b.org", "urn:isbn:123", "https:a.org", "//a.org/",
]


@pytest.mark.parametrize("value", IRI_CASES)
def test_iris_are_checked_at_least_as_strictly_as_oxigraph(value):
    from pyoxigraph import NamedNode

    from kb.model import iri_problem

    try:
        NamedNode(value)
        oxigraph_accepts = True
    except ValueError:
        oxigraph_accepts = False
    ours = iri_problem(value)
    assert oxigraph_accepts or ours, f"{value!r}: Oxigraph refuses it, kb check lets it pass"
    if not ours:
        assert value.startswith(("http://", "https://"))


def test_a_base_iri_ends_with_a_slash():
    err = error_of(Config, {"title": "t", "base_iri": "https://kb.example.org/kb"})
    assert err["type"] == "kb_iri" and err["msg"].endswith("a base IRI ends with '/'")
    assert Config.model_validate({"title": "t", "base_iri": "https://kb.example.org/kb/"}).base_iri.endswith("/")


@pytest.mark.parametrize("tag", ["en", "nb", "nn", "sme", "en-GB", "nb-NO", "zh-Hant-TW", "es-419", "de-CH-1901"])
def test_language_tags_of_bcp47_shape_are_accepted(tag):
    assert Config.model_validate({"title": "t", "base_iri": "https://a.org/", "languages": [tag]}).languages == [tag]


@pytest.mark.parametrize("tag", ["english", "EN", "e", "en_GB", "en-", "1", "en-GB-", "nb no"])
def test_language_tags_of_another_shape_are_refused(tag):
    err = error_of(Config, {"title": "t", "base_iri": "https://a.org/", "languages": [tag]})
    assert err["type"] == "kb_language" and err["msg"].startswith(f"{tag!r} is not a language tag"), err


@pytest.mark.parametrize("scoring, kind", [
    ({"prior_weight": 0.0}, "greater_than"), ({"prior_weight": -2.0}, "greater_than"),
    ({"prior_weight": float("inf")}, "finite_number"), ({"prior_weight": float("nan")}, "finite_number"),
    ({"strength": {"weak": 0.0}}, "greater_than"), ({"strength": {"strong": float("inf")}}, "finite_number"),
    ({"kind": {"interview": -1.0}}, "greater_than"), ({"kind": {"document": float("nan")}}, "finite_number"),
    ({"base_rate": 1.0}, "less_than"),
])
def test_scoring_weights_are_finite_and_positive(scoring, kind):
    assert error_of(Config, {"title": "t", "base_iri": "https://a.org/", "scoring": scoring})["type"] == kind


@pytest.mark.parametrize("value, wrong", [("Hå01", "'å' (U+00E5) at position 2"), ("H 01", "U+0020 at position 2"),
                                          ("-H01", "'-' (U+002D) at position 1"), ("H\u202e1", "U+202E at position 2")])
def test_an_invalid_id_names_the_character_that_is_wrong(value, wrong):
    err = error_of(Id, value)
    assert err["type"] == "kb_id"
    assert err["msg"] == (f"invalid id {value!r}: {wrong} is not allowed; use 1-64 ASCII letters (A-Z, a-z), "
                          "digits, '-' or '_', starting with a letter or digit")
