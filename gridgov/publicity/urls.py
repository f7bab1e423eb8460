from django.urls import path

from gridgov.publicity import views

app_name = "publicity"
urlpatterns = [
    path("", views.event_list, name="list"),
    path("new/", views.event_create, name="create"),
    path("<int:pk>/", views.event_detail, name="detail"),
    path("<int:pk>/photos/", views.photo_add, name="photo_add"),
    path("<int:pk>/photos/<int:photo>/", views.photo_file, name="photo"),
    path("<int:pk>/photos/<int:photo>/remove/", views.photo_remove, name="photo_remove"),
]
