"""The bulk forms used by imports give exactly what the one-value forms give."""

import datetime as dt
import os
import random

import pytest

from gridgov.utils.crypto import NONCE_BYTES, Sealer
from gridgov.utils.idnumber import IdNumberReader, InvalidIdNumber, make_id_number, parse_id_number

TODAY = dt.date(2026, 6, 1)
KNOWN = frozenset({"520330", "520302"})


def one_value(raw: str):
    try:
        parsed = parse_id_number(raw, KNOWN, TODAY)
    except InvalidIdNumber as exc:
        return "error", str(exc)
    return parsed.value, parsed.birth_date.isoformat(), parsed.sex, "".join(parsed.warnings)


def bulk(reader: IdNumberReader, raw: str):
    try:
        return reader(raw)
    except InvalidIdNumber as exc:
        return "error", str(exc)


def id_numbers() -> list[str]:
    rnd = random.Random(7)
    good = [
        make_id_number(region, dt.date(1890, 1, 1) + dt.timedelta(days=rnd.randrange(50000)), rnd.randrange(1000))
        for region in ("520330", "520302", "110101", "999999")
        for _ in range(300)
    ]
    odd = [
        "52033019900101123x",  # lower-case check letter
        " 520330 19900101 1236 ",  # spaces
        "５２０３３０１９９００１０１１２３６",  # full-width digits: the general path
        "52033019900230123X",  # 30 February
        "52033018891231123X",  # before 1890
        "52033020270101123X",  # after today
        "5203301990010112",  # short
        "5203301990010112345",  # long
        "52033019900101123A",
        "520330199001011-36",
        "",
        make_id_number("520330", TODAY, 11),  # born today
    ]
    wrong_check = [n[:17] + ("0" if n[17] != "0" else "1") for n in good[::50]]
    return good + odd + wrong_check


def test_id_number_reader_agrees_with_parse_id_number_on_every_case():
    reader = IdNumberReader(KNOWN, TODAY)
    numbers = id_numbers()

    assert [bulk(reader, n) for n in numbers] == [one_value(n) for n in numbers]
    assert [bulk(reader, n) for n in numbers] == [one_value(n) for n in numbers]  # and again, from its caches
    assert bulk(reader, "52033019900230123X") == ("error", "身份证号中的出生日期 19900230 不是真实日期")
    assert bulk(reader, make_id_number("999999", dt.date(1990, 1, 1), 123)) == (
        make_id_number("999999", dt.date(1990, 1, 1), 123),
        "1990-01-01",
        "M",
        "地址码 999999 不在现行区划代码中（可能是旧代码）",
    )


@pytest.mark.parametrize("context", [b"", b"id", b"phone"])
def test_blind_indexer_and_sealing_agree_with_blind_index_and_open(context):
    s = Sealer(os.urandom(32))
    index, seal = s.blind_indexer(context), s.sealing(context, batch=3)
    values = ["520330199001011236", "13800138000", "", "张三", "x" * 200]

    assert [index(v) for v in values] == [s.blind_index(v, context) for v in values]
    sealed = [seal(v) for v in values + values]
    assert [s.open(b, context) for b in sealed] == values + values
    assert len({b[:NONCE_BYTES] for b in sealed}) == len(sealed)  # a fresh nonce each time, across refills
