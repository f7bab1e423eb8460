from django.urls import path

from gridgov.patrols import views

app_name = "patrols"
urlpatterns = [
    path("", views.patrol_list, name="list"),
    path("new/", views.patrol_create, name="create"),
    path("<int:pk>/", views.patrol_detail, name="detail"),
    path("<int:pk>/matter/", views.patrol_to_matter, name="to_matter"),
]
