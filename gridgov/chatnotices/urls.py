from django.urls import path

from gridgov.chatnotices import views

app_name = "chatnotices"
urlpatterns = [
    path("", views.notice_list, name="list"),
    path("new/", views.notice_create, name="create"),
    path("<int:pk>/", views.notice_detail, name="detail"),
    path("<int:pk>/retry/", views.notice_retry, name="retry"),
    path("to-forward/", views.awaiting_list, name="awaiting"),
    path("deliveries/<int:pk>/", views.delivery_detail, name="delivery"),
    path("deliveries/<int:pk>/sent-by-hand/", views.delivery_sent_by_hand, name="sent_by_hand"),
    path("groups/", views.group_list, name="groups"),
    path("groups/<int:pk>/robot/", views.group_webhook, name="group_webhook"),
]
