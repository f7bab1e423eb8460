from django.urls import path

from gridgov.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("accounts/", views.account_list, name="accounts"),
    path("accounts/new/", views.account_create, name="create"),
    path("accounts/<int:pk>/unlock/", views.account_unlock, name="unlock"),
    path("accounts/<int:pk>/grant/", views.account_grant, name="grant"),
]
