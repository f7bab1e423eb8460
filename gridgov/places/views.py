"""Pages of the place tree: a place with its children, counts and map."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gridgov.core.access import roles, scoped
from gridgov.core.paging import page_number, page_of_list
from gridgov.core.roles import Role
from gridgov.places import actions, boundaries, queries
from gridgov.places.models import Place


@scoped
def mine(request):
    """The signed-in user's own place (the menu entry and /places/ lead here)."""
    return redirect("places:detail", code=request.user.place.code)


@scoped
def detail(request, code: str):
    overview = queries.overview(request.user, code)
    return render(
        request,
        "places/detail.html",
        {
            "overview": overview,
            "place": overview.place,
            "children": page_of_list(overview.children, page_number(request.GET.get("page"))),
            "map_data": {
                "place": queries.shape(overview.place) if overview.place.boundary else None,
                "shapes": overview.map_shapes,
                "centre": overview.place.centre,
            },
        },
    )


class BoundaryImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("GeoJSON 文件"), help_text=gettext_lazy("要素集合（FeatureCollection），经纬度坐标")
    )
    code_property = forms.RegexField(
        label=gettext_lazy("地域代码属性名"), regex=r"^[\w\-]{1,40}$", initial=boundaries.CODE_PROPERTY
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.GRIDGOV_UPLOAD_MAX_BYTES:
            raise forms.ValidationError(_("文件过大"))
        return upload


@roles(Role.CENTER_STAFF)
def boundary_import(request):
    """综治中心 staff replace the boundaries of places in their area from a GIS file, all or nothing."""
    form = BoundaryImportForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        check = boundaries.check_file(
            upload.read(), Place.objects.for_user(request.user), form.cleaned_data["code_property"]
        )
        try:
            written = actions.import_boundaries(check, source=upload.name)
        except actions.BoundaryImportRefused as refused:
            errors = refused.errors
        else:
            messages.success(request, _("已导入 %(n)s 个边界") % {"n": len(written)})
            return redirect("places:detail", code=request.user.place.code)
    status = 400 if request.method == "POST" else 200
    return render(request, "places/boundary_import.html", {"form": form, "errors": errors}, status=status)
