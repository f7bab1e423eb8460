from django.urls import path

from gridgov.stats import views

app_name = "stats"
urlpatterns = [
    path("figures/", views.figures, name="figures"),
    path("<str:code>/figures/", views.figures, name="place_figures"),
]
