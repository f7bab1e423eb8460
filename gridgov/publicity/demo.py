"""Demo publicity events (开展小宣讲) for 寨坝镇 since 2021, shaped like the 2024 report on 吴寨居
(67 events in a year for one community): each village about half of that, at the village, a villager
group or a grid, by red stewards, five elders, grid workers, the village secretary or the first secretary,
over loudspeakers, chat groups, bench meetings, brochures and mass meetings. Topics follow the season
(epidemic prevention in 2021-2022, drowning prevention in summer, fire prevention in winter).
Deterministic for a seed and a day; bulk inserts, well under a second.
"""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from gridgov.personnel.choices import AppointmentRole
from gridgov.publicity.choices import Channel, Topic
from gridgov.publicity.demotown import DEMO_TOWN, SINCE, backdate, day_in_month, load_town, months
from gridgov.publicity.models import PublicityEvent

PER_VILLAGE_MONTH = (1, 2, 3, 3, 4)  # ~2.6 a month: half of 吴寨居's 67 a year

TITLES = {
    Topic.POLICY: ["宣讲党的惠民富民政策", "学习贯彻党的二十大精神", "乡村振兴政策宣讲", "基层治理“五到组”宣讲"],
    Topic.BENEFITS: [
        "耕地地力保护补贴政策解读",
        "城乡居民医保缴费宣传",
        "养老保险缴费政策宣讲",
        "低保、特困供养政策宣传",
    ],
    Topic.VILLAGE_RULES: ["村规民约宣讲", "红白理事会章程宣讲"],
    Topic.RIGHTS: ["农民工工资权益保障宣传", "妇女儿童权益保障宣传", "老年人权益保障宣传"],
    Topic.CUSTOMS: ["移风易俗 反对高价彩礼", "红事新办 白事简办", "整治滥办酒席宣传"],
    Topic.CIVILITY: ["文明新风进万家", "“好家风好家训”宣讲", "文明卫生户评选宣传"],
    Topic.ANTI_FRAUD: ["防范电信网络诈骗宣讲", "国家反诈中心APP推广", "防范养老诈骗宣传"],
    Topic.SAFETY: ["用电用气安全宣传", "道路交通安全宣传", "自建房安全宣传"],
    Topic.LAW: ["民法典宣讲", "“八五”普法进村组", "禁毒知识宣传"],
    Topic.VILLAGE_AFFAIRS: ["村重大事务公开宣讲", "村集体经济收支情况通报"],
}
SEASONAL = {
    "drowning": ("防溺水安全宣传", Topic.SAFETY, (5, 6, 7, 8)),
    "fire": ("森林防火宣传", Topic.SAFETY, (12, 1, 2, 3)),
}
EPIDEMIC_TITLES = ["疫情防控政策宣传", "新冠疫苗接种动员", "返乡人员报备宣传"]
CHANNELS = [
    (Channel.LOUDSPEAKER, 5),
    (Channel.ONLINE, 5),
    (Channel.BENCH_MEETING, 4),
    (Channel.BROCHURES, 3),
    (Channel.MASS_MEETING, 2),
    (Channel.FIRST_SECRETARY, 1),
]
ATTENDANCE = {
    Channel.LOUDSPEAKER: (0, 0),  # broadcast: nobody counted
    Channel.ONLINE: (60, 380),  # chat-group members reached
    Channel.BENCH_MEETING: (8, 30),
    Channel.BROCHURES: (30, 150),
    Channel.MASS_MEETING: (40, 160),
    Channel.FIRST_SECRETARY: (30, 110),
}
SUMMARIES = {
    Channel.LOUDSPEAKER: "通过村村通广播每天早晚各播放一次。",
    Channel.ONLINE: "在“好邻居”微信群推送图文，网格员逐群提醒阅读。",
    Channel.BENCH_MEETING: "在村口组织板凳会，面对面讲解，现场答疑。",
    Channel.BROCHURES: "入户发放宣传册和倡议书，讲解要点。",
    Channel.MASS_MEETING: "召开群众会集中宣讲，会后收集意见建议。",
    Channel.FIRST_SECRETARY: "驻村第一书记召开群众会宣讲，现场解答群众疑问。",
}


def _topic_and_title(rng: random.Random, day: dt.date) -> tuple[str, str]:
    if day.year in (2021, 2022) and rng.random() < 0.25:
        return Topic.EPIDEMIC, rng.choice(EPIDEMIC_TITLES)
    for title, topic, season in SEASONAL.values():
        if day.month in season and rng.random() < 0.2:
            return topic, title
    topic = rng.choice(list(TITLES))
    return topic, rng.choice(TITLES[topic])


def seed(seed: int = 1, code: str = DEMO_TOWN, today: dt.date | None = None) -> dict[str, int]:
    """Write the demo events of the town; nothing (an empty dict) when it is missing or already has events."""
    if PublicityEvent.objects.within(code).exists():
        return {}
    town = load_town(code)
    if town is None or not town.villages:
        return {}
    today = today or timezone.localdate()
    rng = random.Random(f"publicity:{seed}:{code}")
    events = []
    for month in months(SINCE, today):
        for village in town.villages:
            for _ in range(rng.choice(PER_VILLAGE_MONTH)):
                day = day_in_month(rng, month, today)
                channel = rng.choices([c for c, _ in CHANNELS], [w for _, w in CHANNELS])[0]
                where = rng.random()
                groups, grids = town.groups.get(village, []), town.grids.get(village, [])
                place = village
                if where < 0.3 and groups:
                    place = rng.choice(groups)
                elif where < 0.4 and grids:
                    place = rng.choice(grids)
                if channel == Channel.FIRST_SECRETARY:
                    speaker = "驻村第一书记"
                elif channel == Channel.MASS_MEETING:
                    speaker = rng.choice(["村党支部书记", "村委会主任", "镇驻村干部"])
                else:
                    speaker = town.person(
                        rng, village, rng.choice([AppointmentRole.RED_STEWARD, AppointmentRole.FIVE_ELDERS]),
                        AppointmentRole.GRID_WORKER, fallback="网格员",
                    )  # fmt: skip
                topic, title = _topic_and_title(rng, day)
                low, high = ATTENDANCE[channel]
                events.append(
                    PublicityEvent(
                        path=place,
                        place_id=town.ids[place],
                        held_on=day,
                        topic=topic,
                        title=title,
                        channel=channel,
                        speaker=speaker,
                        attendance=rng.randint(low, high),
                        summary=SUMMARIES[channel],
                    )
                )
    with transaction.atomic():
        PublicityEvent.objects.bulk_create(events, batch_size=1000)
        backdate(PublicityEvent.objects.within(code), "held_on")
    return {"publicity_events": len(events), "publicity_attendance": sum(e.attendance for e in events)}
