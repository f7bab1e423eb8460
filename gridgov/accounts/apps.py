from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "gridgov.accounts"
    label = "accounts"
    verbose_name = "账号与权限"

    def ready(self) -> None:
        from django.utils.translation import gettext_noop

        from gridgov.accounts import signals  # noqa: F401
        from gridgov.core.menu import register_menu

        register_menu("settings", [("accounts:accounts", gettext_noop("账号管理"))])
