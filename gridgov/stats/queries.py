"""The read interface of the statistics, for pages, the API, the cockpit and the briefings.

Every function takes the signed-in ``user`` and a ``place`` from `place_for(user, code)` (None when the
code is outside the user's area: answer 404) and, where it counts a period, a `Period`
(`gridgov.stats.periods`). Each returns plain dataclasses whose numbers carry the URL of the record list
they count (``url``), filtered so that the list's total (共 N 条) is the same number.

- `figures(user, place, period, codes)` -> {code: Figure}: any indicators or rates of the catalogue
  (`gridgov.stats.catalogue`); codes needing a grant the user lacks are simply absent.
- `kpis(user, place, period)` -> [Figure]: received, resolved, resolution rate, on-time rate, overdue now,
  大事不出村 (share resolved at grid or village), satisfaction (回访认可率).
- `trend(user, place, period)` -> [TrendPoint]: received and resolved per month of the period.
- `breakdown(user, place, period, dim)` -> [Slice]: received and resolved by ``kind``, ``category``,
  ``color`` (红黄蓝) or ``channel``.
- `ranking(user, place, period)` -> [ChildRow]: the KPIs (and visits) of every child place, for a ranking.
- `overdue_by_unit(user, place)` -> [UnitRow]: open and overdue matters by the unit holding them now.
- `worker_activity(user, place, period)` -> Activity: visits, grid staff, visits per staff member,
  coverage (households visited in the last 90 days), the most active visitors (town and below).
- `key_persons(user, place)` -> KeyPersonTable | None: key persons on the list by category and color;
  None without the key-population grant (nothing else in this module reveals a key-population figure).
- `statements(user, place, period)` -> [Statement]: the figures in the articles' words (入户走访 N 次 ...).
- `late_by_child(user, place, period)` -> Lateness: matters of the period that passed a time limit (曾超期), in all
  and by child unit (for the yearly briefing).
- `notable_disputes(user, place, period)` -> NotableDisputes: red and yellow disputes settled by mediation with a
  written agreement, how many and the most notable, described without personal data (for the yearly briefing).

Counting goes through `gridgov.stats.engine.count` (rollups where they answer, else the records).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from gridgov.accounts.choices import Role
from gridgov.places.models import Place
from gridgov.stats import engine
from gridgov.stats.catalogue import ARTICLE, BY_CODE, KEY_POPULATION, RATE_BY_CODE, SIX_ACTIONS, Indicator, Rate
from gridgov.stats.choices import DONE_STATES
from gridgov.stats.periods import Period

# Place roles read statistics of their place. Household-cluster leaders see only the matters they
# reported and department liaisons only what was routed to them, so place-wide counts are not theirs.
STATS_ROLES = frozenset({Role.CENTER_STAFF, Role.VILLAGE_COMMITTEE, Role.GRID_LEADER, Role.GRID_WORKER})
COVERAGE_DAYS = 90  # the visit rule's default round (gridgov.visits.choices.DEFAULT_EVERY_DAYS)
KPI_CODES = (
    "received",
    "resolved",
    "resolution_rate",
    "on_time_rate",
    "overdue_now",
    "village_share",
    "satisfaction",
)


def may_read(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.role in STATS_ROLES and user.place_id)


def place_for(user, code: str | None = None) -> Place | None:
    """The user's own place, or the place ``code`` if it lies in the user's area; None otherwise."""
    if not may_read(user):
        return None
    if not code:
        return user.place
    return Place.objects.for_user(user).filter(code=code).first()


def granted(user, grant: str) -> bool:
    return not grant or getattr(user, grant, False) is True


# ---------------------------------------------------------------- figures


@dataclass(frozen=True)
class Figure:
    code: str
    term: str
    unit: str
    value: int | float | None  # a rate is a percentage, None when its denominator is 0
    url: str = ""
    counting: str = ""

    @property
    def text(self) -> str:
        if self.value is None:
            return "—"
        if self.unit == "%":
            return f"{self.value:.1f}%"
        return f"{self.value:,}"


def _matches(row: dict, filters: dict) -> bool:
    for dim, wanted in filters.items():
        values = wanted if isinstance(wanted, list | tuple | set) else [wanted]
        if row[dim] not in values:
            return False
    return True


def _needs(ind: Indicator) -> list[str]:
    return list(dict.fromkeys([*ind.filters, *([ind.distinct] if ind.distinct else [])]))


def _measure(ind: Indicator, rows: list[dict]) -> int:
    chosen = [r for r in rows if _matches(r, ind.filters)]
    if ind.distinct:
        return len({r[ind.distinct] for r in chosen if r["n"]})
    return sum(r[ind.measure] for r in chosen)


def _groups(indicators: list[Indicator]) -> list[tuple[tuple, list[Indicator]]]:
    """Indicators that one count answers: the same source, dating and measure, and dimensions that nest (an
    indicator needing {state} rides with one needing {state, late}). Narrow groups keep the rows few: a
    county's ranking read with every outcome dimension at once is a thousand rows, by need a few dozen each."""
    groups: list[tuple[tuple, set, list[Indicator]]] = []
    for ind in sorted(indicators, key=lambda i: -len(_needs(i))):
        key = (ind.source, ind.dated, ind.measure)
        needs = set(_needs(ind))
        for group_key, group_needs, members in groups:
            if group_key == key and needs <= group_needs:
                members.append(ind)
                break
        else:
            groups.append((key, needs, [ind]))
    return [((*key, tuple(sorted(needs))), members) for key, needs, members in groups]


def values(indicators: list[Indicator], code: str, period: Period | None, *, by_child: bool = False) -> dict:
    """{indicator code: value} (with ``by_child``: {child code: {indicator code: value}}), a count per group."""
    out: dict = defaultdict(dict) if by_child else {}
    current = engine.rollups_current()
    for (source, dated, measure, dims), members in _groups(indicators):
        sums = [] if measure == "n" else [measure]
        rows = engine.count(source, code, period if dated else None, dims=list(dims), sums=sums, by_child=by_child,
                            current=current)  # fmt: skip
        if not by_child:
            for ind in members:
                out[ind.code] = _measure(ind, rows)
            continue
        per_child: dict[str, list[dict]] = defaultdict(list)
        for row in rows:
            per_child[row["place"]].append(row)
        for child, child_rows in per_child.items():
            for ind in members:
                out[child][ind.code] = _measure(ind, child_rows)
    return out


def _rate(rate: Rate, numbers: dict) -> float | None:
    denominator = numbers.get(rate.denominator, 0)
    return None if not denominator else round(100 * numbers.get(rate.numerator, 0) / denominator, 1)


def _parts(codes) -> tuple[list[Indicator], list[Rate]]:
    rates = [RATE_BY_CODE[c] for c in codes if c in RATE_BY_CODE]
    wanted = list(
        dict.fromkeys([*(c for c in codes if c in BY_CODE), *(x for r in rates for x in (r.numerator, r.denominator))])
    )
    return [BY_CODE[c] for c in wanted], rates


def figures(user, place: Place, period: Period, codes) -> dict[str, Figure]:
    """The catalogue's indicators and rates ``codes`` for ``place`` in ``period``, each with its list URL.
    Indicators whose grant the user lacks are left out entirely (no key, no zero)."""
    codes = [c for c in codes if c in RATE_BY_CODE or granted(user, BY_CODE[c].grant)]
    indicators, rates = _parts(codes)
    numbers = values(indicators, place.code, period)
    out: dict[str, Figure] = {}
    for code in codes:
        if code in BY_CODE:
            ind = BY_CODE[code]
            out[code] = Figure(code, str(ind.term), str(ind.unit), numbers[code], ind.list_url(place.code, period),
                               str(ind.counting))  # fmt: skip
        else:
            rate = RATE_BY_CODE[code]
            out[code] = Figure(code, str(rate.term), "%", _rate(rate, numbers), counting=str(rate.counting))
    return out


def kpis(user, place: Place, period: Period) -> list[Figure]:
    found = figures(user, place, period, KPI_CODES)
    return [found[c] for c in KPI_CODES]


# ---------------------------------------------------------------- trend and breakdowns


def _matters_url(code: str, period: Period | None, **params) -> str:
    query: list[tuple[str, str]] = [("place", code)]
    if period is not None:
        query += list(period.as_query().items())
    for key, value in params.items():
        for one in value if isinstance(value, list | tuple) else [value]:
            query.append((key, str(one)))
    return f"{reverse('matters:list')}?{urlencode(query)}"


@dataclass(frozen=True)
class TrendPoint:
    month: dt.date
    received: int
    resolved: int
    received_url: str
    resolved_url: str

    @property
    def label(self) -> str:
        return f"{self.month.year}-{self.month.month:02d}"


def trend(user, place: Place, period: Period) -> list[TrendPoint]:
    """Matters received and resolved per month of ``period`` (the first and last month cut to the period)."""
    rows = engine.count("matters", place.code, period, dims=["state"], by_month=True)
    received: dict = defaultdict(int)
    resolved: dict = defaultdict(int)
    for row in rows:
        received[row["month"]] += row["n"]
        if row["state"] in DONE_STATES:
            resolved[row["month"]] += row["n"]
    out = []
    for month in period.months():
        part = Period(max(month, period.since), min(_month_end(month), period.until))
        out.append(TrendPoint(month, received[month], resolved[month],
                              _matters_url(place.code, part),
                              _matters_url(place.code, part, state="done")))  # fmt: skip
    return out


def _month_end(month: dt.date) -> dt.date:
    from gridgov.stats.periods import next_month

    return next_month(month) - dt.timedelta(days=1)


@dataclass(frozen=True)
class Slice:
    key: str
    label: str
    received: int
    resolved: int
    url: str
    resolved_url: str


def _labels(dim: str) -> dict:
    from gridgov.matters.choices import MatterKind, RiskColor, SourceChannel
    from gridgov.matters.models import Category

    if dim == "kind":
        return {v: str(label) for v, label in MatterKind.choices}
    if dim == "color":
        return {v: str(label) for v, label in RiskColor.choices}
    if dim == "channel":
        return {v: str(label) for v, label in SourceChannel.choices}
    return dict(Category.objects.values_list("id", "name"))


BREAKDOWNS = ("kind", "category", "color", "channel")


def breakdown(user, place: Place, period: Period, dim: str) -> list[Slice]:
    """Matters received and resolved by ``dim`` (one of BREAKDOWNS), largest first."""
    if dim not in BREAKDOWNS:
        raise ValueError(dim)
    rows = engine.count("matters", place.code, period, dims=[dim, "state"])
    received: dict = defaultdict(int)
    resolved: dict = defaultdict(int)
    for row in rows:
        received[row[dim]] += row["n"]
        if row["state"] in DONE_STATES:
            resolved[row[dim]] += row["n"]
    labels = _labels(dim)
    keys = sorted(received, key=lambda k: (-received[k], str(k)))
    return [
        Slice(
            str(k),
            labels.get(k, str(k)),
            received[k],
            resolved[k],
            _matters_url(place.code, period, **{dim: k}),
            _matters_url(place.code, period, state="done", **{dim: k}),
        )  # fmt: skip
        for k in keys
    ]


# ---------------------------------------------------------------- children


@dataclass(frozen=True)
class ChildRow:
    code: str
    name: str
    figures: dict[str, Figure]
    drill_url: str


RANKING_CODES = (*KPI_CODES, "visits")


def _children(place: Place) -> QuerySet[Place]:
    return Place.objects.filter(parent=place).order_by("code").only("id", "code", "name")


def ranking_indicators() -> tuple[list[Indicator], list[Rate]]:
    """The indicators (and rates) a ranking row states."""
    return _parts(RANKING_CODES)


def ranking(user, place: Place, period: Period) -> list[ChildRow]:
    """The ranking's figures for every child place (zeros included), in code order."""
    indicators, rates = ranking_indicators()
    per_child = values(indicators, place.code, period, by_child=True)
    labels = {code: (str(BY_CODE[code].term), str(BY_CODE[code].unit)) if code in BY_CODE
              else (str(RATE_BY_CODE[code].term), "%") for code in RANKING_CODES}  # fmt: skip
    marker = "0000000000"
    head, tail = reverse("stats:place_figures", kwargs={"code": marker}).split(marker)
    query = "?" + urlencode(period.as_query())
    out = []
    for child in _children(place):
        numbers = per_child.get(child.code, {})
        found: dict[str, Figure] = {}
        for code in RANKING_CODES:
            term, unit = labels[code]
            if code in BY_CODE:
                ind = BY_CODE[code]
                found[code] = Figure(code, term, unit, numbers.get(code, 0), ind.list_url(child.code, period))
            else:
                found[code] = Figure(code, term, unit, _rate(RATE_BY_CODE[code], numbers))
        out.append(ChildRow(child.code, child.name, found, f"{head}{child.code}{tail}{query}"))
    return out


# ---------------------------------------------------------------- units holding open matters


@dataclass(frozen=True)
class UnitRow:
    code: str
    name: str
    open: int
    overdue: int
    red_cards: int
    url: str


def overdue_by_unit(user, place: Place, limit: int = 20) -> list[UnitRow]:
    """Open matters held now by the place itself and by each child unit (everything they hold at or below
    them), most overdue first."""
    rows = engine.count("open_matters", place.code, dims=["overdue", "card"], by_child=True)
    here = engine.count("open_matters", place.code, dims=["overdue", "card"])
    below = defaultdict(lambda: [0, 0, 0])
    for row in rows:
        slot = below[row["place"]]
        slot[0] += row["n"]
        slot[1] += row["n"] if row["overdue"] else 0
        slot[2] += row["n"] if row["card"] == "red" else 0
    total = [sum(r["n"] for r in here), sum(r["n"] for r in here if r["overdue"]),
             sum(r["n"] for r in here if r["card"] == "red")]  # fmt: skip
    names = dict(Place.objects.filter(code__in=list(below)).values_list("code", "name"))
    out = []
    own = [total[i] - sum(s[i] for s in below.values()) for i in range(3)]
    if own[0]:
        out.append(UnitRow(place.code, _("%(name)s本级") % {"name": place.name}, *own,
                           _open_url(place.code, exact=True)))  # fmt: skip
    for code, (opened, overdue, red) in below.items():
        out.append(UnitRow(code, names.get(code, code), opened, overdue, red, _open_url(code)))
    out.sort(key=lambda r: (-r.overdue, -r.open, r.code))
    return out[:limit]


def _open_url(code: str, exact: bool = False) -> str:
    params = {"holder": code, "state": "open"}
    if exact:
        params["holder_exact"] = "1"
    return f"{reverse('matters:list')}?{urlencode(params)}"


# ---------------------------------------------------------------- grid workers


@dataclass(frozen=True)
class Activity:
    visits: Figure
    staff: int
    per_staff: float | None
    households: Figure
    visited_recently: int
    coverage: float | None
    top: list[tuple[str, int]] = field(default_factory=list)


def worker_activity(user, place: Place, period: Period, top: int = 10) -> Activity:
    found = figures(user, place, period, ["visits", "grid_leaders", "grid_workers", "households"])
    staff = found["grid_leaders"].value + found["grid_workers"].value
    recency = engine.count("households", place.code, dims=["last_day"])
    since = period.until - dt.timedelta(days=COVERAGE_DAYS - 1)
    recent = sum(r["n"] for r in recency if r["last_day"] is not None and since <= r["last_day"] <= period.until)
    households = found["households"].value
    leaders: list[tuple[str, int]] = []
    if len(place.code) >= 9:  # visitors are kept by town and village
        rows = engine.count("visitors", place.code, period, dims=["user"])
        best = sorted(rows, key=lambda r: (-r["n"], r["user"]))[:top]
        from gridgov.accounts.models import User

        names = {u.pk: u.display_name or u.username for u in User.objects.filter(pk__in=[r["user"] for r in best])}
        leaders = [(names.get(r["user"], str(r["user"])), r["n"]) for r in best]
    return Activity(
        visits=found["visits"],
        staff=staff,
        per_staff=round(found["visits"].value / staff, 1) if staff else None,
        households=found["households"],
        visited_recently=recent,
        coverage=round(100 * recent / households, 1) if households else None,
        top=leaders,
    )


# ---------------------------------------------------------------- key persons (grant only)


@dataclass(frozen=True)
class KeyPersonTable:
    colors: list[tuple[str, str]]  # (color, label)
    rows: list[tuple[str, dict[str, int], int]]  # (category name, {color: n}, total)
    total: int
    url: str
    ids: list[int] = field(default_factory=list)  # the category id of each row, for its record list

    def cell_url(self, index: int, color: str = "") -> str:
        query = {"category": self.ids[index], **({"color": color} if color else {})}
        return f"{self.url}&{urlencode(query)}"


def key_persons(user, place: Place) -> KeyPersonTable | None:
    """Key persons on the list now (under follow-up or out of contact) by category and color, or None without
    the key-population grant."""
    if not granted(user, KEY_POPULATION):
        return None
    from gridgov.keypersons.choices import ACTIVE_STATUSES, RiskColor
    from gridgov.keypersons.models import KeyPersonCategory

    rows = engine.count("key_persons", place.code, None, dims=["category", "color"],
                        filters={"status": [s.value for s in ACTIVE_STATUSES]})  # fmt: skip
    table: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        table[row["category"]][row["color"]] += row["n"]
    out, ids = [], []
    for category in KeyPersonCategory.objects.order_by("sort_order", "code"):
        counts = table.get(category.pk, {})
        if counts:
            out.append((category.name, dict(counts), sum(counts.values())))
            ids.append(category.pk)
    url = f"{reverse('keypersons:list')}?{urlencode({'place': place.code})}"
    colors = [(v, str(label)) for v, label in RiskColor.choices]
    return KeyPersonTable(colors, out, sum(r[2] for r in out), url, ids)


# ---------------------------------------------------------------- the articles' words


@dataclass(frozen=True)
class Statement:
    code: str
    text: str  # e.g. "入户走访8,736次"
    figures: list[Figure]
    rounded: str = ""  # e.g. "8,700余次", where the articles round


def _rounded(value: int) -> str:
    if value < 1000:
        return ""
    return _("%(n)s余") % {"n": f"{value // 100 * 100:,}"}


def statements(user, place: Place, period: Period) -> list[Statement]:
    """入户走访 N 次, 夜间巡逻 N 次, 摸排稳控 N 类重点人员 N 人 (grant only), 发现并解决群众诉求 N 条,
    为群众办实事 N 件, then the six small actions, each figure with its record list."""
    wanted = [*ARTICLE, "key_person_categories", *SIX_ACTIONS]
    found = figures(user, place, period, wanted)
    out = []
    for code in [*ARTICLE, *SIX_ACTIONS]:
        if code not in found:
            continue  # a figure the user may not read: no sentence at all
        f = found[code]
        if code == "key_persons":
            kinds = found["key_person_categories"]
            text = _("摸排稳控%(k)s类重点人员%(n)s人") % {"k": kinds.text, "n": f.text}
            out.append(Statement(code, text, [kinds, f]))
            continue
        rounded = _rounded(f.value) if code == "visits" else ""
        out.append(Statement(code, f"{f.term}{f.text}{f.unit}", [f], f"{rounded}{f.unit}" if rounded else ""))
    return out


# ---------------------------------------------------------------- the yearly briefing's reads


@dataclass(frozen=True)
class LateRow:
    code: str
    name: str
    received: int
    late: int
    url: str  # the matters of the period under this unit that passed a time limit

    @property
    def share(self) -> float | None:
        return round(100 * self.late / self.received, 1) if self.received else None


@dataclass(frozen=True)
class Lateness:
    received: int
    late: int
    url: str
    units: list[LateRow]  # child units with late matters, most first


def late_by_child(user, place: Place, period: Period, limit: int = 5) -> Lateness:
    """Matters received in ``period`` that passed a time limit (the deadline job carded them: 曾超期), in all and
    by the child unit they lie under, the units with most first (those with none left out)."""
    current = engine.rollups_current()
    here = engine.count("matters", place.code, period, dims=["late"], current=current)
    rows = engine.count("matters", place.code, period, dims=["late"], by_child=True, current=current)
    per_child: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in rows:
        per_child[row["place"]][0] += row["n"]
        per_child[row["place"]][1] += row["n"] if row["late"] else 0
    names = dict(Place.objects.filter(code__in=[c for c, (_r, late) in per_child.items() if late])
                 .values_list("code", "name"))  # fmt: skip
    units = [
        LateRow(code, names.get(code, code), received, late, _matters_url(code, period, late="1"))
        for code, (received, late) in per_child.items()
        if late
    ]
    units.sort(key=lambda r: (-r.late, r.code))
    return Lateness(
        received=sum(r["n"] for r in here),
        late=sum(r["n"] for r in here if r["late"]),
        url=_matters_url(place.code, period, late="1"),
        units=units[:limit],
    )


NOTABLE_COLORS = ("red", "yellow")


@dataclass(frozen=True)
class NotableDispute:
    """A dispute told without personal data: what kind, where (village), how it was settled."""

    matter_id: int
    category: str
    color: str
    color_label: str
    town: str
    village: str
    level: str  # the level that held the successful mediation
    level_label: str
    days: int  # from recording to resolution
    accepted: bool  # the reporter's latest feedback accepted the outcome


@dataclass(frozen=True)
class NotableDisputes:
    total: int  # red and yellow disputes of the period resolved by mediation with a written agreement
    items: list[NotableDispute]


def notable_disputes(user, place: Place, period: Period, limit: int = 3) -> NotableDisputes:
    """Red and yellow disputes recorded in ``period``, resolved, settled by a successful mediation with a written
    agreement (调解协议书): how many, and the ``limit`` most notable (red first, then mediated highest, then the
    longest in the making, then the newest). Each is described by category, village and outcome only; nothing of
    the record's free text (titles, facts, parties, results) is read."""
    from django.db.models import Exists, OuterRef

    from gridgov.matters.choices import DeadlineLevel, RiskColor
    from gridgov.matters.models import Matter, MediationAgreement, MediationSession
    from gridgov.stats.periods import day_start

    agreed = MediationAgreement.objects.filter(matter=OuterRef("pk"))
    qs = (
        Matter.objects.for_user(user)
        .within(place.code)
        .filter(kind="dispute", color__in=NOTABLE_COLORS, state__in=list(DONE_STATES))
        .filter(created_at__gte=day_start(period.since), created_at__lt=day_start(period.end))
        .filter(Exists(agreed))
    )
    total = qs.count()
    rows = list(qs.values("id", "path", "color", "category__name", "created_at", "resolved_at", "feedback_accepted_at"))
    if not rows:
        return NotableDisputes(total, [])
    rank = {level: i for i, level in enumerate(["grid", "village", "town", "department", "county"])}
    mediated: dict[int, str] = {}
    for matter_id, level in (
        MediationSession.objects.filter(matter_id__in=[r["id"] for r in rows], outcome="success")
        .order_by("matter_id", "id")
        .values_list("matter_id", "level")
    ):
        if rank.get(level, -1) >= rank.get(mediated.get(matter_id, ""), -1):
            mediated[matter_id] = level
    for row in rows:
        end = row["resolved_at"] or row["created_at"]
        row["days"] = max((end - row["created_at"]).days, 0)
        row["level"] = mediated.get(row["id"], "")
    rows.sort(key=lambda r: (r["color"] != "red", -rank.get(r["level"], -1), -r["days"], -r["id"]))
    chosen = rows[:limit]
    codes = {r["path"][:9] for r in chosen} | {r["path"][:12] for r in chosen}
    names = dict(Place.objects.filter(code__in=codes).values_list("code", "name"))
    colors, levels = dict(RiskColor.choices), dict(DeadlineLevel.choices)
    return NotableDisputes(
        total,
        [
            NotableDispute(
                matter_id=r["id"],
                category=r["category__name"],
                color=r["color"],
                color_label=str(colors.get(r["color"], r["color"])),
                town=names.get(r["path"][:9], ""),
                village=names.get(r["path"][:12], ""),
                level=r["level"],
                level_label=str(levels.get(r["level"], "")),
                days=r["days"],
                accepted=r["feedback_accepted_at"] is not None,
            )
            for r in chosen
        ],
    )
