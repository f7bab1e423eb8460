from django.urls import path

from gridgov.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.audit_log, name="log"),
    path("check/", views.check, name="check"),
    path("export/", views.export, name="export"),
]
