"""The publicity ledger (宣讲活动台账, 开展小宣讲): one row per event, oldest first."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Count, QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from gridgov.ledgers.books.base import Book, Choice, Column, LedgerFilters, chunked, in_period, person
from gridgov.ledgers.choices import LedgerKind
from gridgov.publicity.choices import Channel, Topic
from gridgov.publicity.models import PublicityEvent, PublicityPhoto

COLUMNS: tuple[Column, ...] = (
    Column("no", gettext_noop("序号"), width=6),
    Column("held_on", gettext_noop("宣讲日期"), width=11),
    Column("place", gettext_noop("宣讲地点"), width=16),
    Column("topic", gettext_noop("宣讲内容"), width=10),
    Column("title", gettext_noop("宣讲主题"), width=30),
    Column("channel", gettext_noop("宣讲方式"), width=14),
    Column("speaker", gettext_noop("宣讲人"), width=12),
    Column("attendance", gettext_noop("受众人次"), width=8),
    Column("summary", gettext_noop("活动情况"), width=40),
    Column("photos", gettext_noop("照片（张）"), width=8),
    Column("recorder", gettext_noop("录入人"), width=10),
)
FIELDS = (
    "id", "held_on", "place__name", "topic", "title", "channel", "speaker", "attendance", "summary",
    "recorded_by__display_name", "recorded_by__username",
)  # fmt: skip


def queryset(user, filters: LedgerFilters) -> QuerySet[PublicityEvent]:
    qs = PublicityEvent.objects.all() if user is None else PublicityEvent.objects.for_user(user)
    if filters.place:
        qs = qs.within(filters.place)
    qs = in_period(qs, "held_on", filters, moment=False)
    if filters.category:
        qs = qs.filter(topic=filters.category)
    if filters.state:
        qs = qs.filter(channel=filters.state)
    return qs.order_by("held_on", "id")


def rows(qs: QuerySet[PublicityEvent], user=None, start: int = 1) -> Iterator[list[str]]:
    topics = {value: str(label) for value, label in Topic.choices}
    channels = {value: str(label) for value, label in Channel.choices}
    no = start - 1
    for chunk in chunked(qs.values_list(*FIELDS).iterator(chunk_size=2000)):
        photos = dict(
            PublicityPhoto.objects.filter(event_id__among=[r[0] for r in chunk])
            .order_by()
            .values("event_id")
            .annotate(n=Count("id"))
            .values_list("event_id", "n")
        )
        for pk, held_on, place, topic, title, channel, speaker, attendance, summary, rec_name, rec_user in chunk:
            no += 1
            yield [
                str(no),
                held_on.isoformat(),
                place,
                topics.get(topic, topic),
                title,
                channels.get(channel, channel),
                speaker,
                str(attendance),
                summary,
                str(photos.get(pk, 0)),
                person(rec_name, rec_user),
            ]


PUBLICITY = Book(
    kind=LedgerKind.PUBLICITY,
    title=gettext_noop("宣讲活动台账"),
    columns=COLUMNS,
    period_label=_("宣讲日期"),
    queryset=queryset,
    rows=rows,
    choices=(
        Choice("category", _("宣讲内容"), lambda: list(Topic.choices)),
        Choice("state", _("宣讲方式"), lambda: list(Channel.choices)),
    ),
)
