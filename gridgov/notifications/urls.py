from django.urls import path

from gridgov.notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.notice_list, name="list"),
    path("badge/", views.notice_badge, name="badge"),
    path("read-all/", views.notice_read_all, name="read_all"),
    path("<int:pk>/read/", views.notice_read, name="read"),
    path("outbox/", views.outbox, name="outbox"),
]
