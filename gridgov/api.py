"""The REST API root (/api/v1/): token or session authentication on every operation.

Each app contributes a router from its `api.py`; every operation reads through
`Model.objects.for_user(request.user)`. Every input of every operation passes one edge
(`gridgov.core.api_edge`): the operation's access marker, ranges and control characters, and one
422 body; the OpenAPI document lists the error answers of every operation.
"""

from __future__ import annotations

from django.http import JsonResponse
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI
from ninja.security import APIKeyHeader, HttpBearer, SessionAuth

from gridgov.accounts.queries import user_for_api_token
from gridgov.core import access, api_edge


def _user_for_token(request, raw: str):
    user = user_for_api_token(raw)
    if user is not None:
        request.user = user
    return user


class BearerToken(HttpBearer):
    def authenticate(self, request, token):
        return _user_for_token(request, token)


class HeaderToken(APIKeyHeader):
    param_name = "X-API-Token"

    def authenticate(self, request, key):
        return _user_for_token(request, key) if key else None


class GridgovAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        document = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        return api_edge.document_errors(document)


api = GridgovAPI(
    title="gridgov API",
    version="1",
    description="网格化基层治理平台接口。所有数据按账号所属地域限定范围。",
    auth=[BearerToken(), HeaderToken(), SessionAuth()],
    urls_namespace="api",
)

from gridgov.campaigns.api import router as campaigns_router  # noqa: E402
from gridgov.chatnotices.api import router as chatnotices_router  # noqa: E402
from gridgov.cleanups.api import router as cleanups_router  # noqa: E402
from gridgov.deeds.api import router as deeds_router  # noqa: E402
from gridgov.deliberations.api import router as deliberations_router  # noqa: E402
from gridgov.field.api import router as field_router  # noqa: E402
from gridgov.households.api import router as households_router  # noqa: E402
from gridgov.keypersons.api import router as keypersons_router  # noqa: E402
from gridgov.matters.api import router as matters_router  # noqa: E402
from gridgov.patrols.api import router as patrols_router  # noqa: E402
from gridgov.personnel.api import router as personnel_router  # noqa: E402
from gridgov.places.api import router as places_router  # noqa: E402
from gridgov.publicity.api import router as publicity_router  # noqa: E402
from gridgov.stats.api import router as stats_router  # noqa: E402
from gridgov.visits.api import router as visits_router  # noqa: E402

api.add_router("/places", places_router)
api.add_router("/households", households_router)
api.add_router("/personnel", personnel_router)
api.add_router("/visits", visits_router)
api.add_router("/keypersons", keypersons_router)
api.add_router("/matters", matters_router)
api.add_router("/patrols", patrols_router)
api.add_router("/chatnotices", chatnotices_router)
api.add_router("/publicity", publicity_router)
api.add_router("/deliberations", deliberations_router)
api.add_router("/deeds", deeds_router)
api.add_router("/cleanups", cleanups_router)
api.add_router("/campaigns", campaigns_router)
api.add_router("/field", field_router)
api.add_router("/stats", stats_router)

api_edge.install(api)


@csrf_exempt  # it changes nothing; a refused CSRF check would answer an HTML page
@access.api
def not_found(request, rest: str = ""):
    """Any other address under /api/v1/: the API's own JSON answers, never the HTML error page."""
    if not request.user.is_authenticated and not request.headers.get("Authorization", "") + request.headers.get(
        "X-API-Token", ""
    ):
        return JsonResponse({"detail": gettext("需要认证"), "errors": {}}, status=401)
    return JsonResponse({"detail": gettext("不存在或不在账号范围内"), "errors": {}}, status=404)
