from django.urls import include, path, re_path
from django.views.i18n import set_language

from gridgov.api import api
from gridgov.api import not_found as api_not_found
from gridgov.core import access
from gridgov.workbench import views as workbench_views

urlpatterns = [
    # Machine intake first: every filing resolves its URL, and nothing else lives under open311/.
    path("open311/", include("gridgov.open311.urls")),
    path("", workbench_views.home, name="home"),
    path("", include("gridgov.core.urls")),  # /healthz and /readyz for load balancers
    path("i18n/setlang/", access.public(set_language), name="set_language"),
    path("", include("gridgov.accounts.urls")),
    path("audit/", include("gridgov.audit.urls")),
    path("places/", include("gridgov.places.urls")),
    path("households/", include("gridgov.households.urls")),
    path("personnel/", include("gridgov.personnel.urls")),
    path("coverage/", include("gridgov.coverage.urls")),
    path("registers/", include("gridgov.registers.urls")),
    path("matters/", include("gridgov.matters.urls")),
    path("visits/", include("gridgov.visits.urls")),
    path("notifications/", include("gridgov.notifications.urls")),
    path("keypersons/", include("gridgov.keypersons.urls")),
    path("patrols/", include("gridgov.patrols.urls")),
    path("chatnotices/", include("gridgov.chatnotices.urls")),
    path("publicity/", include("gridgov.publicity.urls")),
    path("deliberations/", include("gridgov.deliberations.urls")),
    path("deeds/", include("gridgov.deeds.urls")),
    path("cleanups/", include("gridgov.cleanups.urls")),
    path("campaigns/", include("gridgov.campaigns.urls")),
    path("field/", include("gridgov.field.urls")),
    path("ledgers/", include("gridgov.ledgers.urls")),
    path("workbench/", include("gridgov.workbench.urls")),
    path("stats/", include("gridgov.stats.urls")),
    path("api/v1/", access.mark_api_urls(api.urls)),
    # Any other address under the API, control characters included (a converter's ".+" stops at a newline).
    re_path(r"^api/v1/(?P<rest>[\s\S]*)\Z", api_not_found, name="api_not_found"),
]

handler403 = "gridgov.core.views.forbidden"
handler404 = "gridgov.core.views.not_found"
handler500 = "gridgov.core.views.server_error"
