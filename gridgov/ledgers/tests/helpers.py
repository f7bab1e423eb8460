"""Records for the ledger tests, made through the apps' own actions, and reading a workbook back."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

from django.utils import timezone
from python_calamine import CalamineWorkbook

from gridgov.matters import actions as matter_actions
from gridgov.matters.choices import ReporterType
from gridgov.matters.models import Category
from gridgov.patrols import actions as patrol_actions
from gridgov.personnel import actions as personnel_actions
from gridgov.personnel.choices import AppointmentRole, AppointmentStatus
from gridgov.personnel.models import Appointment
from gridgov.publicity import actions as publicity_actions
from gridgov.visits import actions as visit_actions


def days_ago(n: int, hour: int = 9) -> dt.datetime:
    day = timezone.localdate() - dt.timedelta(days=n)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def day(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)


def cells(path_or_bytes) -> list[list[str]]:
    if isinstance(path_or_bytes, bytes):
        book = CalamineWorkbook.from_filelike(io.BytesIO(path_or_bytes))
    else:
        book = CalamineWorkbook.from_path(str(path_or_bytes))
    return book.get_sheet_by_index(0).to_python()


def sheet_xml(path_or_bytes) -> str:
    data = path_or_bytes if isinstance(path_or_bytes, bytes) else open(path_or_bytes, "rb").read()
    return zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()


def visit(user, household, n_days_ago: int = 1, **extra):
    data = visit_actions.VisitInput(household=household, visited_at=days_ago(n_days_ago), **extra)
    return visit_actions.record_visit(user, data)[0]


def matter_from_visit(user, visit_, title: str = "邻居占道堆放柴草"):
    resident = visit_.household.members.first()
    data = matter_actions.MatterInput(
        kind="dispute",
        category=Category.objects.get(code="dispute.neighbour"),
        title=title,
        description=title,
        channel="visit",
        color="blue",
        reporter=matter_actions.Reporter(type=ReporterType.RESIDENT, resident=resident),
        household=visit_.household,
        extra={},
    )
    return visit_actions.record_matter_from_visit(user, visit_, data)


def team(world, place=None, name="桂园村治安巡逻队", grids=None):
    place = place or world.village_a
    made = personnel_actions.register_patrol_team(
        world.town_staff, place=place, name=name, grids=grids or [world.grid_a, world.grid_c]
    )
    made.member_list = [
        Appointment.objects.create(
            path=made.path,
            place=made.place,
            role=AppointmentRole.PATROL_MEMBER,
            person_name=person_name,
            patrol_team=made,
            status=AppointmentStatus.APPOINTED,
            nominated_on=day(400),
        )
        for person_name in ("张大力", "刘明")
    ]
    return made


def patrol(user, team_, route, n_days_ago: int = 1, **extra):
    extra.setdefault("duration_minutes", 120)
    data = patrol_actions.PatrolInput(team=team_, date=day(n_days_ago), route=list(route), **extra)
    return patrol_actions.record_patrol(user, data)[0]


def event(user, place, n_days_ago: int = 1, **extra):
    values = {
        "topic": "anti_fraud",
        "title": "防范电信诈骗宣讲",
        "channel": "bench_meeting",
        "speaker": "红管家张某",
        "attendance": 25,
    }
    values.update(extra)
    data = publicity_actions.EventInput(place=place, held_on=day(n_days_ago), **values)
    return publicity_actions.record_event(user, data)[0]
