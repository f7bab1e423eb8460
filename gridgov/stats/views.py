"""Pages of the statistics: the figures in the articles' terms."""

from __future__ import annotations

from django.http import HttpResponse

from gridgov.core.access import scoped


@scoped
def figures(request, code: str = ""):
    return HttpResponse("")
