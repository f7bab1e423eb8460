"""Pages of the place tree: a place with its children, counts and map."""

from __future__ import annotations

from django.shortcuts import redirect, render

from gridgov.core.access import scoped
from gridgov.core.paging import page_number, page_of_list
from gridgov.places import queries


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
