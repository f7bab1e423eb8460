"""Pages for personnel: the roster of a grid, appointment lists and details, and the workflow forms.

Reads go through `queries` (which start from `for_user`); changes go through `actions`. The workflow
forms post to one URL each and answer HTMX requests with the re-rendered appointment card.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gridgov.core.access import scoped, scoped_for
from gridgov.personnel import actions, forms, queries
from gridgov.personnel.choices import AppointmentRole, AppointmentStatus

TRANSITION_FORMS = {
    "review": forms.ReviewForm,
    "reject": forms.RejectForm,
    "appoint": forms.AppointForm,
    "end": forms.EndTermForm,
}


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _new_form(name: str, user):
    form_class = TRANSITION_FORMS[name]
    return form_class(user=user, prefix=name) if issubclass(form_class, forms.ScopedForm) else form_class(prefix=name)


def _card_context(request, appointment, *, bound=None, error: str = "", notice: str = "") -> dict:
    transitions = actions.allowed_transitions(request.user, appointment)
    workflow_forms = {}
    for name in ("review", "appoint", "reject", "end"):
        if name in transitions:
            workflow_forms[name] = (
                bound if bound is not None and bound.prefix == name else _new_form(name, request.user)
            )
    return {"appointment": appointment, "workflow_forms": workflow_forms, "error": error, "notice": notice}


@scoped_for(*actions.NOMINATING_ROLES)
def appointment_list(request):
    filters = queries.Filters.from_query(request.GET)
    rows = queries.appointments_for(request.user, filters)
    page = queries.page_of(rows, queries.page_number(request.GET.get("page")))
    page.query = filters.as_query()
    return render(
        request,
        "personnel/appointment_list.html",
        {
            "page": page,
            "filters": filters,
            "places": queries.filter_places(request.user, filters.place),
            "roles": AppointmentRole.choices,
            "statuses": AppointmentStatus.choices,
            "may_nominate": request.user.role in actions.NOMINATING_ROLES,
            "may_organise": request.user.role in actions.ORGANISING_ROLES,
        },
    )


@scoped
def roster(request, code: str):
    data = queries.roster(request.user, code)
    return render(
        request,
        "personnel/roster.html",
        {
            "roster": data,
            "grid": data.grid,
            "may_nominate": actions.can_nominate(request.user, data.grid),
            "may_register_chat_group": actions.can_register_chat_group(request.user, data.grid),
            # A cluster leader reads their grid's roster but opens only records in their own area.
            "link_people": actions.in_scope(request.user, data.grid.code),
            "appointments_url": f"{reverse('personnel:appointments')}?place={data.grid.code}",
            "chat_groups_url": f"{reverse('chatnotices:groups')}?place={data.grid.code}",
        },
    )


@scoped
def appointment_detail(request, pk: int):
    appointment = queries.appointment_for(request.user, pk)
    return render(request, "personnel/appointment_detail.html", _card_context(request, appointment))


def _transition(request, pk: int, name: str, run):
    """Validate the posted form, call the action, answer with the card (HTMX) or a redirect."""
    appointment = queries.appointment_for(request.user, pk)  # 404 outside the user's area
    form_class = TRANSITION_FORMS[name]
    kwargs = {"user": request.user} if issubclass(form_class, forms.ScopedForm) else {}
    form = form_class(request.POST, prefix=name, **kwargs)
    error, status = "", 400
    if form.is_valid():
        try:
            appointment = run(appointment, form.cleaned_data)
        except actions.ActionRefused as exc:
            error, status = str(exc), 403
        except ValidationError as exc:
            forms.apply_errors(form, exc)
        else:
            notice = _("已保存：%(status)s") % {"status": appointment.get_status_display()}
            if _is_htmx(request):
                context = _card_context(request, queries.appointment_for(request.user, pk), notice=notice)
                return render(request, "personnel/_appointment_card.html", context)
            messages.success(request, notice)
            return redirect("personnel:appointment", pk=pk)
    context = _card_context(request, appointment, bound=form, error=error)
    if _is_htmx(request):  # HTMX swaps only 2xx answers: the card carries the error itself
        return render(request, "personnel/_appointment_card.html", context)
    return render(request, "personnel/appointment_detail.html", context, status=status)


@scoped
@require_POST
def appointment_review(request, pk: int):
    return _transition(
        request,
        pk,
        "review",
        lambda a, d: actions.review(request.user, a, note=d["note"], reviewed_on=d["reviewed_on"]),
    )


@scoped
@require_POST
def appointment_reject(request, pk: int):
    return _transition(
        request,
        pk,
        "reject",
        lambda a, d: actions.reject(request.user, a, reason=d["reason"], rejected_on=d["rejected_on"]),
    )


@scoped
@require_POST
def appointment_appoint(request, pk: int):
    return _transition(
        request,
        pk,
        "appoint",
        lambda a, d: actions.appoint(
            request.user, a, term_start=d["term_start"], term_end=d["term_end"], account=d["account"]
        ),
    )


@scoped
@require_POST
def appointment_end(request, pk: int):
    return _transition(
        request,
        pk,
        "end",
        lambda a, d: actions.end_term(request.user, a, ended_on=d["ended_on"], reason=d["reason"]),
    )


@scoped_for(*actions.NOMINATING_ROLES)
def nominate(request):
    initial = {"place_code": request.GET.get("place", ""), "role": request.GET.get("role", "")}
    form = forms.NominationForm(request.POST or None, user=request.user, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                appointment = actions.nominate(request.user, **form.action_kwargs())
            except actions.ActionRefused as exc:
                form.add_error(None, str(exc))
                status = 403
            except ValidationError as exc:
                forms.apply_errors(form, exc)
            else:
                messages.success(request, _("已提名 %(name)s，待两委评议") % {"name": appointment.person_name})
                return redirect("personnel:appointment", pk=appointment.pk)
    return render(request, "personnel/nominate.html", {"form": form}, status=status)


def _register(request, form_class, run, title: str):
    """A registration form (party group, patrol team, chat group): on success, go to a grid's roster."""
    initial = {key: request.GET.get(key.split("_")[0], "") for key in ("village_code", "place_code", "grid_code")}
    initial["grid_codes"] = request.GET.get("grid", "")
    form = form_class(request.POST or None, user=request.user, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                created, grid_code = run(form.cleaned_data)
            except actions.ActionRefused as exc:
                form.add_error(None, str(exc))
                status = 403
            except ValidationError as exc:
                forms.apply_errors(form, exc)
            else:
                messages.success(request, _("已登记：%(name)s") % {"name": created.name})
                if grid_code:
                    return redirect("personnel:roster", code=grid_code)
                return redirect(reverse("personnel:appointments"))
    return render(request, "personnel/register.html", {"form": form, "title": title}, status=status)


@scoped_for(*actions.ORGANISING_ROLES)
def party_group_create(request):
    def run(d):
        group = actions.register_party_group(
            request.user, village=d["village_code"], name=d["name"], grids=d["grid_codes"], leader_name=d["leader_name"]
        )
        return group, d["grid_codes"][0].code

    return _register(request, forms.PartyGroupForm, run, _("登记网格党小组"))


@scoped_for(*actions.ORGANISING_ROLES)
def patrol_team_create(request):
    def run(d):
        team = actions.register_patrol_team(request.user, place=d["place_code"], name=d["name"], grids=d["grid_codes"])
        return team, (d["grid_codes"][0].code if d["grid_codes"] else "")

    return _register(request, forms.PatrolTeamForm, run, _("登记治安巡逻队"))


@scoped_for(*actions.CHAT_GROUP_ROLES)
def chat_group_create(request):
    def run(d):
        group = actions.register_chat_group(
            request.user,
            grid=d["grid_code"],
            name=d["name"],
            owner_name=d["owner_name"],
            member_count=d["member_count"],
        )
        return group, group.grid.code

    return _register(request, forms.ChatGroupForm, run, _("登记“好邻居”微信群"))
