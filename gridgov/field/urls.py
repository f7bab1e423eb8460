from django.urls import path

from gridgov.field import views

app_name = "field"
urlpatterns = [
    path("", views.today, name="today"),
    path("visit/", views.visit_form, name="visit"),
    path("matter/", views.matter_form, name="matter"),
    path("follow-up/", views.follow_up_form, name="follow_up"),
    path("edit/", views.edit_form, name="edit"),
    path("check/", views.check_form, name="check"),
    path("queue/", views.queue, name="queue"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("sw.js", views.service_worker, name="sw"),
]
