"""The demo town's key persons since 2021, shaped like the 寨坝镇 report (摸排稳控13类重点人员706人).

706 residents enlisted across the 13 seeded categories (most in the first sweep of 2021, the rest
over the years), each with a risk color, the grid leader of their grid as responsible person
(包保责任人, holding the key-population grant) and control measures; follow-ups at the color's
interval from enlistment to today, some color changes with their reason, a few persons moved
away or released from the list, a few out of contact, and some follow-ups now overdue — so the
alert sweep (`actions.raise_alerts`, run at the end) has something to raise.

Rows are written raw, with the timeline events the actions would have written. A seed and a day
give the same records; running again on a town that has key persons does nothing.
"""

from __future__ import annotations

import datetime as dt
import random

from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils import timezone

from gridgov.demo.build import DEMO_TOWN
from gridgov.demo.field import ensure_field_accounts
from gridgov.demo.seed import Table, adapters, write
from gridgov.households.models import Resident
from gridgov.keypersons.choices import (
    FollowUpMode,
    KeyPersonAction,
    KeyPersonStatus,
    PersonState,
    RiskColor,
    Whereabouts,
)
from gridgov.keypersons.models import FollowUp, KeyPerson, KeyPersonCategory, KeyPersonEvent
from gridgov.places.choices import CODE_LENGTH, PlaceKind

START = dt.date(2021, 1, 1)
GRID_LENGTH = CODE_LENGTH[PlaceKind.GRID]
SYSTEM = "系统"
# Persons per category (706 in all): the mix of a rural town of Guizhou.
PLAN = {
    "released_prisoner": 118,
    "community_correction": 42,
    "drug_user": 96,
    "severe_mental_disorder": 152,
    "aids_high_risk": 11,
    "key_youth": 63,
    "key_petitioner": 47,
    "cult_involved": 14,
    "incident_prone": 39,
    "extreme_violence_risk": 9,
    "escalating_dispute": 58,
    "gang_involved": 12,
    "fraud_involved": 45,
}
COLORS = [(10, RiskColor.RED), (30, RiskColor.YELLOW), (60, RiskColor.BLUE)]
ENDED_SHARE = 0.08  # moved away or released since
LOST_EVERY = 78  # one person in 78 is out of contact now
OVERDUE_SHARE = 0.04
# The electronic follow-up log holds the last year; older follow-ups stay in the paper books.
LOG_DAYS = 365
MEASURES = {
    "released_prisoner": "落实安置帮教，帮助联系就业，每月谈心谈话。",
    "community_correction": "配合司法所落实矫正措施，掌握日常活动，外出须请假报备。",
    "drug_user": "配合派出所落实社区康复措施，定期尿检，掌握交往人员。",
    "severe_mental_disorder": "落实监护责任，督促按时服药，卫生院定期随访，落实以奖代补。",
    "aids_high_risk": "配合卫生院落实随访和宣传教育。",
    "key_youth": "联系学校和家庭落实帮扶，关注交友和上网情况。",
    "key_petitioner": "包案领导定期见面，及时回应诉求，化解信访积案。",
    "cult_involved": "落实教育转化措施，帮助解决实际困难。",
    "incident_prone": "落实看护责任，掌握情绪变化，发现异常立即报告。",
    "extreme_violence_risk": "落实专人稳控，掌握行踪和思想动态，必要时报告公安。",
    "escalating_dispute": "组织调解，跟踪纠纷化解情况，防止矛盾激化。",
    "gang_involved": "配合公安机关掌握动态，落实帮教措施。",
    "fraud_involved": "开展反诈教育，掌握出行和银行卡、电话卡使用情况。",
}
NOTES = [
    (50, "见到本人，情绪稳定，生产生活正常。"),
    (15, "与家属交谈，了解近期表现良好，无异常。"),
    (10, "电话联系本人，在家务农，无外出计划。"),
    (8, "本人在外务工，电话联系去向明确，按时报告。"),
    (7, "提醒按时服药（复诊），家属表示会督促。"),
    (5, "近期情绪有波动，已做思想工作，继续关注。"),
    (5, "帮助联系就业、申请临时救助，本人表示感谢。"),
]
WHEREABOUTS = [
    (60, Whereabouts.AT_HOME),
    (20, Whereabouts.LOCAL),
    (18, Whereabouts.AWAY_KNOWN),
    (2, Whereabouts.INSTITUTION),
]
MODES = [
    (55, FollowUpMode.DOOR),
    (25, FollowUpMode.PHONE),
    (12, FollowUpMode.RELATIVES),
    (5, FollowUpMode.JOINT),
    (3, FollowUpMode.VIDEO),
]
DOWNGRADE = {RiskColor.RED: RiskColor.YELLOW, RiskColor.YELLOW: RiskColor.BLUE}
UPGRADE = {RiskColor.BLUE: RiskColor.YELLOW, RiskColor.YELLOW: RiskColor.RED}


def _pick(rng: random.Random, pairs):
    roll = rng.random() * sum(weight for weight, _ in pairs)
    for weight, value in pairs:
        roll -= weight
        if roll < 0:
            return value
    return pairs[-1][1]


def _next_id(model) -> int:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX({quote('id')}), 0) FROM {quote(model._meta.db_table)}")
        return cursor.fetchone()[0] + 1


def _age(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _at(rng: random.Random, day: dt.date, now: dt.datetime) -> dt.datetime:
    minutes = int(rng.random() * 660) + 480  # 08:00 to 19:00
    moment = dt.datetime.combine(day, dt.time(minutes // 60, minutes % 60), tzinfo=timezone.get_current_timezone())
    return min(moment, now - dt.timedelta(minutes=5))


class _Writer:
    """Collects the rows of persons, follow-ups and events with ids handed out here."""

    def __init__(self, now: dt.datetime):
        self.adt, self.adate = adapters()
        self.now = now
        self.ids = {m: _next_id(m) for m in (KeyPerson, FollowUp, KeyPersonEvent)}
        self.persons, self.follow_ups, self.events = [], [], []

    def take(self, model) -> int:
        pk = self.ids[model]
        self.ids[model] += 1
        return pk

    def event(self, person_id, path, action, actor, actor_name, at, note="", data=None) -> None:
        from gridgov.demo.seed import _json

        self.events.append(
            (
                self.take(KeyPersonEvent),
                path,
                person_id,
                action,
                actor,
                actor_name,
                self.adt(at),
                note,
                _json(data or {}),
            )
        )


def _eligible(rng: random.Random, town: str, today: dt.date) -> list[tuple]:
    rows = list(
        Resident.objects.filter(path__startswith=town, household__isnull=False)
        .order_by("id")
        .values_list("id", "path", "birth_date", "sex")
    )
    rng.shuffle(rows)
    return rows


def seed(seed: int = 1, today: dt.date | None = None, town: str = DEMO_TOWN) -> dict[str, int]:
    """Add the town's key persons with their follow-ups (nothing if it has key persons already)."""
    if KeyPerson.objects.filter(path__startswith=town).exists():
        return {}
    categories = {c.code: c for c in KeyPersonCategory.objects.filter(code__in=PLAN)}
    if len(categories) != len(PLAN):
        return {}
    now = timezone.now()
    today = today or timezone.localdate(now)
    rng = random.Random(f"keypersons:{seed}")
    accounts = ensure_field_accounts(town)
    names = dict(Resident.objects.filter(path__startswith=town).values_list("id", "name"))
    pool = _eligible(rng, town, today)
    used: set[int] = set()
    w = _Writer(now)
    n = 0
    for code, count in PLAN.items():
        category = categories[code]
        lo, hi = (14, 25) if code == "key_youth" else (18, 75)
        if code == "severe_mental_disorder":
            lo, hi = 18, 85
        chosen = []
        for row in pool:
            if len(chosen) == count:
                break
            if row[0] in used or row[2] is None or not lo <= _age(row[2], today) <= hi:
                continue
            if (
                code not in ("severe_mental_disorder", "key_youth", "key_petitioner")
                and row[3] == "F"
                and rng.random() < 0.7
            ):
                continue  # most of these categories are men
            chosen.append(row)
            used.add(row[0])
        for resident_id, path, _birth, _sex in chosen:
            lost = n % LOST_EVERY == LOST_EVERY // 2  # 9 of 706
            n += 1
            _person(rng, w, category, code, resident_id, path, names.get(resident_id, ""), accounts, today, lost)
    with transaction.atomic():
        _write(w)
        from gridgov.keypersons.actions import raise_alerts
        from gridgov.visits.demo import rebuild_states

        rebuild_states(town)
        alerts = raise_alerts(now)
    return {"key_persons": len(w.persons), "follow_ups": len(w.follow_ups), "events": len(w.events), "alerts": alerts}


def _person(rng, w: _Writer, category, code, resident_id, path, name, accounts, today, lost) -> None:
    now = w.now
    # Most were enlisted in the first sweep of 2021; the rest over the years since.
    if rng.random() < 0.55:
        enlisted = START + dt.timedelta(days=rng.randrange(120))
    else:
        enlisted = START + dt.timedelta(days=rng.randrange(max((today - START).days - 30, 1)))
    color = _pick(rng, COLORS)
    leaders = accounts.leaders.get(path[:GRID_LENGTH]) or []
    responsible = leaders[0] if leaders else None
    pid = w.take(KeyPerson)
    enlist_at = _at(rng, enlisted, now)
    w.event(
        pid, path, KeyPersonAction.ENLIST, None, "寨坝镇综治中心", enlist_at, data={"category": code, "color": color}
    )
    ended = None
    if not lost and rng.random() < ENDED_SHARE:
        ended = enlisted + dt.timedelta(days=rng.randint(180, max(181, (today - enlisted).days - 1)))
        if ended >= today:
            ended = None
    overdue = not lost and ended is None and rng.random() < OVERDUE_SHARE
    stop = ended or today
    change_at = enlisted + dt.timedelta(days=rng.randint(60, 400)) if rng.random() < 0.2 else None
    day = max(enlisted, today - dt.timedelta(days=LOG_DAYS))
    last = None
    while True:
        step = category.days_for(color)
        nxt = day + dt.timedelta(days=max(1, step - rng.randint(0, min(3, step - 1))))
        if nxt > stop or (nxt > today - dt.timedelta(days=step) and (overdue or lost) and last is not None):
            break
        day = nxt
        before = color
        reason = ""
        if change_at is not None and day >= change_at:
            change_at = None
            target = DOWNGRADE.get(color) if rng.random() < 0.75 else UPGRADE.get(color)
            if target:
                color = target
                reason = (
                    "近期表现稳定，经评估降低风险等级"
                    if target in (DOWNGRADE.get(before),)
                    else "近期情绪波动、有异常言行，提高风险等级"
                )
        _follow_up(rng, w, pid, path, day, before, color, reason, responsible, name)
        last = day
    status, since, end_reason = KeyPersonStatus.UNDER_FOLLOW_UP, None, ""
    if lost:
        since = (last or enlisted) + dt.timedelta(days=rng.randint(1, 5))
        since = min(since, today)
        fu_at = _at(rng, since, now)
        _follow_up(rng, w, pid, path, since, color, color, "", responsible, name, unknown=True)
        w.event(
            pid,
            path,
            KeyPersonAction.OUT_OF_CONTACT,
            responsible,
            "包保责任人",
            fu_at,
            note="稳控时下落不明",
            data={"since": since.isoformat()},
        )
        status = KeyPersonStatus.OUT_OF_CONTACT
    elif ended is not None:
        moved = rng.random() < 0.4
        status = KeyPersonStatus.MOVED_AWAY if moved else KeyPersonStatus.RELEASED
        end_reason = "举家迁往外县居住，已通报迁入地" if moved else "列管期满，经评估风险消除，解除列管"
        action = KeyPersonAction.MOVED_AWAY if moved else KeyPersonAction.RELEASE
        w.event(pid, path, action, None, "寨坝镇综治中心", _at(rng, ended, now), note=end_reason)
    last_on = last
    due = (last or enlisted) + dt.timedelta(days=category.days_for(color))
    w.persons.append(
        (
            pid, w.adt(enlist_at), w.adt(now), path, resident_id, category.pk, color, responsible,
            MEASURES[code], status, w.adate(enlisted), w.adate(last_on), w.adate(due), w.adate(since),
            w.adate(ended), end_reason,
        )
    )  # fmt: skip


def _follow_up(rng, w: _Writer, pid, path, day, before, after, reason, by, name, unknown=False) -> None:
    at = _at(rng, day, w.now)
    fid = w.take(FollowUp)
    if unknown:
        whereabouts, mode, state = Whereabouts.UNKNOWN, FollowUpMode.RELATIVES, PersonState.WATCH
        notes = "上门未见到本人，家属称已外出多日、联系不上，手机关机。"
    else:
        whereabouts, mode = _pick(rng, WHEREABOUTS), _pick(rng, MODES)
        state = PersonState.STABLE if rng.random() < 0.93 else PersonState.WATCH
        notes = _pick(rng, NOTES)
    detail = "在浙江宁波务工" if whereabouts == Whereabouts.AWAY_KNOWN else ""
    w.follow_ups.append(
        (
            fid,
            w.adt(at),
            w.adt(at),
            path,
            pid,
            w.adt(at),
            mode,
            whereabouts,
            detail,
            state,
            notes,
            before,
            after,
            reason,
            by,
        )
    )
    actor = "包保责任人" if by else SYSTEM
    w.event(pid, path, KeyPersonAction.FOLLOW_UP, by, actor, at, data={"follow_up": fid})
    if before != after:
        w.event(
            pid,
            path,
            KeyPersonAction.COLOR_CHANGE,
            by,
            actor,
            at,
            note=reason,
            data={"from": before, "to": after, "follow_up": fid},
        )


def _write(w: _Writer) -> None:
    persons = Table(
        KeyPerson,
        [
            "id", "created_at", "updated_at", "path", "resident", "category", "color", "responsible",
            "control_measures", "status", "enlisted_on", "last_follow_up_on", "next_follow_up_due",
            "out_of_contact_since", "ended_on", "end_reason",
        ],
    )  # fmt: skip
    follow_ups = Table(
        FollowUp,
        [
            "id", "created_at", "updated_at", "path", "key_person", "followed_up_at", "mode", "whereabouts",
            "whereabouts_detail", "state", "notes", "color_before", "color_after", "color_reason", "by",
        ],
    )  # fmt: skip
    events = Table(KeyPersonEvent, ["id", "path", "key_person", "action", "actor", "actor_name", "at", "note", "data"])
    write(persons, w.persons)
    for start in range(0, len(w.follow_ups), 5000):
        write(follow_ups, w.follow_ups[start : start + 5000])
    for start in range(0, len(w.events), 5000):
        write(events, w.events[start : start + 5000])
    statements = connection.ops.sequence_reset_sql(no_style(), [KeyPerson, FollowUp, KeyPersonEvent])
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
