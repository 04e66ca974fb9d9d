"""Backward compatibility of the event contracts: the current models against the last release.

    uv run python -m sanwei_contracts.compat            # compare; exit 1 and list every break
    uv run python -m sanwei_contracts.compat --update   # at a release: snapshot the current schemas

`contracts/snapshot/<type>.json` holds the JSON Schema of every event type as last released.
A consumer written against a released contract must keep working, so a v1 event may only
grow. Compared with the snapshot, the check fails on:

* an event type that is gone;
* a field that is gone (a renamed field is a field gone plus one added);
* a narrowed type: fewer JSON types accepted (str → int, nullable → not nullable), a new
  or different format (str → date), enum values removed, tighter bounds (maxLength,
  minimum, …);
* a field that became required, or a new field that is required.

It passes on new optional fields, widened types, new enum values and new event types.
A breaking change is a new event type with the next version (`….v2.<action>`), published
next to the v1 type until consumers have moved.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

Schema = dict[str, Any]

CONTRACTS_DIR = Path(__file__).resolve().parents[2]
SNAPSHOT_DIR = CONTRACTS_DIR / "snapshot"
UPDATE_COMMAND = "uv run python -m sanwei_contracts.compat --update"

# Bounds whose value may only grow (upper) or only shrink (lower) in a compatible change.
_UPPER_BOUNDS = ("maxLength", "maximum", "exclusiveMaximum", "maxItems", "maxProperties")
_LOWER_BOUNDS = ("minLength", "minimum", "exclusiveMinimum", "minItems", "minProperties")


@dataclass(frozen=True)
class Break:
    event_type: str
    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.event_type}: {self.path}: {self.reason}"


# --- reading schemas ---------------------------------------------------------------------


def current_schemas() -> dict[str, Schema]:
    """Every event type's schema as the models give it now."""
    from sanwei_contracts.catalog import CATALOG
    from sanwei_contracts.export import envelope_schema

    return {spec.type: envelope_schema(spec) for spec in CATALOG}


def read_snapshot(directory: Path = SNAPSHOT_DIR) -> dict[str, Schema]:
    return {path.stem: json.loads(path.read_text(encoding="utf-8")) for path in sorted(directory.glob("*.json"))}


def write_snapshot(schemas: dict[str, Schema], directory: Path = SNAPSHOT_DIR) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for path in directory.glob("*.json"):
        if path.stem not in schemas:
            path.unlink()
    for event_type, schema in schemas.items():
        text = json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
        (directory / f"{event_type}.json").write_text(text, encoding="utf-8")


# --- comparing -----------------------------------------------------------------------------


def compare(old: dict[str, Schema], new: dict[str, Schema]) -> list[Break]:
    """Every incompatible change from the `old` (released) schemas to the `new` ones."""
    breaks: list[Break] = []
    for event_type, old_schema in sorted(old.items()):
        new_schema = new.get(event_type)
        if new_schema is None:
            breaks.append(Break(event_type, "(event type)", "removed: consumers of a released type need it"))
            continue
        breaks += [Break(event_type, path, reason)
                   for path, reason in _Comparison(old_schema, new_schema).node(old_schema, new_schema, "$")]
    return breaks


class _Comparison:
    def __init__(self, old_root: Schema, new_root: Schema) -> None:
        self.old_root = old_root
        self.new_root = new_root
        self._seen: set[tuple[str, str, str]] = set()

    def _resolve(self, node: Schema, root: Schema) -> tuple[Schema, str | None]:
        ref_name = None
        while isinstance(node, dict) and "$ref" in node:
            ref = node["$ref"]
            if not ref.startswith("#/"):
                raise ValueError(f"only local $ref are supported, not {ref!r}")
            ref_name = ref
            target: Any = root
            for part in ref[2:].split("/"):
                target = target[part]
            node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
        return node, ref_name

    def _alternatives(self, node: Schema, root: Schema) -> list[tuple[Schema, str | None]]:
        node, ref = self._resolve(node, root)
        for key in ("anyOf", "oneOf"):
            if key in node:
                out: list[tuple[Schema, str | None]] = []
                for option in node[key]:
                    out += self._alternatives(option, root)
                return out
        if isinstance(node.get("type"), list):
            rest = {k: v for k, v in node.items() if k != "type"}
            return [({**rest, "type": t}, ref) for t in node["type"]]
        return [(node, ref)]

    def node(self, old: Schema, new: Schema, path: str) -> Iterator[tuple[str, str]]:
        old_alts = self._alternatives(old, self.old_root)
        new_alts = self._alternatives(new, self.new_root)
        for old_alt, old_ref in old_alts:
            candidates = [(alt, ref) for alt, ref in new_alts if _kind_covers(alt, old_alt)]
            if not candidates:
                yield path, f"type narrowed: {_describe(old_alt)} is no longer accepted (now {_describe_all(new_alts)})"
                continue
            # Prefer the alternative with the same definition name, then the first one.
            new_alt, new_ref = next(((a, r) for a, r in candidates if r and r == old_ref), candidates[0])
            key = (path, old_ref or "", new_ref or "")
            if old_ref and key in self._seen:  # recursive definitions are compared once
                continue
            self._seen.add(key)
            yield from self._details(old_alt, new_alt, path)

    def _details(self, old: Schema, new: Schema, path: str) -> Iterator[tuple[str, str]]:
        yield from _values(old, new, path)
        yield from _bounds(old, new, path)
        if _json_type(old) == "object":
            yield from self._object(old, new, path)
        elif _json_type(old) == "array" and "items" in old:
            yield from self.node(old["items"], new.get("items", {}), f"{path}[]")

    def _object(self, old: Schema, new: Schema, path: str) -> Iterator[tuple[str, str]]:
        old_props: dict[str, Schema] = old.get("properties", {})
        new_props: dict[str, Schema] = new.get("properties", {})
        old_required = set(old.get("required", []))
        new_required = set(new.get("required", []))
        for name, old_prop in old_props.items():
            if name not in new_props:
                yield f"{path}.{name}", "field removed (or renamed)"
                continue
            if name in new_required and name not in old_required:
                yield f"{path}.{name}", "optional field became required"
            yield from self.node(old_prop, new_props[name], f"{path}.{name}")
        for name in sorted(new_required - set(old_props)):
            yield f"{path}.{name}", "new required field (a new field must be optional with a default)"
        if old.get("additionalProperties") is not False and new.get("additionalProperties") is False:
            yield path, "no longer accepts additional properties"


def _json_type(node: Schema) -> str | None:
    if "type" in node:
        return str(node["type"])
    for key in ("const", "enum"):
        if key in node:
            values = [node["const"]] if key == "const" else node["enum"]
            kinds = {_value_type(v) for v in values}
            return kinds.pop() if len(kinds) == 1 else None
    if "properties" in node:
        return "object"
    return None


def _value_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _allowed_values(node: Schema) -> list[Any] | None:
    if "const" in node:
        return [node["const"]]
    if "enum" in node:
        return list(node["enum"])
    return None


def _kind_covers(new: Schema, old: Schema) -> bool:
    """Does `new` accept the kind of values `old` accepted (JSON type and format)?"""
    old_type, new_type = _json_type(old), _json_type(new)
    if new_type is None and not _allowed_values(new):
        return True  # unconstrained
    if old_type is None:
        return False
    if old_type != new_type and not (old_type == "integer" and new_type == "number"):
        return False
    if "format" in new and new.get("format") != old.get("format"):
        return False
    new_values = _allowed_values(new)
    if new_values is not None:
        old_values = _allowed_values(old)
        # a closed set of values can only take the place of a closed set it contains
        return old_values is not None and any(v in new_values for v in old_values)
    return True


def _values(old: Schema, new: Schema, path: str) -> Iterator[tuple[str, str]]:
    old_values, new_values = _allowed_values(old), _allowed_values(new)
    if new_values is None:
        return
    if old_values is None:
        yield path, f"now restricted to {new_values!r}"
        return
    removed = [v for v in old_values if v not in new_values]
    if removed:
        yield path, f"enum values removed: {removed!r}"


def _bounds(old: Schema, new: Schema, path: str) -> Iterator[tuple[str, str]]:
    for key in _UPPER_BOUNDS:
        if key in new and (key not in old or new[key] < old[key]):
            yield path, f"{key} tightened: {old.get(key, 'none')} → {new[key]}"
    for key in _LOWER_BOUNDS:
        if key in new and (key not in old or new[key] > old[key]):
            yield path, f"{key} tightened: {old.get(key, 'none')} → {new[key]}"
    if "pattern" in new and new.get("pattern") != old.get("pattern"):
        yield path, f"pattern changed: {old.get('pattern')!r} → {new['pattern']!r}"


def _describe(node: Schema) -> str:
    values = _allowed_values(node)
    if values is not None:
        return f"enum {values!r}"
    kind = _json_type(node) or "any"
    return f"{kind} ({node['format']})" if "format" in node else kind


def _describe_all(alternatives: list[tuple[Schema, str | None]]) -> str:
    return " | ".join(_describe(alt) for alt, _ in alternatives)


# --- command line --------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sanwei_contracts.compat", description=__doc__.splitlines()[0])
    parser.add_argument("--update", action="store_true",
                        help="write the current schemas as the released snapshot (do this at a release)")
    parser.add_argument("--snapshot", type=Path, default=SNAPSHOT_DIR, help="the snapshot directory")
    args = parser.parse_args(argv)
    current = current_schemas()
    if args.update:
        write_snapshot(current, args.snapshot)
        print(f"snapshot of {len(current)} event types written to {args.snapshot}")
        return 0
    released = read_snapshot(args.snapshot)
    if not released:
        print(f"no snapshot in {args.snapshot}; create it with `{UPDATE_COMMAND}`")
        return 1
    breaks = compare(released, current)
    if breaks:
        print(f"{len(breaks)} incompatible change(s) against the released contracts in {args.snapshot}:")
        for problem in breaks:
            print(f"  {problem}")
        print("v1 events only grow: add optional fields with defaults, or publish a new type ….v2.<action>.")
        return 1
    added = sorted(set(current) - set(released))
    print(f"contracts compatible with the snapshot ({len(released)} released types"
          + (f"; new: {', '.join(added)}" if added else "") + ")")
    return 0


if __name__ == "__main__":
    sys.exit(main())
