"""The key-population ledger (重点人群台账, 重点人员稳控台账): one row per person on the list, oldest first.

Only for holders of the key-population grant: the book carries the grant (the page offers no tab, link or
count without it) and its queryset starts from `KeyPerson.objects.for_user`, which is empty without it.
ID numbers and phones are the stored masks (520330********1232, 138****8000).
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop, ngettext, pgettext

from gridgov.households.choices import Sex
from gridgov.keypersons.choices import KeyPersonStatus, PersonState, RiskColor, Whereabouts
from gridgov.keypersons.models import GRANT, FollowUp, KeyPerson, KeyPersonCategory
from gridgov.ledgers.books.base import Book, Choice, Column, GridNames, LedgerFilters, chunked, in_period, person
from gridgov.ledgers.choices import LedgerKind

COLUMNS: tuple[Column, ...] = (
    Column("no", gettext_noop("序号"), width=6),
    Column("name", gettext_noop("姓名"), width=10),
    Column("sex", gettext_noop("性别"), width=6),
    Column("id_number", gettext_noop("身份证号"), width=21, text=True),
    Column("phone", gettext_noop("联系电话"), width=13, text=True),
    Column("address", gettext_noop("现住址"), width=26),
    Column("grid", gettext_noop("所属网格"), width=16),
    Column("category", gettext_noop("人员类别"), width=16),
    Column("color", gettext_noop("风险等级"), width=8),
    Column("enlisted_on", gettext_noop("列管日期"), width=11),
    Column("responsible", gettext_noop("包保责任人"), width=12),
    Column("measures", gettext_noop("稳控措施"), width=30),
    Column("frequency", gettext_noop("稳控频次"), width=10),
    Column("follow_ups", gettext_noop("稳控次数"), width=8),
    Column("last_follow_up", gettext_noop("最近稳控"), width=11),
    Column("last_state", gettext_noop("最近稳控情况"), width=24),
    Column("next_due", gettext_noop("下次稳控期限"), width=12),
    Column("status", gettext_noop("状态"), width=10),
    Column("out_of_contact", gettext_noop("失联日期"), width=11),
    Column("ended", gettext_noop("迁出或解除"), width=24),
)
FIELDS = (
    "id", "path", "resident__name", "resident__sex", "resident__id_number_masked", "resident__phone_masked",
    "resident__household__address", "category__name", "category__red_days", "category__yellow_days",
    "category__blue_days", "color", "enlisted_on", "responsible__display_name", "responsible__username",
    "control_measures", "last_follow_up_on", "next_follow_up_due", "status", "out_of_contact_since", "ended_on",
    "end_reason",
)  # fmt: skip


def queryset(user, filters: LedgerFilters) -> QuerySet[KeyPerson]:
    qs = KeyPerson.objects.all() if user is None else KeyPerson.objects.for_user(user)
    if filters.place:
        qs = qs.within(filters.place)
    qs = in_period(qs, "enlisted_on", filters, moment=False)
    if filters.category:
        qs = qs.filter(category_id=int(filters.category))
    if filters.color:
        qs = qs.filter(color=filters.color)
    if filters.state:
        qs = qs.filter(status=filters.state)
    return qs.order_by("enlisted_on", "id")


def _labels(choices) -> dict[str, str]:
    return {value: str(label) for value, label in choices.choices}


def _follow_ups(user, ids: list[int]) -> dict[int, tuple[int, str]]:
    """{key person: (number of follow-ups, the latest one's whereabouts and state)}."""
    base = FollowUp.objects.all() if user is None else FollowUp.objects.for_user(user)
    whereabouts, states = _labels(Whereabouts), _labels(PersonState)
    out: dict[int, tuple[int, str]] = {}
    rows = (
        base.filter(key_person_id__among=ids)
        .order_by("key_person_id", "-followed_up_at", "-id")
        .values_list("key_person_id", "whereabouts", "state")
    )
    for key_person_id, where, state in rows:
        count, latest = out.get(key_person_id, (0, ""))
        if not count:
            latest = f"{whereabouts.get(where, where)}{pgettext('标点', '，')}{states.get(state, state)}"
        out[key_person_id] = (count + 1, latest)
    return out


def rows(qs: QuerySet[KeyPerson], user=None, start: int = 1) -> Iterator[list[str]]:
    sexes, colors, statuses = _labels(Sex), _labels(RiskColor), _labels(KeyPersonStatus)
    grids = GridNames()
    no = start - 1
    for chunk in chunked(qs.values_list(*FIELDS).iterator(chunk_size=2000)):
        grids.load(r[1] for r in chunk)
        follow_ups = _follow_ups(user, [r[0] for r in chunk])
        for (pk, path, name, sex, id_masked, phone_masked, address, category, red_days, yellow_days, blue_days,
             color, enlisted_on, responsible_name, responsible_username, measures, last_on, next_due, status,
             out_since, ended_on, end_reason) in chunk:  # fmt: skip
            no += 1
            days = {RiskColor.RED: red_days, RiskColor.YELLOW: yellow_days}.get(color, blue_days)
            count, latest = follow_ups.get(pk, (0, ""))
            ended = f"{ended_on.isoformat()} {end_reason}".strip() if ended_on else ""
            yield [
                str(no),
                name,
                sexes.get(sex, sex),
                id_masked,
                phone_masked,
                address or "",
                grids(path),
                category,
                colors.get(color, color),
                enlisted_on.isoformat(),
                person(responsible_name, responsible_username),
                measures,
                ngettext("每%(days)s天", "每%(days)s天", days) % {"days": days},
                str(count),
                last_on.isoformat() if last_on else "",
                latest,
                next_due.isoformat() if next_due else "",
                statuses.get(status, status),
                out_since.isoformat() if out_since else "",
                ended,
            ]


def _categories() -> list[tuple[str, str]]:
    return [
        (str(pk), name)
        for pk, name in KeyPersonCategory.objects.order_by("sort_order", "code").values_list("id", "name")
    ]


KEY_PERSONS = Book(
    kind=LedgerKind.KEY_PERSON,
    title=gettext_noop("重点人群台账"),
    columns=COLUMNS,
    period_label=_("列管日期"),
    queryset=queryset,
    rows=rows,
    choices=(
        Choice("category", _("人员类别"), _categories),
        Choice("color", _("风险等级"), lambda: list(RiskColor.choices)),
        Choice("state", _("状态"), lambda: list(KeyPersonStatus.choices)),
    ),
    grant=GRANT,
)
