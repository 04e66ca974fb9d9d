"""Export the contracts for other systems: JSON Schema, examples and AsyncAPI.

    uv run python -m sanwei_contracts.export           # (re)write the files
    uv run python -m sanwei_contracts.export --check   # exit 1 and list drifted files

Writes, under `contracts/`:

* `schemas/<type>.json`   — JSON Schema (2020-12) of the whole envelope with that event's
  data model, `type` constrained to the event type;
* `examples/<type>.json`  — the example envelope of `sanwei_contracts.examples`;
* `asyncapi/<service>.yaml` — one AsyncAPI 3.0 document per service: channels are the
  subjects, `send` operations for what it produces, `receive` for what it consumes.

Output is deterministic (sorted JSON keys, UTF-8, trailing newline) so CI can compare the
files in the repository with what the models generate. PyYAML is a development
dependency: it is imported only when the AsyncAPI documents are rendered.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from sanwei_contracts.catalog import CATALOG, SERVICES, EventSpec
from sanwei_contracts.envelope import envelope_model
from sanwei_contracts.examples import example_envelope
from sanwei_contracts.streams import stream_for_subject

CONTRACTS_DIR = Path(__file__).resolve().parents[2]
EXPORT_DIRS = ("schemas", "examples", "asyncapi")
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
EXPORT_COMMAND = "uv run python -m sanwei_contracts.export"

SERVICE_INFO: dict[str, tuple[str, str]] = {
    "registry": (
        "任务清单服务",
        "任务清单（清单式管理）：任务、牵头单位与配合单位、按工作日计算的完成时限，逾期即发出事件。\n\n"
        "Task lists, tasks with their lead and co-units, deadlines in Chinese working days; "
        "emits task.overdue exactly once when a deadline passes.",
    ),
    "progress": (
        "工作进展服务",
        "进展报送（周调度、月调度、季通报）与办结销号申请的验收。\n\n"
        "Progress reports per cadence and completion claims verified by the issuing unit.",
    ),
    "supervision": (
        "督导检查服务（指挥部）",
        "督办通知书：编号、三色督办、整改时限、整改报告的审核；逾期未整改即升级。\n\n"
        "Numbered supervision notices with a rectification deadline; unrectified notices escalate.",
    ),
    "media": (
        "媒体监督服务",
        "曝光台与“整改进行时”：曝光、跟踪整改、逾期再次曝光并移交纪检监察机关。\n\n"
        "Public exposures with a deadline, follow-up, re-exposure and referral to the discipline commission.",
    ),
    "discipline": (
        "纪委问责服务",
        "问题线索的登记、分类梳理、分办转办、处置、处理决定与通报曝光（问责一批、通报曝光一批）。\n\n"
        "Discipline clues: registration, assignment, disposal, decisions and redacted publication. "
        "All but outcome.published are confidential.",
    ),
    "audit": (
        "全链条追溯服务",
        "记录每一个事件（哈希链防篡改），提供每个案件跨督导检查、媒体监督、纪委问责的完整时间线。\n\n"
        "Records every event on a hash chain and serves each case's timeline across all tracks.",
    ),
    "webhooks": (
        "事件推送服务（Webhook）",
        "向已登记的外部系统（OA、12345 热线等）推送其订阅的事件：HMAC 签名、失败重试、投递状态可查。\n\n"
        "Delivers the events a registered external system subscribed to as signed HTTP POSTs, "
        "retried with backoff; every delivery's state is visible.",
    ),
}


def schema_id(spec: EventSpec) -> str:
    return f"urn:sanwei:event:{spec.type}"


def envelope_schema(spec: EventSpec) -> dict[str, Any]:
    """JSON Schema of the full envelope carrying `spec`'s data, with `type` fixed to the event type."""
    raw = envelope_model(spec.model).model_json_schema()
    raw["properties"]["type"] = {
        "const": spec.type,
        "description": "Versioned event type; also the NATS subject.",
        "title": "Type",
        "type": "string",
    }
    raw.pop("title", None)
    schema: dict[str, Any] = {
        "$schema": JSON_SCHEMA_DIALECT,
        "$id": schema_id(spec),
        "title": spec.type,
        "description": spec.summary,
        "x-sanwei": {
            "producer": spec.producer,
            "consumers": list(spec.consumers),
            "confidential": spec.confidential,
            "stream": stream_for_subject(spec.subject).name,
        },
    }
    schema.update(raw)
    return schema


def example_document(spec: EventSpec) -> dict[str, Any]:
    return example_envelope(spec.type).model_dump(mode="json")


def _json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def _channel_id(spec: EventSpec) -> str:
    return spec.type.replace(".", "_")


def _message_id(spec: EventSpec) -> str:
    return spec.model.__name__


def _rewrite_refs(node: Any, prefix: str) -> Any:
    if isinstance(node, dict):
        return {
            key: (prefix + value.removeprefix("#/$defs/") if key == "$ref" and isinstance(value, str)
                  else _rewrite_refs(value, prefix))
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_rewrite_refs(item, prefix) for item in node]
    return node


def asyncapi_document(service: str) -> dict[str, Any]:
    """The AsyncAPI 3.0 document of one service, built from the catalogue's producer/consumers."""
    sends = [spec for spec in CATALOG if spec.producer == service]
    receives = [spec for spec in CATALOG if service in spec.consumers]
    used = sends + [spec for spec in receives if spec not in sends]
    title_zh, description = SERVICE_INFO[service]

    channels: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    for spec in used:
        payload = envelope_schema(spec)
        for name, definition in payload.pop("$defs", {}).items():
            definition = _rewrite_refs(definition, "#/components/schemas/")
            if schemas.setdefault(name, definition) != definition:
                raise ValueError(f"two different schemas are both named {name!r}")
        for key in ("$schema", "$id", "x-sanwei"):
            payload.pop(key)
        payload = _rewrite_refs(payload, "#/components/schemas/")
        message_id = _message_id(spec)
        messages[message_id] = {
            "name": message_id,
            "title": spec.type,
            "summary": spec.summary,
            "contentType": "application/cloudevents+json",
            "correlationId": {
                "description": "The case id: every event of one case carries the same one.",
                "location": "$message.payload#/case_id",
            },
            "headers": {
                "type": "object",
                "properties": {
                    "Nats-Msg-Id": {
                        "type": "string",
                        "description": "The event id; JetStream drops a duplicate publish within the window.",
                    },
                },
            },
            "payload": payload,
            "examples": [{"name": "example", "payload": example_document(spec)}],
            "x-confidential": spec.confidential,
        }
        channel_id = _channel_id(spec)
        channels[channel_id] = {
            "address": spec.subject,
            "title": spec.type,
            "summary": spec.summary,
            "messages": {message_id: {"$ref": f"#/components/messages/{message_id}"}},
            "x-jetstream-stream": stream_for_subject(spec.subject).name,
            "x-producer": spec.producer,
            "x-consumers": list(spec.consumers),
        }

    operations: dict[str, Any] = {}
    for action, specs in (("send", sends), ("receive", receives)):
        for spec in specs:
            channel_id = _channel_id(spec)
            operations[f"{action}_{channel_id}"] = {
                "action": action,
                "channel": {"$ref": f"#/channels/{channel_id}"},
                "summary": spec.summary,
                "messages": [{"$ref": f"#/channels/{channel_id}/messages/{_message_id(spec)}"}],
            }

    return {
        "asyncapi": "3.0.0",
        "id": f"urn:sanwei:service:{service}",
        "info": {
            "title": f"sanwei {service} — {title_zh}",
            "version": "1.0.0",
            "description": description,
        },
        "defaultContentType": "application/cloudevents+json",
        "servers": {
            "nats": {
                "host": "127.0.0.1:4222",
                "protocol": "nats",
                "description": "NATS JetStream; each producer's events live on stream SANWEI_<PRODUCER>.",
            },
        },
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": dict(sorted(schemas.items()))},
    }


def _yaml_text(document: dict[str, Any]) -> str:
    import yaml  # development dependency: only needed when exporting

    class _Dumper(yaml.SafeDumper):
        def ignore_aliases(self, data: Any) -> bool:  # no &anchors / *aliases: plain, readable YAML
            return True

    return yaml.dump(document, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=120)


def render() -> dict[str, str]:
    """Every exported file, path relative to contracts/ → its exact text."""
    files: dict[str, str] = {}
    for spec in CATALOG:
        files[f"schemas/{spec.type}.json"] = _json_text(envelope_schema(spec))
        files[f"examples/{spec.type}.json"] = _json_text(example_document(spec))
    for service in SERVICES:
        files[f"asyncapi/{service}.yaml"] = _yaml_text(asyncapi_document(service))
    return files


def drift(root: Path = CONTRACTS_DIR, files: dict[str, str] | None = None) -> list[str]:
    """Exported files that differ from the models: changed, missing, or left over."""
    files = render() if files is None else files
    problems = []
    for relative, text in sorted(files.items()):
        path = root / relative
        if not path.exists():
            problems.append(f"{relative} (missing)")
        elif path.read_text(encoding="utf-8") != text:
            problems.append(f"{relative} (differs)")
    for folder in EXPORT_DIRS:
        for path in sorted((root / folder).glob("*")):
            relative = f"{folder}/{path.name}"
            if path.is_file() and relative not in files:
                problems.append(f"{relative} (no longer generated)")
    return problems


def write(root: Path = CONTRACTS_DIR) -> list[str]:
    """Write every file that changed and remove the ones no longer generated; returns what changed."""
    files = render()
    changed = drift(root, files)
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
    for folder in EXPORT_DIRS:
        for path in (root / folder).glob("*"):
            if path.is_file() and f"{folder}/{path.name}" not in files:
                path.unlink()
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sanwei_contracts.export", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if any file drifted")
    parser.add_argument("--root", type=Path, default=CONTRACTS_DIR, help="the contracts/ directory")
    args = parser.parse_args(argv)
    if args.check:
        problems = drift(args.root)
        if problems:
            print(f"{len(problems)} exported contract file(s) drifted from the models; run `{EXPORT_COMMAND}`:")
            for problem in problems:
                print(f"  {problem}")
            return 1
        print(f"contracts up to date ({len(render())} files)")
        return 0
    changed = write(args.root)
    for problem in changed:
        print(f"wrote {problem}")
    print(f"{len(changed)} file(s) changed under {args.root}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
