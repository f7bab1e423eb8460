"""Pages that edit the matter engine's configurable data (事项设置).

Who: governance-center staff (综治中心). Categories with their extra fields and the deadline table serve
the whole installation, so only county-level center staff see and edit them (others get 404, like any page
they may not use). Departments are per town and county: county center staff manage those of their county
and its towns, town center staff those of their own town; each sees only departments in its area.
Changes go through `actions.save_category`, `actions.set_deadline_rules` and `actions.save_department`.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from gridgov.accounts.choices import Role
from gridgov.accounts.models import User
from gridgov.core.access import roles
from gridgov.core.actions import ActionRefused as CoreActionRefused
from gridgov.core.paging import page_number, page_of, page_of_list, tabs
from gridgov.matters import actions, policy
from gridgov.matters.choices import DeadlineLevel, MatterKind, RiskColor
from gridgov.matters.forms import apply_errors
from gridgov.matters.forms_taxonomy import (
    CategoryForm,
    DepartmentForm,
    ExtraFieldFormSet,
    category_input,
    extra_field_initial,
)
from gridgov.matters.models import Category, DeadlineRule, Department

REFUSALS = (actions.ActionRefused, CoreActionRefused)
center_staff = roles(Role.CENTER_STAFF)
MAX_HOURS = 8760


def may_edit_taxonomy(user) -> bool:
    try:
        policy.can_manage_taxonomy(user)
    except REFUSALS:
        return False
    return True


def _county_only(request) -> None:
    if not may_edit_taxonomy(request.user):
        raise Http404


@center_staff
def settings_index(request):
    return render(request, "matters/settings_index.html", {"taxonomy": may_edit_taxonomy(request.user)})


# ---------------------------------------------------------------- categories


@center_staff
def category_list(request):
    _county_only(request)
    rows = list(
        Category.objects.select_related("parent")
        .annotate(matter_count=Count("matters"))
        .order_by("kind", "sort_order", "code")
    )
    # One kind at a time (tabs with each kind's count), its categories paged: the taxonomy grows as it is edited.
    kind = request.GET.get("kind", "")
    kind = kind if kind in MatterKind.values else MatterKind.values[0]
    counts = {value: sum(1 for c in rows if c.kind == value) for value in MatterKind.values}
    context = {
        "kind": kind,
        "kind_label": MatterKind(kind).label,
        "tabs": tabs([(value, label, counts[value]) for value, label in MatterKind.choices], kind, param="kind"),
        "page": page_of_list(
            [c for c in rows if c.kind == kind], page_number(request.GET.get("page")), query={"kind": kind}
        ),
    }
    return render(request, "matters/category_list.html", context)


@center_staff
def category_edit(request, pk: int | None = None):
    _county_only(request)
    category = get_object_or_404(Category, pk=pk) if pk is not None else None
    data = request.POST if request.method == "POST" else None
    initial = {"kind": request.GET.get("kind", MatterKind.DISPUTE)} if category is None else None
    form = CategoryForm(data, category=category, **({"initial": initial} if initial else {}))
    formset = ExtraFieldFormSet(data, prefix="xf", initial=extra_field_initial(category))
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            saved = actions.save_category(request.user, category, category_input(form, formset, category))
        except REFUSALS as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            _apply_category_errors(form, exc)
        else:
            messages.success(request, _("已保存分类：%(name)s") % {"name": saved.name})
            return redirect("matters:category_list")
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "formset": formset, "category": category}
    return render(request, "matters/category_form.html", context, status=status)


def _apply_category_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict") and "extra_fields" in exc.error_dict:
        for error in exc.error_dict.pop("extra_fields"):
            form.add_error(None, error)
    apply_errors(form, exc)


# ---------------------------------------------------------------- the deadline table


LEVELS = DeadlineLevel.choices
COLORS = RiskColor.choices


def _cell_key(kind: str, color: str, level: str) -> str:
    return f"{kind}-{color}-{level}"


@center_staff
def deadline_table(request):
    """办理时限表: hours per kind x color x level (blank: no limit), and whether a breach escalates by itself."""
    _county_only(request)
    errors: dict[str, str] = {}
    posted: dict[str, tuple[str, bool]] = {}
    if request.method == "POST":
        cells = []
        for kind, _label in MatterKind.choices:
            for color, _c in COLORS:
                for level, _l in LEVELS:
                    key = _cell_key(kind, color, level)
                    raw = request.POST.get(f"h-{key}", "").strip()
                    auto = request.POST.get(f"a-{key}") == "1"
                    posted[key] = (raw, auto)
                    if raw and not raw.isdigit():
                        errors[key] = _("时限应为整数小时")
                        continue
                    cells.append(actions.DeadlineCell(kind, color, level, int(raw) if raw else None, auto))
        if not errors:
            try:
                changed = actions.set_deadline_rules(request.user, cells)
            except REFUSALS as exc:
                errors["__all__"] = str(exc)
            except ValidationError as exc:
                errors.update({k.replace(".", "-"): " ".join(v) for k, v in exc.message_dict.items()})
            else:
                messages.success(request, _("已保存办理时限，%(n)s 项有变化") % {"n": changed})
                return redirect("matters:deadline_table")
    rules = {_cell_key(r.kind, r.color, r.level): r for r in DeadlineRule.objects.all()}
    tables = []
    for kind, kind_label in MatterKind.choices:
        rows = []
        for color, color_label in COLORS:
            cells = []
            for level, level_label in LEVELS:
                key = _cell_key(kind, color, level)
                if key in posted:
                    hours, auto = posted[key]
                else:
                    rule = rules.get(key)
                    hours, auto = (str(rule.hours), rule.auto_escalate) if rule else ("", False)
                cells.append(
                    {
                        "key": key,
                        "level_label": level_label,
                        "hours": hours,
                        "auto": auto,
                        "may_escalate": level not in (DeadlineLevel.COUNTY, DeadlineLevel.DEPARTMENT),
                        "error": errors.get(key, ""),
                    }
                )
            rows.append({"color": color, "label": color_label, "cells": cells})
        tables.append({"kind": kind, "label": kind_label, "rows": rows})
    context = {
        "tables": tables,
        "levels": LEVELS,
        "error": errors.get("__all__", ""),
        "has_errors": bool(errors),
        "max_hours": MAX_HOURS,
    }
    return render(request, "matters/deadline_table.html", context, status=400 if errors else 200)


# ---------------------------------------------------------------- departments


def _departments(user):
    liaisons = User.objects.only("id", "username", "display_name").order_by("username")
    return (
        Department.objects.for_user(user)
        .select_related("place")
        .prefetch_related(Prefetch("liaisons", queryset=liaisons))
        .order_by("path", "kind", "id")
    )


@center_staff
def department_list(request):
    page = page_of(_departments(request.user), page_number(request.GET.get("page")))
    return render(request, "matters/department_list.html", {"page": page})


@center_staff
def department_edit(request, pk: int | None = None):
    department = get_object_or_404(_departments(request.user), pk=pk) if pk is not None else None
    form = DepartmentForm(request.user, request.POST or None, department=department)
    if request.method == "POST" and form.is_valid():
        try:
            saved = actions.save_department(request.user, department, form.department_input())
        except REFUSALS as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已保存部门：%(name)s") % {"name": saved.name})
            return redirect("matters:department_list")
    status = 400 if request.method == "POST" else 200
    return render(request, "matters/department_form.html", {"form": form, "department": department}, status=status)
