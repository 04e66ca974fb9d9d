"""The common envelope every sanwei event travels in (CloudEvents 1.0 attributes).

`case_id` is the correlation id: every event that belongs to one case (an overdue task,
its 督办通知书, the exposure on the 曝光台, the discipline clue …) carries the same one,
which is how the audit service assembles a case's timeline. `causation_id` is the id
of the event that caused this one, or None for events caused by a person or a timer.
"""

from __future__ import annotations

import functools
import uuid
from datetime import datetime
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from sanwei_contracts.ids import new_id

DataT = TypeVar("DataT", bound=BaseModel)


class Envelope(BaseModel, Generic[DataT]):
    """One event: who says what happened to which resource of which case, and when."""

    # Consumers ignore attributes they do not know yet: v1 contracts only ever grow.
    model_config = ConfigDict(extra="ignore")

    specversion: Literal["1.0"] = "1.0"
    id: uuid.UUID = Field(description="Unique event id; also the Nats-Msg-Id used for dedupe.")
    type: str = Field(description="Versioned event type, e.g. sanwei.registry.task.v1.overdue.")
    source: str = Field(description="The emitting service, e.g. sanwei/registry.")
    subject: str = Field(description="The resource the event is about, e.g. task/<id>.")
    time: datetime = Field(description="When it happened, on the emitting service's clock.")
    case_id: str = Field(description="Correlation id: the case this event belongs to.")
    causation_id: uuid.UUID | None = Field(
        default=None, description="Id of the event that caused this one, if any."
    )
    actor: str | None = Field(
        default=None, description="Who caused it: a person or unit, or 'system' for timers."
    )
    actor_role: str | None = Field(
        default=None, description="The actor's roles when a person acted (e.g. command, unit)."
    )
    actor_unit: str | None = Field(default=None, description="The actor's unit when a person acted.")
    datacontenttype: Literal["application/json"] = "application/json"
    data: DataT


@functools.cache
def envelope_model(data_model: type[BaseModel]) -> type[Envelope[Any]]:
    """`Envelope[data_model]`, built once per event type.

    Pydantic keeps a parametrized generic only while something references it: without this
    reference every event emitted of a type its service does not also consume built a new
    model class (milliseconds each: the largest single cost of emitting, found by profiling
    a 20,000-task burst).
    """
    return Envelope[data_model]  # type: ignore[valid-type]


def new_envelope(
    data: BaseModel,
    *,
    subject: str,
    case_id: str,
    time: datetime,
    causation_id: uuid.UUID | None = None,
    actor: str | None = None,
    actor_role: str | None = None,
    actor_unit: str | None = None,
    event_id: uuid.UUID | None = None,
) -> Envelope[Any]:
    """Wrap event data in an envelope whose type and source come from the catalogue."""
    from sanwei_contracts.catalog import spec_for_model

    spec = spec_for_model(type(data))
    return envelope_model(type(data))(
        id=event_id or new_id(),
        type=spec.type,
        source=f"sanwei/{spec.producer}",
        subject=subject,
        time=time,
        case_id=case_id,
        causation_id=causation_id,
        actor=actor,
        actor_role=actor_role,
        actor_unit=actor_unit,
        data=data,
    )
