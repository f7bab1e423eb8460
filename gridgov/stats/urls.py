from django.urls import path

from gridgov.stats import views, views_cockpit

app_name = "stats"
urlpatterns = [
    path("", views_cockpit.cockpit, name="cockpit"),
    path("figures/", views.figures, name="figures"),
    path("<str:code>/figures/", views.figures, name="place_figures"),
    path("<str:code>/", views_cockpit.cockpit, name="cockpit_place"),
]
