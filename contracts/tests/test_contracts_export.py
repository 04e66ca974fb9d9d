"""The exported files do not drift from the models, and the AsyncAPI documents hold together."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from sanwei_contracts import CATALOG
from sanwei_contracts.catalog import SERVICES
from sanwei_contracts.export import CONTRACTS_DIR, EXPORT_COMMAND, drift, main, render, write

pytestmark = pytest.mark.contract

# The official AsyncAPI 3.0.0 JSON Schema: schemas/3.0.0-without-$id.json of
# github.com/asyncapi/spec-json-schemas (Apache-2.0), kept here so the check runs offline.
ASYNCAPI_SCHEMA = Path(__file__).parent / "data" / "asyncapi-3.0.0.schema.json"


def test_exported_files_do_not_drift_from_the_models() -> None:
    problems = drift(CONTRACTS_DIR, render())
    assert not problems, (
        f"exported contracts differ from the models; run `{EXPORT_COMMAND}` and commit the result:\n  "
        + "\n  ".join(problems)
    )


def test_rendering_is_deterministic_utf8_and_ends_with_a_newline() -> None:
    first, second = render(), render()
    assert first == second
    assert len(first) == 2 * len(CATALOG) + len(SERVICES)
    for relative, text in first.items():
        assert text.endswith("\n") and not text.endswith("\n\n"), relative
    notice = first["examples/sanwei.supervision.notice.v1.issued.json"]
    assert "督〔2026〕3号" in notice and "\\u" not in notice


def test_check_reports_a_changed_a_missing_and_a_stale_file(tmp_path: Path, capsys) -> None:
    write(tmp_path)
    assert main(["--check", "--root", str(tmp_path)]) == 0
    schema = tmp_path / "schemas" / "sanwei.registry.task.v1.overdue.json"
    schema.write_text(schema.read_text(encoding="utf-8").replace("lead_unit", "leader"), encoding="utf-8")
    (tmp_path / "asyncapi" / "media.yaml").unlink()
    (tmp_path / "examples" / "sanwei.registry.task.v1.gone.json").write_text("{}\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["--check", "--root", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert EXPORT_COMMAND in out
    assert "schemas/sanwei.registry.task.v1.overdue.json (differs)" in out
    assert "asyncapi/media.yaml (missing)" in out
    assert "examples/sanwei.registry.task.v1.gone.json (no longer generated)" in out
    write(tmp_path)
    assert drift(tmp_path) == []
    assert not (tmp_path / "examples" / "sanwei.registry.task.v1.gone.json").exists()


def test_importing_the_contracts_does_not_import_yaml() -> None:
    code = "import sys, sanwei_contracts, sanwei_contracts.examples, sanwei_contracts.export; print('yaml' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def _asyncapi(service: str) -> dict[str, Any]:
    return yaml.safe_load((CONTRACTS_DIR / "asyncapi" / f"{service}.yaml").read_text(encoding="utf-8"))


def _resolve(document: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = document
    for part in ref[2:].split("/"):
        assert part in node, f"unresolved $ref {ref}"
        node = node[part]
    return node


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [r for value in node.values() for r in _refs(value)]
    if isinstance(node, list):
        return [r for item in node for r in _refs(item)]
    return []


@pytest.fixture(scope="module")
def asyncapi_validator() -> jsonschema.protocols.Validator:
    schema = json.loads(ASYNCAPI_SCHEMA.read_text(encoding="utf-8"))
    return jsonschema.validators.validator_for(schema)(schema)


@pytest.mark.parametrize("service", SERVICES)
def test_asyncapi_documents_are_valid_asyncapi_3(service: str, asyncapi_validator) -> None:
    errors = [f"{list(e.absolute_path)}: {e.message[:200]}" for e in asyncapi_validator.iter_errors(_asyncapi(service))]
    assert errors == []


def test_the_asyncapi_validator_refuses_a_broken_document(asyncapi_validator) -> None:
    document = _asyncapi("media")
    next(iter(document["operations"].values()))["action"] = "publish"  # AsyncAPI 2 wording, not 3
    assert not asyncapi_validator.is_valid(document)


@pytest.mark.parametrize("service", SERVICES)
def test_asyncapi_sends_what_the_service_produces_and_receives_what_it_consumes(service: str) -> None:
    document = _asyncapi(service)
    assert document["asyncapi"] == "3.0.0"
    info = document["info"]
    assert info["version"] and service in info["title"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in info["title"] + info["description"])  # Chinese
    assert any(ch.isascii() and ch.isalpha() for ch in info["description"])  # and English
    sends = {
        _resolve(document, op["channel"]["$ref"])["address"]
        for op in document["operations"].values() if op["action"] == "send"
    }
    receives = {
        _resolve(document, op["channel"]["$ref"])["address"]
        for op in document["operations"].values() if op["action"] == "receive"
    }
    assert sends == {spec.subject for spec in CATALOG if spec.producer == service}
    assert receives == {spec.subject for spec in CATALOG if service in spec.consumers}
    assert {c["address"] for c in document["channels"].values()} == sends | receives


@pytest.mark.parametrize("service", SERVICES)
def test_asyncapi_references_resolve_and_examples_match_the_payloads(service: str) -> None:
    document = _asyncapi(service)
    for ref in _refs(document):
        _resolve(document, ref)
    for operation in document["operations"].values():
        for message_ref in operation["messages"]:
            assert message_ref["$ref"].startswith(operation["channel"]["$ref"] + "/messages/")
    for channel_id, channel in document["channels"].items():
        for name in channel["messages"]:
            message = document["components"]["messages"][name]
            assert message["title"] == channel["address"]
            schema = {"$ref": f"#/components/messages/{name}/payload", "components": document["components"]}
            validator = jsonschema.Draft202012Validator(schema)
            for example in message["examples"]:
                validator.validate(example["payload"])
                assert example["payload"]["type"] == channel["address"], channel_id
            wrong = {**message["examples"][0]["payload"], "type": "sanwei.other.thing.v1.done"}
            assert not validator.is_valid(wrong)
