"""Pages of the matter engine: intake, the list with filters and search, the work queue, a matter's page with
its timeline and the action forms its user may use, and the printable mediation agreement.

Reads start from `Matter.objects.for_user` (or `queries`, which do); changes go only through `actions`.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gridgov.accounts.choices import BUSINESS_ROLES, Role
from gridgov.core import counting
from gridgov.core.access import roles, scoped
from gridgov.core.actions import ActionRefused as CoreActionRefused
from gridgov.core.paging import capped_count
from gridgov.core.replicas import replica_reads
from gridgov.households.queries import filter_places, page_number, page_of
from gridgov.matters import actions, policy, queries
from gridgov.matters.choices import MatterAction, MatterKind, ReporterType, SourceChannel
from gridgov.matters.forms import (
    ACTION_FORMS,
    IntakeForm,
    ListFilters,
    QuickReportForm,
    apply_errors,
    apply_filters,
    apply_intake_errors,
    categories_of,
    dimension_filters,
    extra_form_fields,
)
from gridgov.matters.models import (
    Attachment,
    Category,
    Matter,
    MatterEvent,
    MediationAgreement,
    MediationSession,
    private_storage,
)

# Business roles (what `scoped` admits) plus department liaisons, who hold no place scope and so fail `scoped`
# yet work on matters here. Every view still reads through `Matter.objects.for_user`, which limits liaisons
# to what was routed to their departments.
MATTER_ROLES = (*sorted(BUSINESS_ROLES), Role.DEPARTMENT_LIAISON)
matter_roles = roles(*MATTER_ROLES)

REFUSALS = (actions.ActionRefused, CoreActionRefused)
LIST_RELATED = ("category", "holder_place", "holder_department")
LIST_FIELDS = (
    "id", "kind", "title", "color", "state", "level", "overdue", "card", "deadline_at", "created_at", "is_open",
    "possible_duplicate", "path", "category__id", "category__name", "holder_place__id", "holder_place__name",
    "holder_department__id", "holder_department__name",
)  # fmt: skip


def _hx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _matter_for(user, pk: int) -> Matter:
    qs = Matter.objects.for_user(user).select_related(
        "category", "holder_place", "holder_department", "place", "household", "reporter_resident", "recorded_by",
        "holder_place__parent", "proxy_steward", "duplicate_of",
    )  # fmt: skip
    return get_object_or_404(qs, pk=pk)


# ---------------------------------------------------------------- lists


@replica_reads
@matter_roles
def matter_list(request):
    filters = ListFilters(request.GET or None)
    values = filters.values() if request.GET else {}
    q = values.get("q", "").strip()
    qs = Matter.objects.for_user(request.user).order_by("-id")
    if q:
        # The engine's full-text predicate (bigrams: two-character words match) combined with the other
        # filters in the same query, so that every filter applies before paging.
        match = queries.search_predicate(q)
        qs = qs.filter(match) if match is not None else qs.none()
    qs = apply_filters(qs, values).select_related(*LIST_RELATED).only(*LIST_FIELDS)
    page = page_of(qs, page_number(request.GET.get("page")))
    page.query = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in values.items()}
    kind = values.get("kind", "")
    context = {
        "page": page,
        "total": _list_total(request.user, qs, values),
        "filters": filters,
        "values": values,
        "places": filter_places(request.user, values.get("place", "")),
        "categories": list(categories_of(kind)) if kind else [],
        "kinds": MatterKind.choices,
    }
    return render(request, "matters/matter_list.html", context)


def _list_total(user, qs, values) -> tuple[int, bool]:
    """(共 N 条, more than N): the statistics' count for the list's filters (the same filters, so a figure's
    link shows its number); a text search counts its hits up to a cap."""
    if values.get("q"):
        return capped_count(qs)
    countable = not values.get("holder")
    total = counting.total(
        user, qs, source="matters", place=values.get("place", ""), since=values.get("since"),
        until=values.get("until"), filters=dimension_filters(values), countable=countable,
    )  # fmt: skip
    return total, False


@replica_reads
@matter_roles
def work_queue(request):
    page = queries.queue_page(request.user, page_number(request.GET.get("page")))
    return render(request, "matters/work_queue.html", {"page": page, "rows": _queue_rows(page.rows)})


QUEUE_ROW = (
    '<tr><td class="head"><a href="{url}">{title}</a> <span class="muted">{reference}</span></td>'
    '<td data-label="{l_kind}">{kind} · {category}</td>'
    '<td data-label="{l_color}"><span class="badge{color_class}">{color}</span></td>'
    '<td data-label="{l_state}">{state}{badges}</td>'
    '<td data-label="{l_holder}">{level} · {holder}</td>'
    '<td data-label="{l_deadline}">{deadline}</td></tr>\n'
)
BADGE_CLASS = {"red": " bad", "yellow": " warn"}


def _queue_rows(rows: list[queries.QueueRow]) -> SafeString:
    """The queue table's rows (the columns of ``matters/_rows.html``), built here rather than by a
    template loop: the page is opened all day by every worker, and the template engine's per-row
    lookups were most of its time. Every text is escaped, each distinct one once per page."""
    escaped: dict[str, str] = {}

    def esc(text: str) -> str:
        hit = escaped.get(text)
        if hit is None:
            hit = escaped[text] = conditional_escape(text)
        return hit

    labels = {
        "l_kind": esc(_("类型")),
        "l_color": esc(_("风险")),
        "l_state": esc(_("状态")),
        "l_holder": esc(_("承办")),
        "l_deadline": esc(_("时限")),
    }
    overdue = format_html(' <span class="badge bad">{}</span>', _("超期"))
    duplicate = format_html(' <span class="badge">{}</span>', _("疑似重复"))
    out = []
    for row in rows:
        badges = overdue if row.overdue else ""
        if row.card:
            badges += f' <span class="badge{BADGE_CLASS.get(row.card, " warn")}">{esc(row.card_label)}</span>'
        if row.possible_duplicate:
            badges += duplicate
        out.append(
            QUEUE_ROW.format(
                url=esc(row.url),
                title=esc(row.title),
                reference=esc(row.reference),
                kind=esc(row.kind_label),
                category=esc(row.category),
                color_class=BADGE_CLASS.get(row.color, ""),
                color=esc(row.color_label),
                state=esc(row.state_label),
                badges=badges,
                level=esc(row.level_label),
                holder=esc(row.holder),
                deadline=esc(row.deadline),
                **labels,
            )
        )
    return mark_safe("".join(out))  # every value above is escaped


# ---------------------------------------------------------------- intake


@scoped  # recording is for the business roles (`actions.RECORDING_ROLES`): a liaison records no matter
def matter_create(request):
    if request.user.role == Role.CLUSTER_LEADER:
        return redirect("matters:quick_report")
    initial = {"kind": request.GET.get("kind", MatterKind.DISPUTE)}
    form = IntakeForm(request.user, request.POST or None, initial=initial)
    report_up = request.POST.get("then") == "report_up"
    if request.method == "POST" and form.is_valid():
        try:
            if report_up:  # 登记并上报: both in one transaction, or neither
                matter = actions.record_and_report_up(
                    request.user, form.matter_input(), reason=form.cleaned_data["report_reason"]
                )
            else:
                matter = actions.record_matter(request.user, form.matter_input())
        except REFUSALS as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            apply_intake_errors(form, exc)
        else:
            if report_up:
                done = _("已登记并上报：%(ref)s，等待%(holder)s受理")
            else:
                done = _("已登记事项：%(ref)s")
            messages.success(request, done % {"ref": matter.reference, "holder": policy.holder_name(matter)})
            return redirect("matters:detail", pk=matter.pk)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "may_report_up": policy.may_report_up_on_record(request.user)}
    return render(request, "matters/matter_form.html", context, status=status)


@matter_roles
def category_options(request):
    """HTMX: the category select for a kind (and clears the extra fields)."""
    kind = request.GET.get("kind", "")
    if kind not in MatterKind.values:
        raise Http404
    form = IntakeForm(request.user, initial={"kind": kind})
    return render(request, "matters/_category_select.html", {"form": form, "oob": True})


@matter_roles
def extra_fields(request):
    """HTMX: the extra fields of the chosen category."""
    raw = request.GET.get("category", "")
    category = Category.objects.filter(pk=int(raw), selectable=True, active=True).first() if raw.isdigit() else None
    fields = extra_form_fields(category)
    form = IntakeForm(request.user, initial={"kind": category.kind if category else MatterKind.DISPUTE})
    form.fields.update(fields)
    return render(request, "matters/_extra_fields.html", {"form": form})


@matter_roles
def quick_report(request):
    """联户长快报: what, where, color; lands in the leader's cluster as an appeal for the grid worker."""
    form = QuickReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        category = Category.objects.get(code="appeal.other")
        place = request.user.place
        try:
            matter = actions.record_matter(
                request.user,
                actions.MatterInput(
                    kind=MatterKind.APPEAL,
                    category=category,
                    title=data["what"],
                    description=_("地点：%(where)s") % {"where": data["where"]},
                    channel=SourceChannel.ONLINE,
                    color=data["color"],
                    reporter=actions.Reporter(
                        type=ReporterType.OUTSIDER, name=request.user.display_name or request.user.username
                    ),
                    place=place,
                ),
            )
        except REFUSALS as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已上报：%(ref)s") % {"ref": matter.reference})
            return redirect("matters:detail", pk=matter.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "matters/quick_report.html", {"form": form}, status=status)


# ---------------------------------------------------------------- one matter


def _detail_context(request, matter: Matter, failed: dict | None = None) -> dict:
    user = request.user
    events = list(
        MatterEvent.objects.filter(matter=matter).select_related("to_unit", "to_department").order_by("at", "id")
    )
    sessions = list(
        MediationSession.objects.filter(matter=matter)
        .prefetch_related(Prefetch("mediators"))
        .order_by("scheduled_for", "id")
    )
    agreements = list(MediationAgreement.objects.filter(matter=matter).order_by("signed_on", "id"))
    feedbacks = list(matter.feedbacks.select_related("recorded_by").order_by("contacted_at", "id"))
    supervisions = list(matter.supervisions.select_related("holder_place", "holder_department", "issued_by"))
    attachments = list(Attachment.objects.filter(matter=matter).order_by("id"))
    available = policy.available_actions(user, matter)
    expected = policy.expected_next(user, matter, available, sessions=sessions)
    if failed and failed["action"] not in available:
        available.append(failed["action"])  # show the refused form with its message
    forms_ = []
    for action in available:
        if failed and failed["action"] == action:
            forms_.append((action, failed["form"]))
        else:
            forms_.append((action, ACTION_FORMS[action](matter, prefix=action)))
    entries = [
        {"name": a, "label": _action_label(a), "form": f, "url": reverse("matters:act", args=[matter.pk, a])}
        for a, f in forms_
    ]
    next_forms = sorted((e for e in entries if e["name"] in expected), key=lambda e: expected.index(e["name"]))
    recorded = next((e for e in events if e.action == MatterAction.RECORD), None)
    labels = {spec["name"]: spec["label"] for spec in matter.category.extra_fields or []}
    extra_rows = [
        (labels.get(name, name), "、".join(value) if isinstance(value, list) else value)
        for name, value in (matter.extra or {}).items()
    ]
    return {
        "matter": matter,
        "extra_rows": extra_rows,
        "reporter_name": _masked_reporter(matter),
        "reporter_phone": _masked_phone(matter),
        "events": events,
        "sessions": sessions,
        "agreements": agreements,
        "feedbacks": feedbacks,
        "supervisions": supervisions,
        "cards_by_hand": [s for s in supervisions if s.issued_by_id and s.holding_since == matter.arrived_at],
        "photos": [a for a in attachments if a.is_photo],
        "documents": [a for a in attachments if not a.is_photo],
        "action_forms": entries,
        "next_forms": next_forms,
        "more_forms": [e for e in entries if e["name"] not in expected],
        "more_open": bool(failed and failed["action"] not in expected),
        "holder_name": policy.holder_name(matter),
        # who recorded it: the account, else the timeline's name (machine intake, imported or seeded matters)
        "registrant": (matter.recorded_by.display_name or matter.recorded_by.username)
        if matter.recorded_by_id
        else (recorded.actor_name if recorded else ""),
    }


def _mask_name(name: str) -> str:
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""


def _masked_reporter(matter: Matter) -> str:
    if matter.reporter_type == ReporterType.ANONYMOUS:
        return _("匿名")
    return _mask_name(matter.reporter_display)


def _masked_phone(matter: Matter) -> str:
    if matter.reporter_type == ReporterType.RESIDENT and matter.reporter_resident_id:
        return matter.reporter_resident.phone_masked
    return matter.reporter_phone_masked


def _action_label(action: str) -> str:
    return str(MatterAction(action).label)


@matter_roles
def matter_detail(request, pk: int):
    matter = _matter_for(request.user, pk)
    return render(request, "matters/matter_detail.html", _detail_context(request, matter))


@matter_roles
@require_POST
def act(request, pk: int, action: str):
    """POST one action's form (HTMX or plain). Success: back to the matter's page. Refusal or bad input: the form
    again with the message, nothing changed."""
    matter = _matter_for(request.user, pk)
    form_class = ACTION_FORMS.get(action)
    if form_class is None:
        raise Http404
    form = form_class(matter, request.POST, request.FILES, prefix=action)
    if form.is_valid():
        try:
            form.run(request.user, matter)
        except REFUSALS as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已%(action)s") % {"action": _action_label(action)})
            url = reverse("matters:detail", args=[matter.pk])
            if _hx(request):
                response = HttpResponse(status=200)
                response["HX-Redirect"] = url
                return response
            return redirect(url)
    entry = {"name": action, "label": _action_label(action), "form": form, "url": request.path}
    if _hx(request):
        return render(request, "matters/_action_form.html", {"a": entry, "open": True})
    matter.refresh_from_db()
    context = _detail_context(request, matter, failed={"action": action, "form": form})
    return render(request, "matters/matter_detail.html", context, status=400)


def attachment_response(attachment: Attachment) -> FileResponse:
    """The stored file with the type found at upload; photos and PDFs inline, Office files as downloads.
    Never cached by shared caches, never sniffed into something else by the browser."""
    try:
        handle = private_storage().open(attachment.file.name, "rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle,
        content_type=attachment.content_type,
        as_attachment=not attachment.inline,
        filename=attachment.original_name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=0, no-store"
    if attachment.content_type != "application/pdf":  # the browser's PDF viewer needs its plugin
        response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
    return response


@matter_roles
def attachment(request, pk: int):
    """One attachment's file, only for someone who may read its matter (else 404, as if it did not exist)."""
    return attachment_response(get_object_or_404(Attachment.objects.for_user(request.user), pk=pk))


@matter_roles
def agreement_pdf(request, pk: int):
    agreement = get_object_or_404(
        MediationAgreement.objects.for_user(request.user).select_related("matter", "matter__category"), pk=pk
    )
    from gridgov.matters.pdf import agreement_pdf as render  # fpdf2 is loaded only when printing

    body = render(agreement)
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="agreement-{agreement.pk}.pdf"'
    return response


__all__ = [
    "act",
    "agreement_pdf",
    "attachment",
    "category_options",
    "extra_fields",
    "matter_create",
    "matter_detail",
    "matter_list",
    "quick_report",
    "work_queue",
]
