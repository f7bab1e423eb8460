from django.urls import path

from gridgov.deliberations import views

app_name = "deliberations"
urlpatterns = [
    path("", views.deliberation_list, name="list"),
    path("new/", views.deliberation_create, name="create"),
    path("<int:pk>/", views.deliberation_detail, name="detail"),
    path("<int:pk>/matter/", views.follow_up_matter, name="matter"),
]
