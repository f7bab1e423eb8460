"""Pages of practical deeds: list (place, period, category), detail, record form.

Reads go through `queries` (which start from `for_user`); changes go through `actions`.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from gridgov.core.access import scoped_for
from gridgov.core.actions import ActionRefused
from gridgov.deeds import actions, queries
from gridgov.deeds.choices import DeedCategory
from gridgov.deeds.forms import DeedForm, apply_errors
from gridgov.households.queries import filter_places, page_number, page_of
from gridgov.publicity.common import RECORDING_ROLES

recording_roles = scoped_for(*RECORDING_ROLES)


@recording_roles
def deed_list(request):
    filters = queries.filters_from(request.GET)
    rows = queries.deeds_for(request.user, filters)
    page = page_of(rows.only(*queries.LIST_FIELDS), page_number(request.GET.get("page")))
    page.query = filters.as_query()
    context = {
        "page": page,
        "filters": filters,
        "total": rows.order_by().count(),
        "places": filter_places(request.user, filters.place),
        "categories": DeedCategory.choices,
    }
    return render(request, "deeds/deed_list.html", context)


@recording_roles
def deed_detail(request, pk: int):
    return render(request, "deeds/deed_detail.html", {"deed": queries.deed_for(request.user, pk)})


@recording_roles
def deed_create(request):
    form = DeedForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            deed, created = actions.record_deed(request.user, form.deed_input())
        except ActionRefused as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            if created:
                messages.success(request, _("已登记办实事：%(title)s") % {"title": deed.title})
            return redirect("deeds:detail", pk=deed.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "deeds/deed_form.html", {"form": form}, status=status)
