"""The event catalogue: type names, producers, consumers, streams."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sanwei_contracts import CATALOG, STREAMS, spec_for_model, spec_for_type, stream_for_subject
from sanwei_contracts.catalog import CONFIDENTIAL_READERS, SERVICES, consumed_by, may_receive, received_by
from sanwei_contracts.streams import PRODUCERS

pytestmark = pytest.mark.contract

TYPE_PATTERN = re.compile(
    r"^sanwei\.(?P<producer>[a-z]+)\.(?P<resource>[a-z][a-z_]*)\.v(?P<version>[1-9][0-9]*)\.(?P<action>[a-z][a-z_]*)$"
)
REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("spec", CATALOG, ids=lambda s: s.type)
def test_every_type_is_sanwei_producer_resource_version_action(spec) -> None:
    match = TYPE_PATTERN.fullmatch(spec.type)
    assert match, f"{spec.type} does not follow sanwei.<producer>.<resource>.v<N>.<action>"
    assert match["producer"] == spec.producer
    assert match["resource"] == spec.resource
    assert int(match["version"]) == spec.version
    assert match["action"] == spec.action
    assert spec.subject == spec.type


def test_every_consumer_and_producer_is_a_real_service() -> None:
    for spec in CATALOG:
        assert spec.producer in SERVICES, f"{spec.type}: unknown producer {spec.producer!r}"
        unknown = set(spec.consumers) - set(SERVICES)
        assert not unknown, f"{spec.type} names consumers that are no service: {sorted(unknown)}"
        assert spec.producer not in spec.consumers, f"{spec.type} is consumed by its own producer"


def test_the_services_are_the_workspace_members() -> None:
    members = {p.name for p in (REPO / "services").iterdir() if (p / "pyproject.toml").exists()}
    assert members == set(SERVICES)
    for service in SERVICES:
        assert (REPO / "services" / service / "src" / f"sanwei_{service}").is_dir()


def test_every_producer_has_a_stream_and_every_type_lives_on_its_producers_stream() -> None:
    assert {s.producer for s in STREAMS} == set(PRODUCERS) == {spec.producer for spec in CATALOG}
    for spec in CATALOG:
        assert stream_for_subject(spec.subject).producer == spec.producer


def test_types_and_models_are_unique_and_found_both_ways() -> None:
    assert len({spec.type for spec in CATALOG}) == len(CATALOG)
    assert len({spec.model.__name__ for spec in CATALOG}) == len(CATALOG)  # AsyncAPI message ids
    for spec in CATALOG:
        assert spec_for_type(spec.type) is spec
        assert spec_for_model(spec.model) is spec
        assert spec.summary, f"{spec.model.__name__} needs a docstring: it is the event's summary"


def test_audit_consumes_every_type() -> None:
    assert consumed_by("audit") == CATALOG


def test_only_the_published_outcome_of_discipline_is_public() -> None:
    confidential = {spec.type for spec in CATALOG if spec.confidential}
    assert confidential == {spec.type for spec in CATALOG if spec.producer == "discipline"} - {
        "sanwei.discipline.outcome.v1.published"
    }


def test_webhooks_consumes_every_public_type_and_no_confidential_one() -> None:
    """Webhooks feeds outside systems: every public event may be subscribed to, no 纪委 confidential one."""
    webhooks = set(consumed_by("webhooks"))
    public_missing = [spec.type for spec in CATALOG if not spec.confidential and spec not in webhooks]
    assert public_missing == [], f"add 'webhooks' to the consumers of {public_missing} in catalog.py"
    leaked = [spec.type for spec in CATALOG if spec.confidential and spec in webhooks]
    assert leaked == [], f"confidential {leaked} must not list 'webhooks' among their consumers"
    assert set(received_by("webhooks")) == webhooks


def test_confidential_types_go_only_to_the_services_trusted_with_them() -> None:
    for spec in CATALOG:
        if spec.confidential:
            assert set(spec.consumers) <= CONFIDENTIAL_READERS, spec.type
            assert not may_receive("webhooks", spec)
