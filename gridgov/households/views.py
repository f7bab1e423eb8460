"""Pages for households and residents: lists, details, small forms, and revealing a masked value.

Reads go through `queries` (which start from `for_user`); changes go through `actions`.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gridgov.core import counting
from gridgov.core.access import scoped
from gridgov.core.paging import add_total
from gridgov.core.replicas import replica_reads
from gridgov.households import actions, queries
from gridgov.households.choices import HouseType
from gridgov.households.forms import HouseholdForm, PhoneForm, ResidentForm, RevealForm, apply_errors


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _list_context(request, queryset, filters: queries.Filters, pager=queries.page_of) -> dict:
    page = pager(queryset, queries.page_number(request.GET.get("page")))
    page.query = filters.as_query()
    return {
        "page": page,
        "filters": filters,
        "places": queries.filter_places(request.user, filters.place),
        "house_types": HouseType.choices,
    }


def _search_redirect(request):
    """Posted search (or an old link with ``id_number``): redirect to a URL that holds no ID number."""
    params = request.POST if request.method == "POST" else request.GET
    filters = queries.Filters.from_query(params)
    query = urlencode(filters.as_query())
    return redirect(f"{request.path}?{query}" if query else request.path)


@replica_reads
@scoped
def household_list(request):
    if request.method == "POST" or "id_number" in request.GET:
        return _search_redirect(request)
    filters = queries.Filters.from_query(request.GET)
    rows = queries.households_for(request.user, filters)
    context = _list_context(request, rows, filters, pager=queries.household_page)
    if filters.place and not (filters.house_type or filters.q or filters.id_index or filters.household):
        # 共 N 户 of a chosen place (what the statistics link to), from the households rollup where it is kept,
        # else an indexed count of the place's range; the unfiltered list and searches stay without a count.
        context["total"] = counting.total(request.user, rows, source="households", place=filters.place)
    else:  # the pager's 共 N 条: counted up to the cap, known without a query on the last page
        add_total(context["page"], rows)
    return render(request, "households/household_list.html", context)


@replica_reads
@scoped
def resident_list(request):
    if request.method == "POST" or "id_number" in request.GET:
        return _search_redirect(request)
    filters = queries.Filters.from_query(request.GET)
    rows = queries.residents_for(request.user, filters).only(*queries.RESIDENT_LIST_FIELDS)
    context = _list_context(request, rows, filters)
    return render(request, "households/resident_list.html", context)


@scoped
def household_detail(request, pk: int):
    household = queries.household_for(request.user, pk)
    members = queries.members_of(request.user, household)
    map_data = None
    if household.point or (household.grid and household.grid.boundary):
        map_data = {"point": household.point, "grid": household.grid.boundary if household.grid else None}
    return render(
        request,
        "households/household_detail.html",
        {"household": household, "members": members, "map_data": map_data},
    )


@scoped
def household_create(request):
    form = HouseholdForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            household = actions.create_household(
                request.user,
                number=data["number"],
                grid=data["grid"],
                cluster=data["cluster"],
                address=data["address"],
                house_type=data["house_type"],
                point=form.point,
            )
        except actions.ActionRefused as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已登记户 %(number)s") % {"number": household.number})
            return redirect("households:detail", pk=household.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "households/household_form.html", {"form": form}, status=status)


@scoped
def resident_create(request, pk: int):
    household = queries.household_for(request.user, pk)
    form = ResidentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            resident = actions.add_resident(request.user, form.resident_input(), household=household)
        except actions.ActionRefused as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已添加居民 %(name)s") % {"name": resident.name})
            return redirect("households:detail", pk=household.pk)
    status = 400 if request.method == "POST" else 200
    response = render(request, "households/resident_form.html", {"form": form, "household": household}, status=status)
    add_never_cache_headers(response)  # a re-shown form holds what was typed, ID number included
    return response


def _pii_items(resident, revealed: dict[str, str] | None = None, forms: dict | None = None) -> list[dict]:
    revealed = revealed or {}
    forms = forms or {}
    items = []
    for field, label, masked in (
        ("id_number", _("身份证号"), resident.id_number_masked),
        ("phone", _("联系电话"), resident.phone_masked),
    ):
        items.append(
            {
                "field": field,
                "label": label,
                "masked": masked,
                "revealed": revealed.get(field),
                "form": forms.get(field) or RevealForm(prefix=field),
                "refusal": None,
            }
        )
    return items


@scoped
def resident_detail(request, pk: int):
    resident = queries.resident_for(request.user, pk)
    return render(
        request,
        "households/resident_detail.html",
        {"resident": resident, "pii": _pii_items(resident)},
    )


@scoped
@require_POST
def resident_reveal(request, pk: int, field: str):
    """Show one masked value in clear: POST only, with a reason, for holders of the permission; audited.

    `actions.reveal` is the one guard (permission, scope, reason) and writes the audit row.
    """
    resident = queries.resident_for(request.user, pk)
    if field not in actions.REVEALABLE:
        raise Http404("not a revealable field")
    form = RevealForm(request.POST, prefix=field)
    form.is_valid()  # the reason is checked by the action, so this only trims it
    status, revealed, refusal = 200, None, None
    try:
        revealed = actions.reveal(request.user, resident, field, form.cleaned_data.get("reason", ""))
    except actions.ActionRefused as exc:
        refusal, status = str(exc), 403
    except ValidationError as exc:
        apply_errors(form, exc)
        status = 400
    items = _pii_items(resident, {field: revealed} if revealed is not None else None, {field: form})
    item = next(i for i in items if i["field"] == field)
    item["refusal"] = refusal
    if _is_htmx(request):
        # HTMX swaps only 2xx answers; the partial carries the refusal or the errors itself.
        response = render(request, "households/_pii.html", {"p": item, "resident": resident})
    else:
        response = render(
            request, "households/resident_detail.html", {"resident": resident, "pii": items}, status=status
        )
    add_never_cache_headers(response)
    return response


@scoped
def resident_phone(request, pk: int):
    resident = queries.resident_for(request.user, pk)
    form = PhoneForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_resident_contact(request.user, resident, phone=form.cleaned_data["phone"])
        except actions.ActionRefused as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已更新 %(name)s 的联系电话") % {"name": resident.name})
            return redirect("households:resident", pk=resident.pk)
    status = 400 if request.method == "POST" else 200
    response = render(request, "households/phone_form.html", {"form": form, "resident": resident}, status=status)
    add_never_cache_headers(response)
    return response
