"""Tracks, summaries and the order of a case's timeline, pure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sanwei_audit.domain.timeline import RecordedEvent, has_summary, summarize, timeline, track_of
from sanwei_contracts import CATALOG
from sanwei_contracts.examples import example_envelope

pytestmark = pytest.mark.unit

T0 = datetime(2026, 10, 10, tzinfo=UTC)


def _summary(event_type: str) -> str:
    return summarize(event_type, example_envelope(event_type).model_dump(mode="json")["data"])


@pytest.mark.parametrize("spec", CATALOG, ids=lambda s: s.type)
def test_every_catalogue_type_has_its_own_chinese_summary(spec) -> None:
    assert has_summary(spec.type)
    text = _summary(spec.type)
    assert text != spec.summary  # not the fallback
    assert "\n" not in text
    assert any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_summaries_name_the_documents_and_deadlines() -> None:
    assert _summary("sanwei.supervision.notice.v1.issued") == "督办通知书 督〔2026〕3号 发至 区发改局，限 2026-10-16 前整改"
    assert _summary("sanwei.discipline.clue.v1.registered") == "线索〔2026〕1号 登记"
    assert _summary("sanwei.discipline.outcome.v1.published") == "处理结果公开：通报批评"
    assert _summary("sanwei.media.exposure.v1.published") == (
        "曝光台曝光：总部经济扶持办法迟迟未出台（区发改局），限 2026-10-30 前整改"
    )
    assert _summary("sanwei.supervision.notice.v1.unrectified").endswith("升级为黄色督办")
    assert _summary("sanwei.registry.task.v1.completed") == "任务办结（逾期完成）"


def test_a_decision_summary_never_names_the_person() -> None:
    envelope = example_envelope("sanwei.discipline.decision.v1.made")
    assert envelope.data.person
    assert envelope.data.person not in _summary(envelope.type)
    assert "张" not in _summary(envelope.type)


def test_unknown_or_incomplete_data_falls_back_instead_of_failing() -> None:
    assert summarize("sanwei.supervision.notice.v1.issued", {}) == (
        "A numbered 督办通知书 was issued to the responsible unit with a rectification deadline."
    )
    assert summarize("sanwei.other.thing.v9.done", {}) == "sanwei.other.thing.v9.done"


def test_tracks_follow_the_producer() -> None:
    assert [track_of(p) for p in ("registry", "progress", "supervision", "media", "discipline")] == [
        "清单", "进展", "督导检查", "媒体监督", "纪委问责",
    ]


def _recorded(seq: int, event_type: str, minutes: int, event_id: str, cause: str | None = None) -> RecordedEvent:
    producer = event_type.split(".")[1]
    return RecordedEvent(seq=seq, event_id=event_id, type=event_type, source=f"sanwei/{producer}",
                         subject="x", case_id="c", time=T0 + timedelta(minutes=minutes), causation_id=cause,
                         actor=None, data={}, hash="h", recorded_at=T0)


def test_timeline_orders_by_event_time_then_recording_order_and_resolves_causes() -> None:
    steps = timeline([
        _recorded(1, "sanwei.supervision.notice.v1.issued", 5, "n", cause="o"),  # recorded before its cause
        _recorded(2, "sanwei.registry.task.v1.overdue", 0, "o"),
        _recorded(3, "sanwei.media.exposure.v1.published", 9, "e2"),
        _recorded(4, "sanwei.supervision.notice.v1.unrectified", 9, "u", cause="elsewhere"),
    ])
    assert [s.seq for s in steps] == [2, 1, 3, 4]
    assert [s.track for s in steps] == ["清单", "督导检查", "媒体监督", "督导检查"]
    assert steps[1].caused_by_seq == 2
    assert steps[3].causation_id == "elsewhere" and steps[3].caused_by_seq is None
