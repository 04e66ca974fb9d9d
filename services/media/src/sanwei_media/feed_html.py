"""The public 曝光台 feed as a plain HTML page: no scripts, no styles fetched, every text escaped."""

from __future__ import annotations

from html import escape

from sanwei_kit.calendar import CHINA_TZ
from sanwei_media.domain.model import FeedItem, FeedKind

_KIND_LABELS = {
    FeedKind.EXPOSED: "曝光",
    FeedKind.REEXPOSED: "再次曝光",
    FeedKind.RECTIFIED: "整改进行时",
    FeedKind.OUTCOME: "通报曝光",
}


def render_feed(items: list[FeedItem]) -> str:
    """The page for `items`, which must already be redacted."""
    rows = []
    for item in items:
        stamp = item.at.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M")
        rows.append(
            f'<article class="{escape(item.kind.value)}">'
            f"<h2>{escape(item.headline)}</h2>"
            f"<p class=\"meta\">{escape(_KIND_LABELS[item.kind])} · {escape(item.unit)} · "
            f"<time datetime=\"{escape(item.at.isoformat())}\">{stamp}</time></p>"
            f"<p>{escape(item.text)}</p></article>"
        )
    body = "\n".join(rows) or "<p>暂无内容。</p>"
    return (
        "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        "<title>创城曝光台</title></head>\n<body><h1>创城曝光台</h1>\n"
        f"{body}\n</body></html>\n"
    )
