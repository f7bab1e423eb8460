import datetime as dt

import pytest

from gridgov.utils.crypto import Sealer
from gridgov.utils.idnumber import (
    InvalidIdNumber,
    InvalidPhone,
    make_id_number,
    normalize_phone,
    parse_id_number,
)
from gridgov.utils.masking import mask_id_number, mask_phone

TODAY = dt.date(2026, 11, 23)


def test_a_valid_id_number_gives_birth_date_and_sex():
    parsed = parse_id_number(" 520330198005171232 ", frozenset({"520330"}), today=TODAY)
    assert (parsed.value, parsed.birth_date, parsed.sex, parsed.warnings) == (
        "520330198005171232",
        dt.date(1980, 5, 17),
        "M",
        (),
    )


def test_lower_case_x_check_char_is_accepted():
    value = make_id_number("520330", dt.date(1990, 1, 1), 2)
    assert parse_id_number(value.lower(), today=TODAY).value == value


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("52033019800517123", "身份证号应为18位"),
        ("520330198002301232", "不是真实日期"),
        ("520330203001011232", "超出合理范围"),
        ("520330198005171233", "校验位错误（应为 2）"),
    ],
)
def test_invalid_id_numbers_are_refused_with_the_reason(raw, message):
    with pytest.raises(InvalidIdNumber, match=message):
        parse_id_number(raw, today=TODAY)


def test_an_unknown_address_code_is_a_warning_not_an_error():
    value = make_id_number("529999", dt.date(1980, 1, 1), 11)
    parsed = parse_id_number(value, frozenset({"520330"}), today=TODAY)
    assert parsed.warnings == ("地址码 529999 不在现行区划代码中（可能是旧代码）",)


@pytest.mark.parametrize("raw", ["138 1234 8000", "+8613812348000", "138-1234-8000"])
def test_phones_are_normalised(raw):
    assert normalize_phone(raw) == "13812348000"


@pytest.mark.parametrize("raw", ["12812348000", "1381234800", "0851-1234567"])
def test_non_mobile_numbers_are_refused(raw):
    with pytest.raises(InvalidPhone):
        normalize_phone(raw)


def test_masks():
    assert mask_id_number("520330198005171232") == "520330********1232"
    assert mask_phone("13812348000") == "138****8000"


def test_sealing_is_authenticated_and_bound_to_its_context():
    sealer = Sealer(b"k" * 32)
    sealed = sealer.seal("13812348000", b"phone")
    assert sealer.open(sealed, b"phone") == "13812348000"
    with pytest.raises(Exception):  # noqa: B017 - cryptography's InvalidTag
        sealer.open(sealed, b"id_number")
    tampered = sealed[:-1] + bytes([sealed[-1] ^ 1])
    with pytest.raises(Exception):  # noqa: B017
        sealer.open(tampered, b"phone")
    assert sealer.blind_index("x", b"a") == sealer.blind_index("x", b"a") != sealer.blind_index("x", b"b")
