"""Key-population pages. Every view is `@key_population` (business role + grant, else 404).

Every page that shows key-population records writes an audit row naming what was shown
(``reveal`` with ``detail.view``): the detail page, the follow-up form, the list and the alerts.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gridgov.accounts.choices import Role
from gridgov.core.access import roles
from gridgov.core.actions import ActionRefused
from gridgov.households.forms import apply_errors
from gridgov.households.queries import filter_places, page_number, page_of, resident_for
from gridgov.keypersons import actions, queries
from gridgov.keypersons.access import key_population
from gridgov.keypersons.actions import audit_view
from gridgov.keypersons.choices import AlertKind, KeyPersonStatus, RiskColor
from gridgov.keypersons.forms import (
    CategoryForm,
    EnlistForm,
    FollowUpForm,
    MeasuresForm,
    OutOfContactForm,
    ReasonForm,
    ResponsibleForm,
)
from gridgov.keypersons.models import KeyPersonCategory
from gridgov.visits.queries import residents_in_scope

DETAIL_PAGE = 20  # follow-ups and events per page of a key person's page


def _errors(exc: Exception) -> str:
    return "；".join(getattr(exc, "messages", None) or [str(exc)])


def _pk(raw) -> int | None:
    raw = str(raw or "")
    return int(raw) if raw.isdigit() and len(raw) < 19 else None


@key_population
def key_person_list(request):
    filters = queries.Filters.from_query(request.GET)
    rows = queries.key_persons_for(request.user, filters).only(*queries.LIST_FIELDS)
    totals = queries.list_totals(rows)
    page = page_of(rows, page_number(request.GET.get("page")))
    page.query = filters.as_query()
    audit_view("key_person_list", ids=[p.pk for p in page.rows], filters=filters.as_query())
    context = {
        "page": page,
        "filters": filters,
        "places": filter_places(request.user, filters.place),
        "categories": queries.categories(),
        "colors": RiskColor.choices,
        "statuses": KeyPersonStatus.choices,
        "counts": queries.counts_for(request.user),
        "totals": totals,
        "may_manage": request.user.role in actions.MANAGING_ROLES,
    }
    return render(request, "keypersons/list.html", context)


@key_population
def key_person_detail(request, pk: int):
    person = queries.key_person_for(request.user, pk)
    audit_view("key_person_detail", person)
    follow_page, event_page = page_number(request.GET.get("page")), page_number(request.GET.get("epage"))

    def kept(param: str, number: int) -> dict[str, str]:
        return {param: str(number)} if number > 1 else {}

    may_manage = request.user.role in actions.MANAGING_ROLES and person.is_active
    context = {
        "person": person,
        # Both grow for as long as the person is followed up: paged, each page link keeping the other's page.
        "follow_ups": page_of(
            queries.follow_ups_for(request.user, person), follow_page, DETAIL_PAGE, query=kept("epage", event_page)
        ),
        "events": page_of(
            queries.events_for(request.user, person),
            event_page,
            DETAIL_PAGE,
            query=kept("page", follow_page),
            param="epage",
        ),  # fmt: skip
        "alerts": queries.open_alerts_of(request.user, person),
        "may_manage": may_manage,
        "may_follow_up": person.is_active and request.user.role in actions.FOLLOWING_ROLES,
        "out_form": OutOfContactForm(prefix="out"),
        "reason_form": ReasonForm(prefix="end"),
        "responsible_form": ResponsibleForm(person.path, prefix="resp", initial={"responsible": person.responsible_id})
        if may_manage
        else None,
        "measures_form": MeasuresForm(prefix="measures", initial={"control_measures": person.control_measures}),
    }
    return render(request, "keypersons/detail.html", context)


@key_population
def enlist(request):
    resident_pk = _pk(request.GET.get("resident") or request.POST.get("resident"))
    if resident_pk is None:
        q = request.GET.get("q", "")
        return render(
            request, "keypersons/pick_resident.html", {"residents": residents_in_scope(request.user, q), "q": q}
        )
    resident = resident_for(request.user, resident_pk)
    form = EnlistForm(resident.path, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            person = actions.enlist(
                request.user,
                actions.EnlistInput(
                    resident=resident,
                    category=data["category"],
                    color=data["color"],
                    responsible=data["responsible"],
                    control_measures=data["control_measures"],
                    enlisted_on=data["enlisted_on"],
                ),
            )
        except ActionRefused as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已列管"))
            return redirect("keypersons:detail", pk=person.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "keypersons/enlist.html", {"form": form, "resident": resident}, status=status)


@key_population
def follow_up(request, pk: int):
    person = queries.key_person_for(request.user, pk)
    audit_view("follow_up_form", person)
    form = FollowUpForm(person.color, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.record_follow_up(request.user, person, form.follow_up_input())
        except ActionRefused as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已记录稳控情况"))
            return redirect("keypersons:detail", pk=person.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "keypersons/follow_up.html", {"form": form, "person": person}, status=status)


def _post_action(request, pk: int, run) -> object:
    person = queries.key_person_for(request.user, pk)
    try:
        run(person)
    except (ActionRefused, ValidationError) as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, _("已保存"))
    return redirect("keypersons:detail", pk=person.pk)


@key_population
@require_POST
def out_of_contact(request, pk: int):
    form = OutOfContactForm(request.POST, prefix="out")

    def run(person):
        if not form.is_valid():
            raise ValidationError(_("请填写失联情况说明"))
        actions.mark_out_of_contact(
            request.user, person, since=form.cleaned_data["since"], note=form.cleaned_data["note"]
        )

    return _post_action(request, pk, run)


@key_population
@require_POST
def moved_away(request, pk: int):
    form = ReasonForm(request.POST, prefix="end")

    def run(person):
        if not form.is_valid():
            raise ValidationError(_("请填写说明"))
        actions.mark_moved_away(request.user, person, reason=form.cleaned_data["reason"])

    return _post_action(request, pk, run)


@key_population
@require_POST
def release(request, pk: int):
    form = ReasonForm(request.POST, prefix="end")

    def run(person):
        if not form.is_valid():
            raise ValidationError(_("请填写说明"))
        actions.release(request.user, person, reason=form.cleaned_data["reason"])

    return _post_action(request, pk, run)


@key_population
@require_POST
def change_responsible(request, pk: int):
    def run(person):
        form = ResponsibleForm(person.path, request.POST, prefix="resp")
        if not form.is_valid():
            raise ValidationError(_("包保责任人无效"))
        actions.change_responsible(request.user, person, form.cleaned_data["responsible"])

    return _post_action(request, pk, run)


@key_population
@require_POST
def change_measures(request, pk: int):
    form = MeasuresForm(request.POST, prefix="measures")

    def run(person):
        if not form.is_valid():
            raise ValidationError(_("稳控措施不能超过2000字"))
        actions.change_measures(request.user, person, control_measures=form.cleaned_data["control_measures"])

    return _post_action(request, pk, run)


@key_population
def alert_list(request):
    filters = queries.AlertFilters.from_query(request.GET)
    page = page_of(queries.alerts_for(request.user, filters), page_number(request.GET.get("page")))
    page.query = filters.as_query()
    audit_view("key_person_alerts", ids=[a.key_person_id for a in page.rows])
    context = {"page": page, "filters": filters, "kinds": AlertKind.choices}
    return render(request, "keypersons/alerts.html", context)


@key_population
@require_POST
def alert_acknowledge(request, pk: int):
    alert = queries.alert_for(request.user, pk)
    try:
        actions.acknowledge_alert(request.user, alert)
    except ActionRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已签收"))
    return redirect("keypersons:alerts")


@roles(Role.SYSTEM_ADMIN)
def category_list(request):
    return render(request, "keypersons/categories.html", {"categories": queries.categories()})


@roles(Role.SYSTEM_ADMIN)
def category_edit(request, pk: int):
    category = get_object_or_404(KeyPersonCategory, pk=pk)
    initial = {
        "name": category.name,
        "description": category.description,
        "red_days": category.red_days,
        "yellow_days": category.yellow_days,
        "blue_days": category.blue_days,
        "active": category.active,
    }
    form = CategoryForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_category(request.user, category, **form.cleaned_data)
        except ActionRefused as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已保存类别 %(name)s") % {"name": form.cleaned_data["name"]})
            return redirect("keypersons:categories")
    status = 400 if request.method == "POST" else 200
    return render(request, "keypersons/category_form.html", {"form": form, "category": category}, status=status)
