"""Probes for load balancers and process managers: no session, no personal data, no detail of an error."""

from __future__ import annotations

from django.http import JsonResponse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_safe

from gridgov.core.access import public
from gridgov.core.health import readiness


def _no_cache(response):
    add_never_cache_headers(response)
    return response


@public
@require_safe
def healthz(request):
    """Liveness: the process answers requests (no database call, so a slow database does not get
    healthy processes restarted)."""
    return _no_cache(JsonResponse({"status": "ok"}))


@public
@require_safe
def readyz(request):
    """Readiness: the primary answers and the migrations are applied (503 otherwise); each replica's
    lag against ``GRIDGOV_REPLICA_MAX_LAG_SECONDS`` (reads fall back to the primary when it is over)."""
    state = readiness()
    return _no_cache(JsonResponse(state.as_dict(), status=200 if state.ready else 503))
