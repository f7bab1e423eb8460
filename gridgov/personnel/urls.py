from django.urls import path

from gridgov.personnel import views

app_name = "personnel"
urlpatterns = [
    path("", views.appointment_list, name="appointments"),
    path("grids/<str:code>/", views.roster, name="roster"),
    path("nominate/", views.nominate, name="nominate"),
    path("appointments/<int:pk>/", views.appointment_detail, name="appointment"),
    path("appointments/<int:pk>/review/", views.appointment_review, name="review"),
    path("appointments/<int:pk>/reject/", views.appointment_reject, name="reject"),
    path("appointments/<int:pk>/appoint/", views.appointment_appoint, name="appoint"),
    path("appointments/<int:pk>/end/", views.appointment_end, name="end"),
    path("party-groups/new/", views.party_group_create, name="party_group_create"),
    path("patrol-teams/new/", views.patrol_team_create, name="patrol_team_create"),
    path("chat-groups/new/", views.chat_group_create, name="chat_group_create"),
]
