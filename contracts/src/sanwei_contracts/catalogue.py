"""Render the event catalogue as browsable HTML (事件目录), for developers of other systems.

    uv run task catalogue                              # → build/catalogue/index.html
    uv run python -m sanwei_contracts.catalogue --out DIR

One page: an overview table of every event type, then per event its type, NATS subject and
JetStream stream, producer and consumers, description (中文 and English), a table of its
data fields and the example payload. Beside the page the same files as `contracts/`:
`schemas/`, `examples/` and `asyncapi/` (linked from the page), so the directory can be
published as it is. Built from the models, so it never drifts from them.

The Chinese line of each event is how the audit timeline summarises its example, when the
audit service's package is installed (in the workspace); PyYAML renders the AsyncAPI files.
Both are development dependencies; the contracts package itself needs only pydantic.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from html import escape
from pathlib import Path
from typing import Any

from sanwei_contracts.catalog import CATALOG, SERVICES, EventSpec
from sanwei_contracts.envelope import envelope_model
from sanwei_contracts.export import SERVICE_INFO, example_document, render
from sanwei_contracts.streams import stream_for_subject

REPO_DIR = Path(__file__).resolve().parents[3]
DEFAULT_OUT = REPO_DIR / "build" / "catalogue"

_STYLE = """
body { font-family: system-ui, "PingFang SC", "Microsoft YaHei", sans-serif; margin: 2rem auto; max-width: 70rem;
       padding: 0 1rem; color: #1f2328; line-height: 1.5; }
h1, h2, h3 { line-height: 1.25; } h2 { border-bottom: 1px solid #d0d7de; padding-bottom: .3rem; margin-top: 2.5rem; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; font-size: .92rem; }
th, td { border: 1px solid #d0d7de; padding: .3rem .5rem; text-align: left; vertical-align: top; }
th { background: #f6f8fa; } code { font-size: .9em; background: #f6f8fa; padding: .05rem .25rem; border-radius: 3px; }
pre { background: #f6f8fa; padding: .8rem; overflow-x: auto; font-size: .85rem; border-radius: 6px; }
.confidential { color: #b42318; font-weight: 600; } .meta td:first-child { width: 10rem; font-weight: 600; }
.zh { font-size: 1.02rem; } nav a { margin-right: .8rem; }
"""


def chinese_summaries() -> Callable[[str, dict[str, Any]], str] | None:
    """The audit timeline's one-line Chinese summary, if the audit service is installed."""
    try:
        from sanwei_audit.domain.timeline import summarize
    except ImportError:
        return None
    return summarize


def _anchor(spec: EventSpec) -> str:
    return spec.type.replace(".", "-")


def _type_text(node: dict[str, Any], defs: dict[str, Any]) -> str:
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        target = defs.get(name, {})
        if "enum" in target:
            return f"{name} (" + " | ".join(str(v) for v in target["enum"]) + ")"
        return name
    for key in ("anyOf", "oneOf"):
        if key in node:
            return " | ".join(_type_text(option, defs) for option in node[key])
    if "enum" in node:
        return " | ".join(str(v) for v in node["enum"])
    if "const" in node:
        return json.dumps(node["const"], ensure_ascii=False)
    kind = node.get("type", "any")
    if kind == "array":
        return f"array of {_type_text(node.get('items', {}), defs)}"
    if isinstance(kind, list):
        kind = " | ".join(kind)
    return f"{kind} ({node['format']})" if "format" in node else str(kind)


def field_rows(model: type[Any]) -> list[tuple[str, str, bool, str]]:
    """(name, type, required, description) of each field of a model's JSON Schema."""
    schema = model.model_json_schema()
    defs = schema.get("$defs", {})
    required = set(schema.get("required", []))
    rows = []
    for name, node in schema.get("properties", {}).items():
        description = node.get("description", "")
        if "default" in node and name not in required:
            default = json.dumps(node["default"], ensure_ascii=False)
            description = f"{description} (default {default})".strip()
        rows.append((name, _type_text(node, defs), name in required, description))
    return rows


def _fields_table(rows: list[tuple[str, str, bool, str]]) -> str:
    body = "".join(
        f"<tr><td><code>{escape(name)}</code></td><td>{escape(kind)}</td><td>{'yes' if req else 'no'}</td>"
        f"<td>{escape(desc)}</td></tr>"
        for name, kind, req, desc in rows
    )
    return f"<table><tr><th>field</th><th>type</th><th>required</th><th>description</th></tr>{body}</table>"


def _event_section(spec: EventSpec, summarize: Callable[[str, dict[str, Any]], str] | None) -> str:
    example = example_document(spec)
    stream = stream_for_subject(spec.subject).name
    english = escape((spec.model.__doc__ or "").strip()).replace("\n\n", "<br>")
    zh_title = SERVICE_INFO.get(spec.producer, (spec.producer, ""))[0]
    zh_line = summarize(spec.type, example["data"]) if summarize else ""
    consumers = ", ".join(f"<a href='#service-{c}'>{escape(c)}</a>" for c in spec.consumers) or "—"
    confidential = ("<p class='confidential'>保密 confidential: 纪委 data naming people and findings; never on public "
                    "feeds and never delivered by webhook (a subscription naming it is refused); audit shows it to "
                    "the discipline role only.</p>"
                    if spec.confidential else "")
    example_text = escape(json.dumps(example, ensure_ascii=False, indent=2))
    return f"""
<section id="{_anchor(spec)}" class="event">
<h2><code>{escape(spec.type)}</code></h2>
<p class="zh">{escape(zh_title)}{("：" + escape(zh_line)) if zh_line else ""}</p>
<p>{english}</p>
{confidential}
<table class="meta">
<tr><td>type / NATS subject</td><td><code>{escape(spec.subject)}</code></td></tr>
<tr><td>JetStream stream</td><td><code>{escape(stream)}</code></td></tr>
<tr><td>producer</td><td><a href="#service-{spec.producer}">{escape(spec.producer)}</a></td></tr>
<tr><td>consumers</td><td>{consumers}</td></tr>
<tr><td>data model</td><td><code>{escape(spec.model.__name__)}</code> (version {spec.version})</td></tr>
<tr><td>files</td><td><a href="schemas/{escape(spec.type)}.json">JSON Schema</a> ·
 <a href="examples/{escape(spec.type)}.json">example</a> ·
 <a href="asyncapi/{escape(spec.producer)}.yaml">AsyncAPI of {escape(spec.producer)}</a></td></tr>
</table>
<h3>data fields</h3>
{_fields_table(field_rows(spec.model))}
<h3>example payload (the whole envelope)</h3>
<pre class="example">{example_text}</pre>
</section>"""


def render_html(summarize: Callable[[str, dict[str, Any]], str] | None = None) -> str:
    overview = "".join(
        f"<tr><td><a href='#{_anchor(s)}'><code>{escape(s.type)}</code></a></td><td>{escape(s.producer)}</td>"
        f"<td>{escape(', '.join(s.consumers))}</td><td>{'保密' if s.confidential else ''}</td>"
        f"<td>{escape(s.summary)}</td></tr>"
        for s in CATALOG
    )
    services = "".join(
        f"<tr id='service-{name}'><td><code>{name}</code></td><td>{escape(SERVICE_INFO[name][0])}</td>"
        f"<td>{escape(SERVICE_INFO[name][1]).replace(chr(10) + chr(10), '<br>')}</td>"
        f"<td><a href='asyncapi/{name}.yaml'>asyncapi/{name}.yaml</a></td></tr>"
        for name in SERVICES
    )
    sections = "".join(_event_section(spec, summarize) for spec in CATALOG)
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>sanwei 事件目录 · event catalogue</title><style>{_STYLE}</style></head>
<body>
<h1>sanwei 事件目录 · event catalogue</h1>
<p>Every event of the 三位一体 chain (督导检查 → 媒体监督 → 纪委问责), as published on NATS JetStream. An event's
type is its subject: <code>sanwei.&lt;producer&gt;.&lt;resource&gt;.v&lt;version&gt;.&lt;action&gt;</code>; each
producer's events live on stream <code>SANWEI_&lt;PRODUCER&gt;</code>. Every event travels in the same
CloudEvents-style envelope; <code>case_id</code> correlates all events of one case. v1 contracts only grow: new
fields are optional, nothing is renamed or removed (checked against a snapshot of the last release in CI).
Events also reach HTTP receivers as signed webhooks (see docs/integration.md).</p>
<nav><a href="#events">events</a><a href="#services">services and AsyncAPI</a><a href="#envelope">envelope</a></nav>
<h2 id="events">events</h2>
<table><tr><th>type</th><th>producer</th><th>consumers</th><th></th><th>summary</th></tr>{overview}</table>
<h2 id="services">services and their AsyncAPI documents</h2>
<table><tr><th>service</th><th>名称</th><th>description</th><th>AsyncAPI 3.0</th></tr>{services}</table>
<h2 id="envelope">the envelope</h2>
{_fields_table(field_rows(envelope_model(CATALOG[0].model)))}
{sections}
</body></html>
"""


def build(out: Path = DEFAULT_OUT) -> Path:
    """Write index.html and the schemas, examples and AsyncAPI files under `out`; returns the index."""
    out.mkdir(parents=True, exist_ok=True)
    for relative, text in render().items():
        path = out / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    index = out / "index.html"
    index.write_text(render_html(chinese_summaries()), encoding="utf-8")
    return index


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sanwei_contracts.catalogue", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory (default build/catalogue)")
    args = parser.parse_args(argv)
    index = build(args.out)
    print(f"event catalogue: {index} ({len(CATALOG)} event types)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
