"""An event type's envelope model is built once, not once per event emitted.

Profiling a 20,000-task burst showed pydantic building a new `Envelope[...]` class for many
emitted events (its cache of parametrized generics holds them weakly); `envelope_model` keeps one.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from sanwei_contracts import new_envelope
from sanwei_contracts.envelope import Envelope, envelope_model
from sanwei_contracts.events.registry import TaskOverdue


def test_emitting_events_of_a_type_parametrizes_the_envelope_once(monkeypatch: pytest.MonkeyPatch) -> None:
    now = datetime(2026, 7, 1, tzinfo=UTC)
    data = TaskOverdue(task_id="t1", title="任务", lead_unit="区发改局", co_units=[], deadline=date(2026, 6, 30),
                       due_at=now)
    parametrize = Envelope.__class_getitem__.__func__  # type: ignore[attr-defined]
    calls: list[object] = []

    def counting(cls, params):  # type: ignore[no-untyped-def]
        calls.append(params)
        return parametrize(cls, params)

    monkeypatch.setattr(Envelope, "__class_getitem__", classmethod(counting))
    envelope_model.cache_clear()
    made = [new_envelope(data, subject="task/t1", case_id="t1", time=now) for _ in range(5)]
    assert calls == [TaskOverdue]
    assert {type(e) for e in made} == {envelope_model(TaskOverdue)}
    assert made[0].model_dump()["data"]["task_id"] == "t1"
