"""Demo notices to the "good neighbour" chat groups of 寨坝镇 since 2021.

The town center sends about two notices a month to all of its 120 groups (flood season, forest fire,
anti-fraud, medical insurance, epidemic control in 2021-2022 ...), and each village committee about
one every two months to its own groups. The demo groups have no robot (their keys would be real
secrets), so every group's copy was forwarded by hand within hours, except the last days' notices,
some of which still wait in the grid workers' lists. Deterministic for a seed and a day; bulk inserts.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from contextlib import contextmanager

from django.db import connection, transaction
from django.utils import timezone

from gridgov.chatnotices.actions import build_payload, copy_text
from gridgov.chatnotices.choices import DeliveryMethod, DeliveryStatus, NoticeFormat
from gridgov.chatnotices.models import ChatDelivery, ChatNotice
from gridgov.demo.seed import Table, write
from gridgov.personnel.models import ChatGroup
from gridgov.places.choices import PlaceKind
from gridgov.places.models import Place

DEMO_TOWN = "520330113"
SINCE = dt.date(2021, 1, 1)
TOWN_PER_MONTH = 2
VILLAGE_EVERY_DAYS = 60
OPEN_DAYS = 3  # notices of the last days are not yet forwarded everywhere
VILLAGE_LENGTH = 12

# (months it is sent in, title, body); 0 = any month
TOPICS = [
    (
        (5, 6, 7, 8),
        "防汛安全提醒",
        "近期我镇将有强降雨天气，请居住在河边、山脚的群众注意防范山洪和地质灾害，发现险情请立即转移并报告网格员。",
    ),
    ((6, 7, 8), "防溺水安全提示", "暑期来临，请家长看管好孩子，不到河边、水库、池塘游泳戏水，做到“六不”。"),
    (
        (1, 2, 3, 11, 12),
        "森林防火通知",
        "当前正值森林防火期，严禁在林区野外用火、燃放烟花爆竹和祭祀用火，违者将依法处理。",
    ),
    (
        (9, 10, 11, 12),
        "城乡居民医保缴费提醒",
        "新一年度城乡居民医疗保险开始缴费，请各户及时通过微信或到村委会缴纳，有困难的请联系网格员。",
    ),
    (
        0,
        "防范电信网络诈骗",
        "> 不轻信陌生来电，不点击陌生链接，不透露验证码，不向陌生账户转账。\n如遇可疑情况请拨打96110咨询。",
    ),
    ((1, 2), "春节安全提示", "春节将至，请注意用火用电安全，文明燃放烟花爆竹，酒后不开车，外出返乡注意交通安全。"),
    ((10, 11), "秸秆禁烧通知", "秋收期间严禁焚烧秸秆，请将秸秆还田或集中处理，共同守护蓝天。"),
    ((11, 12, 1), "冬季用火用电安全", "天气转冷，请勿使用大功率电器取暖，睡前关闭电源和火源，防范一氧化碳中毒。"),
    (0, "移风易俗倡议", "倡导红事新办、白事简办、小事不办，不大操大办，不铺张浪费，争做文明家庭。"),
    ((3, 4, 9), "道路交通安全提醒", "请驾驶摩托车佩戴头盔，不超载、不酒驾，农用车不载人。"),
]
EPIDEMIC = ("疫情防控通知", "请从外地返乡人员第一时间向村委会和网格员报备，配合做好健康监测，"
            "出现发热等症状及时就医。")  # fmt: skip
VILLAGE_TOPICS = ["村民代表大会通知", "村级事务公开", "惠民政策宣传", "环境卫生整治", "停水停电通知", "村规民约"]


def delivery_table() -> Table:
    fields = ["created_at", "updated_at", "path", "notice", "group", "method", "status", "attempts", "last_error"]
    return Table(ChatDelivery, [*fields, "sent_at"])


def _topic(rng: random.Random, day: dt.date) -> tuple[str, str]:
    if day.year in (2021, 2022) and rng.random() < 0.35:
        return EPIDEMIC
    fitting = [(t, b) for months, t, b in TOPICS if months == 0 or day.month in months]
    return rng.choice(fitting)


def _at(rng: random.Random, day: dt.date, tz) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(rng.randint(8, 19), rng.randrange(60)), tzinfo=tz)


@contextmanager
def explicit_timestamps(model):
    """Inside the block, bulk inserts keep the ``created_at``/``updated_at`` the demo gives (the day it happened)."""
    fields = [model._meta.get_field("created_at"), model._meta.get_field("updated_at")]
    saved = [(f.auto_now_add, f.auto_now) for f in fields]
    for f in fields:
        f.auto_now_add = f.auto_now = False
    try:
        yield
    finally:
        for f, (add, now) in zip(fields, saved, strict=True):
            f.auto_now_add, f.auto_now = add, now


def seed(seed: int = 1, code: str = DEMO_TOWN, today: dt.date | None = None) -> dict[str, int]:
    """Write the demo notices of the town; nothing (an empty dict) when it is missing or already has notices."""
    town = Place.objects.filter(code=code).first()
    if town is None or ChatNotice.objects.within(code).exists():
        return {}
    groups = list(ChatGroup.objects.within(code).order_by("path", "id").values_list("id", "path"))
    if not groups:
        return {}
    villages = list(Place.objects.within(code).filter(kind=PlaceKind.VILLAGE).order_by("code"))
    by_village: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for group in groups:
        by_village[group[1][:VILLAGE_LENGTH]].append(group)
    today = today or timezone.localdate()
    now = timezone.now()
    tz = timezone.get_current_timezone()
    rng = random.Random(f"chatnotices:{seed}:{code}")

    plans = []  # (place, datetime, title, body, groups)
    month = dt.date(SINCE.year, SINCE.month, 1)
    while month <= today:
        for _ in range(TOWN_PER_MONTH):
            day = month + dt.timedelta(days=rng.randrange(28))
            if day <= today:
                plans.append((town, _at(rng, day, tz), *_topic(rng, day), groups))
        month = (month + dt.timedelta(days=32)).replace(day=1)
    for village in villages:
        own = by_village.get(village.code, [])
        day = SINCE + dt.timedelta(days=rng.randrange(VILLAGE_EVERY_DAYS))
        while own and day <= today:
            title = rng.choice(VILLAGE_TOPICS)
            body = f"{village.name}{title}：请各户留意，详情请咨询本网格网格员。"
            plans.append((village, _at(rng, day, tz), title, body, own))
            day += dt.timedelta(days=rng.randint(VILLAGE_EVERY_DAYS // 2, VILLAGE_EVERY_DAYS * 3 // 2))
    plans.sort(key=lambda p: (p[1], p[0].code))

    notices = []
    for place, at, title, body, targets in plans:
        sender = f"{place.name}{'综治中心' if place.kind == PlaceKind.TOWN else '村（居）委会'}"
        notice = ChatNotice(
            path=place.code,
            place=place,
            title=title,
            body=body,
            format=NoticeFormat.MARKDOWN,
            payload=build_payload(NoticeFormat.MARKDOWN, title, body, sender),
            copy_text=copy_text(title, body, sender),
            group_count=len(targets),
        )
        notice.demo_at, notice.demo_targets = min(at, now), targets
        notices.append(notice)

    open_since = now - dt.timedelta(days=OPEN_DAYS)
    with transaction.atomic():
        for notice in notices:
            notice.created_at = notice.updated_at = notice.demo_at
        with explicit_timestamps(ChatNotice):
            ChatNotice.objects.bulk_create(notices, batch_size=500)
        # ~20,000 rows: raw multi-row inserts (COPY on PostgreSQL), as the demo town itself is written
        adapt = connection.ops.adapt_datetimefield_value
        at = adapt(now)
        hand, done, waiting = (
            DeliveryMethod.HAND.value,
            DeliveryStatus.SENT_BY_HAND.value,
            DeliveryStatus.AWAITING_HAND.value,
        )
        rows = []
        for notice in notices:
            for group_id, path in notice.demo_targets:
                forwarded = notice.demo_at < open_since or rng.random() < 0.6
                sent_at = min(notice.demo_at + dt.timedelta(minutes=rng.randint(3, 240)), now)
                rows.append(
                    (at, at, path, notice.pk, group_id, hand, done if forwarded else waiting, 0, "",
                     adapt(sent_at) if forwarded else None)
                )  # fmt: skip
        write(delivery_table(), rows)
    waiting_count = sum(row[6] == waiting for row in rows)
    return {
        "chat_notices": len(notices),
        "chat_deliveries": len(rows),
        "chat_awaiting_hand": waiting_count,
    }
