from django.urls import path

from gridgov.households import views

app_name = "households"
urlpatterns = [
    path("", views.household_list, name="list"),
    path("new/", views.household_create, name="create"),
    path("<int:pk>/", views.household_detail, name="detail"),
    path("<int:pk>/residents/new/", views.resident_create, name="resident_create"),
    path("residents/", views.resident_list, name="residents"),
    path("residents/<int:pk>/", views.resident_detail, name="resident"),
    path("residents/<int:pk>/phone/", views.resident_phone, name="resident_phone"),
    path("residents/<int:pk>/reveal/<str:field>/", views.resident_reveal, name="resident_reveal"),
]
