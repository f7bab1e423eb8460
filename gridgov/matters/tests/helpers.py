"""Helpers for the matter engine's tests (the world: the shared personas plus a grid leader, two town departments
with their liaisons, the people who mediate and proxy-handle; recording a matter in one call)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from gridgov.accounts.choices import Role
from gridgov.accounts.models import User
from gridgov.households.models import Household
from gridgov.matters import actions
from gridgov.matters.choices import DepartmentKind, ReporterType
from gridgov.matters.models import Category, Department, Matter
from gridgov.personnel.choices import AppointmentRole, AppointmentStatus
from gridgov.personnel.models import Appointment
from gridgov.places.models import Place
from gridgov.testing import World, make_user


@dataclass
class Engine:
    world: World
    grid_leader_a: User
    police_liaison: User
    judicial: Department
    police: Department
    county_emergency: Department
    elder_1: Appointment
    elder_2: Appointment
    town_mediator: Appointment
    steward_a: Appointment
    elder_b: Appointment

    def __getattr__(self, name):  # the world's personas, places and households read as engine.<name>
        if name == "world":
            raise AttributeError(name)
        return getattr(self.world, name)

    def user(self, name: str) -> User:
        return getattr(self, name)


def appoint(place: Place, role: str, name: str) -> Appointment:
    return Appointment.objects.create(
        path=place.code,
        place=place,
        role=role,
        person_name=name,
        status=AppointmentStatus.APPOINTED,
        nominated_on=dt.date(2024, 1, 5),
        term_start=dt.date(2024, 2, 1),
    )


def department(place: Place, kind: str, name: str, *liaisons: User) -> Department:
    dept = Department.objects.create(path=place.code, place=place, kind=kind, name=name)
    dept.liaisons.set(liaisons)
    return dept


def build_engine(world: World) -> Engine:
    police_liaison = make_user("police", Role.DEPARTMENT_LIAISON, world.town, display_name="派出所联络人")
    return Engine(
        world=world,
        grid_leader_a=make_user("leader_a", Role.GRID_LEADER, world.grid_a, display_name="网格长甲"),
        police_liaison=police_liaison,
        judicial=department(world.town, DepartmentKind.JUDICIAL, "寨坝镇司法所", world.department_liaison),
        police=department(world.town, DepartmentKind.POLICE, "寨坝派出所", police_liaison),
        county_emergency=department(world.county, DepartmentKind.EMERGENCY, "习水县应急管理局"),
        elder_1=appoint(world.village_a, AppointmentRole.FIVE_ELDERS, "张国林"),
        elder_2=appoint(world.village_a, AppointmentRole.FIVE_ELDERS, "母德华"),
        town_mediator=appoint(world.town, AppointmentRole.MEDIATOR, "陈调解"),
        steward_a=appoint(world.grid_a, AppointmentRole.RED_STEWARD, "徐世刚"),
        elder_b=appoint(world.village_b, AppointmentRole.FIVE_ELDERS, "永盛老人"),
    )


def category(code: str) -> Category:
    return Category.objects.get(code=code)


ANONYMOUS = actions.Reporter(type=ReporterType.ANONYMOUS)
DEFAULT_EXTRA = {
    "hardship.medical": {"group": "独居老人"},
    "hazard.safety.enterprise": {"enterprise": "寨坝建材厂"},
}


def record(
    user,
    *,
    code: str = "dispute.land_forest",
    kind: str | None = None,
    color: str = "yellow",
    title: str = "地界纠纷",
    description: str = "",
    household=None,
    place=None,
    reporter: actions.Reporter | None = None,
    channel: str = "visit",
    extra: dict | None = None,
    **more,
) -> Matter:
    """Record a matter through the action; by default a yellow land dispute of household A reported by its resident."""
    if household is None and place is None:
        household = Household.objects.get(number="H-A-001")
    cat = category(code)
    if reporter is None:
        reporter = (
            actions.Reporter(type=ReporterType.RESIDENT, resident=household.members.first()) if household else ANONYMOUS
        )
    return actions.record_matter(
        user,
        actions.MatterInput(
            kind=kind or cat.kind,
            category=cat,
            title=title,
            description=description,
            channel=channel,
            color=color,
            reporter=reporter,
            household=household,
            place=place,
            extra=DEFAULT_EXTRA.get(code, {}) if extra is None else extra,
            **more,
        ),
    )


def image_bytes(fmt: str = "JPEG", size: tuple[int, int] = (8, 8)) -> bytes:
    """A real (tiny) photo, as a phone would send it."""
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (200, 40, 40)).save(out, fmt)
    return out.getvalue()


def upload(name: str = "现场照片.jpg", content: bytes | None = None, content_type: str = "image/jpeg"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, image_bytes() if content is None else content, content_type=content_type)
