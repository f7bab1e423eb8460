from django.apps import AppConfig


class LedgersConfig(AppConfig):
    name = "gridgov.ledgers"
    label = "ledgers"
    verbose_name = "电子台账"

    def ready(self) -> None:
        from django.utils.translation import gettext_noop

        from gridgov.core.menu import register_menu

        register_menu("field", [("ledgers:index", gettext_noop("台账"))])
