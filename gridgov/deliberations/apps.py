from django.apps import AppConfig


class DeliberationsConfig(AppConfig):
    name = "gridgov.deliberations"
    label = "deliberations"
    verbose_name = "议事协商"

    def ready(self) -> None:
        from django.utils.translation import gettext_noop

        from gridgov.core.menu import register_menu

        register_menu("field", [("deliberations:list", gettext_noop("议事"))])
