"""Every example validates against its Pydantic model and against its exported JSON Schema."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from sanwei_contracts import CATALOG, Envelope
from sanwei_contracts.examples import example_data, example_envelope, example_envelopes, example_event_id
from sanwei_contracts.export import CONTRACTS_DIR, EXPORT_COMMAND

pytestmark = pytest.mark.contract

SPECS = pytest.mark.parametrize("spec", CATALOG, ids=lambda s: s.type)


def _exported(folder: str, event_type: str) -> dict:
    path = CONTRACTS_DIR / folder / f"{event_type}.json"
    assert path.exists(), f"{path} is missing; run `{EXPORT_COMMAND}`"
    return json.loads(path.read_text(encoding="utf-8"))


def _validator(event_type: str) -> jsonschema.protocols.Validator:
    schema = _exported("schemas", event_type)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


@SPECS
def test_the_example_data_is_an_instance_of_the_events_model(spec) -> None:
    data = example_data(spec.type)
    assert type(data) is spec.model
    assert spec.model.model_validate_json(data.model_dump_json()) == data


@SPECS
def test_the_example_envelope_validates_against_its_model(spec) -> None:
    document = example_envelope(spec.type).model_dump(mode="json")
    parsed = Envelope[spec.model].model_validate(document)
    assert parsed.type == spec.type
    assert parsed.source == f"sanwei/{spec.producer}"
    assert parsed.model_dump(mode="json") == document


@SPECS
def test_the_example_validates_against_its_exported_json_schema(spec) -> None:
    _validator(spec.type).validate(_exported("examples", spec.type))


@SPECS
def test_the_exported_schema_refuses_another_type_and_missing_data(spec) -> None:
    validator = _validator(spec.type)
    example = _exported("examples", spec.type)
    other = next(s.type for s in CATALOG if s.type != spec.type)
    assert not validator.is_valid({**example, "type": other})
    assert not validator.is_valid({k: v for k, v in example.items() if k != "data"})
    required = spec.model.model_json_schema().get("required", [])
    if required:
        data = {k: v for k, v in example["data"].items() if k != required[0]}
        assert not validator.is_valid({**example, "data": data})


@SPECS
def test_the_exported_example_is_the_example(spec) -> None:
    assert _exported("examples", spec.type) == example_envelope(spec.type).model_dump(mode="json")


def test_examples_are_deterministic() -> None:
    first = [e.model_dump_json() for e in example_envelopes()]
    second = [e.model_dump_json() for e in example_envelopes()]
    assert first == second
    assert [e.type for e in example_envelopes()] == [spec.type for spec in CATALOG]
    assert len({e.id for e in example_envelopes()}) == len(CATALOG)


def test_causes_point_to_other_examples_of_the_same_case() -> None:
    by_id = {e.id: e for e in example_envelopes()}
    caused = [e for e in example_envelopes() if e.causation_id]
    assert caused, "the examples should show causation"
    for envelope in caused:
        cause = by_id[envelope.causation_id]
        assert cause.case_id == envelope.case_id
        assert cause.time <= envelope.time
    notice = example_envelope("sanwei.supervision.notice.v1.issued")
    assert notice.causation_id == example_event_id("sanwei.registry.task.v1.overdue")


def test_the_examples_speak_the_domain() -> None:
    notice = example_data("sanwei.supervision.notice.v1.issued")
    assert notice.number == "督〔2026〕3号" and notice.unit == "区发改局"
    assert example_data("sanwei.discipline.clue.v1.registered").number == "线索〔2026〕1号"
    assert "政府工作报告" in example_data("sanwei.registry.task.v1.assigned").task_list_title
    outcome = json.dumps(_exported("examples", "sanwei.discipline.outcome.v1.published"), ensure_ascii=False)
    person = example_data("sanwei.discipline.decision.v1.made").person
    assert person and person not in outcome  # the public outcome names no one


def test_the_exported_folders_hold_one_file_per_type() -> None:
    for folder in ("schemas", "examples"):
        names = {p.name for p in Path(CONTRACTS_DIR / folder).glob("*.json")}
        assert names == {f"{spec.type}.json" for spec in CATALOG}
