"""The demo logins: one account per role, bound to places of the demo town.

All share one documented password, `DEMO_PASSWORD`. Created only if missing, so running this
again changes nothing. The grid worker and cluster leader accounts are linked to the
appointments of the demo people they stand for.

A newcomer must see the town with what `make run` prints, so the demo marks the documented
password as the owner's own (no forced change), and gives each login that must use a second
factor (the administrators, `town`, `keypop`) a demo authenticator: `manage.py demo_totp USER`
prints its current code, or its QR code for a phone.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from gridgov.accounts.choices import Role
from gridgov.accounts.models import SealedTOTPDevice, User
from gridgov.audit.actions import record
from gridgov.audit.choices import AuditAction
from gridgov.core.context import acting
from gridgov.demo.build import COUNTY, DEMO_TOWN, is_community
from gridgov.demo.text import table
from gridgov.personnel.choices import AppointmentRole, AppointmentStatus
from gridgov.personnel.models import Appointment
from gridgov.places.choices import PlaceKind
from gridgov.places.models import Place

DEMO_PASSWORD = "Gridgov-2026"
# The liaison login stands for the town's 司法所: its queue and list hold what is routed there.
LIAISON_DEPARTMENT = "judicial"
DEMO_DEVICE_NAME = "演示验证器"  # `demo_totp` prints codes of these devices only
DEMO_VILLAGE = "520330113201"  # 桂园村
SECOND_VILLAGE = "520330113202"  # 永盛村


@dataclass(frozen=True)
class DemoAccount:
    username: str
    display_name: str
    role: str
    place: Place | None
    may_reveal_pii: bool = False
    may_view_key_population: bool = False
    appointment: Appointment | None = None  # the demo person's appointment this account is linked to
    department: Model | None = None  # the matter engine's Department whose liaison this account is


@dataclass(frozen=True)
class AccountLine:
    username: str
    display_name: str
    role_label: str
    place_label: str
    created: bool
    second_factor: bool = False


def _first(kind: str, under: str) -> Place | None:
    return Place.objects.within(under).filter(kind=kind).order_by("code").first()


def _village(preferred: str, exclude: str | None = None) -> Place | None:
    village = Place.objects.filter(code=preferred, kind=PlaceKind.VILLAGE).first()
    if village is None:
        qs = Place.objects.within(DEMO_TOWN).filter(kind=PlaceKind.VILLAGE).order_by("code")
        if exclude:
            qs = qs.exclude(code=exclude)
        village = qs.first()
    return village


def _appointment(role: str, place: Place | None) -> Appointment | None:
    if place is None:
        return None
    return Appointment.objects.filter(place=place, role=role, status=AppointmentStatus.APPOINTED).order_by("id").first()


def committee_name(village: Place | None) -> str:
    if village is None:
        return "村委会"
    return f"{village.name}{'居委会' if is_community(village.code) else '村委会'}"


def planned_accounts() -> list[DemoAccount]:
    county = Place.objects.filter(code=COUNTY).first()
    town = Place.objects.filter(code=DEMO_TOWN).first()
    village = _village(DEMO_VILLAGE)
    other_village = _village(SECOND_VILLAGE, exclude=village.code if village else None)
    grid = _first(PlaceKind.GRID, village.code) if village else None
    other_grid = _first(PlaceKind.GRID, other_village.code) if other_village else None
    cluster = _first(PlaceKind.CLUSTER, grid.code) if grid else None
    worker = _appointment(AppointmentRole.GRID_WORKER, grid)
    other_worker = _appointment(AppointmentRole.GRID_WORKER, other_grid)
    cluster_leader = _appointment(AppointmentRole.CLUSTER_LEADER, cluster)

    def person(appointment: Appointment | None, fallback: str) -> str:
        return appointment.person_name if appointment else fallback

    return [
        DemoAccount("county", "县综治中心", Role.CENTER_STAFF, county),
        DemoAccount("town", "镇综治中心", Role.CENTER_STAFF, town, may_reveal_pii=True),
        DemoAccount("keypop", "镇综治中心重点人群专干", Role.CENTER_STAFF, town, may_view_key_population=True),
        DemoAccount("village", committee_name(village), Role.VILLAGE_COMMITTEE, village),
        DemoAccount("grid1", person(worker, "网格员"), Role.GRID_WORKER, grid, appointment=worker),
        DemoAccount("grid2", person(other_worker, "网格员"), Role.GRID_WORKER, other_grid, appointment=other_worker),
        DemoAccount(
            "cluster", person(cluster_leader, "联户长"), Role.CLUSTER_LEADER, cluster, appointment=cluster_leader
        ),
        DemoAccount(
            "liaison",
            "司法所联络人",
            Role.DEPARTMENT_LIAISON,
            town,
            # by the app registry: the demo app imports no app that builds on it (matters seeds through it)
            department=apps.get_model("matters", "Department")
            .objects.filter(path=DEMO_TOWN, kind=LIAISON_DEPARTMENT)
            .first(),
        ),
        DemoAccount("sysadmin", "系统管理员", Role.SYSTEM_ADMIN, None),
        DemoAccount("secadmin", "安全管理员", Role.SECURITY_ADMIN, None),
        DemoAccount("auditor", "审计员", Role.AUDITOR, None),
    ]


def ensure_demo_accounts() -> tuple[list[AccountLine], list[str]]:
    """Create the missing demo accounts. Returns the table lines and the accounts skipped (no place yet)."""
    lines: list[AccountLine] = []
    skipped: list[str] = []
    encoded: str | None = None
    with acting("demo_accounts"), transaction.atomic():
        for plan in planned_accounts():
            needs_place = plan.role not in (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDITOR)
            user = User.objects.select_related("place").filter(username=plan.username).first()
            created = False
            if user is None:
                if needs_place and plan.place is None:
                    skipped.append(plan.username)
                    continue
                user = User(
                    username=plan.username,
                    display_name=plan.display_name,
                    role=plan.role,
                    place=plan.place,
                    may_reveal_pii=plan.may_reveal_pii,
                    may_view_key_population=plan.may_view_key_population,
                )
                validate_password(DEMO_PASSWORD, user)
                if encoded is None:  # one slow hash for all demo accounts
                    encoded = make_password(DEMO_PASSWORD)
                user.password = encoded
                user.password_changed_at = timezone.now()  # the documented password counts as the owner's
                user.full_clean()
                user.save()
                record(
                    AuditAction.CREATE,
                    user,
                    after={
                        "username": user.username,
                        "role": user.role,
                        "place": plan.place.code if plan.place else None,
                        "may_reveal_pii": user.may_reveal_pii,
                        "may_view_key_population": user.may_view_key_population,
                    },
                )
                created = True
            keep_demo_password_usable(user)
            if user.requires_second_factor:
                enrol_demo_authenticator(user)
            if plan.appointment is not None and plan.appointment.user_id is None and user.place_id == plan.place.pk:
                plan.appointment.user = user
                plan.appointment.save(update_fields=["user", "updated_at"])
            if plan.department is not None and not plan.department.liaisons.filter(pk=user.pk).exists():
                plan.department.liaisons.add(user)
            place = user.place
            lines.append(
                AccountLine(
                    user.username,
                    user.display_name,
                    str(Role(user.role).label) if user.role else "",
                    f"{place.name}（{place.code}）" if place else "—",
                    created,
                    user.requires_second_factor,
                )
            )
    return lines, skipped


_demo_hash_ok: dict[str, bool] = {}


def keep_demo_password_usable(user: User) -> None:
    """A demo login still on the documented password never has to change it (not even after 90 days)."""
    if not user.password_change_required:
        return
    if user.password not in _demo_hash_ok:  # the demo logins share one hash: check it once
        _demo_hash_ok[user.password] = check_password(DEMO_PASSWORD, user.password)
    if _demo_hash_ok[user.password]:
        user.password_changed_at = timezone.now()
        user.save(update_fields=["password_changed_at"])


def enrol_demo_authenticator(user: User) -> None:
    """A confirmed demo authenticator for a login that must use a second factor (once)."""
    if user.second_factor_since is not None:
        return
    SealedTOTPDevice.objects.filter(user=user).delete()
    SealedTOTPDevice.objects.create(user=user, name=DEMO_DEVICE_NAME, confirmed=True)
    user.second_factor_since = timezone.now()
    user.save(update_fields=["second_factor_since"])
    record(AuditAction.UPDATE, user, detail={"event": "totp_enrolled", "device": DEMO_DEVICE_NAME})


def format_accounts(lines: list[AccountLine]) -> str:
    rows = [
        (line.username, line.display_name, line.role_label, line.place_label, "✓" if line.second_factor else "")
        for line in lines
    ]
    text = f"演示账号（密码均为 {DEMO_PASSWORD}）：\n" + table(("用户名", "姓名", "角色", "所属地域", "动态码"), rows)
    with_code = [line.username for line in lines if line.second_factor]
    if with_code:
        text += (
            f"\n标 ✓ 的账号（{'、'.join(with_code)}）登录时还要输入6位动态码："
            "另开终端运行 `.venv/bin/python manage.py demo_totp 用户名` 取当前动态码，"
            "加 --qr 打印二维码，用手机验证器扫描后即可在手机上看动态码。"
        )
    return text
