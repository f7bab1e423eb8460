from django.urls import path

from gridgov.visits import views

app_name = "visits"
urlpatterns = [
    path("", views.visit_list, name="list"),
    path("today/", views.today, name="today"),
    path("new/", views.visit_create, name="create"),
    path("<int:pk>/", views.visit_detail, name="detail"),
    path("<int:pk>/matter/", views.visit_to_matter, name="to_matter"),
    path("coverage/", views.coverage, name="coverage"),
    path("rules/", views.rules, name="rules"),
    path("vulnerable/", views.vulnerable_list, name="vulnerable"),
    path("vulnerable/new/", views.vulnerable_create, name="vulnerable_create"),
    path("vulnerable/<int:pk>/", views.vulnerable_detail, name="vulnerable_detail"),
    path("vulnerable/<int:pk>/end/", views.vulnerable_end, name="vulnerable_end"),
    path("vulnerable/<int:pk>/cadence/", views.vulnerable_cadence, name="vulnerable_cadence"),
]
