from django.urls import path

from gridgov.keypersons import views

app_name = "keypersons"
urlpatterns = [
    path("", views.key_person_list, name="list"),
    path("new/", views.enlist, name="enlist"),
    path("<int:pk>/", views.key_person_detail, name="detail"),
    path("<int:pk>/follow-up/", views.follow_up, name="follow_up"),
    path("<int:pk>/out-of-contact/", views.out_of_contact, name="out_of_contact"),
    path("<int:pk>/moved-away/", views.moved_away, name="moved_away"),
    path("<int:pk>/release/", views.release, name="release"),
    path("<int:pk>/responsible/", views.change_responsible, name="responsible"),
    path("<int:pk>/measures/", views.change_measures, name="measures"),
    path("alerts/", views.alert_list, name="alerts"),
    path("alerts/<int:pk>/acknowledge/", views.alert_acknowledge, name="alert_acknowledge"),
    path("categories/", views.category_list, name="categories"),
    path("categories/<int:pk>/", views.category_edit, name="category_edit"),
]
