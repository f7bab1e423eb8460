from django.urls import path

from gridgov.deeds import views

app_name = "deeds"
urlpatterns = [
    path("", views.deed_list, name="list"),
    path("new/", views.deed_create, name="create"),
    path("<int:pk>/", views.deed_detail, name="detail"),
]
