"""How typed names and texts are compared, required and written into a case's record."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sanwei_kit.errors import Invalid
from sanwei_kit.text import normalize_text, normalize_unit, required, stamped_line

pytestmark = pytest.mark.unit


def test_unit_names_lose_spaces_and_full_width_forms():
    assert normalize_unit(" 区 投促局 ") == "区投促局"
    assert normalize_unit("区投促局（二）") == "区投促局(二)"


def test_texts_compare_without_trailing_spaces_or_line_end_styles():
    assert normalize_text("已整改到位。  \r\n照片见附件\r\n\n") == "已整改到位。\n照片见附件"
    assert normalize_text(None) == ""  # type: ignore[arg-type]


def test_a_required_value_is_stripped_and_an_empty_one_is_refused_by_name():
    assert required("  市中区纪委 ", "assignee") == "市中区纪委"
    with pytest.raises(Invalid) as refused:
        required("   ", "note")
    assert refused.value.field == "note"
    assert refused.value.reason == "note must not be empty"


def test_a_record_line_is_stamped_in_china_time_with_who_if_known():
    at = datetime(2026, 10, 8, 1, 0, tzinfo=UTC)
    assert stamped_line(at, "整改进行时：已清理", "济南日报") == "2026-10-08 09:00 整改进行时：已清理（济南日报）"
    assert stamped_line(at, "逾期未整改") == "2026-10-08 09:00 逾期未整改"
