"""Pages of deliberation meetings: list (place, period, subject), detail, record form, follow-up matter.

Reads go through `queries` (which start from `for_user`); changes go through `actions`.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from gridgov.core.access import scoped_for
from gridgov.core.actions import ActionRefused
from gridgov.deliberations import actions, queries
from gridgov.deliberations.choices import Subject
from gridgov.deliberations.forms import DeliberationForm, apply_errors
from gridgov.households.queries import filter_places, page_number, page_of
from gridgov.places.models import Place

meeting_roles = scoped_for(*actions.MEETING_ROLES)


@meeting_roles
def deliberation_list(request):
    filters = queries.filters_from(request.GET)
    rows = queries.deliberations_for(request.user, filters)
    page = page_of(rows.only(*queries.LIST_FIELDS), page_number(request.GET.get("page")))
    page.query = filters.as_query()
    context = {
        "page": page,
        "filters": filters,
        "totals": queries.totals(rows),
        "places": filter_places(request.user, filters.place),
        "subjects": Subject.choices,
    }
    return render(request, "deliberations/deliberation_list.html", context)


@meeting_roles
def deliberation_detail(request, pk: int):
    meeting = queries.deliberation_for(request.user, pk)
    context = {"meeting": meeting, "matters": queries.matters_of(request.user, meeting)}
    return render(request, "deliberations/deliberation_detail.html", context)


@meeting_roles
def deliberation_create(request):
    form = DeliberationForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            meeting, created = actions.record_deliberation(request.user, form.deliberation_input())
        except ActionRefused as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            if created:
                messages.success(request, _("已登记议事协商：%(topic)s") % {"topic": meeting.topic})
            return redirect("deliberations:detail", pk=meeting.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "deliberations/deliberation_form.html", {"form": form}, status=status)


@meeting_roles
def follow_up_matter(request, pk: int):
    """议定事项转办: the matter intake form, located in the meeting's group; the matter links to the meeting."""
    from gridgov.matters.forms import IntakeForm, apply_intake_errors

    meeting = queries.deliberation_for(request.user, pk)
    initial = {
        "kind": request.GET.get("kind", "appeal"),
        "title": meeting.topic[:60],
        "description": meeting.decisions,
        "channel": "walk_in",
        "reporter_type": "anonymous",
        "place": meeting.group_id,
    }
    form = IntakeForm(request.user, request.POST or None, initial=initial)
    form.fields["place"].queryset = (
        Place.objects.for_user(request.user).filter(code__startswith=meeting.path).order_by("code")
    )
    if request.method == "POST" and form.is_valid():
        try:
            matter = actions.record_follow_up_matter(request.user, meeting, form.matter_input())
        except ActionRefused as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            apply_intake_errors(form, exc)
        else:
            messages.success(request, _("已登记议定事项：%(ref)s") % {"ref": matter.reference})
            return redirect("deliberations:detail", pk=meeting.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "matters/matter_form.html", {"form": form}, status=status)
