"""A year of matters for the demo town, shaped like the article on 吴寨居 (2024: 37 disputes, 32 appeals,
50 environment problems, 39 hardships, 26 hazards resolved).

Every village (居) of 寨坝镇 gets that year scaled by its households. Each matter follows a plausible
course through the three-level disposal (on the spot at the grid; reported to the village and
mediated by five elders; up to the town and routed to a department; answered; rectified and
re-inspected; proxy-handled by a red steward), and its timeline rows, mediation sessions, agreements,
routings, feedback and supervision cards are exactly what the actions would have written. Matters
recorded in the last weeks are still open, a few older ones are stuck and overdue with their cards. Of
the appeals, those found on household visits and resolved are the first article's 140 (发现并解决群众诉求
140条, `FOUND_ON_VISITS`).

Built in memory from one `random.Random(seed)` and the town already in the database, then written
with raw multi-row inserts (`gridgov.demo.seed.write`), in well under a second. The year ends on
``today`` (the day of seeding by default), so a seed and a day give the same records.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone

from gridgov.demo.build import DEMO_TOWN
from gridgov.demo.seed import Table, _json, through, write
from gridgov.households.models import Household, Resident
from gridgov.matters.models import (
    Category,
    DeadlineRule,
    Department,
    Feedback,
    Matter,
    MatterEvent,
    MatterRouting,
    MediationAgreement,
    MediationSession,
    Supervision,
)
from gridgov.matters.search import bigram_tokens
from gridgov.personnel.choices import AppointmentRole, AppointmentStatus
from gridgov.personnel.models import Appointment
from gridgov.places.models import Place

# 吴寨居, 2024 (the article): what one village-level community resolved in a year. 吴寨居 is a model
# community; an average village of 寨坝镇 gets half of it, scaled by its households.
ARTICLE_YEAR = {"dispute": 37, "appeal": 32, "environment": 50, "hardship": 39, "hazard": 26}
VILLAGE_SHARE = 0.5
OPEN_RECENT_DAYS = 10  # matters recorded within this many days are often still being handled
STUCK_SHARE = 0.03  # older matters still open (overdue, with supervision cards)
SUPERVISOR = "系统督办"
TOWN_CENTER = "寨坝镇综治中心"

DEPARTMENTS = [
    ("judicial", "寨坝镇司法所"),
    ("police", "寨坝派出所"),
    ("natural_resources", "寨坝镇自然资源所"),
    ("civil_affairs", "寨坝镇民政办"),
    ("emergency", "寨坝镇应急办"),
    ("labour", "寨坝镇人社所"),
    ("agriculture", "寨坝镇农业服务中心"),
    ("ecology", "寨坝镇生态环境站"),
    ("housing", "寨坝镇村镇建设服务中心"),
    ("health", "寨坝镇卫生院"),
    ("traffic", "习水交警寨坝中队"),
    ("other", "寨坝镇党政办"),
]

# (category code, weight, title template, description template); {a} {b} are people, {g} the grid.
TEMPLATES: dict[str, list[tuple[str, int, str, str]]] = {
    "dispute": [
        ("dispute.neighbour", 9, "{a}与{b}邻里口角纠纷", "{a}与邻居{b}因琐事发生口角，双方情绪激动，邻里关系紧张。"),
        ("dispute.housing_homestead", 6, "{a}与{b}宅基地界址纠纷", "{a}建房时与{b}对宅基地界址有争议，双方各执一词。"),
        ("dispute.contract", 5, "{a}与{b}土地租赁合同纠纷", "{a}租种{b}的承包地，因租金支付和租期产生纠纷。"),
        ("dispute.land_forest", 5, "{a}与{b}承包地地界纠纷", "{a}与{b}两家承包地相邻，地界不清，春耕时起争执。"),
        ("dispute.marriage_family", 4, "{a}家庭赡养纠纷", "{a}的子女对老人赡养费用分担有分歧，老人生活无人照料。"),
        ("dispute.labour", 2, "{a}务工工资拖欠纠纷", "{a}在本地工地务工，工钱被拖欠，多次讨要未果。"),
        ("dispute.compensation", 2, "{a}与{b}财产损害赔偿纠纷", "{b}家的牛损坏了{a}的庄稼，双方对赔偿金额有分歧。"),
        ("dispute.traffic", 1, "{a}与{b}道路交通事故纠纷", "{a}驾驶摩托车与{b}的三轮车剐蹭，双方对责任和赔偿有争议。"),
    ],
    "appeal": [
        ("appeal.agriculture", 6, "{a}咨询小麦打药技术", "{a}反映小麦出现病虫害，不知道该打什么药、什么时候打。"),
        ("appeal.subsidy", 7, "{a}查询耕地地力保护补贴", "{a}想查询今年的耕地地力保护补贴是否到账、发放标准是多少。"),
        ("appeal.social_insurance", 5, "{a}咨询养老保险缴费", "{a}咨询城乡居民养老保险缴费档次和补缴办法。"),
        ("appeal.infrastructure", 6, "{g}路灯不亮、饮水管漏水", "{a}反映{g}路段路灯不亮，饮水管道漏水，出行用水不便。"),
        ("appeal.household_registration", 3, "{a}办理户口迁移", "{a}的孩子需要办理户口迁移，咨询需要准备的材料。"),
        ("appeal.employment", 3, "{a}咨询就业培训", "{a}返乡后想参加技能培训，咨询就业创业扶持政策。"),
        ("appeal.health", 2, "{a}咨询慢性病报销", "{a}咨询慢性病门诊报销的办理流程。"),
    ],
    "environment": [
        ("environment.rubbish", 10, "{g}积存垃圾", "{g}房前屋后有积存垃圾，影响村容村貌。"),
        ("environment.roadside_rubbish", 9, "{g}道路暴露性垃圾", "{g}通组路两侧有暴露性垃圾，需清运。"),
        ("environment.sewage", 5, "{g}生活污水横流", "{g}有生活污水直排路面，气味难闻。"),
        ("environment.ponds_ditches", 4, "{g}沟渠淤积", "{g}排水沟渠淤积堵塞，雨天积水。"),
        ("environment.manure", 4, "{a}家畜禽粪污乱排", "{a}家圈舍粪污未处理，流入路边沟渠。"),
        ("environment.ruins", 3, "{g}残垣断壁", "{g}有废弃房屋残垣断壁，存在安全隐患且影响环境。"),
        ("environment.household_hygiene", 5, "{a}家户内卫生不达标", "{a}家院落不净、农具堆放不规范。"),
    ],
    "hardship": [
        ("hardship.medical", 8, "{a}看病就医困难", "{a}年老体弱，行动不便，需要陪同就医。"),
        ("hardship.minimum_living", 6, "{a}申请低保救助", "{a}家庭收入低，因病致困，申请低保救助。"),
        ("hardship.daily_care", 7, "{a}生活照料困难", "{a}独自居住，子女在外务工，日常生活需要照料。"),
        ("hardship.paperwork", 8, "{a}证照代办", "{a}需要办理身份证换领和医保报销，本人不便前往。"),
        ("hardship.housing", 3, "{a}住房安全困难", "{a}家住房年久失修，雨季漏雨。"),
        ("hardship.visit_relief", 4, "{a}走访慰问", "{a}是困难群众，节前需走访慰问。"),
        ("hardship.education", 3, "{a}子女就学困难", "{a}的孩子上学路途远，家庭困难，需要帮助。"),
    ],
    "hazard": [
        ("hazard.safety.electricity_gas", 8, "{a}家用电线路老化", "{a}家电线私拉乱接、线路老化，存在火灾隐患。"),
        ("hazard.safety.self_built_house", 5, "{a}家自建房墙体开裂", "{a}家自建房墙体出现裂缝，存在安全隐患。"),
        ("hazard.safety.drowning", 4, "{g}山塘防溺水设施缺失", "{g}山塘无警示牌和防护栏，暑期有溺水风险。"),
        ("hazard.safety.road_traffic", 4, "{g}急弯路段无警示标志", "{g}通组路急弯处无警示标志，夜间易发事故。"),
        ("hazard.safety.multi_purpose", 2, "{g}多合一场所消防隐患", "{g}一处经营场所住人，消防通道堵塞。"),
        (
            "hazard.public_security.telecom_fraud",
            2,
            "{a}疑似遭遇电信诈骗",
            "{a}接到自称客服的电话要求转账，疑似电信诈骗。",
        ),
        ("hazard.public_security.gambling", 1, "{g}聚众赌博隐患", "群众反映{g}有人聚众打牌赌博。"),
    ],
}
EXTRA = {
    "dispute.neighbour": {"subtype": "口角", "parties_count": 2},
    "dispute.housing_homestead": {"subtype": "宅基地界址", "parties_count": 2},
    "dispute.contract": {"subtype": "土地租赁（流转）合同", "parties_count": 2},
    "dispute.land_forest": {"subtype": "地界", "parties_count": 2},
    "dispute.marriage_family": {"subtype": "赡养"},
    "dispute.labour": {"subtype": "拖欠工资"},
    "dispute.compensation": {"subtype": "财产损害"},
    "appeal.infrastructure": {"facility": "饮水"},
    "appeal.subsidy": {"subsidy": "耕地地力保护补贴"},
    "environment.rubbish": {"scale": "一处"},
    "environment.roadside_rubbish": {"scale": "多处"},
    "hazard.safety.multi_purpose": {"premises": "农家小卖部"},
}
HARDSHIP_GROUPS = ["独居老人", "空巢老人", "留守老人", "困难党员", "失能老人", "困境儿童", "其他困难群众"]
CHANNELS = {
    "dispute": [("visit", 5), ("walk_in", 3), ("phone", 2), ("wechat", 2), ("police_alert", 1)],
    "appeal": [("visit", 4), ("walk_in", 3), ("phone", 3), ("wechat", 3), ("hotline", 1)],
    "environment": [("patrol", 5), ("visit", 3), ("wechat", 2), ("inspection", 2)],
    "hardship": [("visit", 6), ("walk_in", 2), ("phone", 2)],
    "hazard": [("inspection", 6), ("patrol", 3), ("visit", 2)],
}
COLORS = {
    "dispute": [("blue", 6), ("yellow", 4), ("red", 1)],
    "appeal": [("blue", 8), ("yellow", 2)],
    "environment": [("blue", 8), ("yellow", 2)],
    "hardship": [("blue", 5), ("yellow", 4), ("red", 1)],
    "hazard": [("blue", 3), ("yellow", 5), ("red", 2)],
}
SAID = ["问题解决了，很满意", "处理及时，感谢网格员", "基本满意", "调解结果认可", "办得好"]
# 寨坝镇, 2021年以来: "网格员、联户长入户走访……发现并解决群众诉求140条". The demo year's appeals found on visits
# (channel 入户走访) and resolved come to exactly this in the demo town, to FOUND_SHARE of its appeals elsewhere:
# each appeal is found on a visit with the probability that spreads what is still missing over the appeals
# still to come, so the visit-found ones are spread over the villages and the year.
FOUND_ON_VISITS = 140
FOUND_SHARE = 0.58
RESOLVED_SHARE = 0.93  # about this share of a year's appeals ends resolved


def _appeal_channel(rng: random.Random, missing: int, left: int) -> str:
    """入户走访 with probability ``missing`` / (expected resolved of the ``left`` appeals to come), else another
    channel by its weight; one random draw either way."""
    p = min(1.0, missing / max(left * RESOLVED_SHARE, 1.0)) if missing > 0 else 0.0
    u = rng.random()
    if u < p:
        return "visit"
    others = [(c, w) for c, w in CHANNELS["appeal"] if c != "visit"]
    x = (u - p) / (1 - p) * sum(w for _, w in others)
    for channel, weight in others:
        x -= weight
        if x < 0:
            return channel
    return others[-1][0]


def _pick(rng: random.Random, pairs: list[tuple[str, int]]) -> str:
    return rng.choices([p[0] for p in pairs], [p[1] for p in pairs])[0]


@dataclass
class Step:
    action: str
    at: dt.datetime
    actor: str
    state: str
    unit: str  # holder place code
    dept: str = ""  # department kind when routed
    note: str = ""
    data: dict = field(default_factory=dict)


@dataclass
class Story:
    """A matter's course, built step by step; the last step is where it stands."""

    t: dt.datetime
    unit: str
    actor: str
    steps: list[Step] = field(default_factory=list)

    def go(self, rng, action, actor, state, *, hours=(2, 48), unit=None, dept="", note="", data=None) -> Step:
        if self.steps:
            self.t += dt.timedelta(minutes=rng.randint(hours[0] * 60, hours[1] * 60))
        step = Step(action, self.t, actor, state, unit or self.unit, dept, note, data or {})
        self.unit = step.unit
        self.steps.append(step)
        return step


@dataclass
class Town:
    """What the matters are written against: places, households, people who act, departments."""

    ids: dict[str, int]
    names: dict[str, str]
    villages: list[str]
    grids_by_village: dict[str, list[str]]
    households_by_grid: dict[str, list[tuple[int, int, str, str, str]]]  # (hh id, resident id, name, phone, path)
    worker_by_grid: dict[str, str]
    elders: dict[str, list[tuple[int, str]]]
    stewards: dict[str, list[tuple[int, str]]]
    town_mediators: list[tuple[int, str]]
    departments: dict[str, tuple[int, str]]
    categories: dict[str, int]
    hours: dict[tuple[str, str, str], int]


@dataclass
class DemoMatters:
    counts: dict[str, int]
    matters: int = 0
    events: int = 0


def _level(code: str) -> str:
    return {16: "grid", 12: "village", 9: "town", 6: "county"}[len(code)]


def _ensure_people(rng: random.Random, town_code: str, now) -> None:
    """Five elders and red stewards per village, mediators at the town (the demo town has none yet)."""
    if Appointment.objects.filter(path__startswith=town_code, role=AppointmentRole.FIVE_ELDERS).exists():
        return
    villages = list(Place.objects.filter(kind="village", code__startswith=town_code))
    rows = []
    town = Place.objects.get(code=town_code)
    taken = set(Appointment.objects.within(town_code).values_list("resident_id", flat=True))
    for village in sorted(villages, key=lambda p: p.code):
        people = list(
            Resident.objects.filter(path__startswith=village.code, birth_date__lte=dt.date(1965, 1, 1))
            .order_by("id")
            .exclude(id__in=taken)
            .values_list("id", "name")[:60]
        )
        chosen = rng.sample(people, min(8, len(people)))
        for i, (rid, name) in enumerate(chosen):
            role = AppointmentRole.FIVE_ELDERS if i < 5 else AppointmentRole.RED_STEWARD
            rows.append((village.code, village.pk, role, rid, name))
    people = list(
        Resident.objects.within(town_code).exclude(id__in=taken).order_by("id").values_list("id", "name")[:400]
    )
    chosen_ids = {rid for _, _, _, rid, _ in rows}
    people = [p for p in people if p[0] not in chosen_ids]
    for rid, name in rng.sample(people, min(3, len(people))):
        rows.append((town_code, town.pk, AppointmentRole.MEDIATOR, rid, name))
    day, reviewed, start = dt.date(2024, 2, 20), dt.date(2024, 3, 1), dt.date(2024, 3, 15)
    table = Table(
        Appointment,
        ["created_at", "updated_at", "path", "place", "role", "resident", "person_name", "status", "nominated_by",
         "nominated_on", "review_note", "reviewed_on", "term_start", "term_end", "end_reason"],
    )  # fmt: skip
    ops = connection.ops
    at, d = ops.adapt_datetimefield_value(now), ops.adapt_datefield_value
    write(
        table,
        [
            (at, at, path, pid, role, rid, name, AppointmentStatus.APPOINTED.value, "村两委", d(day), "", d(reviewed),
             d(start), d(dt.date(2027, 3, 14)), "")
            for path, pid, role, rid, name in rows
        ],
    )  # fmt: skip


def _ensure_departments(town_code: str, now) -> None:
    town = Place.objects.get(code=town_code)
    have = set(Department.objects.filter(path=town_code).values_list("kind", flat=True))
    missing = [(kind, name) for kind, name in DEPARTMENTS if kind not in have]
    if missing:
        Department.objects.bulk_create(
            [Department(path=town_code, place=town, kind=kind, name=name, active=True) for kind, name in missing]
        )


def load_town(town_code: str) -> Town:
    places = list(Place.objects.filter(code__startswith=town_code).values_list("code", "id", "name", "kind"))
    ids = {c: i for c, i, _, _ in places}
    names = {c: n for c, _, n, _ in places}
    villages = sorted(c for c, _, _, k in places if k == "village")
    grids_by_village: dict[str, list[str]] = defaultdict(list)
    for code, _, _, kind in sorted(places):
        if kind == "grid":
            grids_by_village[code[:12]].append(code)
    heads, people = {}, {}
    for hid, rid, name, phone in (
        Resident.objects.within(town_code)
        .filter(relation="householder")
        .values_list("household_id", "id", "name", "phone_masked")
    ):
        heads[hid], people[rid] = rid, (name, phone)
    households_by_grid: dict[str, list] = defaultdict(list)
    for hid, grid_code, path in (
        Household.objects.within(town_code).order_by("id").values_list("id", "grid__code", "path")
    ):
        rid = heads.get(hid)
        if rid is not None and grid_code:
            households_by_grid[grid_code].append((hid, rid, people[rid][0], people[rid][1], path))
    appointments = Appointment.objects.filter(path__startswith=town_code, status=AppointmentStatus.APPOINTED)
    worker_by_grid: dict[str, str] = {}
    elders: dict[str, list] = defaultdict(list)
    stewards: dict[str, list] = defaultdict(list)
    town_mediators = []
    for pk, path, role, name in appointments.order_by("id").values_list("id", "path", "role", "person_name"):
        if role == AppointmentRole.GRID_WORKER:
            worker_by_grid.setdefault(path, name)
        elif role == AppointmentRole.FIVE_ELDERS:
            elders[path].append((pk, name))
        elif role == AppointmentRole.RED_STEWARD:
            stewards[path].append((pk, name))
        elif role == AppointmentRole.MEDIATOR and path == town_code:
            town_mediators.append((pk, name))
    departments = {
        kind: (pk, name)
        for pk, kind, name in Department.objects.filter(path=town_code).values_list("id", "kind", "name")
    }
    return Town(
        ids=ids,
        names=names,
        villages=villages,
        grids_by_village=dict(grids_by_village),
        households_by_grid=dict(households_by_grid),
        worker_by_grid=worker_by_grid,
        elders=dict(elders),
        stewards=dict(stewards),
        town_mediators=town_mediators,
        departments=departments,
        categories=dict(Category.objects.values_list("code", "id")),
        hours={(k, c, lv): h for k, c, lv, h in DeadlineRule.objects.values_list("kind", "color", "level", "hours")},
    )


def yearly_plan(town: Town) -> dict[str, dict[str, int]]:
    """Matters per village and kind: the article's year scaled by the village's households."""
    sizes = {
        v: sum(len(town.households_by_grid.get(g, [])) for g in town.grids_by_village.get(v, [])) for v in town.villages
    }
    sizes = {v: n for v, n in sizes.items() if n}
    mean = sum(sizes.values()) / max(len(sizes), 1)
    return {
        v: {kind: max(1, round(VILLAGE_SHARE * n * size / mean)) for kind, n in ARTICLE_YEAR.items()}
        for v, size in sizes.items()
    }


# ---------------------------------------------------------------- courses per kind


def _village_actor(town: Town, code: str) -> str:
    return f"{town.names[code[:12]]}村（居）委会"


def _course(rng: random.Random, town: Town, kind: str, m: dict, story: Story) -> dict:
    """Run a matter's full course; returns side records (sessions, agreements, routings, feedback)."""
    grid, village, tcode = m["grid"], m["grid"][:12], m["grid"][:9]
    worker = story.actor
    vname = _village_actor(town, grid)
    side: dict = {"sessions": [], "agreements": [], "routings": [], "feedback": None, "steward": None}
    accepted = story.steps[0].state == "in_progress"

    def up(actor, to, reason):
        story.go(rng, "report_up", actor, "pending", unit=to, note=reason, data={"skipped": 0})

    def accept(actor):
        story.go(rng, "accept", actor, "in_progress", hours=(1, 20))

    def resolve(actor, result, data=None):
        story.go(rng, "resolve_on_spot", actor, "resolved", note=result, data=data or {"succeeded": True})
        m["result"] = result

    if not accepted:
        accept(worker)
    if kind == "dispute":
        path = rng.choices(["spot", "village", "town"], [6, 3, 1])[0]
        if path == "spot":
            elders = town.elders.get(village, [])[:2]
            if elders and rng.random() < 0.5:
                s = story.go(rng, "record_mediation", worker, "in_progress", hours=(1, 24),
                             note="网格员会同五老现场调解，双方达成一致", data={"outcome": "success"})  # fmt: skip
                side["sessions"].append((s.at, s.at, "success", grid, elders, "现场调解成功"))
            resolve(worker, "现场调解化解，双方握手言和")
        else:
            story.go(rng, "resolve_on_spot", worker, "in_progress", note="现场劝解，双方各执一词",
                     data={"succeeded": False})  # fmt: skip
            up(worker, village, "现场不能达成调解意见，报村（居）委会组织调解")
            accept(vname)
            elders = town.elders.get(village, [])[:3]
            s = story.go(rng, "schedule_mediation", vname, "in_progress", note=f"{town.names[village]}调解室",
                         data={"mediators": [n for _, n in elders]})  # fmt: skip
            held = story.t + dt.timedelta(days=rng.randint(1, 4))
            if path == "village":
                story.t = held
                story.go(rng, "record_mediation", vname, "in_progress", hours=(1, 3), note="经五老调解，双方达成协议",
                         data={"outcome": "success"})  # fmt: skip
                side["sessions"].append((s.at, held, "success", village, elders, "经五老调解，双方达成协议"))
                if rng.random() < 0.6:
                    story.go(rng, "record_agreement", vname, "in_progress", hours=(1, 4))
                    side["agreements"].append(
                        (story.t, f"{town.names[village]}人民调解委员会", len(side["sessions"]) - 1)
                    )
                story.go(rng, "resolve_on_spot", vname, "resolved", note="调解成功，履行完毕", data={"succeeded": True})
                m["result"] = "调解成功，履行完毕"
            else:
                story.t = held
                story.go(rng, "record_mediation", vname, "in_progress", hours=(1, 3), note="双方分歧较大，调解未成",
                         data={"outcome": "failure"})  # fmt: skip
                side["sessions"].append((s.at, held, "failure", village, elders, "双方分歧较大，调解未成"))
                up(vname, tcode, "村级调解不成，报镇综治中心")
                accept(TOWN_CENTER)
                dept = town.departments["judicial"]
                story.go(rng, "route_to_department", TOWN_CENTER, "at_department", dept="judicial",
                         note="请司法所组织调解")  # fmt: skip
                side["routings"].append((story.t, "judicial"))
                story.go(rng, "record_agreement", dept[1], "at_department", dept="judicial", hours=(24, 240))
                mediators = town.town_mediators[:1]
                side["sessions"].append((story.t, story.t, "success", tcode, mediators, "司法所组织调解，达成协议"))
                side["agreements"].append((story.t, f"{town.names[tcode]}人民调解委员会", len(side["sessions"]) - 1))
                story.go(rng, "department_reply", dept[1], "in_progress", note="经司法所调解达成协议")
                m["result"] = "经司法所调解达成协议"
                story.go(rng, "send_back", TOWN_CENTER, "resolved", unit=grid, note=m["result"])
    elif kind == "appeal":
        if rng.random() < 0.65:
            m["answer_type"] = "answer"
            text = "已向群众解答政策和办理流程"
            story.go(rng, "answer", worker, "resolved", note=text, data={"answer_type": "answer"})
            m["result"] = text
        else:
            m["answer_type"] = "handling"
            story.go(rng, "answer", worker, "in_progress", note="需相关部门办理", data={"answer_type": "handling"})
            up(worker, village, "需上级协调部门办理")
            accept(vname)
            up(vname, tcode, "报镇综治中心交办")
            accept(TOWN_CENTER)
            kind_of = m["department_kind"] if m["department_kind"] in town.departments else "other"
            dept = town.departments[kind_of]
            story.go(rng, "route_to_department", TOWN_CENTER, "at_department", dept=kind_of, note=f"请{dept[1]}办理")
            side["routings"].append((story.t, kind_of))
            story.go(rng, "department_reply", dept[1], "in_progress", hours=(24, 200), note="已办理完毕")
            m["result"] = f"{dept[1]}已办理完毕"
            story.go(rng, "send_back", TOWN_CENTER, "resolved", unit=grid, note=m["result"])
    elif kind == "environment":
        recurrence = rng.choices(["one_off", "recurring", "needs_help"], [7, 2, 1])[0]
        m["recurrence"] = recurrence
        if recurrence == "needs_help":
            up(worker, village, "需村里组织力量整治")
            accept(vname)
            resolve(vname, "村里组织群众投工投劳整治完毕", {"succeeded": True, "recurrence": recurrence})
        else:
            resolve(worker, "组织清理整治完毕" if recurrence == "one_off" else "已清理，纳入常态化整治",
                    {"succeeded": True, "recurrence": recurrence})  # fmt: skip
    elif kind == "hardship":
        stewards = town.stewards.get(village, [])
        if stewards and rng.random() < 0.6:
            steward = rng.choice(stewards)
            side["steward"] = steward[0]
            text = f"红管家{steward[1]}代办完毕"
            story.go(rng, "proxy_handle", worker, "resolved", note=text, data={"steward": steward[1]})
            m["result"] = text
        elif rng.random() < 0.5:
            up(worker, village, "需村（居）委会协调")
            accept(vname)
            resolve(vname, "村（居）委会协调解决")
        else:
            up(worker, village, "需镇里协调")
            accept(vname)
            up(vname, tcode, "报镇综治中心")
            accept(TOWN_CENTER)
            dept = town.departments["civil_affairs"]
            story.go(
                rng, "route_to_department", TOWN_CENTER, "at_department", dept="civil_affairs", note="请民政办办理"
            )
            side["routings"].append((story.t, "civil_affairs"))
            story.go(rng, "department_reply", dept[1], "in_progress", hours=(24, 300), note="已纳入救助")
            m["result"] = "已纳入救助"
            story.go(rng, "send_back", TOWN_CENTER, "resolved", unit=grid, note=m["result"])
    elif kind == "hazard":
        measures = {
            "hazard.safety.electricity_gas": "更换老化线路，规范接线",
            "hazard.safety.self_built_house": "撤离人员，加固墙体",
            "hazard.safety.drowning": "设置警示牌和防护栏",
            "hazard.safety.road_traffic": "设置急弯警示标志",
            "hazard.safety.multi_purpose": "清理消防通道，人员搬离",
        }.get(m["category"], "上门宣传劝导，落实防范措施")
        story.go(rng, "rectify", worker, "reinspection", hours=(24, 240), note=measures)
        m["rectified"] = story.t
        m["result"] = measures
        if rng.random() < 0.15:
            story.go(
                rng, "reinspect", worker, "in_progress", hours=(24, 120), note="整改不到位", data={"passed": False}
            )
            story.go(rng, "rectify", worker, "reinspection", hours=(24, 120), note=measures)
            m["rectified"] = story.t
        story.go(
            rng, "reinspect", worker, "resolved", hours=(24, 120), note="复查合格，隐患消除", data={"passed": True}
        )
        m["result"] = f"{measures}\n复查：复查合格，隐患消除"
    # closing the loop
    if m["reporter_known"]:
        fb = story.go(rng, "record_feedback", worker, "resolved", hours=(4, 72), note=rng.choice(SAID))
        side["feedback"] = (fb.at, fb.note, rng.choice([4, 5, 5, 5]))
        fb.data = {"verdict": "accepted", "satisfaction": side["feedback"][2]}
    story.go(rng, "close", worker, "closed", hours=(1, 24))
    return side


# ---------------------------------------------------------------- writing


def _next_id(model: type[models.Model]) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {connection.ops.quote_name(model._meta.db_table)}")
        return cursor.fetchone()[0] + 1


def seed_matters(seed: int = 1, town_code: str = DEMO_TOWN, today: dt.date | None = None) -> DemoMatters | None:
    """Write the demo year of matters for ``town_code``; None when the town is missing or already has matters."""
    if not Place.objects.filter(code=town_code).exists() or Matter.objects.filter(path__startswith=town_code).exists():
        return None
    tz = timezone.get_current_timezone()
    today = today or timezone.localdate()
    now = dt.datetime.combine(today, dt.time(18, 0), tzinfo=tz)
    rng = random.Random(f"matters:{seed}:{town_code}")
    with transaction.atomic():
        _ensure_people(rng, town_code, now)
        _ensure_departments(town_code, now)
        town = load_town(town_code)
        result = _write(rng, town, now, today)
    return result


def _adapters():
    """Datetime and JSON values as the backend stores them (Django's adapters, minus their per-call overhead)."""
    if connection.vendor != "sqlite":
        return (lambda value: value), _json
    utc = dt.UTC

    def adt(value: dt.datetime) -> str:
        return str(value.astimezone(utc).replace(tzinfo=None))

    return adt, lambda value: json.dumps(value, ensure_ascii=False)


def _write(rng: random.Random, town: Town, now: dt.datetime, today: dt.date) -> DemoMatters:
    ops = connection.ops
    adt, _json = _adapters()
    start = today - dt.timedelta(days=365)
    dept_kind_of = dict(Category.objects.values_list("code", "department_kind"))
    plan = yearly_plan(town)
    appeals_left = sum(kinds.get("appeal", 0) for kinds in plan.values())
    town_code = town.villages[0][:9] if town.villages else ""
    found_missing = FOUND_ON_VISITS if town_code == DEMO_TOWN else round(FOUND_SHARE * appeals_left)
    matter_id, session_id = _next_id(Matter), _next_id(MediationSession)
    matter_rows, event_rows, session_rows, mediator_rows = [], [], [], []
    agreement_rows, routing_rows, feedback_rows, supervision_rows = [], [], [], []
    counts: dict[str, int] = defaultdict(int)
    for village in sorted(plan):
        grids = [g for g in town.grids_by_village[village] if town.households_by_grid.get(g)]
        for kind, n in plan[village].items():
            templates = TEMPLATES[kind]
            for _ in range(n):
                code, _w, title_t, desc_t = rng.choices(templates, [t[1] for t in templates])[0]
                grid = rng.choice(grids)
                homes = town.households_by_grid[grid]
                hid, rid, name_a, _phone, home_path = rng.choice(homes)
                others = [h[2] for h in homes if h[2] != name_a] or [h[2] for h in town.households_by_grid[grids[0]]]
                name_b = rng.choice(others)
                gname = town.names[grid]
                day = start + dt.timedelta(days=rng.randint(1, 365))
                created = dt.datetime.combine(day, dt.time(rng.randint(8, 18), rng.randint(0, 59)), tzinfo=now.tzinfo)
                if created > now - dt.timedelta(hours=2):
                    created = now - dt.timedelta(hours=rng.randint(2, 8))
                if kind == "appeal":
                    channel = _appeal_channel(rng, found_missing, appeals_left)
                    appeals_left -= 1
                else:
                    channel = _pick(rng, CHANNELS[kind])
                color = _pick(rng, COLORS[kind])
                anonymous = kind == "hazard" or (kind == "environment" and channel in ("patrol", "inspection"))
                household = hid if "{a}" in title_t else None
                extra = dict(EXTRA.get(code, {}))
                if kind == "hardship":
                    extra["group"] = rng.choice(HARDSHIP_GROUPS)
                    if code == "hardship.paperwork":
                        extra["item"] = "身份证换领、医保报销"
                worker = town.worker_by_grid.get(grid, f"{gname}网格员")
                m = {
                    "grid": grid, "category": code, "department_kind": dept_kind_of.get(code, ""),
                    "reporter_known": not anonymous, "result": "", "answer_type": "", "recurrence": "",
                    "rectified": None,
                }  # fmt: skip
                story = Story(created, grid, worker)
                self_found = channel in ("visit", "patrol", "inspection")
                story.go(rng, "record", worker, "in_progress" if self_found else "pending",
                         data={"accepted": self_found, "possible_duplicate": False})  # fmt: skip
                side = _course(rng, town, kind, m, story)
                age_days = (now - created).days
                keep = len(story.steps)
                if age_days <= OPEN_RECENT_DAYS and rng.random() < 0.6 or rng.random() < STUCK_SHARE:
                    keep = rng.randint(1, len(story.steps) - 1 - (1 if m["reporter_known"] else 0))
                # Only what happened before now.
                keep = min(keep, sum(1 for s in story.steps if s.at <= now) or 1)
                steps = story.steps[:keep]
                last = steps[-1]
                state = last.state
                if kind == "appeal" and channel == "visit" and state in ("resolved", "closed"):
                    found_missing -= 1
                is_open = state != "closed"
                arrived = steps[0]
                for prev, step in zip(steps, steps[1:], strict=False):
                    if (step.unit, step.dept) != (prev.unit, prev.dept):
                        arrived = step
                arrived_at = arrived.at
                level = _level(last.unit)
                dlevel = "department" if last.dept else level
                hours = town.hours.get((kind, color, dlevel))
                deadline = arrived_at + dt.timedelta(hours=hours) if hours else None
                red_at = arrived_at + dt.timedelta(hours=2 * hours) if hours else None
                resolved_at = next((s.at for s in reversed(steps) if s.state == "resolved"), None)
                resolved_at = resolved_at if state in ("resolved", "closed") else None
                feedback = side["feedback"] if any(s.action == "record_feedback" for s in steps) else None
                card, overdue = "", False
                cards = []
                if is_open and deadline and deadline <= now:
                    overdue, card = True, "yellow"
                    cards.append(("yellow", deadline, hours))
                    if red_at <= now:
                        card = "red"
                        cards.append(("red", red_at, hours))
                pk = matter_id
                matter_id += 1
                counts[kind] += 1
                holder_dept = town.departments[last.dept][0] if last.dept else None
                answer_type = m["answer_type"] if any(s.action == "answer" for s in steps) else ""
                recurrence = m["recurrence"] if state in ("resolved", "closed") else ""
                rectified = (
                    m["rectified"] if kind == "hazard" and state in ("reinspection", "resolved", "closed") else None
                )
                steward = side["steward"] if any(s.action == "proxy_handle" for s in steps) else None
                title = title_t.format(a=name_a, b=name_b, g=gname)
                description = desc_t.format(a=name_a, b=name_b, g=gname)
                place_code = home_path if household else grid
                matter_rows.append((
                    pk, adt(created), adt(last.at), place_code, kind, town.categories[code], _json(extra), title,
                    description, bigram_tokens(f"{title} {description}"), channel,
                    "anonymous" if anonymous else "resident", None if anonymous else rid, "", "",
                    household,
                    town.ids[place_code], color, state, is_open, level, town.ids[last.unit], last.unit,
                    holder_dept, adt(arrived_at), adt(deadline) if deadline else None, adt(red_at) if red_at else None,
                    overdue, card, m["result"] if state in ("resolved", "closed") else "",
                    adt(resolved_at) if resolved_at else None,
                    adt(feedback[0]) if feedback else None,
                    adt(last.at) if state == "closed" else None,
                    answer_type, recurrence, steward, adt(rectified) if rectified else None, False,
                ))  # fmt: skip
                prev = None
                for step in steps:
                    event_rows.append(_event_row(adt, _json, town, pk, place_code, prev, step))
                    prev = step
                for color_, at, h in cards:
                    holder = town.departments[last.dept][1] if last.dept else town.names[last.unit]
                    reason = (
                        f"{holder}超过办理时限（{h}小时）未办结" if color_ == "yellow"
                        else f"{holder}超过办理时限一倍（{2 * h}小时）仍未办结"
                    )  # fmt: skip
                    sup = Step("supervise", at, SUPERVISOR, state, last.unit, last.dept, reason, {"color": color_})
                    event_rows.append(_event_row(adt, _json, town, pk, place_code, last, sup))
                    supervision_rows.append((
                        adt(at), adt(at), place_code, pk, color_, dlevel, town.ids[last.unit], holder_dept, reason,
                        adt(at), adt(arrived_at),
                    ))  # fmt: skip
                kept_sessions = [s for s in side["sessions"] if s[0] <= last.at]
                session_ids = []
                for scheduled, held, outcome, unit, mediators, summary in kept_sessions:
                    done = held <= last.at
                    session_rows.append((
                        session_id, adt(scheduled), adt(scheduled), place_code, pk, adt(scheduled),
                        f"{town.names[unit]}调解室", f"{name_a}；{name_b}", outcome if done else "",
                        adt(held or scheduled) if done else None, summary if done else "", "", _level(unit),
                    ))  # fmt: skip
                    mediator_rows += [(session_id, mid) for mid, _ in mediators]
                    session_ids.append(session_id)
                    session_id += 1
                for n_agreement, (signed, org, index) in enumerate(side["agreements"]):
                    if signed > last.at or index >= len(session_ids):
                        continue
                    agreement_rows.append((
                        adt(signed), adt(signed), place_code, pk, session_ids[index],
                        f"寨调〔{signed.year}〕{pk}-{n_agreement + 1}号", org,
                        _json([{"name": name_a, "role": "申请人"}, {"name": name_b, "role": "被申请人"}]),
                        description, "双方自愿达成协议，互谅互让，今后和睦相处。", "即时履行",
                        ops.adapt_datefield_value(timezone.localtime(signed).date()),
                        "、".join(n for _, n in kept_sessions_mediators(kept_sessions, index)),
                    ))  # fmt: skip
                for at, dkind in side["routings"]:
                    if at <= last.at:
                        routing_rows.append((adt(at), adt(at), place_code, pk, town.departments[dkind][0], adt(at)))
                if feedback:
                    feedback_rows.append((
                        adt(feedback[0]), adt(feedback[0]), place_code, pk, rng.choice(["phone", "visit", "wechat"]),
                        adt(feedback[0]), feedback[1], feedback[2], "accepted",
                    ))  # fmt: skip
    _insert(matter_rows, event_rows, session_rows, mediator_rows, agreement_rows, routing_rows, feedback_rows,
            supervision_rows)  # fmt: skip
    _locate(town_code)
    return DemoMatters(counts=dict(counts), matters=len(matter_rows), events=len(event_rows))


def _locate(town_code: str) -> None:
    """A matter about a household lies where the household lives (the cockpit's map draws it as a point)."""
    home = Household.objects.filter(pk=models.OuterRef("household_id")).values("point")[:1]
    Matter.objects.filter(path__startswith=town_code, household__isnull=False, point__isnull=True).update(
        point=models.Subquery(home)
    )


def kept_sessions_mediators(sessions, index):
    return sessions[index][4] if index < len(sessions) else []


def _event_row(adt, jsn, town: Town, pk: int, path: str, prev: Step | None, step: Step) -> tuple:
    def level(s: Step) -> str:
        return "department" if s.dept else _level(s.unit)

    return (
        adt(step.at), adt(step.at), path, pk, adt(step.at), step.actor, step.action,
        prev.state if prev else "", step.state, level(prev) if prev else "", level(step),
        town.ids[prev.unit] if prev else None, town.ids[step.unit],
        town.departments[prev.dept][0] if prev and prev.dept else None,
        town.departments[step.dept][0] if step.dept else None,
        step.note, jsn(step.data),
    )  # fmt: skip


MATTER_FIELDS = [
    "id", "created_at", "updated_at", "path", "kind", "category", "extra", "title", "description", "search_text",
    "channel", "reporter_type", "reporter_resident", "reporter_name", "reporter_phone_masked", "household", "place",
    "color", "state", "is_open", "level", "holder_place", "holder_path", "holder_department", "arrived_at",
    "deadline_at", "red_card_at", "overdue", "card", "result", "resolved_at", "feedback_accepted_at", "closed_at",
    "answer_type", "recurrence", "proxy_steward", "rectified_at", "possible_duplicate",
]  # fmt: skip
EVENT_FIELDS = [
    "created_at", "updated_at", "path", "matter", "at", "actor_name", "action", "from_state", "to_state",
    "from_level", "to_level", "from_unit", "to_unit", "from_department", "to_department", "note", "data",
]  # fmt: skip


def _insert(matters, events, sessions, mediators, agreements, routings, feedbacks, supervisions) -> None:
    write(Table(Matter, MATTER_FIELDS), matters)
    write(Table(MatterEvent, EVENT_FIELDS), events)
    write(
        Table(
            MediationSession,
            ["id", "created_at", "updated_at", "path", "matter", "scheduled_for", "venue", "parties", "outcome",
             "held_at", "summary", "agreement_text", "level"],
        ),
        sessions,
    )  # fmt: skip
    write(through(MediationSession, "mediators"), mediators)
    write(
        Table(
            MediationAgreement,
            ["created_at", "updated_at", "path", "matter", "session", "number", "organisation", "parties", "facts",
             "terms", "performance", "signed_on", "mediator_names"],
        ),
        agreements,
    )  # fmt: skip
    write(Table(MatterRouting, ["created_at", "updated_at", "path", "matter", "department", "routed_at"]), routings)
    write(
        Table(Feedback, ["created_at", "updated_at", "path", "matter", "method", "contacted_at", "said", "satisfaction",
                         "verdict"]),
        feedbacks,
    )  # fmt: skip
    write(
        Table(Supervision, ["created_at", "updated_at", "path", "matter", "color", "level", "holder_place",
                            "holder_department", "reason", "issued_at", "holding_since"]),
        supervisions,
    )  # fmt: skip
    statements = connection.ops.sequence_reset_sql(no_style(), [Matter, MediationSession])
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
