from django.urls import path

from gridgov.cleanups import views

app_name = "cleanups"
urlpatterns = [
    path("", views.round_list, name="list"),
    path("new/", views.round_create, name="create"),
    path("<int:pk>/", views.round_detail, name="detail"),
    path("<int:pk>/problems/", views.problem_add, name="problem_add"),
    path("areas/", views.area_list, name="areas"),
    path("areas/new/", views.area_create, name="area_create"),
    path("areas/<int:pk>/", views.area_edit, name="area_edit"),
]
