"""Pages of publicity events: the list (filters by place, period, topic, channel), detail, record form, photos.

Reads go through `queries` (which start from `for_user`); changes go through `actions`.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gridgov.core.access import scoped_for
from gridgov.core.actions import ActionRefused
from gridgov.households.queries import filter_places, page_number, page_of
from gridgov.publicity import actions, queries
from gridgov.publicity.choices import Channel, Topic
from gridgov.publicity.common import RECORDING_ROLES
from gridgov.publicity.forms import EventForm, PhotoForm, apply_errors

recording_roles = scoped_for(*RECORDING_ROLES)


@recording_roles
def event_list(request):
    filters = queries.filters_from(request.GET)
    rows = queries.events_for(request.user, filters)
    page = page_of(rows.only(*queries.LIST_FIELDS), page_number(request.GET.get("page")))
    page.query = filters.as_query()
    context = {
        "page": page,
        "filters": filters,
        "totals": queries.totals(rows),
        "places": filter_places(request.user, filters.place),
        "topics": Topic.choices,
        "channels": Channel.choices,
    }
    return render(request, "publicity/event_list.html", context)


@recording_roles
def event_detail(request, pk: int):
    event = queries.event_for(request.user, pk)
    context = {"event": event, "photos": queries.photos_of(event), "photo_form": PhotoForm()}
    return render(request, "publicity/event_detail.html", context)


@recording_roles
def event_create(request):
    form = EventForm(request.user, request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            event, created = actions.record_event(request.user, form.event_input())
        except ActionRefused as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            if created:
                messages.success(request, _("已登记宣讲活动：%(title)s") % {"title": event.title})
            return redirect("publicity:detail", pk=event.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "publicity/event_form.html", {"form": form}, status=status)


@recording_roles
@require_POST
def photo_add(request, pk: int):
    event = queries.event_for(request.user, pk)
    form = PhotoForm(request.POST, request.FILES)
    try:
        if not form.is_valid():
            raise ValidationError(_("请选择照片"))
        actions.add_photos(request.user, event, form.cleaned_data["photos"])
    except (ActionRefused, ValidationError) as exc:
        messages.error(request, "；".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, _("已上传照片"))
    return redirect("publicity:detail", pk=event.pk)


@recording_roles
@require_POST
def photo_remove(request, pk: int, photo: int):
    found = queries.photo_for(request.user, pk, photo)
    try:
        actions.remove_photo(request.user, found)
    except (ActionRefused, ValidationError) as exc:
        messages.error(request, "；".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, _("已删除照片"))
    return redirect("publicity:detail", pk=pk)


@recording_roles
def photo_file(request, pk: int, photo: int):
    """The image itself, only to users whose area holds the event; never guessable, never cached publicly."""
    found = queries.photo_for(request.user, pk, photo)
    try:
        handle = found.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404("photo file missing") from None
    response = FileResponse(handle, content_type=found.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    response["Content-Disposition"] = "inline"
    response["Content-Security-Policy"] = "default-src 'none'"
    return response
