from django.apps import AppConfig


class KeyPersonsConfig(AppConfig):
    name = "gridgov.keypersons"
    label = "keypersons"
    verbose_name = "重点人群"

    def ready(self) -> None:
        from django.utils.translation import gettext_noop

        from gridgov.accounts.choices import Role
        from gridgov.core.access import Access, register_menu
        from gridgov.keypersons import signals  # noqa: F401  (connects the resident-move handler)
        from gridgov.keypersons.access import KEY_POPULATION

        register_menu(
            [
                ("keypersons:list", gettext_noop("重点人群"), KEY_POPULATION),
                (
                    "keypersons:categories",
                    gettext_noop("重点人员类别"),
                    Access("roles", frozenset({Role.SYSTEM_ADMIN})),
                ),
            ]
        )
