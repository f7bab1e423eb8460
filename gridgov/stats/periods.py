"""Periods (统计期间): a day, month, quarter, year or any range of days, named the way reports name them."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from gridgov.stats.choices import PeriodKind

EARLIEST = dt.date(2000, 1, 1)
# Ordinal numerals of headings and quarters: 一, 二, ... in Chinese, 1, 2, ... in English.
NUMERALS = (
    pgettext_lazy("序号", "一"),
    pgettext_lazy("序号", "二"),
    pgettext_lazy("序号", "三"),
    pgettext_lazy("序号", "四"),
    pgettext_lazy("序号", "五"),
    pgettext_lazy("序号", "六"),
    pgettext_lazy("序号", "七"),
    pgettext_lazy("序号", "八"),
    pgettext_lazy("序号", "九"),
    pgettext_lazy("序号", "十"),
)
QUARTER_NAMES = {q: NUMERALS[q - 1] for q in (1, 2, 3, 4)}
_YEAR = re.compile(r"^(\d{4})$")
_QUARTER = re.compile(r"^(\d{4})-?[Qq]([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


class PeriodError(ValueError):
    """A period that cannot be read; the message is for the user."""


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


@dataclass(frozen=True)
class Period:
    """Every day from ``since`` to ``until``, both included."""

    since: dt.date
    until: dt.date
    kind: str = PeriodKind.RANGE

    def __post_init__(self):
        if self.until < self.since:
            raise PeriodError(_("截止日期不能早于起始日期"))

    @property
    def end(self) -> dt.date:
        """The first day after the period."""
        return self.until + dt.timedelta(days=1)

    @classmethod
    def day(cls, day: dt.date) -> Period:
        return cls(day, day, PeriodKind.DAY)

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        first = dt.date(year, month, 1)
        return cls(first, next_month(first) - dt.timedelta(days=1), PeriodKind.MONTH)

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        first = dt.date(year, 3 * quarter - 2, 1)
        last = next_month(next_month(next_month(first))) - dt.timedelta(days=1)
        return cls(first, last, PeriodKind.QUARTER)

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(dt.date(year, 1, 1), dt.date(year, 12, 31), PeriodKind.YEAR)

    @classmethod
    def this_year(cls, today: dt.date | None = None) -> Period:
        today = today or timezone.localdate()
        return cls(dt.date(today.year, 1, 1), today, PeriodKind.RANGE)

    @classmethod
    def parse(cls, params, today: dt.date | None = None) -> Period:
        """From ``period`` (2024, 2024Q1, 2024-03, 2024-03-05) or ``since``/``until``; default this year to date.

        A missing ``until`` is today; a missing ``since`` is the first of January of ``until``'s year.
        """
        today = today or timezone.localdate()
        raw = (params.get("period") or "").strip()
        if raw:
            return cls.named(raw)
        since_raw, until_raw = (params.get("since") or "").strip(), (params.get("until") or "").strip()
        if not since_raw and not until_raw:
            return cls.this_year(today)
        until = _date(until_raw, _("截止日期")) if until_raw else today
        since = _date(since_raw, _("起始日期")) if since_raw else dt.date(until.year, 1, 1)
        if since < EARLIEST:
            raise PeriodError(_("起始日期不能早于2000年"))
        return cls(since, until)

    @classmethod
    def named(cls, raw: str) -> Period:
        try:
            if m := _YEAR.match(raw):
                return cls.year(int(m.group(1)))
            if m := _QUARTER.match(raw):
                return cls.quarter(int(m.group(1)), int(m.group(2)))
            if m := _MONTH.match(raw):
                return cls.month(int(m.group(1)), int(m.group(2)))
            return cls.day(dt.date.fromisoformat(raw))
        except ValueError:
            raise PeriodError(_("统计期间格式不正确（例：2024、2024Q1、2024-03、2024-03-05）")) from None

    @property
    def label(self) -> str:
        s, u = self.since, self.until
        if self.kind == PeriodKind.YEAR:
            return _("%(y)s年") % {"y": s.year}
        if self.kind == PeriodKind.QUARTER:
            return _("%(y)s年第%(q)s季度") % {"y": s.year, "q": QUARTER_NAMES[(s.month + 2) // 3]}
        if self.kind == PeriodKind.MONTH:
            return _("%(y)s年%(m)s月") % {"y": s.year, "m": s.month}
        if s == u:
            return _("%(y)s年%(m)s月%(d)s日") % {"y": s.year, "m": s.month, "d": s.day}
        if u == timezone.localdate() and (s.month, s.day) == (1, 1):
            if s.year == u.year:
                return _("%(y)s年（截至%(m)s月%(d)s日）") % {"y": s.year, "m": u.month, "d": u.day}
            return _("%(y)s年以来") % {"y": s.year}
        return _("%(since)s至%(until)s") % {"since": _cn(s), "until": _cn(u)}

    def as_query(self) -> dict[str, str]:
        return {"since": self.since.isoformat(), "until": self.until.isoformat()}

    def months(self) -> list[dt.date]:
        """The first day of every month the period touches."""
        out, day = [], month_start(self.since)
        while day <= self.until:
            out.append(day)
            day = next_month(day)
        return out


def _cn(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _date(raw: str, label: str) -> dt.date:
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise PeriodError(_("%(label)s应为 年-月-日") % {"label": label}) from None


def day_start(day: dt.date) -> dt.datetime:
    """Local midnight at the start of ``day``."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def day_window_start(today: dt.date | None = None) -> dt.date:
    """Rollups keep day rows from the first day of the previous month on (the current month by day)."""
    today = today or timezone.localdate()
    return month_start(month_start(today) - dt.timedelta(days=1))
