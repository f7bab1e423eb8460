"""Demo practical deeds (为群众办实事) for 寨坝镇 since 2021, shaped like the 2022 report: 308 deeds.

Most are done for one household by its grid worker (a hospital visit, a paper proxy-handled, a subsidy
looked up, a pipe mended); some for a whole villager group (a road cleared, a water tank repaired).
Deterministic for a seed and a day; bulk inserts, well under a second.
"""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from gridgov.deeds.choices import DeedCategory
from gridgov.deeds.models import Deed
from gridgov.personnel.choices import AppointmentRole
from gridgov.publicity.demotown import DEMO_TOWN, SINCE, backdate, load_town

DEEDS = 308  # 为群众办实事308件
HOUSEHOLD_SHARE = 0.75

# category -> (weight, household titles with {a}, group titles)
TEMPLATES = {
    DeedCategory.MEDICAL: (6, ["陪同{a}到镇卫生院就医", "帮{a}办理慢性病门诊报销"], ["联系镇卫生院为老人上门体检"]),
    DeedCategory.PAPERWORK: (7, ["为{a}代办身份证换领", "为{a}代办社保卡", "为{a}代办残疾证"], []),
    DeedCategory.SUBSIDY: (5, ["帮{a}查询耕地地力保护补贴", "协助{a}申请临时救助"], []),
    DeedCategory.INFRASTRUCTURE: (
        5,
        ["帮{a}家维修饮水管道", "帮{a}家更换老化电线"],
        ["修复组内饮水池", "清理通组路塌方", "更换组内损坏路灯"],
    ),
    DeedCategory.AGRICULTURE: (4, ["帮{a}抢收高粱", "联系农技员为{a}指导小麦打药"], ["组织志愿者帮助群众春耕"]),
    DeedCategory.EMPLOYMENT: (2, ["为{a}推荐就近务工岗位"], ["组织返乡人员参加技能培训"]),
    DeedCategory.EDUCATION: (2, ["帮{a}家孩子申请教育资助"], []),
    DeedCategory.DAILY_CARE: (5, ["为独居老人{a}购买生活用品", "帮{a}打扫房屋卫生"], []),
    DeedCategory.RELIEF: (3, ["节前走访慰问{a}"], ["春节前走访慰问组内困难群众"]),
    DeedCategory.HOUSING: (2, ["帮{a}家排查危房隐患"], []),
    DeedCategory.ENVIRONMENT: (2, ["帮{a}家清理房前屋后杂物"], ["清理组内河沟垃圾"]),
}


def seed(seed: int = 1, code: str = DEMO_TOWN, today: dt.date | None = None) -> dict[str, int]:
    """Write the demo deeds of the town; nothing (an empty dict) when it is missing or already has deeds."""
    if Deed.objects.within(code).exists():
        return {}
    town = load_town(code)
    if town is None or not town.homes:
        return {}
    today = today or timezone.localdate()
    rng = random.Random(f"deeds:{seed}:{code}")
    days = (today - SINCE).days + 1
    grids = sorted(town.homes)
    categories = list(TEMPLATES)
    deeds = []
    while len(deeds) < DEEDS:
        category = rng.choices(categories, [TEMPLATES[c][0] for c in categories])[0]
        _weight, for_household, for_group = TEMPLATES[category]
        grid = rng.choice(grids)
        village = grid[:12]
        worker = town.person(rng, grid, AppointmentRole.GRID_WORKER, fallback="网格员")
        day = SINCE + dt.timedelta(days=rng.randrange(days))
        if rng.random() < HOUSEHOLD_SHARE or not for_group:
            hid, path, rid, name = rng.choice(town.homes[grid])
            deed = Deed(
                path=path, place_id=town.ids[path], household_id=hid, resident_id=rid,
                title=rng.choice(for_household).format(a=name),
            )  # fmt: skip
        else:
            group = grid[:14] if grid[:14] in town.ids else village
            deed = Deed(
                path=group, place_id=town.ids[group], beneficiary=f"{town.names[group]}群众",
                title=rng.choice(for_group),
            )  # fmt: skip
        deed.done_on, deed.category = day, category
        deed.done_by = worker if rng.random() < 0.7 else f"{worker}、{rng.choice(['村干部', '红管家', '志愿者'])}"
        deed.description = "已办结，群众满意。"
        deeds.append(deed)
    with transaction.atomic():
        Deed.objects.bulk_create(deeds, batch_size=1000)
        backdate(Deed.objects.within(code), "done_on")
    return {"deeds": len(deeds), "deeds_for_households": sum(d.household_id is not None for d in deeds)}
