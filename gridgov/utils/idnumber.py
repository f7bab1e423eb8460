"""Citizen identity numbers (GB 11643-1999) and mobile phone numbers."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from operator import mul

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
CHECK_DIGITS = frozenset("0123456789X")
ODD_DIGITS = frozenset("13579")
ID_RE = re.compile(r"^\d{17}[\dX]$")
MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")


def check_char(first17: str) -> str:
    return CHECK_CHARS[sum(map(mul, map(int, first17), WEIGHTS)) % 11]


@dataclass(frozen=True)
class IdNumber:
    value: str
    birth_date: dt.date
    sex: str  # "M" or "F"
    warnings: tuple[str, ...] = field(default=())


class InvalidIdNumber(ValueError):
    pass


def normalize_id_number(raw: str) -> str:
    return raw.strip().replace(" ", "").upper()


def parse_id_number(
    raw: str, known_region_codes: frozenset[str] | None = None, today: dt.date | None = None
) -> IdNumber:
    """Validate an 18-digit ID number: format, real birth date, check digit.

    An address code not in ``known_region_codes`` is only a warning, because codes changed over time.
    """
    value = normalize_id_number(raw)
    if not ID_RE.match(value):
        raise InvalidIdNumber("身份证号应为18位：17位数字加1位数字或X")
    try:
        birth = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise InvalidIdNumber(f"身份证号中的出生日期 {value[6:14]} 不是真实日期") from None
    today = today or dt.date.today()
    if birth > today or birth.year < 1890:
        raise InvalidIdNumber(f"身份证号中的出生日期 {value[6:14]} 超出合理范围")
    expected = check_char(value[:17])
    if value[17] != expected:
        raise InvalidIdNumber(f"身份证号校验位错误（应为 {expected}）")
    warnings: tuple[str, ...] = ()
    if known_region_codes is not None and value[:6] not in known_region_codes:
        warnings = (f"地址码 {value[:6]} 不在现行区划代码中（可能是旧代码）",)
    sex = "M" if int(value[16]) % 2 == 1 else "F"
    return IdNumber(value=value, birth_date=birth, sex=sex, warnings=warnings)


def make_id_number(region: str, birth: dt.date, sequence: int) -> str:
    """Build a valid ID number; ``sequence`` 0-999, odd for men, even for women."""
    first17 = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return first17 + check_char(first17)


class InvalidPhone(ValueError):
    pass


def normalize_phone(raw: str) -> str:
    value = re.sub(r"[\s-]", "", raw.strip())
    if value.startswith("+86"):
        value = value[3:]
    if not MOBILE_RE.match(value):
        raise InvalidPhone("手机号应为11位，以1开头，第二位为3-9")
    return value


class IdNumberReader:
    """``parse_id_number`` for many numbers (imports): the same checks and messages, the date and address
    parts cached, and a plain tuple instead of an IdNumber: (value, birth date as ISO text, sex, warning or "").
    """

    def __init__(self, known_region_codes: frozenset[str] | None, today: dt.date) -> None:
        self._known = known_region_codes
        self._today = today
        self._dates: dict[str, tuple[str, int] | str] = {}  # YYYYMMDD -> (ISO date, weighted sum) or the error
        self._regions: dict[str, tuple[int, str]] = {}  # address code -> (weighted sum, warning)
        self._sequences = {f"{i:03d}": sum(map(mul, map(int, f"{i:03d}"), WEIGHTS[14:])) for i in range(1000)}

    def __call__(self, raw: str) -> tuple[str, str, str, str]:
        value = raw.strip().replace(" ", "").upper()
        if not value.isascii():  # digits of other scripts: the general path decides, as before
            parsed = parse_id_number(value, self._known, self._today)
            return parsed.value, parsed.birth_date.isoformat(), parsed.sex, "".join(parsed.warnings[:1])
        if len(value) != 18 or not value[:17].isdigit() or value[17] not in CHECK_DIGITS:
            raise InvalidIdNumber("身份证号应为18位：17位数字加1位数字或X")
        day = value[6:14]
        date = self._dates.get(day)
        if date is None:
            date = self._dates[day] = self._date(day)
        if date.__class__ is str:
            raise InvalidIdNumber(date)
        region = self._regions.get(value[:6])
        if region is None:
            region = self._regions[value[:6]] = self._region(value[:6])
        expected = CHECK_CHARS[(region[0] + date[1] + self._sequences[value[14:17]]) % 11]
        if value[17] != expected:
            raise InvalidIdNumber(f"身份证号校验位错误（应为 {expected}）")
        return value, date[0], "M" if value[16] in ODD_DIGITS else "F", region[1]

    def _date(self, day: str) -> tuple[str, int] | str:
        try:
            birth = dt.date(int(day[:4]), int(day[4:6]), int(day[6:]))
        except ValueError:
            return f"身份证号中的出生日期 {day} 不是真实日期"
        if birth > self._today or birth.year < 1890:
            return f"身份证号中的出生日期 {day} 超出合理范围"
        return birth.isoformat(), sum(map(mul, map(int, day), WEIGHTS[6:14]))

    def _region(self, code: str) -> tuple[int, str]:
        warning = ""
        if self._known is not None and code not in self._known:
            warning = f"地址码 {code} 不在现行区划代码中（可能是旧代码）"
        return sum(map(mul, map(int, code), WEIGHTS[:6])), warning
