from django.urls import path

from gridgov.campaigns import views

app_name = "campaigns"
urlpatterns = [
    path("", views.campaign_list, name="list"),
    path("new/", views.campaign_create, name="create"),
    path("<int:pk>/", views.campaign_detail, name="detail"),
    path("<int:pk>/edit/", views.campaign_edit, name="edit"),
    path("<int:pk>/status/", views.campaign_status, name="status"),
    path("<int:pk>/checks/", views.check_list, name="checks"),
    path("<int:pk>/check/<int:household_pk>/", views.check_household, name="check"),
    path("<int:pk>/export/", views.export, name="export"),
]
