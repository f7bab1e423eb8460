"""Pages of clean-ups: rounds (list by place, period, area; detail with problems; record form),
responsibility areas (list, set up, edit).

Reads go through `queries` (which start from `for_user`); changes go through `actions`.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gridgov.cleanups import actions, queries
from gridgov.cleanups.forms import AreaForm, ProblemForm, RoundForm, apply_errors
from gridgov.core.access import scoped_for
from gridgov.core.actions import ActionRefused
from gridgov.households.queries import filter_places, page_number, page_of

cleanup_roles = scoped_for(*actions.CLEANUP_ROLES)


@cleanup_roles
def round_list(request):
    filters = queries.filters_from(request.GET)
    rounds = queries.rounds_for(request.user, filters)
    rows = queries.round_rows(rounds).only(*queries.ROUND_LIST_FIELDS)
    page = page_of(rows, page_number(request.GET.get("page")))
    page.query = filters.as_query()
    context = {
        "page": page,
        "filters": filters,
        "totals": queries.totals(rounds),
        "places": filter_places(request.user, filters.place),
    }
    return render(request, "cleanups/round_list.html", context)


@cleanup_roles
def round_detail(request, pk: int):
    found = queries.round_for(request.user, pk)
    context = {
        "round": found,
        "problems": queries.problems_of(request.user, found),
        "form": ProblemForm(request.user, found),
    }
    return render(request, "cleanups/round_detail.html", context)


@cleanup_roles
def round_create(request):
    form = RoundForm(request.user, request.POST or None, initial={"area": request.GET.get("area")})
    if request.method == "POST" and form.is_valid():
        try:
            made, created = actions.record_round(request.user, form.round_input())
        except ActionRefused as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            if created:
                messages.success(request, _("已登记环境整治，请登记发现的问题"))
            return redirect("cleanups:detail", pk=made.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "cleanups/round_form.html", {"form": form}, status=status)


@cleanup_roles
@require_POST
def problem_add(request, pk: int):
    found = queries.round_for(request.user, pk)
    form = ProblemForm(request.user, found, request.POST)
    if form.is_valid():
        try:
            problem, created = actions.record_problem(request.user, found, form.problem_input())
        except ActionRefused as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            if created:
                ref = problem.matter.reference
                messages.success(request, _("已登记问题，并转为环境事项 %(ref)s") % {"ref": ref})
            return redirect("cleanups:detail", pk=found.pk)
    context = {"round": found, "problems": queries.problems_of(request.user, found), "form": form}
    return render(request, "cleanups/round_detail.html", context, status=400)


@cleanup_roles
def area_list(request):
    page = page_of(queries.areas_for(request.user), page_number(request.GET.get("page")))
    queries.covers_of(page.rows)
    may_manage = request.user.role in actions.AREA_ROLES
    return render(request, "cleanups/area_list.html", {"page": page, "may_manage": may_manage})


@cleanup_roles
def area_create(request):
    form = AreaForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            area = actions.create_area(request.user, form.area_input())
        except ActionRefused as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已设立责任区：%(name)s") % {"name": area.name})
            return redirect("cleanups:areas")
    status = 400 if request.method == "POST" else 200
    return render(request, "cleanups/area_form.html", {"form": form}, status=status)


@cleanup_roles
def area_edit(request, pk: int):
    area = queries.area_for(request.user, pk)
    initial = {
        "name": area.name,
        "responsible": area.responsible,
        "members": area.members,
        "notes": area.notes,
        "covers": list(area.covers.values_list("pk", flat=True)),
    }
    form = AreaForm(request.user, request.POST or None, area=area, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_area(request.user, area, form.area_input(), active=not request.POST.get("stop"))
        except ActionRefused as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已保存责任区：%(name)s") % {"name": area.name})
            return redirect("cleanups:areas")
    status = 400 if request.method == "POST" else 200
    return render(request, "cleanups/area_form.html", {"form": form, "area": area}, status=status)
