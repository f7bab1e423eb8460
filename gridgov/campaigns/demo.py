"""The demo town's campaigns (摸排): the 2022 Spring-Festival epidemic returnee screening over 寨坝镇, and this
winter's returnee check still running.

返乡人员摸排 (2022-01-10 to 2022-02-28, closed): every grid worker went door to door in their grid with a
checklist of the time (returned from where and when, how, health code and itinerary card, nucleic-acid
test, vaccination, symptoms, the control advised); 97 % of the households were checked, a fifth of them
had someone back from outside. The current campaign (冬春返乡人员摸排, employment and safety of people
coming home for the holidays) is running, about 45 % done, so the progress screens and the grid
workers' "today" lists have work in them.

Campaigns and checklists go through the ORM (a handful of rows); the checks are raw multi-row inserts
(`gridgov.demo.seed.write`). A seed and a day give the same records; a town that has campaigns is left alone.
"""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from gridgov.accounts.models import User
from gridgov.campaigns.choices import CampaignStatus, QuestionKind
from gridgov.campaigns.models import Campaign, CampaignPlace, CampaignQuestion, HouseholdCheck
from gridgov.demo.build import DEMO_TOWN
from gridgov.demo.field import ensure_field_accounts
from gridgov.demo.seed import Table, _json, adapters, write
from gridgov.households.models import Household
from gridgov.places.choices import CODE_LENGTH, PlaceKind
from gridgov.places.models import Place

GRID_LENGTH = CODE_LENGTH[PlaceKind.GRID]
CHUNK = 5000
EPIDEMIC_TITLE = "2022年春节返乡人员疫情防控摸排"
EPIDEMIC_PERIOD = (dt.date(2022, 1, 10), dt.date(2022, 2, 28))
EPIDEMIC_SHARE = 0.97
RETURNED_SHARE = 0.21
CURRENT_TITLE = "冬春返乡人员摸排"
CURRENT_SHARE = 0.45

REGIONS = ["省内", "省外低风险地区", "省外中高风险地区所在城市", "境外"]
VACCINATION = ["未接种", "已接种1剂", "已完成全程接种", "已加强接种"]
PLANS = ["节后外出务工", "留乡就业", "返乡创业", "暂未确定"]
NEEDS = ["就业岗位推荐", "技能培训", "创业贷款", "子女入学"]

# (key, text, kind, required, options, help)
EPIDEMIC_CHECKLIST = [
    ("returned", "近14天家中是否有外地返乡人员", QuestionKind.YES_NO, True, [], "含外省、外县返回人员"),
    ("returnees", "返乡人数", QuestionKind.NUMBER, False, [], ""),
    ("returned_from", "返回地区", QuestionKind.SINGLE, False, REGIONS, ""),
    ("returned_from_place", "具体来自（市、县）", QuestionKind.TEXT, False, [], ""),
    ("returned_on", "返乡日期", QuestionKind.DATE, False, [], ""),
    ("travel", "交通方式", QuestionKind.SINGLE, False, ["火车", "飞机", "长途客车", "自驾", "其他"], ""),
    ("health_code", "健康码颜色", QuestionKind.SINGLE, False, ["绿码", "黄码", "红码"], "贵州健康码"),
    ("trip_star", "通信行程卡是否带星号", QuestionKind.YES_NO, False, [], ""),
    ("nucleic", "是否持48小时内核酸检测阴性证明", QuestionKind.YES_NO, False, [], ""),
    ("vaccinated", "新冠疫苗接种情况", QuestionKind.SINGLE, False, VACCINATION, ""),
    ("symptoms", "有无以下症状", QuestionKind.MULTI, False, ["发热", "咳嗽", "乏力", "咽痛", "腹泻"], "无症状不选"),
    ("quarantine", "管控建议", QuestionKind.SINGLE, True, ["无需管控", "健康监测", "居家隔离", "集中隔离"], ""),
]  # fmt: skip
CURRENT_CHECKLIST = [
    ("returned", "家中是否有外出务工、求学人员返乡", QuestionKind.YES_NO, True, [], ""),
    ("returnees", "返乡人数", QuestionKind.NUMBER, False, [], ""),
    ("returned_from_place", "从何地返回", QuestionKind.TEXT, False, [], ""),
    ("returned_on", "返乡（预计返乡）日期", QuestionKind.DATE, False, [], ""),
    ("plan", "返乡后打算", QuestionKind.SINGLE, False, PLANS, ""),
    ("needs", "需要的帮助", QuestionKind.MULTI, False, NEEDS, "不需要不选"),
    ("safety", "提醒用火用电、交通安全", QuestionKind.YES_NO, True, [], ""),
]  # fmt: skip
PLACES_OUTSIDE = {
    "省内": ["贵阳市", "遵义市红花岗区", "遵义市汇川区", "毕节市", "仁怀市", "赤水市"],
    "省外低风险地区": ["重庆市江津区", "浙江省宁波市", "福建省晋江市", "广东省佛山市", "江苏省苏州市", "四川省成都市"],
    "省外中高风险地区所在城市": ["广东省东莞市", "广东省深圳市", "上海市", "浙江省杭州市"],
    "境外": ["缅甸", "越南"],
}  # fmt: skip
NOTES = ["", "", "", "已建立健康档案", "已告知每日报告体温", "已加入“好邻居”微信群接收防疫通知", "已通知村卫生室跟踪"]


def _moment(rng: random.Random, day: dt.date) -> dt.datetime:
    minutes = rng.randint(9 * 60, 19 * 60)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(minutes // 60, minutes % 60)))


def _day_between(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randrange((end - start).days + 1))


def epidemic_answers(rng: random.Random, checked_on: dt.date, members: int) -> tuple[dict, str]:
    if rng.random() >= RETURNED_SHARE:
        return {"returned": False, "quarantine": "无需管控"}, ""
    region = rng.choices(list(PLACES_OUTSIDE), weights=[34, 56, 9, 1])[0]
    returned_on = max(EPIDEMIC_PERIOD[0] - dt.timedelta(days=10), checked_on - dt.timedelta(days=rng.randint(0, 13)))
    code = rng.choices(["绿码", "黄码", "红码"], weights=[965, 30, 5])[0]
    star = region == "省外中高风险地区所在城市" or rng.random() < 0.03
    answers: dict = {
        "returned": True,
        "returnees": min(max(members - 1, 1), rng.choices([1, 2, 3, 4], weights=[52, 33, 11, 4])[0]),
        "returned_from": region,
        "returned_from_place": rng.choice(PLACES_OUTSIDE[region]),
        "returned_on": returned_on.isoformat(),
        "travel": rng.choices(["火车", "飞机", "长途客车", "自驾", "其他"], weights=[30, 8, 27, 32, 3])[0],
        "health_code": code,
        "trip_star": star,
        "nucleic": rng.random() < 0.83,
        "vaccinated": rng.choices(["未接种", "已接种1剂", "已完成全程接种", "已加强接种"], weights=[2, 3, 55, 40])[0],
    }
    if rng.random() < 0.04:
        answers["symptoms"] = sorted(rng.sample(["发热", "咳嗽", "乏力", "咽痛"], rng.randint(1, 2)))
    if code == "红码" or region == "境外":
        answers["quarantine"] = "集中隔离"
    elif code == "黄码" or star or "symptoms" in answers:
        answers["quarantine"] = "居家隔离"
    else:
        answers["quarantine"] = "健康监测"
    return answers, rng.choice(NOTES)


def current_answers(rng: random.Random, checked_on: dt.date, members: int) -> tuple[dict, str]:
    if rng.random() >= 0.3:
        return {"returned": False, "safety": True}, ""
    answers: dict = {
        "returned": True,
        "returnees": min(max(members - 1, 1), rng.choices([1, 2, 3], weights=[60, 32, 8])[0]),
        "returned_from_place": rng.choice(PLACES_OUTSIDE["省外低风险地区"] + PLACES_OUTSIDE["省内"]),
        "returned_on": (checked_on + dt.timedelta(days=rng.randint(-10, 40))).isoformat(),
        "plan": rng.choices(["节后外出务工", "留乡就业", "返乡创业", "暂未确定"], weights=[62, 20, 5, 13])[0],
        "safety": True,
    }
    if rng.random() < 0.35:
        answers["needs"] = sorted(rng.sample(["就业岗位推荐", "技能培训", "创业贷款", "子女入学"], rng.randint(1, 2)))
    return answers, ""


def _campaign(town: Place, title: str, period, status: str, checklist, description: str) -> Campaign:
    campaign = Campaign.objects.create(
        path=town.code, title=title, description=description, starts_on=period[0], ends_on=period[1], status=status
    )
    CampaignPlace.objects.create(campaign=campaign, place=town, path=town.code)
    CampaignQuestion.objects.bulk_create(
        [
            CampaignQuestion(
                campaign=campaign,
                order=n,
                key=key,
                text=text,
                kind=kind,
                required=required,
                options=options,
                help_text=help_text,
            )
            for n, (key, text, kind, required, options, help_text) in enumerate(checklist, start=1)
        ]  # fmt: skip
    )
    return campaign


def seed(seed: int = 1, today: dt.date | None = None, town: str = DEMO_TOWN) -> dict[str, int]:
    """Add the town's campaigns and their checks (nothing if the town has campaigns); returns what was written."""
    if Campaign.objects.within(town).exists():
        return {}
    place = Place.objects.filter(code=town).first()
    households = list(Household.objects.within(town).order_by("id").values_list("id", "path", "member_count"))
    if place is None or not households:
        return {}
    today = today or timezone.localdate()
    rng = random.Random(f"campaigns:{seed}")
    accounts = ensure_field_accounts(town)
    names = dict(
        User.objects.filter(pk__in={u for ids in accounts.workers.values() for u in ids}).values_list(
            "id", "display_name"
        )
    )
    current_period = (today - dt.timedelta(days=20), today + dt.timedelta(days=40))
    now = timezone.now()
    adt, _ = adapters()
    rows: list[tuple] = []
    with transaction.atomic():
        epidemic = _campaign(
            place, EPIDEMIC_TITLE, EPIDEMIC_PERIOD, CampaignStatus.CLOSED, EPIDEMIC_CHECKLIST,
            "按县疫情防控指挥部部署，网格员逐户摸排春节返乡人员，做到不漏一户、不漏一人；"
            "中高风险地区返乡人员落实隔离管控措施。",
        )  # fmt: skip
        current = _campaign(
            place, CURRENT_TITLE, current_period, CampaignStatus.RUNNING, CURRENT_CHECKLIST,
            "摸清冬春返乡人员底数，了解就业需求，做好安全提醒。",
        )  # fmt: skip
        plans = [
            (epidemic, EPIDEMIC_SHARE, EPIDEMIC_PERIOD[0], EPIDEMIC_PERIOD[1], epidemic_answers),
            (current, CURRENT_SHARE, current_period[0], today, current_answers),
        ]
        for campaign, share, start, end, answer in plans:
            for household_id, path, members in households:
                if rng.random() >= share:
                    continue
                workers = accounts.workers.get(path[:GRID_LENGTH]) or accounts.of(path[:GRID_LENGTH])
                worker = workers[rng.randrange(len(workers))] if workers else None
                day = _day_between(rng, start, end)
                at = _moment(rng, day)
                if at > now:
                    at = now - dt.timedelta(minutes=rng.randint(5, 300))
                answers, notes = answer(rng, day, members or 1)
                rows.append(
                    (
                        adt(at), adt(at), path, campaign.pk, household_id, worker,
                        names.get(worker, "网格员"), adt(at), _json(answers), notes, 1,
                    )
                )  # fmt: skip
        table = Table(
            HouseholdCheck,
            [
                "created_at", "updated_at", "path", "campaign", "household", "checked_by", "checker_name",
                "checked_at", "answers", "notes", "version",
            ],
        )  # fmt: skip
        for start in range(0, len(rows), CHUNK):
            write(table, rows[start : start + CHUNK])
    return {"campaigns": 2, "checks": len(rows)}
