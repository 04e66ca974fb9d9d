"""The HTML event catalogue builds, and shows every event type with its example and fields."""

from __future__ import annotations

import json
from html import escape
from html.parser import HTMLParser
from pathlib import Path

import pytest

from sanwei_contracts import CATALOG
from sanwei_contracts.catalog import SERVICES
from sanwei_contracts.catalogue import build, field_rows, main
from sanwei_contracts.export import example_document

pytestmark = pytest.mark.contract


class _Sections(HTMLParser):
    """Collects the text of each <section id=…> and every href."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: dict[str, str] = {}
        self.hrefs: list[str] = []
        self._current: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "section":
            self._current = values["id"]
            self.sections[self._current] = ""
        if tag == "a" and values.get("href"):
            self.hrefs.append(values["href"])  # type: ignore[arg-type]

    def handle_endtag(self, tag: str) -> None:
        if tag == "section":
            self._current = None

    def handle_data(self, data: str) -> None:
        if self._current:
            self.sections[self._current] += data


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The catalogue built once for this module (rendering every AsyncAPI document takes a few seconds)."""
    return build(tmp_path_factory.mktemp("catalogue"))


def test_the_catalogue_shows_every_event_with_its_example(built: Path) -> None:
    index = built
    page = _Sections()
    page.feed(index.read_text(encoding="utf-8"))
    assert len(page.sections) == len(CATALOG)
    for spec in CATALOG:
        text = page.sections[spec.type.replace(".", "-")]
        assert spec.type in text and f"SANWEI_{spec.producer.upper()}" in text
        example = example_document(spec)
        shown = text[text.index("{", text.index("example payload")):]
        assert json.loads(shown) == example, f"{spec.type}: the example shown is not the example"
        for name, *_ in field_rows(spec.model):
            assert name in text
    assert page.sections["sanwei-discipline-clue-v1-registered"].count("保密") == 1


def test_the_catalogue_links_resolve_to_the_files_beside_it(built: Path) -> None:
    index = built
    out = index.parent
    page = _Sections()
    page.feed(index.read_text(encoding="utf-8"))
    files = [href for href in page.hrefs if not href.startswith("#")]
    assert {f"asyncapi/{service}.yaml" for service in SERVICES} <= set(files)
    for href in files:
        assert (out / href).is_file(), href
    anchors = {href[1:] for href in page.hrefs if href.startswith("#")}
    html = index.read_text(encoding="utf-8")
    for anchor in anchors:
        assert f'id="{anchor}"' in html or f"id='{anchor}'" in html, anchor


def test_the_chinese_summary_of_the_example_is_shown(built: Path) -> None:
    html = built.read_text(encoding="utf-8")
    assert escape("督办通知书") in html and "督导检查服务（指挥部）" in html


def test_the_command_writes_where_asked(tmp_path: Path, capsys) -> None:
    assert main(["--out", str(tmp_path / "site")]) == 0
    assert (tmp_path / "site" / "index.html").is_file()
    assert f"{len(CATALOG)} event types" in capsys.readouterr().out
