"""sanwei event contracts.

Everything another system needs to consume sanwei's events: the CloudEvents-style
envelope, one Pydantic model per event type, the catalogue mapping types to models,
and the JetStream streams the events live on. No I/O here.
"""

from sanwei_contracts.catalog import CATALOG, EventSpec, spec_for_model, spec_for_type
from sanwei_contracts.envelope import Envelope, new_envelope
from sanwei_contracts.streams import STREAMS, StreamSpec, stream_for_subject

__all__ = [
    "CATALOG",
    "STREAMS",
    "Envelope",
    "EventSpec",
    "StreamSpec",
    "new_envelope",
    "spec_for_model",
    "spec_for_type",
    "stream_for_subject",
]
