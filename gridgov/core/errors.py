"""Error pages in every mode: Django answers an exception under DEBUG with its own debug page (in English,
listing the URL patterns); this middleware answers with ours instead (`gridgov.core.views`)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404


class ErrorPageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # A URL that matched no route (no resolver match): under DEBUG Django has drawn its debug page.
        unrouted = getattr(request, "resolver_match", None) is None
        ours = getattr(response, "gridgov_error_page", False)
        if settings.DEBUG and response.status_code == 404 and unrouted and not ours:
            from gridgov.core.views import not_found

            return not_found(request)
        return response

    def process_exception(self, request, exception):
        from gridgov.core.views import forbidden, not_found

        if isinstance(exception, Http404):
            return not_found(request, exception)
        if isinstance(exception, PermissionDenied):
            return forbidden(request, exception)
        return None
