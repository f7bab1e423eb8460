"""Pages of patrol logs: the list, a patrol, recording a patrol, turning its findings into a matter.

Reads go through `queries` (which start from `for_user`); changes go through `actions`.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from gridgov.core.access import scoped_for
from gridgov.core.actions import ActionRefused
from gridgov.households.queries import filter_places, page_number, page_of
from gridgov.patrols import actions, queries
from gridgov.patrols.choices import Shift
from gridgov.patrols.forms import PatrolForm, apply_errors

patrol_roles = scoped_for(*actions.RECORDING_ROLES)


@patrol_roles
def patrol_list(request):
    filters = queries.PatrolFilters.from_query(request.GET)
    patrols = queries.patrols_for(request.user, filters)
    page = page_of(patrols.only(*queries.LIST_FIELDS), page_number(request.GET.get("page")))
    page.query = filters.as_query()
    queries.route_names(page.rows)
    context = {
        "page": page,
        "totals": queries.totals(patrols),
        "filters": filters,
        "places": filter_places(request.user, filters.place),
        "teams": list(queries.teams_for(request.user).select_related(None).only("id", "name", "path")),
        "shifts": Shift.choices,
        "may_record": request.user.role in actions.RECORDING_ROLES,
    }
    return render(request, "patrols/patrol_list.html", context)


@patrol_roles
def patrol_detail(request, pk: int):
    patrol = queries.patrol_for(request.user, pk)
    queries.route_names([patrol])
    queries.member_names([patrol])
    context = {"patrol": patrol, "matters": queries.matters_of(request.user, patrol)}
    return render(request, "patrols/patrol_detail.html", context)


@patrol_roles
def patrol_create(request):
    raw = str(request.GET.get("team") or request.POST.get("team") or "")
    if not raw.isdigit() or len(raw) > 18:
        teams = list(queries.teams_for(request.user))
        return render(request, "patrols/pick_team.html", {"teams": teams})
    team = queries.team_for(request.user, int(raw))
    form = PatrolForm(request.user, team, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            patrol, _created = actions.record_patrol(request.user, form.patrol_input())
        except ActionRefused as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已登记巡逻：%(team)s %(date)s") % {"team": team.name, "date": patrol.date})
            return redirect("patrols:detail", pk=patrol.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "patrols/patrol_form.html", {"form": form, "team": team}, status=status)


@patrol_roles
def patrol_to_matter(request, pk: int):
    """转为事项: the matter intake form, prefilled from the patrol; the new matter is linked to it."""
    from gridgov.matters.forms import IntakeForm, apply_intake_errors

    patrol = queries.patrol_for(request.user, pk)
    queries.route_names([patrol])
    findings = patrol.findings.strip()
    first_grid = patrol.route_list[0] if patrol.route_list else None
    initial = {
        # patrols most often find hazards (排查小隐患): unsafe buildings, gambling, fire risks
        "kind": request.GET.get("kind", "hazard"),
        "title": findings.splitlines()[0][:60] if findings else "",
        "description": findings,
        "channel": "patrol",
        "reporter_type": "anonymous",
        "place": first_grid.pk if first_grid else None,
    }
    form = IntakeForm(request.user, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            matter = actions.record_matter_from_patrol(request.user, patrol, form.matter_input())
        except ActionRefused as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            apply_intake_errors(form, exc)
        else:
            messages.success(request, _("已根据巡逻发现登记事项：%(ref)s") % {"ref": matter.reference})
            return redirect("matters:detail", pk=matter.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "matters/matter_form.html", {"form": form, "patrol": patrol}, status=status)
