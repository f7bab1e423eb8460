"""The yearly briefing (年度工作简报): a place's year in Chinese prose, written from the statistics.

`build(user, place, year)` reads every figure through `gridgov.stats.queries` (nothing is counted here) and
returns a `Briefing`: a title, sections of paragraphs and small tables. Three renderers use it: the web page
(`gridgov.stats.views_briefing`), the PDF (`briefing_pdf`) and the editable Word file (`briefing_docx`).

- The year: a past year whole, compared with the year before; the current year up to today, compared with the
  same days of the year before (同比). A previous figure of 0 is said as such, never as a percentage.
- Numbers are runs of their own carrying the URL of the record list they count (the web page links them).
- Disputes are described by category, village and outcome only; nothing of a record's free text is read.
- The key-population section exists only for holders of the grant; without it the briefing has no trace of it
  (no heading, no sentence, no empty table), as everywhere.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, pgettext

from gridgov.places.choices import PlaceKind
from gridgov.places.models import Place
from gridgov.stats import queries
from gridgov.stats.catalogue import SIX_ACTIONS
from gridgov.stats.periods import EARLIEST, NUMERALS, Period, PeriodError
from gridgov.stats.queries import Figure

OVERVIEW_CODES = (
    "received",
    "resolved",
    "resolution_rate",
    "on_time_rate",
    "resolved_in_village",
    "village_share",
    "feedback_given",
    "satisfaction",
    "overdue_now",
)
FIELD_WORK = ("visits", "night_patrols", "appeals_found_resolved", "deeds")  # the first article's words
TABLE_CODES = (
    "received",
    "resolved",
    "resolution_rate",
    "on_time_rate",
    "village_share",
    "satisfaction",
    *FIELD_WORK,
)
RATE_CODES = frozenset({"resolution_rate", "on_time_rate", "village_share", "satisfaction"})
TOP_UNITS = 3


# ---------------------------------------------------------------- the content


@dataclass(frozen=True)
class Run:
    """A piece of a paragraph; a number carries the list of records it counts (``url``) and its indicator."""

    text: str
    url: str = ""
    figure: str = ""


@dataclass(frozen=True)
class Paragraph:
    runs: tuple[Run, ...]
    kind: str = "text"  # "item" of a list, or a "note" (small print)

    is_table = False

    @property
    def text(self) -> str:
        return "".join(r.text for r in self.runs)


@dataclass(frozen=True)
class Table:
    caption: str
    header: tuple[str, ...]
    rows: tuple[tuple[Run, ...], ...]
    numeric: tuple[bool, ...]  # columns of numbers (right-aligned)
    widths: tuple[int, ...]  # relative column widths

    is_table = True


@dataclass(frozen=True)
class Section:
    key: str
    heading: str  # 一、总体情况
    blocks: tuple[Paragraph | Table, ...]

    @property
    def paragraphs(self) -> list[Paragraph]:
        return [b for b in self.blocks if isinstance(b, Paragraph)]

    @property
    def tables(self) -> list[Table]:
        return [b for b in self.blocks if isinstance(b, Table)]


@dataclass(frozen=True)
class Briefing:
    place: Place
    year: int
    period: Period
    previous: Period
    partial: bool  # the current year, up to today
    title: str
    lines: tuple[str, ...]  # under the title: the periods, who made it and when
    issuer: str  # 寨坝镇综治中心: the signature line of the printed forms
    made_on: dt.date
    sections: tuple[Section, ...]
    figures: dict[str, Figure] = field(default_factory=dict)  # what it states of the year
    previous_figures: dict[str, Figure] = field(default_factory=dict)  # and of the year before

    @property
    def text(self) -> str:
        """Everything the briefing says, in reading order (the title, the lines, each section)."""
        out = [self.title, *self.lines]
        for section in self.sections:
            out.append(section.heading)
            for block in section.blocks:
                if isinstance(block, Paragraph):
                    out.append(block.text)
                else:
                    out += [block.caption, " ".join(block.header)]
                    out += [" ".join(r.text for r in row) for row in block.rows]
        return "\n".join(out)


# ---------------------------------------------------------------- years and changes


def parse_year(raw: str | None, today: dt.date | None = None) -> int:
    """The ``year`` parameter (default: the current year); a message for the user when it cannot be one."""
    today = today or timezone.localdate()
    raw = (raw or "").strip()
    if not raw:
        return today.year
    if not raw.isdigit() or len(raw) != 4 or not EARLIEST.year <= int(raw) <= today.year:
        raise PeriodError(
            _("年份应为%(first)s年至%(last)s年之间的四位数字") % {"first": EARLIEST.year, "last": today.year}
        )
    return int(raw)


def _same_day_a_year_before(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def periods(year: int, today: dt.date | None = None) -> tuple[Period, Period, bool]:
    """(the year, the year before, partial): a past year whole against the whole year before; the current year
    up to today against the same days of the year before."""
    today = today or timezone.localdate()
    if year < today.year or (today.month, today.day) == (12, 31):
        return Period.year(year), Period.year(year - 1), False
    since = dt.date(year, 1, 1)
    return Period(since, today), Period(dt.date(year - 1, 1, 1), _same_day_a_year_before(today)), True


def change(now, before, *, partial: bool, points: bool = False) -> str:
    """The change against the year before in words: 同比增长12.5% / 较上年下降3.0% / 与上年同期持平 / 上年同期为0;
    rates (``points``) change by percentage points. Empty when either side has no value."""
    if now is None or before is None:
        return ""
    if points:
        diff = round(now - before, 1)
        if diff == 0:
            return _("与上年同期持平") if partial else _("与上年持平")
        values = {"n": f"{abs(diff):.1f}"}
        if diff > 0:
            return (_("同比提高%(n)s个百分点") if partial else _("较上年提高%(n)s个百分点")) % values
        return (_("同比下降%(n)s个百分点") if partial else _("较上年下降%(n)s个百分点")) % values
    if now == before:
        return _("与上年同期持平") if partial else _("与上年持平")
    if before == 0:
        return _("上年同期为0") if partial else _("上年为0")
    pct = (now - before) * 100 / before
    if round(abs(pct), 1) == 0:
        return _("与上年同期基本持平") if partial else _("与上年基本持平")
    values = {"n": f"{abs(pct):,.1f}%"}
    if pct > 0:
        return (_("同比增长%(n)s") if partial else _("较上年增长%(n)s")) % values
    return (_("同比下降%(n)s") if partial else _("较上年下降%(n)s")) % values


def delta(now, before, *, points: bool = False) -> str:
    """The change for a table cell: +12.5%, -3.0%, 持平, +2.3个百分点; — when there is nothing to compare."""
    if now is None or before is None:
        return "—"
    if points:
        diff = round(now - before, 1)
        return _("持平") if diff == 0 else _("%(sign)s%(n)s个百分点") % {"sign": "+" if diff > 0 else "-",
                                                                         "n": f"{abs(diff):.1f}"}  # fmt: skip
    if now == before:
        return _("持平")
    if before == 0:
        return "—"
    pct = (now - before) * 100 / before
    return f"{'+' if pct > 0 else '-'}{abs(pct):,.1f}%"


# ---------------------------------------------------------------- writing


class _Writer:
    def __init__(self) -> None:
        self.runs: list[Run] = []

    def say(self, text: str) -> _Writer:
        if text:
            self.runs.append(Run(text))
        return self

    def number(self, figure: Figure, unit: bool = True) -> _Writer:
        self.runs.append(Run(figure.text, figure.url, figure.code))
        if unit and figure.unit != "%":
            self.runs.append(Run(figure.unit))
        return self

    def count(self, value: int, unit: str = "", url: str = "") -> _Writer:
        self.runs.append(Run(f"{value:,}", url))
        return self.say(unit)

    def aside(self, text: str) -> _Writer:
        """A change in brackets after a figure (nothing when there is no change to state)."""
        return self.say(pgettext("标点", "（") + text + pgettext("标点", "）") if text else "")

    def paragraph(self, kind: str = "text") -> Paragraph:
        runs: list[Run] = []
        for run in self.runs:  # merge plain neighbours
            if runs and not run.url and not runs[-1].url and not run.figure and not runs[-1].figure:
                runs[-1] = Run(runs[-1].text + run.text)
            else:
                runs.append(run)
        return Paragraph(tuple(runs), kind)


def _cell(text: str, url: str = "", figure: str = "") -> Run:
    return Run(text, url, figure)


def _day(day: dt.date) -> str:
    return _("%(y)s年%(m)s月%(d)s日") % {"y": day.year, "m": day.month, "d": day.day}


def _span(period: Period) -> str:
    if period.since.year == period.until.year:
        return _("%(y)s年%(m1)s月%(d1)s日至%(m2)s月%(d2)s日") % {
            "y": period.since.year, "m1": period.since.month, "d1": period.since.day,
            "m2": period.until.month, "d2": period.until.day,
        }  # fmt: skip
    return _("%(since)s至%(until)s") % {"since": _day(period.since), "until": _day(period.until)}


def issuer_of(place: Place) -> str:
    """Who signs a place's briefing: the governance center of a county or town, the committee of a village."""
    if place.kind in (PlaceKind.PROVINCE, PlaceKind.CITY, PlaceKind.COUNTY, PlaceKind.TOWN):
        return _("%(name)s综治中心") % {"name": place.name}
    if place.kind == PlaceKind.VILLAGE:
        if place.name.endswith(("社区", "居")):
            return _("%(name)s居民委员会") % {"name": place.name}
        return _("%(name)s村民委员会") % {"name": place.name}
    return place.name


MEDIATED_BY = {  # the level that held the successful mediation, as a briefing says it
    "grid": gettext_noop("网格员现场调解"),
    "village": gettext_noop("村（居）组织调解"),
    "town": gettext_noop("乡镇（街道）组织调解"),
    "department": gettext_noop("职能部门组织调解"),
    "county": gettext_noop("县级组织调解"),
}


# ---------------------------------------------------------------- the sections


class _Context:
    def __init__(self, user, place: Place, year: int, today: dt.date) -> None:
        self.user, self.place, self.year, self.today = user, place, year, today
        self.period, self.previous, self.partial = periods(year, today)
        self.when = (
            _("%(y)s年以来（截至%(m)s月%(d)s日）") % {"y": year, "m": today.month, "d": today.day}
            if self.partial
            else _("%(y)s年") % {"y": year}
        )
        self.now = queries.figures(user, place, self.period, OVERVIEW_CODES)
        self.before = queries.figures(user, place, self.previous, OVERVIEW_CODES)
        self.said = {s.code: s for s in queries.statements(user, place, self.period)}
        self.said_before = {s.code: s for s in queries.statements(user, place, self.previous)}
        self.tables = 0

    def change(self, code: str) -> str:
        now, before = self._pair(code)
        return change(now.value, before.value, partial=self.partial, points=now.unit == "%")

    def series(self, w: _Writer, codes, verbs: dict | None = None) -> None:
        """Figures in a row (入户走访N次（同比增长…），开展夜间巡逻N次（…）…); when the year before had none of them,
        that is said once at the end instead of after each."""
        none_before = all(not self._pair(code)[1].value for code in codes)
        for i, code in enumerate(codes):
            figure = self._pair(code)[0]
            w.say(pgettext("标点", "，") if i else "")
            w.say((verbs or {}).get(code, "")).say(str(figure.term)).number(figure)
            if not none_before:
                w.aside(self.change(code))
        if none_before:
            w.say(_("，上年同期均为0") if self.partial else _("，上年均为0"))

    def _pair(self, code: str) -> tuple[Figure, Figure]:
        if code in self.now:
            return self.now[code], self.before[code]
        return self.said[code].figures[-1], self.said_before[code].figures[-1]

    def table(self, caption: str, header, rows, numeric, widths) -> Table:
        self.tables += 1
        title = _("表%(n)s　%(caption)s") % {"n": self.tables, "caption": caption}
        return Table(title, tuple(header), tuple(tuple(r) for r in rows), tuple(numeric), tuple(widths))

    def comparison_rows(self, codes) -> list[list[Run]]:
        rows = []
        for code in codes:
            now, before = self._pair(code)
            unit = "" if now.unit == "%" else now.unit
            term = f"{now.term}{pgettext('标点', '（')}{unit}{pgettext('标点', '）')}" if unit else now.term
            rows.append([
                _cell(term),
                _cell(now.text, now.url, now.code),
                _cell(before.text, before.url),
                _cell(delta(now.value, before.value, points=now.unit == "%")),
            ])  # fmt: skip
        return rows

    def comparison_header(self) -> list[str]:
        if self.partial:
            return [_("指标"), _("本年"), _("上年同期"), _("增减")]
        return [_("指标"), _("%(y)s年") % {"y": self.year}, _("%(y)s年") % {"y": self.year - 1}, _("增减")]

    def comparison_caption(self, name: str) -> str:
        if self.partial:
            return _("%(name)s（%(span)s，与上年同期比较）") % {"name": name, "span": _span(self.period)}
        return _("%(name)s（%(y)s年，与上年比较）") % {"name": name, "y": self.year}


def _overview(c: _Context) -> list[Paragraph | Table]:
    f = c.now
    w = _Writer().say(c.when + pgettext("标点", "，") + c.place.name)
    if not f["received"].value:
        w.say(_("没有受理事项")).aside(c.change("received")).say(pgettext("标点", "。"))
    else:
        w.say(_("共受理各类事项")).number(f["received"]).aside(c.change("received"))
        w.say(_("，办结")).number(f["resolved"]).say(_("，办结率")).number(f["resolution_rate"])
        w.aside(c.change("resolution_rate"))
        if f["resolved"].value:
            w.say(_("；按时办结率")).number(f["on_time_rate"])
            w.say(_("；在网格、村级办结")).number(f["resolved_in_village"])
            w.say(_("，占办结事项的")).number(f["village_share"]).say(_("，做到“大事不出村”"))
        if f["feedback_given"].value:
            w.say(_("；回访")).number(f["feedback_given"]).say(_("，群众满意率")).number(f["satisfaction"])
        w.say(pgettext("标点", "。"))
    blocks: list[Paragraph | Table] = [w.paragraph()]

    work = _Writer().say(_("网格员、联户长"))
    c.series(work, FIELD_WORK, {"night_patrols": _("开展")})
    blocks.append(work.say(pgettext("标点", "。")).paragraph())

    if c.partial:
        activity = queries.worker_activity(c.user, c.place, c.period)
        if activity.staff:
            staff = _Writer().say(_("目前在岗网格长、网格员")).count(activity.staff, _("名"))
            if activity.per_staff is not None:
                staff.say(_("，本年人均走访")).say(f"{activity.per_staff:,.1f}").say(_("次"))
            if activity.coverage is not None:
                staff.say(_("；近%(d)s天走访到") % {"d": queries.COVERAGE_DAYS}).count(
                    activity.visited_recently, _("户")
                )
                staff.say(_("，占登记")).number(activity.households)
                staff.say(_("的")).say(f"{activity.coverage:.1f}%")
            blocks.append(staff.say(pgettext("标点", "。")).paragraph())
    blocks.append(
        c.table(
            c.comparison_caption(_("主要工作数据")),
            c.comparison_header(),
            c.comparison_rows(TABLE_CODES),
            (False, True, True, True),
            (44, 20, 20, 16),
        )  # fmt: skip
    )
    return blocks


def _actions(c: _Context) -> list[Paragraph | Table]:
    w = _Writer().say(c.when + pgettext("标点", "，"))
    c.series(w, SIX_ACTIONS)
    blocks: list[Paragraph | Table] = [w.say(pgettext("标点", "。")).paragraph()]
    if c.now["received"].value:
        colors = {s.key: s for s in queries.breakdown(c.user, c.place, c.period, "color")}
        mix = _Writer().say(_("按红、黄、蓝三色风险评估，受理的事项中"))
        for i, key in enumerate(("red", "yellow", "blue")):
            one = colors.get(key)
            mix.say(pgettext("标点", "、") if i else "").say(
                {"red": _("红色"), "yellow": _("黄色"), "blue": _("蓝色")}[key]
            )
            mix.count(one.received if one else 0, _("件"), one.url if one else "")
        blocks.append(mix.say(pgettext("标点", "。")).paragraph())
        channels = queries.breakdown(c.user, c.place, c.period, "channel")[:TOP_UNITS]
        where = _Writer().say(_("事项主要来自"))
        for i, one in enumerate(channels):
            where.say(pgettext("标点", "、") if i else "").say(one.label).say(pgettext("标点", "（")).count(
                one.received, _("件"), one.url
            ).say(pgettext("标点", "）"))
        blocks.append(where.say(pgettext("标点", "。")).paragraph())
    blocks.append(
        c.table(
            c.comparison_caption(_("“六小行动”开展情况")),
            c.comparison_header(),
            c.comparison_rows(SIX_ACTIONS),
            (False, True, True, True),
            (44, 20, 20, 16),
        )  # fmt: skip
    )
    return blocks


def _disputes(c: _Context) -> list[Paragraph | Table]:
    resolved = c.said["disputes_resolved"].figures[-1]
    notable = queries.notable_disputes(c.user, c.place, c.period)
    w = _Writer().say(c.when + pgettext("标点", "，"))
    if not resolved.value:
        return [w.say(_("没有办结的矛盾纠纷。")).paragraph()]
    w.say(_("共调处化解矛盾纠纷")).number(resolved).aside(c.change("disputes_resolved"))
    if not notable.total:
        w.say(_("，其中没有经调解达成书面协议的红色、黄色风险纠纷。"))
        return [w.paragraph()]
    w.say(_("，其中红色、黄色风险纠纷经调解达成书面调解协议的")).count(notable.total, _("件"))
    w.say(_("，择要如下：") if notable.items else pgettext("标点", "。"))
    blocks: list[Paragraph | Table] = [w.paragraph()]
    above_town = len(c.place.code) < 9
    for i, item in enumerate(notable.items):
        where = f"{item.town if above_town else ''}{item.village}"
        one = _Writer().say(pgettext("标题", "（%(n)s）%(where)s") % {"n": NUMERALS[i], "where": where})
        one.say(_("一起%(category)s（%(color)s风险），") % {"category": item.category, "color": item.color_label})
        mediated = MEDIATED_BY.get(item.level)
        one.say(_("经%(by)s，达成书面调解协议") % {"by": _(mediated)} if mediated else _("达成书面调解协议"))
        one.say(_("，当天化解") if item.days == 0 else _("，历时%(n)s天化解") % {"n": f"{item.days:,}"})
        one.say(_("，当事人回访认可。") if item.accepted else pgettext("标点", "。"))
        blocks.append(one.paragraph("item"))
    return blocks


def _lateness(c: _Context) -> list[Paragraph | Table]:
    late = queries.late_by_child(c.user, c.place, c.period)
    w = _Writer().say(f"{c.when}")
    if not late.received:
        w.say(_("没有受理事项，无超时限情况。"))
        blocks: list[Paragraph | Table] = [w.paragraph()]
    elif not late.late:
        w.say(_("受理的事项均在办理时限内办理，没有超过时限的事项。"))
        blocks = [w.paragraph()]
    else:
        w.say(_("受理的")).count(late.received, _("件")).say(_("事项中，")).count(late.late, _("件"), late.url)
        w.say(_("曾超过办理时限，占")).say(f"{100 * late.late / late.received:.1f}%")
        if late.units:
            w.say(_("；超时限较多的是"))
            for i, unit in enumerate(late.units[:TOP_UNITS]):
                w.say(pgettext("标点", "、") if i else "").say(unit.name).say(pgettext("标点", "（")).count(
                    unit.late, _("件"), unit.url
                ).say(pgettext("标点", "）"))
        blocks = [w.say(pgettext("标点", "。")).paragraph()]
    if c.partial:
        overdue = c.now["overdue_now"]
        now = _Writer().say(_("截至%(m)s月%(d)s日，") % {"m": c.today.month, "d": c.today.day})
        if not overdue.value:
            now.say(_("没有超期未办结的事项。"))
        else:
            now.say(_("仍有")).number(overdue).say(_("事项超期未办结"))
            units = [u for u in queries.overdue_by_unit(c.user, c.place, limit=TOP_UNITS) if u.overdue]
            if units:
                now.say(_("，其中"))
                for i, unit in enumerate(units):
                    now.say(pgettext("标点", "、") if i else "").say(unit.name).say(_("承办")).count(
                        unit.overdue, _("件"), unit.url
                    )
            now.say(_("，请抓紧督办。"))
        blocks.append(now.paragraph())
    if late.units:
        rows = [
            [_cell(u.name), _cell(f"{u.received:,}"), _cell(f"{u.late:,}", u.url), _cell(f"{u.share:.1f}%")]
            for u in late.units
        ]
        blocks.append(
            c.table(
                _("曾超过办理时限事项较多的单位"),
                [_("单位"), _("受理事项（件）"), _("曾超时限（件）"), _("占比")],
                rows,
                (False, True, True, True),
                (40, 22, 22, 16),
            )  # fmt: skip
        )
    return blocks


def _key_population(c: _Context) -> list[Paragraph | Table] | None:
    """Only for holders of the key-population grant: None (no section at all) otherwise."""
    if "key_persons" not in c.said:
        return None
    table = queries.key_persons(c.user, c.place)
    if table is None:
        return None
    kinds, persons = c.said["key_persons"].figures
    before = c.said_before["key_persons"].figures[-1]
    w = _Writer().say(c.when + pgettext("标点", "，")).say(_("摸排稳控")).number(kinds, unit=False).say(_("类重点人员"))
    w.number(persons).aside(change(persons.value, before.value, partial=c.partial)).say(pgettext("标点", "。"))
    blocks: list[Paragraph | Table] = [w.paragraph()]
    totals = {color: sum(row[1].get(color, 0) for row in table.rows) for color, _label in table.colors}
    now = _Writer().say(_("目前在册稳控")).count(table.total, _("人"), table.url)
    if table.total:
        now.say(_("，其中"))
        for i, (color, label) in enumerate(table.colors):
            now.say(pgettext("标点", "、") if i else "").say(label).count(totals[color], _("人"))
    blocks.append(now.say(pgettext("标点", "。")).paragraph())
    if table.rows:
        rows = [
            [_cell(name), *(_cell(f"{counts.get(color, 0):,}") for color, _label in table.colors), _cell(f"{total:,}")]
            for name, counts, total in table.rows
        ]
        rows.append([_cell(_("合计")), *(_cell(f"{totals[color]:,}") for color, _label in table.colors),
                     _cell(f"{table.total:,}", table.url)])  # fmt: skip
        header = [_("类别"), *(label for _color, label in table.colors), _("合计")]
        blocks.append(
            c.table(
                _("在册重点人员（人）"),
                header,
                rows,
                (False, *([True] * len(table.colors)), True),
                (40, *([15] * len(table.colors)), 15),
            )  # fmt: skip
        )
    return blocks


def _note(c: _Context) -> Paragraph:
    return (
        _Writer()
        .say(_("说明：本简报数据取自网格化基层治理平台，事项按登记日期统计（不含合并的重复事项），"))
        .say(_("数据截至%(day)s。") % {"day": _day(c.today)})
        .paragraph("note")
    )


def build(user, place: Place, year: int, today: dt.date | None = None) -> Briefing:
    """The briefing of ``place`` (already checked to lie in the user's area) for ``year``."""
    today = today or timezone.localdate()
    c = _Context(user, place, year, today)
    parts = [
        ("overview", _("总体情况"), _overview(c)),
        ("actions", _("“六小行动”开展情况"), _actions(c)),
        ("disputes", _("矛盾纠纷化解"), _disputes(c)),
        ("lateness", _("事项办理时限"), _lateness(c)),
        ("key_population", _("重点人群稳控"), _key_population(c)),
    ]
    sections = []
    for key, heading, blocks in parts:
        if blocks is None:
            continue
        number = NUMERALS[len(sections)]
        sections.append(
            Section(key, pgettext("标题", "%(n)s、%(heading)s") % {"n": number, "heading": heading}, tuple(blocks))
        )
    last = sections[-1]
    sections[-1] = Section(last.key, last.heading, (*last.blocks, _note(c)))
    issuer = issuer_of(place)
    period_line = _("统计期间：%(span)s") % {"span": _span(c.period)}
    compare_line = _("对比期间：%(span)s") % {"span": _span(c.previous)}
    return Briefing(
        place=place,
        year=year,
        period=c.period,
        previous=c.previous,
        partial=c.partial,
        title=_("%(name)s%(y)s年度工作简报") % {"name": place.name, "y": year},
        lines=(
            _("%(period)s　%(compare)s") % {"period": period_line, "compare": compare_line},
            _("%(issuer)s　%(day)s") % {"issuer": issuer, "day": _day(today)},
        ),
        issuer=issuer,
        made_on=today,
        sections=tuple(sections),
        figures={**c.now, **{k: s.figures[-1] for k, s in c.said.items()}},
        previous_figures={**c.before, **{k: s.figures[-1] for k, s in c.said_before.items()}},
    )


# ---------------------------------------------------------------- the downloads


@dataclass(frozen=True)
class Export:
    filename: str
    content_type: str
    body: bytes


FORMATS = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def export(user, place: Place, year: int, fmt: str, today: dt.date | None = None) -> Export:
    """The briefing as a file (``pdf`` or ``docx``), and one export audit row saying who took which place's
    year in which form (written only once the file is made)."""
    from django.db import transaction

    from gridgov.audit.actions import record
    from gridgov.audit.choices import AuditAction

    if fmt not in FORMATS:
        raise ValueError(fmt)
    content = build(user, place, year, today)
    if fmt == "pdf":
        from gridgov.stats.briefing_pdf import render  # fpdf2 is loaded only when printing
    else:
        from gridgov.stats.briefing_docx import render
    body = render(content)
    with transaction.atomic():
        record(
            AuditAction.EXPORT,
            place,
            detail={
                "report": "briefing",
                "format": fmt,
                "year": year,
                "since": content.period.since.isoformat(),
                "until": content.period.until.isoformat(),
                "sections": [s.key for s in content.sections],
                "bytes": len(body),
            },
        )
    return Export(f"{content.title}.{fmt}", FORMATS[fmt], body)
