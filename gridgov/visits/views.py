"""Pages of the visits ledger: today's plan, the visit list, recording a visit, coverage, rules, vulnerable members.

Reads go through `queries` (which start from `for_user`); changes go through `actions`.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gridgov.core import counting
from gridgov.core.access import scoped
from gridgov.core.actions import ActionRefused
from gridgov.core.models import scope_prefix
from gridgov.core.paging import page_of_list, tabs
from gridgov.core.replicas import replica_reads
from gridgov.households.queries import filter_places, page_number, page_of
from gridgov.places.models import Place
from gridgov.visits import actions, queries
from gridgov.visits.choices import DEFAULT_CHECK_DAYS, VisitMode, VisitStatus, VulnerableCategory
from gridgov.visits.forms import CadenceForm, EndForm, RuleForm, VisitForm, VulnerableForm, apply_errors


def _pk(raw) -> int | None:
    raw = str(raw or "")
    return int(raw) if raw.isdigit() and len(raw) < 19 else None


_PK = 2147483647  # a stand-in key: each row's link is this reversed URL with the row's key put in its place
_COLOR_CLASS = {"red": "badge bad", "yellow": "badge warn"}
_STATUS_CLASS = {VisitStatus.NEVER: "bad", VisitStatus.OVERDUE: "bad", VisitStatus.DUE: "warn"}


def _linker(name: str):
    """``pk -> URL`` for a ``<int:pk>`` route, reversed once per page instead of once per row."""
    head, _stand_in, tail = reverse(name, kwargs={"pk": _PK}).partition(str(_PK))
    return lambda pk: f"{head}{pk}{tail}"


def _ymd(day) -> str:
    return day.isoformat() if day else ""


def _household_rows(rows: list[queries.DueHousehold], create: str) -> list[dict]:
    """A page of due households as plain strings: the page's loop then only prints values."""
    labels = {  # the badges of visits/_status.html
        VisitStatus.CURRENT: _("周期内已走访"),
        VisitStatus.DUE: _("即将到期"),
        VisitStatus.NEVER: _("从未走访"),
        VisitStatus.OVERDUE: _("逾期"),
    }
    household = _linker("households:detail")
    localtime = timezone.localtime
    out = []
    for row in rows:
        h = row.household
        holder = h.householder.name if h.householder_id else ""
        out.append({
            "url": household(h.pk), "number": h.number, "holder": holder or "—", "address": h.address,
            "status_class": _STATUS_CLASS.get(row.status, "ok"), "status": labels[row.status],
            "due": f"{row.due_on.month:02d}-{row.due_on.day:02d}" if row.due_on else "",
            "last": localtime(row.last_visited_at).date().isoformat() if row.last_visited_at else "—",
            "visit_url": f"{create}?household={h.pk}",
        })  # fmt: skip
    return out


def _check_rows(members, today, create: str) -> list[dict]:
    member = _linker("visits:vulnerable_detail")
    return [
        {
            "url": member(m.pk),
            "name": m.resident.name,
            "category": m.get_category_display(),
            "address": m.household.address,
            "due": _ymd(m.next_check_on),
            "late": m.next_check_on is not None and m.next_check_on < today,
            "visit_url": f"{create}?household={m.household_id}&member={m.pk}",
        }
        for m in members
    ]


def _follow_up_rows(people, today) -> list[dict]:
    detail, follow_up = _linker("keypersons:detail"), _linker("keypersons:follow_up")
    rows = []
    for p in people:
        due = p.next_follow_up_due
        rows.append({
            "url": detail(p.pk), "name": p.resident.name, "category": p.category.name,
            "color_class": _COLOR_CLASS.get(p.color, "badge"), "color": p.get_color_display(),
            "due": _ymd(due), "late": due is not None and due < today, "follow_up_url": follow_up(p.pk),
        })  # fmt: skip
    return rows


BY_CHILD_PAGE = 20  # child places per page of the plan's "by place" table


def _plan_place(raw: str | None, prefix: str) -> str:
    """The place the plan is narrowed to: a code under the user's own (their own by default)."""
    code = str(raw or "").strip()
    return code if code.isdigit() and code.startswith(prefix) and len(code) <= 24 else prefix


@replica_reads
@scoped
def today(request):
    """今日计划, paged: the figures by section and due class (and by child place above the grid), then one section's
    rows, 50 a page. The place, section and due class are kept in every link."""
    user = request.user
    day, horizon = queries.plan_horizon(user)
    prefix = scope_prefix(user)
    code = _plan_place(request.GET.get("place"), prefix)
    place = user.place if code == prefix else Place.objects.for_user(user).filter(code=code).first()
    if place is None:
        raise Http404("no such place")
    counts = queries.due_counts(user, place, day, horizon)
    # In the order of urgency (the order the plan always listed them); by default the first that has rows.
    sections = [("checks", _("关爱对象待探访"), counts.checks), ("households", _("待走访户"), counts.households)]
    if counts.follow_ups is not None:
        sections.insert(0, ("follow_ups", _("重点人员待稳控"), counts.follow_ups))
    show = request.GET.get("show", "")
    if show not in {value for value, _label, _n in sections}:
        show = next((value for value, _label, n in sections if n), "households")
    status = request.GET.get("status", "") if show == "households" else ""
    status = status if status in queries.DUE_CLASSES else ""
    query = {k: v for k, v in (("place", code if code != prefix else ""), ("show", show), ("status", status)) if v}
    number = page_number(request.GET.get("page"))
    create = reverse("visits:create")
    if show == "follow_ups":
        page = page_of(queries.due_follow_ups_for(user, code, horizon), number, query=query)
        queries.audit_shown("today_plan", [p.pk for p in page.rows])
        page.rows = _follow_up_rows(page.rows, day)
    elif show == "checks":
        page = page_of(queries.due_checks_for(user, code, horizon), number, query=query)
        page.rows = _check_rows(page.rows, day, create)
    else:
        page = page_of(queries.due_households_for(user, code, day, horizon, status), number, query=query)
        page.rows = _household_rows(queries.due_rows(user, page.rows, day, horizon), create)
    statuses = [
        ("", _("全部"), counts.households),
        (VisitStatus.NEVER, _("从未走访"), counts.never),
        (VisitStatus.OVERDUE, _("逾期"), counts.overdue),
        (VisitStatus.DUE, _("即将到期"), counts.due),
    ]
    context = {
        "today": day,
        "horizon": horizon,
        "show": show,
        "place": place,
        "counts": counts,
        "tabs": tabs(sections, show, query=query, param="show"),
        "status_tabs": tabs(statuses, status, query=query, param="status") if show == "households" else [],
        "by_child": page_of_list(
            counts.children if show == "households" else [],
            page_number(request.GET.get("cpage")),
            BY_CHILD_PAGE,
            query={**query, "page": str(number)} if number > 1 else query,
            param="cpage",
        ),
        "places": filter_places(user, code) if len(prefix) < queries.GRID_LENGTH else [],
        "page": page,
    }
    return render(request, "visits/today.html", context)


@replica_reads
@scoped
def visit_list(request):
    filters = queries.VisitFilters.from_query(request.GET)
    rows = queries.visits_for(request.user, filters).only(*queries.VISIT_LIST_FIELDS)
    page = page_of(rows, page_number(request.GET.get("page")))
    page.query = filters.as_query()
    queries.visitors_of(page.rows)
    context = {
        "page": page,
        "total": _visit_total(request.user, rows, filters),
        "filters": filters,
        "places": filter_places(request.user, filters.place),
        "modes": VisitMode.choices,
    }
    return render(request, "visits/visit_list.html", context)


def _visit_total(user, rows, filters: queries.VisitFilters) -> int:
    """共 N 次: the statistics' count of the same visits (a household's or the user's own are counted as listed)."""
    return counting.total(
        user, rows, source="visits", place=filters.place, since=filters.since, until=filters.until,
        filters={"mode": filters.mode} if filters.mode else {},
        countable=filters.household is None and not filters.mine,
    )  # fmt: skip


@scoped
def visit_detail(request, pk: int):
    visit = queries.visit_for(request.user, pk)
    queries.visitors_of([visit])
    context = {"visit": visit, "matters": queries.matters_of(request.user, visit)}
    return render(request, "visits/visit_detail.html", context)


@scoped
def visit_to_matter(request, pk: int):
    """转为事项: the matter intake form, prefilled from the visit; the new matter is linked to it."""
    from gridgov.matters.forms import IntakeForm, apply_intake_errors

    visit = queries.visit_for(request.user, pk)
    household = visit.household
    findings = visit.findings.strip()
    initial = {
        # a check of a vulnerable member most often finds a hardship (解决小困难)
        "kind": request.GET.get("kind", "hardship" if visit.vulnerable_member_id else "appeal"),
        "title": findings.splitlines()[0][:60] if findings else "",
        "description": findings,
        "channel": "visit",
        "reporter_type": "resident" if household.householder_id else "anonymous",
        "reporter_lookup": household.householder.name if household.householder_id else "",
        "household_number": household.number,
    }
    form = IntakeForm(request.user, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            matter = actions.record_matter_from_visit(request.user, visit, form.matter_input())
        except ActionRefused as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            apply_intake_errors(form, exc)
        else:
            messages.success(request, _("已根据走访登记事项：%(ref)s") % {"ref": matter.reference})
            return redirect("matters:detail", pk=matter.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "matters/matter_form.html", {"form": form, "visit": visit}, status=status)


@scoped
def visit_create(request):
    household_pk = _pk(request.GET.get("household") or request.POST.get("household"))
    if household_pk is None:
        q = request.GET.get("q", "")
        households = queries.households_in_scope(request.user, q)
        template = (
            "visits/_household_picker.html" if request.headers.get("HX-Request") else "visits/pick_household.html"
        )
        return render(request, template, {"households": households, "q": q})
    household = queries.household_for(request.user, household_pk)
    member = None
    member_pk = _pk(request.GET.get("member"))
    if member_pk is not None:
        member = next((m for m in queries.members_due_in(request.user, household) if m.pk == member_pk), None)
    form = VisitForm(request.user, household, request.POST or None, member=member)
    if request.method == "POST" and form.is_valid():
        try:
            visit, created = actions.record_visit(request.user, form.visit_input())
        except ActionRefused as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            if created:
                messages.success(request, _("已登记走访：%(number)s") % {"number": household.number})
            return redirect("visits:detail", pk=visit.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "visits/visit_form.html", {"form": form, "household": household}, status=status)


@replica_reads
@scoped
def coverage(request):
    place = queries.coverage_place(request.user, request.GET.get("place"))
    report = queries.coverage(request.user, place)
    crumbs = list(
        Place.objects.for_user(request.user)
        .filter(code__in=place.ancestor_codes())
        .only("id", "code", "name")
        .order_by("code")
    )
    # One table at a time (by grid, by worker), each paged: a town has 100+ grids and as many workers.
    by = request.GET.get("by", "")
    by = by if by in ("grids", "workers") else "grids"
    query = {"place": place.code} if request.GET.get("place") else {}
    choices = [("grids", _("按网格"), len(report.grids)), ("workers", _("按网格员"), len(report.workers))]
    context = {
        "report": report,
        "crumbs": crumbs,
        "by": by,
        "tabs": tabs(choices, by, query=query, param="by"),
        "page": page_of_list(getattr(report, by), page_number(request.GET.get("page")), query={**query, "by": by}),
    }
    return render(request, "visits/coverage.html", context)


@scoped
def rules(request):
    prefix = scope_prefix(request.user)
    rule = queries.scope_rule(request.user)
    initial = {
        "place_code": prefix,
        "every_days": rule.every_days,
        "priority_every_days": rule.priority_every_days,
        "remind_days": rule.remind_days,
    }
    form = RuleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        place = Place.objects.for_user(request.user).filter(code=data["place_code"]).first()
        if place is None:
            form.add_error("place_code", _("该地域不存在或不在您的管辖范围内"))
        else:
            try:
                if request.POST.get("remove"):
                    actions.remove_visit_rule(request.user, place)
                    messages.success(request, _("已取消 %(place)s 的走访频次规则") % {"place": place.name})
                else:
                    actions.set_visit_rule(
                        request.user,
                        place,
                        every_days=data["every_days"],
                        priority_every_days=data["priority_every_days"],
                        remind_days=data["remind_days"],
                    )
                    messages.success(request, _("已设置 %(place)s 的走访频次") % {"place": place.name})
            except ActionRefused as exc:
                form.add_error(None, str(exc))
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                return redirect("visits:rules")
    status = 400 if request.method == "POST" else 200
    context = {
        "form": form,
        "page": page_of_list(queries.rules_in_scope(request.user), page_number(request.GET.get("page"))),
        "may_edit": request.user.role in actions.RULE_ROLES,
    }
    return render(request, "visits/rules.html", context, status=status)


@replica_reads
@scoped
def vulnerable_list(request):
    filters = queries.VulnerableFilters.from_query(request.GET)
    page = page_of(queries.vulnerable_for(request.user, filters), page_number(request.GET.get("page")))
    page.query = filters.as_query()
    context = {
        "page": page,
        "filters": filters,
        "places": filter_places(request.user, filters.place),
        "categories": VulnerableCategory.choices,
        "counts": queries.vulnerable_counts(request.user),
    }
    return render(request, "visits/vulnerable_list.html", context)


@scoped
def vulnerable_create(request):
    resident_pk = _pk(request.GET.get("resident") or request.POST.get("resident"))
    if resident_pk is None:
        q = request.GET.get("q", "")
        residents = queries.residents_in_scope(request.user, q)
        return render(request, "visits/pick_resident.html", {"residents": residents, "q": q})
    from gridgov.households.queries import resident_for

    resident = resident_for(request.user, resident_pk)
    form = VulnerableForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            member = actions.register_vulnerable(
                request.user,
                resident,
                category=data["category"],
                check_every_days=data["check_every_days"],
                notes=data["notes"],
                since=data["since"],
            )
        except ActionRefused as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已登记关爱对象：%(name)s") % {"name": resident.name})
            return redirect("visits:vulnerable_detail", pk=member.pk)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "resident": resident, "defaults": DEFAULT_CHECK_DAYS, "categories": VulnerableCategory}
    return render(request, "visits/vulnerable_form.html", context, status=status)


@scoped
def vulnerable_detail(request, pk: int):
    member = queries.vulnerable_member_for(request.user, pk)
    checks = list(queries.visits_for(request.user, queries.VisitFilters()).filter(vulnerable_member=member)[:20])
    context = {
        "member": member,
        "checks": checks,
        "end_form": EndForm(),
        "cadence_form": CadenceForm(initial={"check_every_days": member.check_every_days}),
    }
    return render(request, "visits/vulnerable_detail.html", context)


@scoped
@require_POST
def vulnerable_end(request, pk: int):
    member = queries.vulnerable_member_for(request.user, pk)
    form = EndForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("请填写移出原因"))
        actions.end_vulnerable(request.user, member, reason=form.cleaned_data["reason"])
    except (ActionRefused, ValidationError) as exc:
        messages.error(request, "；".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, _("已移出关爱对象"))
    return redirect("visits:vulnerable_detail", pk=member.pk)


@scoped
@require_POST
def vulnerable_cadence(request, pk: int):
    member = queries.vulnerable_member_for(request.user, pk)
    form = CadenceForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("探访周期应在 1 至 365 天之间"))
        actions.change_check_cadence(request.user, member, check_every_days=form.cleaned_data["check_every_days"])
    except (ActionRefused, ValidationError) as exc:
        messages.error(request, "；".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, _("已修改探访周期"))
    return redirect("visits:vulnerable_detail", pk=member.pk)
