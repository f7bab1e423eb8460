"""Pages of campaigns: the list, creating and editing a campaign with its checklist, progress, checks, export.

Reads go through `queries` (which start from `for_user`); changes go through `actions`.
"""

from __future__ import annotations

import tempfile

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gridgov.campaigns import actions, exporter, queries
from gridgov.campaigns.answers import display
from gridgov.campaigns.choices import CampaignStatus
from gridgov.campaigns.forms import CampaignForm, CheckForm, QuestionFormSet, checklist_initial, initial_from
from gridgov.core.access import scoped
from gridgov.core.actions import ActionRefused
from gridgov.core.paging import page_of_list, tabs
from gridgov.core.replicas import replica_reads
from gridgov.households.forms import apply_errors
from gridgov.households.queries import normalize_search, page_number, page_of
from gridgov.registers.excel import XLSX_CONTENT_TYPE


@scoped
def campaign_list(request):
    status = request.GET.get("status", "")
    page = page_of(queries.campaigns_for(request.user, status=status), page_number(request.GET.get("page")))
    page.query = {"status": status} if status in CampaignStatus.values else {}
    context = {
        "page": page,
        "status": status,
        "statuses": CampaignStatus.choices,
        "may_create": actions.can_manage(request.user),
    }
    return render(request, "campaigns/campaign_list.html", context)


def _questions_from(formset) -> list[actions.QuestionInput]:
    return [q for q in (f.question_input() for f in formset.forms if f.cleaned_data) if q is not None]


def _apply_checklist_errors(form, formset, exc: ValidationError) -> None:
    """Question errors (keyed questions.N) go above the checklist; the rest onto the campaign form."""
    other = {}
    for name, errors in getattr(exc, "error_dict", {}).items():
        if name.startswith("questions"):
            formset.checklist_errors.extend(m for e in errors for m in e.messages)
        else:
            other[name] = errors
    if other or not hasattr(exc, "error_dict"):
        apply_errors(form, ValidationError(other) if other else exc)


@scoped
def campaign_create(request):
    if not actions.can_manage(request.user):
        raise Http404("not a campaign manager")
    form = CampaignForm(request.user, request.POST or None)
    formset = QuestionFormSet(request.POST or None, prefix="q")
    formset.checklist_errors = []
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            campaign = actions.create_campaign(request.user, form.campaign_input(), _questions_from(formset))
        except ActionRefused as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            _apply_checklist_errors(form, formset, exc)
        else:
            messages.success(request, _("已创建摸排：%(title)s") % {"title": campaign.title})
            return redirect("campaigns:detail", pk=campaign.pk)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "formset": formset, "campaign": None}
    return render(request, "campaigns/campaign_form.html", context, status=status)


@scoped
def campaign_edit(request, pk: int):
    campaign = queries.managed_campaign(request.user, pk)
    if not actions.can_manage(request.user):
        raise Http404("not a campaign manager")
    questions = actions.questions_of(campaign)
    initial = {
        "title": campaign.title,
        "description": campaign.description,
        "starts_on": campaign.starts_on,
        "ends_on": campaign.ends_on,
        "places": [p.pk for p in queries.scope_places(campaign)],
    }
    form = CampaignForm(request.user, request.POST or None, initial=initial, campaign=campaign)
    formset = None
    if campaign.is_draft:
        formset = QuestionFormSet(request.POST or None, prefix="q", initial=checklist_initial(questions))
        formset.checklist_errors = []
    if request.method == "POST" and form.is_valid() and (formset is None or formset.is_valid()):
        try:
            actions.update_campaign(request.user, campaign, form.campaign_input())
            if formset is not None:
                actions.set_checklist(request.user, campaign, _questions_from(formset))
        except ActionRefused as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            if formset is not None:
                _apply_checklist_errors(form, formset, exc)
            else:
                apply_errors(form, exc)
        else:
            messages.success(request, _("已保存摸排：%(title)s") % {"title": campaign.title})
            return redirect("campaigns:detail", pk=campaign.pk)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "formset": formset, "campaign": campaign, "questions": questions}
    return render(request, "campaigns/campaign_form.html", context, status=status)


@require_POST
@scoped
def campaign_status(request, pk: int):
    campaign = queries.managed_campaign(request.user, pk)
    if not actions.can_manage(request.user):
        raise Http404("not a campaign manager")
    try:
        actions.set_status(request.user, campaign, request.POST.get("status", ""))
    except ActionRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("摸排状态已更新"))
    return redirect("campaigns:detail", pk=campaign.pk)


@scoped
def campaign_detail(request, pk: int):
    """A campaign's figures, then one table at a time (households left, by grid, by worker), each paged."""
    campaign = queries.campaign_for(request.user, pk)
    report = queries.progress(request.user, campaign)
    q = normalize_search(request.GET.get("q"))
    running = campaign.status == CampaignStatus.RUNNING
    choices = [("grids", _("按网格"), len(report.grids)), ("workers", _("按网格员"), len(report.workers))]
    if running:
        choices.insert(0, ("unchecked", _("待摸排户"), report.total.left))
    show = request.GET.get("show", "")
    show = show if show in {c[0] for c in choices} else choices[0][0]
    query = {k: v for k, v in (("show", show), ("q", q if show == "unchecked" else "")) if v}
    number = page_number(request.GET.get("page"))
    if show == "unchecked":
        left = queries.unchecked(request.user, campaign)
        if q:
            left = left.filter(Q(number__startswith=q) | Q(address__contains=q))
        page = page_of(left, number, query=query)
    else:
        page = page_of_list(getattr(report, show), number, query=query)
    context = {
        "campaign": campaign,
        "questions": actions.questions_of(campaign),
        "places": queries.scope_places(campaign),
        "report": report,
        "show": show,
        "tabs": tabs(choices, show, param="show"),
        "page": page,
        "q": q,
        "may_edit": actions.may_edit(request.user, campaign),
        "next_statuses": [(s, CampaignStatus(s).label) for s in sorted(actions.TRANSITIONS.get(campaign.status, ()))],
    }
    return render(request, "campaigns/campaign_detail.html", context)


@scoped
def check_list(request, pk: int):
    campaign = queries.campaign_for(request.user, pk)
    page = page_of(queries.checks_for(request.user, campaign), page_number(request.GET.get("page")))
    page.query = {}
    questions = actions.questions_of(campaign)
    for check in page.rows:
        check.shown = [(q.text, display(q, check.answers.get(q.key))) for q in questions]
    return render(request, "campaigns/check_list.html", {"campaign": campaign, "page": page})


@scoped
def check_household(request, pk: int, household_pk: int):
    """摸排一户: the checklist for one household, on a phone; a re-check edits the existing record."""
    campaign = queries.campaign_for(request.user, pk)
    household = queries.household_for(request.user, campaign, household_pk)
    questions = actions.questions_of(campaign)
    current = queries.check_of(request.user, campaign, household)
    initial = {}
    if current is not None:
        initial = {**initial_from(questions, current.answers), "notes": current.notes, "base_version": current.version}
    form = CheckForm(questions, request.POST or None, initial=initial)
    conflict = None
    if request.method == "POST" and form.is_valid():
        data = actions.CheckInput(
            campaign=campaign,
            household=household,
            answers=form.answers(),
            notes=form.cleaned_data.get("notes", ""),
            client_uuid=form.cleaned_data.get("client_uuid"),
            base_version=form.cleaned_data.get("base_version"),
        )
        try:
            check, status = actions.record_check(request.user, data)
        except actions.CheckConflict as exc:
            conflict = exc.server
            conflict.shown = [(q.text, display(q, conflict.answers.get(q.key))) for q in questions]
            form.add_error(None, str(exc))
            form.data = form.data.copy()
            form.data["base_version"] = conflict.version  # saving again keeps this copy over the server's
        except ActionRefused as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            form.apply_errors(exc)
        else:
            if status != "existing":
                messages.success(request, _("已登记摸排：%(number)s") % {"number": household.number})
            return redirect("campaigns:detail", pk=campaign.pk)
    context = {
        "campaign": campaign,
        "household": household,
        "form": form,
        "current": current,
        "conflict": conflict,
    }
    return render(request, "campaigns/check_form.html", context, status=400 if request.method == "POST" else 200)


@replica_reads
@scoped
def export(request, pk: int):
    """导出摸排结果 (masked, formula-safe xlsx); audited."""
    campaign = queries.campaign_for(request.user, pk)
    handle = tempfile.NamedTemporaryFile(prefix="gridgov-campaign-", suffix=".xlsx")  # removed when closed
    exporter.write_results(request.user, campaign, handle.name)
    handle.seek(0)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = FileResponse(
        handle, as_attachment=True, filename=f"摸排结果-{campaign.title}-{stamp}.xlsx", content_type=XLSX_CONTENT_TYPE
    )
    add_never_cache_headers(response)
    return response
