from django.urls import path

from gridgov.accounts import signin_views, views

app_name = "accounts"
urlpatterns = [
    path("login/", signin_views.login_view, name="login"),
    path("login/activate/", signin_views.signin_activate, name="signin_activate"),
    path("login/password/", signin_views.signin_password, name="signin_password"),
    path("login/verify/", signin_views.signin_second_factor, name="signin_second_factor"),
    path("login/recovery-codes/", signin_views.signin_codes, name="signin_codes"),
    path("logout/", views.logout_view, name="logout"),
    path("me/", signin_views.my_security, name="me"),
    path("me/password/", signin_views.my_password, name="my_password"),
    path("me/second-factor/", signin_views.my_second_factor, name="my_second_factor"),
    path("me/tokens/<int:pk>/revoke/", signin_views.my_token_revoke, name="my_token_revoke"),
    path("accounts/", views.account_list, name="accounts"),
    path("accounts/new/", views.account_create, name="create"),
    path("accounts/tokens/", views.token_list, name="tokens"),
    path("accounts/tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("accounts/<int:pk>/unlock/", views.account_unlock, name="unlock"),
    path("accounts/<int:pk>/password/", views.account_password_reset, name="password_reset"),
    path("accounts/<int:pk>/second-factor/reset/", views.account_second_factor_reset, name="second_factor_reset"),
    path("accounts/<int:pk>/grant/", views.account_grant, name="grant"),
    path("accounts/<int:pk>/activation-code/", views.account_activation_code, name="activation_code"),
]
