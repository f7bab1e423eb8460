from django.apps import AppConfig


class CleanupsConfig(AppConfig):
    name = "gridgov.cleanups"
    label = "cleanups"
    verbose_name = "环境责任区"

    def ready(self) -> None:
        from django.utils.translation import gettext_noop

        from gridgov.core.menu import register_menu

        register_menu("field", [("cleanups:list", gettext_noop("环境整治"))])
