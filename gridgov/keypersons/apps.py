from django.apps import AppConfig


class KeyPersonsConfig(AppConfig):
    name = "gridgov.keypersons"
    label = "keypersons"
    verbose_name = "重点人群"

    def ready(self) -> None:
        from django.utils.translation import gettext_noop

        from gridgov.core.menu import register_menu
        from gridgov.keypersons import signals  # noqa: F401  (connects the resident-move handler)

        register_menu(
            "field",
            [
                ("keypersons:list", gettext_noop("重点人群")),
                ("keypersons:alerts", gettext_noop("重点人员预警")),
            ],
        )
        register_menu("settings", [("keypersons:categories", gettext_noop("重点人员类别"))])
