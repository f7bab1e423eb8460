from django.apps import AppConfig


class DeedsConfig(AppConfig):
    name = "gridgov.deeds"
    label = "deeds"
    verbose_name = "为群众办实事"

    def ready(self) -> None:
        from django.utils.translation import gettext_noop

        from gridgov.core.menu import register_menu

        register_menu("field", [("deeds:list", gettext_noop("办实事"))])
