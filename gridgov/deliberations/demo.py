"""Demo deliberation meetings (议事协商到组) for 寨坝镇 since 2021: every villager group meets about once a
quarter on its own affairs (roads, water, benefits, the environment, land, village rules ...), chaired by
its group leader, and records what it decided. Where the matter engine's demo year is in the database,
a meeting in it takes up a matter recorded in its group in the following weeks as its follow-up
(`DeliberationMatter`). Deterministic for a seed and a day; bulk inserts, well under a second.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict

from django.db import transaction
from django.utils import timezone

from gridgov.deliberations.choices import Subject
from gridgov.deliberations.models import Deliberation, DeliberationMatter
from gridgov.publicity.demotown import DEMO_TOWN, SINCE, backdate, load_town

GROUP_LENGTH = 14
MEETINGS_PER_YEAR = (2, 3, 4, 4, 5)
FOLLOW_UP_WINDOW = dt.timedelta(days=21)
FOLLOW_UP_SHARE = 0.35

# subject -> [(topic, decisions)]
AGENDA = {
    Subject.INFRASTRUCTURE: [
        ("通组路硬化筹资投劳", "每户投劳两天，材料向村里申请“一事一议”项目解决，组长牵头组织施工。"),
        ("人饮管网维修", "由组里统一购买管材，受益户按户分摊，红管家负责监督费用公开。"),
        ("安装太阳能路灯", "在组内主干道安装路灯十盏，由村委会向镇里申请项目资金。"),
    ],
    Subject.BENEFITS: [
        ("低保对象民主评议", "评议通过三户纳入低保申请，张榜公示七天，无异议后上报。"),
        ("产业奖补资金分配", "按实际种植面积分配奖补资金，名单在组内公示。"),
    ],
    Subject.ENVIRONMENT: [
        ("组内环境卫生整治", "实行门前三包，每月最后一个周六全组大扫除，组长带头检查评比。"),
        ("垃圾收集点选址", "在组口新建垃圾收集点一处，清运由保洁员每周两次。"),
    ],
    Subject.LAND: [
        ("集体林地流转", "同意将集体林地流转给合作社经营，租金按人口分配。"),
        ("承包地边界确认", "由五老和组长现场确认边界，设立界桩，双方签字认可。"),
    ],
    Subject.INDUSTRY: [
        ("发展高粱种植", "全组统一种植酒用高粱，由合作社提供种子和技术，保底收购。"),
        ("成立养殖合作社", "自愿入股成立肉牛养殖合作社，推选理事长一名。"),
    ],
    Subject.DISPUTES: [("邻里排水纠纷调处", "由红管家和五老牵头调解，双方同意共同修建排水沟。")],
    Subject.SAFETY: [
        ("防溺水责任落实", "在山塘设立警示牌，暑期安排党员轮流巡查。"),
        ("组内治安联防", "组建义务巡逻队，夜间轮流巡逻，联户长负责通知。"),
    ],
    Subject.VILLAGE_RULES: [("修订组规民约", "通过修订稿：酒席只办红白喜事，礼金不超过两百元。")],
    Subject.PUBLIC_AFFAIRS: [("组务财务公开", "通报上半年组集体收支，账目张贴公示。")],
}
WEIGHTS = {
    Subject.INFRASTRUCTURE: 5,
    Subject.BENEFITS: 4,
    Subject.ENVIRONMENT: 4,
    Subject.LAND: 2,
    Subject.INDUSTRY: 3,
    Subject.DISPUTES: 1,
    Subject.SAFETY: 2,
    Subject.VILLAGE_RULES: 1,
    Subject.PUBLIC_AFFAIRS: 2,
}


def _matters_by_group(code: str, since: dt.date) -> dict[str, list[tuple[dt.date, int]]]:
    from gridgov.matters.models import Matter

    out: dict[str, list] = defaultdict(list)
    rows = (
        Matter.objects.within(code)
        .filter(kind__in=["appeal", "environment", "dispute"], created_at__date__gte=since)
        .values_list("id", "path", "created_at")
        .order_by("id")
    )
    for pk, path, created_at in rows:
        if len(path) >= GROUP_LENGTH:
            out[path[:GROUP_LENGTH]].append((timezone.localdate(created_at), pk))
    return out


def seed(seed: int = 1, code: str = DEMO_TOWN, today: dt.date | None = None) -> dict[str, int]:
    """Write the demo meetings of the town; nothing (an empty dict) when it is missing or already has meetings."""
    if Deliberation.objects.within(code).exists():
        return {}
    town = load_town(code)
    if town is None or not town.groups:
        return {}
    today = today or timezone.localdate()
    rng = random.Random(f"deliberations:{seed}:{code}")
    subjects = list(WEIGHTS)
    meetings = []
    days = (today - SINCE).days + 1
    for village in town.villages:
        for group in town.groups.get(village, []):
            count = round(rng.choice(MEETINGS_PER_YEAR) * days / 365.25)
            for _ in range(count):
                subject = rng.choices(subjects, [WEIGHTS[s] for s in subjects])[0]
                topic, decisions = rng.choice(AGENDA[subject])
                host = f"{town.names[group].removeprefix(town.names[village])}组长"
                meetings.append(
                    Deliberation(
                        path=group,
                        group_id=town.ids[group],
                        held_on=SINCE + dt.timedelta(days=rng.randrange(days)),
                        subject=subject,
                        topic=topic,
                        host=host,
                        participants=f"{host}、村干部、网格员、联户长及群众代表",
                        participant_count=rng.randint(12, 45),
                        discussion="与会群众充分发表意见，逐项协商。",
                        decisions=decisions,
                    )
                )
    meetings.sort(key=lambda m: (m.held_on, m.path))
    matters = _matters_by_group(code, today - dt.timedelta(days=400))
    used: set[int] = set()
    with transaction.atomic():
        Deliberation.objects.bulk_create(meetings, batch_size=1000)
        backdate(Deliberation.objects.within(code), "held_on")
        links = []
        for meeting in meetings:
            if rng.random() >= FOLLOW_UP_SHARE:
                continue
            for day, pk in matters.get(meeting.path, []):
                if pk not in used and meeting.held_on <= day <= meeting.held_on + FOLLOW_UP_WINDOW:
                    used.add(pk)
                    links.append(DeliberationMatter(deliberation_id=meeting.pk, matter_id=pk))
                    break
        DeliberationMatter.objects.bulk_create(links, batch_size=1000)
    return {"deliberations": len(meetings), "deliberation_matters": len(links)}
