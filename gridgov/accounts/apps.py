from django.apps import AppConfig
from django.utils.translation import gettext_noop


class AccountsConfig(AppConfig):
    name = "gridgov.accounts"
    label = "accounts"
    verbose_name = "账号与权限"

    def ready(self) -> None:

        from gridgov.accounts import signals  # noqa: F401
        from gridgov.core.menu import register_menu

        register_menu(
            "settings",
            [
                ("accounts:accounts", gettext_noop("账号管理")),
                ("accounts:tokens", gettext_noop("API令牌")),
                ("accounts:me", gettext_noop("账号安全")),
            ],
        )
