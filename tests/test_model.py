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
    assert f"'{key}' is not a language code" in err["msg"], err["msg"]


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


@pytest.mark.parametrize("value", [20210615, 2021, 1.5, True, None, "last spring", "2021-13-45", "15.06.2021", ""])
def test_day_rejects_what_is_not_a_date(value):
    err = error_of(Day, value)
    assert err["type"] == "kb_date"
    assert err["msg"] == f"expected a date like 2021-06-15, got {value!r}"


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


@pytest.mark.parametrize("field, value", [("doi", "https://doi.org/10.1/x"), ("doi", "doi:10.1093/x"),
                                          ("url", "www.example.org"), ("url", "ftp://example.org/x")])
def test_source_locators_have_a_form(field, value):
    err = error_of(Source, {"id": "s", "title": "t", "authors": ["a"], "year": 2008, field: value})
    assert err["type"] == "string_pattern_mismatch"


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
