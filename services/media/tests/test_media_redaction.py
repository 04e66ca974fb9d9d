"""Redaction of personal data before anything reaches the public 曝光台 (pure rules)."""

from __future__ import annotations

import pytest

from sanwei_media.domain.redaction import id_number_valid, mask_name, redact

pytestmark = pytest.mark.unit

VALID_ID = "11010519491231002X"  # the GB 11643 example: check character X


def test_the_id_number_checksum_is_checked():
    assert id_number_valid(VALID_ID)
    assert id_number_valid(VALID_ID.lower())
    assert not id_number_valid("110105194912310021")  # wrong check character
    assert not id_number_valid("11010519491231002")  # 17 characters


@pytest.mark.parametrize("written", ["13812345678", "138-1234-5678", "138 1234 5678", "+86 13812345678"])
def test_mobile_numbers_keep_three_and_four_digits(written):
    out = redact(f"市民来电{written}反映")
    assert "138****5678" in out
    assert "12345678" not in out.replace("****", "")


def test_numbers_that_are_not_mobiles_stay():
    # 12345 hotline, a 10-digit number, a 12-digit order number, a landline
    text = "12345热线工单2026100812，订单号138123456789，电话0531-86081234"
    assert redact(text) == text


def test_an_id_number_with_a_valid_checksum_is_masked_and_an_invalid_one_stays():
    out = redact(f"身份证号{VALID_ID}，订单110105194912310021")
    assert VALID_ID not in out
    assert "110105********002X" in out
    assert "110105194912310021" in out


def test_names_given_as_fields_become_surname_mou_everywhere():
    out = redact("张三丰反映，张三丰说垃圾没人清", names=["张三丰", "", "李"])
    assert out == "张某反映，张某说垃圾没人清"
    assert mask_name("欧阳娜娜") == "欧某"


def test_longer_names_are_masked_before_their_prefixes():
    assert redact("张三丰和张三", names=["张三", "张三丰"]) == "张某和张某"
