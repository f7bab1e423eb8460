"""Open311 GeoReport v2, mounted at /open311/: discovery at discovery.json, the API under v2/."""

from django.urls import path, re_path

from gridgov.open311 import views

app_name = "open311"

FMT = r"(?P<fmt>json|xml)"

urlpatterns = [
    path("discovery.json", views.discovery, {"fmt": "json"}, name="discovery"),
    path("discovery.xml", views.discovery, {"fmt": "xml"}, name="discovery_xml"),
    re_path(rf"^v2/services\.{FMT}$", views.services, name="services"),
    re_path(rf"^v2/services/(?P<code>[^/]+)\.{FMT}$", views.service_definition, name="service"),
    re_path(rf"^v2/requests\.{FMT}$", views.requests, name="requests"),
    re_path(rf"^v2/requests/(?P<request_id>[^/]+)\.{FMT}$", views.request_detail, name="request"),
    re_path(r"^v2/.*$", views.not_found, name="not_found"),
]
