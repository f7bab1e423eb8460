from django.urls import path

from gridgov.coverage import views

app_name = "coverage"
urlpatterns = [
    path("", views.coverage_page, name="index"),
]
