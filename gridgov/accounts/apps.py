from django.apps import AppConfig
from django.utils.translation import gettext_noop


class AccountsConfig(AppConfig):
    name = "gridgov.accounts"
    label = "accounts"
    verbose_name = "账号与权限"

    def ready(self) -> None:
        from gridgov.accounts import signals  # noqa: F401
        from gridgov.accounts.choices import Role
        from gridgov.core.access import Access, register_menu

        register_menu(
            [
                ("accounts:tokens", gettext_noop("API令牌"), Access("roles", frozenset({Role.SECURITY_ADMIN}))),
                ("accounts:me", gettext_noop("账号安全"), Access("authenticated")),
            ]
        )
