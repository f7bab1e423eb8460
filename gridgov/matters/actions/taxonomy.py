"""The engine's administrator-editable data: categories with their extra fields, the time-limit table, departments.

Who may edit them is `gridgov.matters.policy.can_manage_taxonomy` / `can_manage_departments`; every change
is written to the audit log.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from gridgov.accounts.choices import Role
from gridgov.matters.choices import (
    MatterKind,
    RiskColor,
)
from gridgov.matters.models import (
    Category,
    DeadlineRule,
    Department,
)
from gridgov.matters.policy import (
    can_manage_departments,
    can_manage_taxonomy,
)
from gridgov.places.models import Place


def _audit_config(action: str, obj, before: dict | None, after: dict) -> None:
    from gridgov.audit.actions import record as audit

    if before is not None:
        changed = [k for k in after if before.get(k) != after[k]]
        before, after = {k: before.get(k) for k in changed}, {k: after[k] for k in changed}
    audit(action, obj, before=before, after=after)


CATEGORY_FIELDS = ("kind", "code", "name", "parent_id", "selectable", "department_kind", "extra_fields", "sort_order")


def _category_values(category: Category) -> dict[str, Any]:
    return {name: getattr(category, name) for name in (*CATEGORY_FIELDS, "active")}


@dataclass
class CategoryInput:
    kind: str
    code: str
    name: str
    parent: Category | None = None
    selectable: bool = True
    department_kind: str = ""
    extra_fields: list[dict[str, Any]] = field(default_factory=list)
    sort_order: int = 0
    active: bool = True


def save_category(user, category: Category | None, data: CategoryInput) -> Category:
    """Add a category (``category=None``) or change one: rename, regroup, (de)activate, edit its extra fields.

    The kind and code of an existing category stay (matters and Open311 service codes refer to them);
    a category with matters is deactivated, never deleted, so old matters keep their category.
    """
    can_manage_taxonomy(user)
    from gridgov.audit.choices import AuditAction

    with transaction.atomic():
        creating = category is None
        if creating:
            category = Category(kind=data.kind, code=(data.code or "").strip())
        else:
            category = Category.objects.select_for_update().get(pk=category.pk)
        before = None if creating else _category_values(category)
        category.name = (data.name or "").strip()
        category.parent = data.parent
        category.selectable = data.selectable
        category.department_kind = data.department_kind or ""
        category.extra_fields = data.extra_fields or []
        category.sort_order = data.sort_order or 0
        category.active = data.active
        errors: dict[str, str] = {}
        if category.kind not in MatterKind.values:
            errors["kind"] = "事项类型无效"
        if not category.name:
            errors["name"] = "请填写名称"
        if creating:
            if not re.fullmatch(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*", category.code) or len(category.code) > 64:
                errors["code"] = "代码应为小写英文、数字、下划线，可用“.”分级，如 dispute.neighbour"
            elif Category.objects.filter(code=category.code).exists():
                errors["code"] = f"代码 {category.code} 已被使用"
        if data.parent is not None:
            if data.parent.pk == category.pk or data.parent.selectable:
                errors["parent"] = "上级须为另一个分组（不可直接选用的分类）"
        if not creating and not category.selectable and category.matters.exists():
            errors["selectable"] = "已有事项使用该分类，不能改为分组"
        if not creating and category.children.exists() and category.selectable:
            errors["selectable"] = "该分类下还有子分类，只能作为分组"
        if errors:
            raise ValidationError(errors)
        category.clean()  # parent of the same kind; the extra-field schema
        category.save()
        _audit_config(
            AuditAction.CREATE if creating else AuditAction.UPDATE, category, before, _category_values(category)
        )
    return category


@dataclass
class DeadlineCell:
    kind: str
    color: str
    level: str
    hours: int | None  # None: no time limit at this level
    auto_escalate: bool = False


def set_deadline_rules(user, cells: Iterable[DeadlineCell]) -> int:
    """Replace the time-limit table's cells given; returns how many rows changed. New limits apply to
    holdings that start afterwards (matters already held keep the limit they arrived with)."""
    can_manage_taxonomy(user)
    from gridgov.audit.choices import AuditAction
    from gridgov.matters.choices import DeadlineLevel

    cells = list(cells)
    errors: dict[str, str] = {}
    for cell in cells:
        key = f"{cell.kind}.{cell.color}.{cell.level}"
        if (
            cell.kind not in MatterKind.values
            or cell.color not in RiskColor.values
            or cell.level not in DeadlineLevel.values
        ):
            errors[key] = "无效的类型、风险等级或层级"
        elif cell.hours is not None and (isinstance(cell.hours, bool) or not 1 <= cell.hours <= 8760):
            errors[key] = "时限应为1到8760小时"
        elif cell.hours is None and cell.auto_escalate:
            errors[key] = "没有时限就不能超期自动上报"
        elif cell.auto_escalate and cell.level in (DeadlineLevel.COUNTY, DeadlineLevel.DEPARTMENT):
            errors[key] = "县级和职能部门没有上一级，不能自动上报"
    if errors:
        raise ValidationError(errors)
    changed = 0
    with transaction.atomic():
        existing = {
            (r.kind, r.color, r.level): r
            for r in DeadlineRule.objects.select_for_update().filter(kind__in={c.kind for c in cells})
        }
        for cell in cells:
            rule = existing.get((cell.kind, cell.color, cell.level))
            if cell.hours is None:
                if rule is not None:
                    _audit_config(AuditAction.DELETE, rule, None, {"hours": rule.hours})
                    rule.delete()
                    changed += 1
                continue
            if rule is None:
                rule = DeadlineRule.objects.create(
                    kind=cell.kind,
                    color=cell.color,
                    level=cell.level,
                    hours=cell.hours,
                    auto_escalate=cell.auto_escalate,
                )
                _audit_config(
                    AuditAction.CREATE, rule, None, {"hours": rule.hours, "auto_escalate": rule.auto_escalate}
                )
                changed += 1
            elif (rule.hours, rule.auto_escalate) != (cell.hours, cell.auto_escalate):
                before = {"hours": rule.hours, "auto_escalate": rule.auto_escalate}
                rule.hours, rule.auto_escalate = cell.hours, cell.auto_escalate
                rule.save(update_fields=["hours", "auto_escalate"])
                _audit_config(
                    AuditAction.UPDATE, rule, before, {"hours": rule.hours, "auto_escalate": rule.auto_escalate}
                )
                changed += 1
    return changed


@dataclass
class DepartmentInput:
    place: Place
    kind: str
    name: str
    phone: str = ""
    liaisons: list[Any] = field(default_factory=list)
    active: bool = True


def save_department(user, department: Department | None, data: DepartmentInput) -> Department:
    """Register a department at a town or county, or change one (liaisons, name, phone, deactivate).
    Its liaisons are department-liaison accounts of that place or below."""
    from gridgov.matters.choices import DepartmentKind

    can_manage_departments(user, data.place)
    if department is not None:
        can_manage_departments(user, department.place)
    errors: dict[str, str] = {}
    if data.place.kind not in ("county", "town"):
        errors["place"] = "部门只能登记在县（区）或乡镇（街道）"
    if data.kind not in DepartmentKind.values:
        errors["kind"] = "请选择部门类型"
    name = (data.name or "").strip()
    if not name:
        errors["name"] = "请填写部门名称"
    bad = [
        u.display_name or u.username
        for u in data.liaisons
        if u.role != Role.DEPARTMENT_LIAISON or u.place_id is None or not u.place.code.startswith(data.place.code)
    ]
    if bad:
        errors["liaisons"] = f"{'、'.join(bad)}不是本地的部门联络人账号"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        if department is None:
            department = Department(place=data.place, path=data.place.code)
        else:
            department = Department.objects.select_for_update().get(pk=department.pk)
            department.remember_saved_state()
            if department.place_id != data.place.pk and department.matters.exists():
                raise ValidationError({"place": "已有事项交办给该部门，不能改变所属地域"})
            department.place, department.path = data.place, data.place.code
        department.kind = data.kind
        department.name = name
        department.phone = (data.phone or "").strip()
        department.active = data.active
        if Department.objects.filter(path=department.path, name=name).exclude(pk=department.pk).exists():
            raise ValidationError({"name": f"{data.place.name}已有名为“{name}”的部门"})
        department.save()
        old = sorted(department.liaisons.values_list("id", flat=True)) if department.pk else []
        department.liaisons.set(data.liaisons)
        new = sorted(u.pk for u in data.liaisons)
        if old != new:
            from gridgov.audit.choices import AuditAction

            _audit_config(AuditAction.UPDATE, department, {"liaisons": old}, {"liaisons": new})
    return department
