"""A crowded world for the list walker: more than 100 rows of every list in grid A (and so in cluster A1, village A,
the town and the county), made once per module.

The first record of each kind goes through the app's own action (so it is whole: audit rows, due dates, links);
the rest are copies of it (bulk inserts), which is all a list page reads.
"""

from __future__ import annotations

import copy
import datetime as dt
import uuid
from dataclasses import dataclass

from django.utils import timezone

from gridgov.accounts.choices import Role
from gridgov.accounts.models import User
from gridgov.campaigns import actions as campaign_actions
from gridgov.campaigns.choices import CampaignStatus, QuestionKind
from gridgov.campaigns.models import Campaign, CampaignPlace
from gridgov.chatnotices import actions as chat_actions
from gridgov.chatnotices.models import ChatNotice
from gridgov.cleanups.models import CleanupRound, ResponsibilityArea
from gridgov.deeds.models import Deed
from gridgov.deliberations.models import Deliberation
from gridgov.households import actions as household_actions
from gridgov.households.models import Household, Resident
from gridgov.keypersons import actions as key_actions
from gridgov.keypersons.models import KeyPerson, KeyPersonAlert, KeyPersonCategory, KeyPersonEvent
from gridgov.matters import actions as matter_actions
from gridgov.matters.choices import DepartmentKind, Level, MatterState
from gridgov.matters.models import Category, Department, Matter
from gridgov.notifications.models import Notice
from gridgov.patrols.models import Patrol
from gridgov.personnel import actions as personnel_actions
from gridgov.personnel.choices import AppointmentRole
from gridgov.personnel.models import Appointment
from gridgov.places.choices import PlaceKind
from gridgov.places.models import Place
from gridgov.publicity.models import PublicityEvent
from gridgov.registers.models import RegisterImport
from gridgov.testing import PASSWORD, World, build_world, make_user, new_id_number
from gridgov.visits import actions as visit_actions
from gridgov.visits.models import Visit, VisitRule, VulnerableMember

N = 120  # rows of each list: more than a page of 50 and more than the 100 rows a page may show


@dataclass
class Crowd:
    world: World
    officer: User  # the town's key-population officer (holds the grant)
    grids: list[Place]  # N more grids in group A (empty, unstaffed: coverage gaps)
    households: list[Household]  # N more in grid A, cluster A1
    key_person: KeyPerson  # with N follow-ups
    campaign: Campaign  # running over village A, N households checked
    notice: ChatNotice  # sent to N chat groups, each delivery awaiting a hand
    round: CleanupRound
    matter: Matter
    department: Department  # the judicial office, holding N matters
    nomination: Appointment
    register_import: RegisterImport
    visit: Visit
    member: VulnerableMember
    patrol: Patrol
    event: PublicityEvent
    deliberation: Deliberation
    deed: Deed

    def personas(self) -> dict[str, User]:
        w = self.world
        return {
            "county": w.county_staff,
            "town": w.town_staff,
            "village": w.village_committee,
            "grid1": w.grid_worker_a,
            "grid2": w.grid_worker_b,
            "cluster": w.cluster_leader_a1,
            "liaison": w.department_liaison,
            "keypop": self.officer,
            "sysadmin": w.system_admin,
            "secadmin": w.security_admin,
            "auditor": w.auditor,
        }


def clone(obj, n: int, **vary) -> list:
    """``n`` copies of a saved row (a value, or ``callable(i)``, per changed field), inserted in one go."""
    rows = []
    for i in range(n):
        row = copy.copy(obj)
        row.pk = None
        row._state = copy.copy(obj._state)
        row._state.adding = True
        if hasattr(row, "client_uuid"):
            row.client_uuid = None
        for name, value in vary.items():
            setattr(row, name, value(i) if callable(value) else value)
        rows.append(row)
    return type(obj).objects.bulk_create(rows, batch_size=500)


def days_ago(n: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(timezone.localdate() - dt.timedelta(days=n), dt.time(9)))


def build_crowd() -> Crowd:
    w = build_world()
    town = w.town_staff
    officer = make_user(
        "town_kp", Role.CENTER_STAFF, w.town, display_name="镇重点人群专干", may_view_key_population=True
    )
    today = timezone.localdate()

    # Places: N more grids in group A, each with a grid worker's account (the accounts list, per-worker figures).
    grids = Place.objects.bulk_create(
        [
            Place(
                code=f"{w.group_a.code}{i + 10:02d}",
                name=f"桂园村第{i + 10}网格",
                kind=PlaceKind.GRID,
                parent=w.group_a,
            )
            for i in range(N)
        ]
    )
    grids = list(Place.objects.filter(code__in=[g.code for g in grids]).order_by("code"))
    workers = [
        User(username=f"gw{i:03d}", display_name=f"网格员{i:03d}", role=Role.GRID_WORKER, place=g)
        for i, g in enumerate(grids)
    ]
    for u in workers:
        u.set_password(PASSWORD)
    User.objects.bulk_create(workers)

    # Households and residents: N in grid A, cluster A1, one resident each; N more without a cluster (coverage gap).
    first = household_actions.create_household(
        town, number="H-N-000", grid=w.grid_a, cluster=w.cluster_a1, address="桂园村一组100号", house_type="self_built"
    )
    household_actions.add_resident(
        town,
        household_actions.ResidentInput(
            name="居民000", id_number=new_id_number(), phone="13900000000", relation="householder"
        ),
        household=first,
    )
    clone(first, N - 1, number=lambda i: f"H-N-{i + 1:03d}", householder=None, member_count=0)
    clone(first, N, number=lambda i: f"H-U-{i:03d}", cluster=None, path=w.grid_a.code, householder=None, member_count=0)
    # One household in each new grid: per-grid figures (coverage, a campaign's progress) have N+ rows.
    clone(
        first, N, number=lambda i: f"H-G-{i:03d}", grid=lambda i: grids[i], cluster=None, path=lambda i: grids[i].code,
        householder=None, member_count=0,
    )  # fmt: skip
    households = list(Household.objects.filter(number__startswith="H-N-").order_by("number"))
    resident = Resident.objects.get(household=first)
    clone(
        resident,
        N - 1,
        household=lambda i: households[i + 1],
        name=lambda i: f"居民{i + 1:03d}",
        id_number_index=lambda i: uuid.uuid4().hex,
        phone_index="",
    )
    residents = list(Resident.objects.filter(household__in=households).order_by("household__number"))

    # Visits: N of the first household (the visit list); the other households were never visited (today's plan).
    visit = visit_actions.record_visit(
        w.grid_worker_a, visit_actions.VisitInput(household=first, visited_at=days_ago(3))
    )[0]
    clone(visit, N - 1, visited_at=lambda i: days_ago(4 + i % 60))
    # Vulnerable members due for a check, and visit rules of the new grids.
    member = visit_actions.register_vulnerable(town, residents[0], category="living_alone")
    clone(
        member, N - 1, resident=lambda i: residents[i + 1], household=lambda i: households[i + 1], next_check_on=today
    )
    VisitRule.objects.bulk_create(
        [VisitRule(place=g, path=g.code, every_days=60, priority_every_days=20, remind_days=7) for g in grids]
    )

    # Key persons: N under follow-up and overdue (alerts), the first with N follow-ups and their events.
    category = KeyPersonCategory.objects.get(code="drug_user")
    person = key_actions.enlist(
        officer,
        key_actions.EnlistInput(
            resident=residents[0], category=category, color="blue", enlisted_on=today - dt.timedelta(days=60)
        ),
    )
    follow = key_actions.record_follow_up(
        officer, person, key_actions.FollowUpInput(followed_up_at=days_ago(50), whereabouts="at_home")
    )[0]
    clone(follow, N - 1, followed_up_at=lambda i: days_ago(51 + i))
    event = KeyPersonEvent.objects.filter(key_person=person).first()
    clone(event, N)
    clone(person, N - 1, resident=lambda i: residents[i + 1], household=lambda i: households[i + 1])
    key_actions.raise_alerts(timezone.now())
    assert KeyPersonAlert.objects.count() >= N

    # Matters at grid A (grid worker A's queue), and N held by the town's judicial office (the liaison's queue).
    judicial = Department.objects.create(
        path=w.town.code, place=w.town, kind=DepartmentKind.JUDICIAL, name="寨坝镇司法所"
    )
    judicial.liaisons.set([w.department_liaison])
    Department.objects.bulk_create(
        [Department(path=w.town.code, place=w.town, kind=DepartmentKind.OTHER, name=f"部门{i:03d}") for i in range(N)]
    )
    matter = matter_actions.record_matter(
        w.grid_worker_a,
        matter_actions.MatterInput(
            kind="dispute",
            category=Category.objects.get(code="dispute.neighbour"),
            title="邻里纠纷",
            channel="visit",
            color="blue",
            household=first,
        ),
    )
    clone(matter, N - 1, title=lambda i: f"邻里纠纷{i:03d}")
    clone(
        matter,
        N,
        title=lambda i: f"交办司法所{i:03d}",
        holder_place=w.town,
        holder_path=w.town.code,
        level=Level.TOWN,
        state=MatterState.AT_DEPARTMENT,
        holder_department=judicial,
    )
    parent = Category.objects.get(code="dispute.neighbour")
    clone(parent, N, code=lambda i: f"crowd_{i:03d}", name=lambda i: f"分类{i:03d}", parent=None)
    Notice.objects.bulk_create(
        [
            Notice(recipient=u, kind="arrival", text=f"通知{i:03d}", matter=matter)
            for u in (w.grid_worker_a, officer, town)
            for i in range(N)
        ]
    )

    # Field records of grid A / group A.
    team = personnel_actions.register_patrol_team(town, place=w.village_a, name="桂园村治安巡逻队", grids=[w.grid_a])
    patrol = Patrol.objects.create(path=w.grid_a.code, team=team, date=today, duration_minutes=60)
    patrol.route.set([w.grid_a])
    clone(patrol, N - 1)
    event = PublicityEvent.objects.create(
            path=w.grid_a.code, place=w.grid_a, held_on=today, topic="anti_fraud", title="防诈宣讲",
            channel="bench_meeting", speaker="红管家",
    )  # fmt: skip
    clone(event, N - 1)
    deliberation = Deliberation.objects.create(
            path=w.group_a.code, group=w.group_a, held_on=today, subject="public_affairs", topic="议事", host="组长",
            participant_count=9, decisions="议定",
    )  # fmt: skip
    clone(deliberation, N - 1)
    deed = Deed.objects.create(
        path=w.grid_a.code, place=w.grid_a, done_on=today, category="other", title="办实事", done_by="网格员"
    )
    clone(deed, N - 1)
    area = ResponsibilityArea.objects.create(
        path=w.village_a.code, place=w.village_a, name="责任区000", responsible="组长"
    )
    clone(area, N - 1, name=lambda i: f"责任区{i + 1:03d}")
    round_ = CleanupRound.objects.create(path=w.village_a.code, area=area, held_on=today, participant_count=5)
    clone(round_, N - 1)

    # Personnel: N nominations waiting at grid A (its roster), chat groups in grid A with a notice to each.
    nomination = personnel_actions.nominate(
        town, place=w.grid_a, role=AppointmentRole.RED_STEWARD, nominated_by="群众", person_name="提名000"
    )
    clone(nomination, N - 1, person_name=lambda i: f"提名{i + 1:03d}")
    group = personnel_actions.register_chat_group(town, grid=w.grid_a, name="好邻居群000", member_count=50)
    clone(group, N - 1, name=lambda i: f"好邻居群{i + 1:03d}")
    notice = chat_actions.send_notice(town, chat_actions.NoticeInput(title="防汛通知", body="请注意防范山洪。"))[0]
    clone(notice, N - 1, title=lambda i: f"通知{i:03d}")

    # A campaign over village A: N checks, N more households unchecked.
    campaign = campaign_actions.create_campaign(
        town,
        campaign_actions.CampaignInput(
            title="返乡人员摸排",
            places=[w.village_a],
            starts_on=today - dt.timedelta(days=3),
            ends_on=today + dt.timedelta(days=10),
        ),
        [campaign_actions.QuestionInput("是否有返乡人员", QuestionKind.YES_NO, required=True, key="returned")],
    )
    campaign = campaign_actions.set_status(town, campaign, CampaignStatus.RUNNING)
    check = campaign_actions.record_check(
        w.grid_worker_a,
        campaign_actions.CheckInput(campaign=campaign, household=households[0], answers={"returned": False}),
    )[0]
    clone(check, N - 1, household=lambda i: households[i + 1])
    closed = clone(campaign, N - 1, title=lambda i: f"摸排{i:03d}", status=CampaignStatus.CLOSED)
    CampaignPlace.objects.bulk_create(
        [CampaignPlace(campaign=c, place=w.village_a, path=w.village_a.code) for c in closed]
    )

    # Register imports.
    RegisterImport.objects.bulk_create(
        [
            RegisterImport(
                path=w.town.code,
                place=w.town,
                uploaded_by=town,
                filename=f"户籍{i:03d}.xlsx",
                sha256="0" * 64,
                status="imported",
            )
            for i in range(N)
        ]
    )
    return Crowd(
        world=w,
        officer=officer,
        grids=grids,
        households=households,
        key_person=person,
        campaign=campaign,
        notice=notice,
        round=round_,
        matter=matter,
        department=judicial,
        nomination=nomination,
        register_import=_rejected(RegisterImport.objects.order_by("id").first()),
        visit=visit,
        member=member,
        patrol=patrol,
        event=event,
        deliberation=deliberation,
        deed=deed,
    )


def _rejected(register_import: RegisterImport) -> RegisterImport:
    """An import refused for N bad rows of two reasons each, with 200 warnings: its page lists as much as it may."""
    errors = [{"column": "联系电话", "value": "138****", "reason": "手机号应为11位"}] * 2
    register_import.status = "rejected"
    register_import.error_rows = N
    register_import.error_details = [{"row": n + 2, "errors": errors} for n in range(40)]
    register_import.warning_count = 200
    register_import.warnings = [f"第{n + 2}行：地址码 529999 不在现行区划代码中（可能是旧代码）" for n in range(200)]
    register_import.save()
    return register_import
