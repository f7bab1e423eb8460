from django.urls import path

from gridgov.workbench import views

app_name = "workbench"
urlpatterns = [
    path("", views.index, name="index"),
    path("device/", views.device, name="device"),
]
