from django.urls import path

from gridgov.places import views

app_name = "places"
urlpatterns = [
    path("", views.mine, name="tree"),
    path("mine/", views.mine, name="mine"),
    path("boundaries/import/", views.boundary_import, name="boundary_import"),
    path("<str:code>/", views.detail, name="detail"),
]
