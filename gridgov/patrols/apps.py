from django.apps import AppConfig


class PatrolsConfig(AppConfig):
    name = "gridgov.patrols"
    label = "patrols"
    verbose_name = "治安巡逻"

    def ready(self) -> None:
        from django.utils.translation import gettext_noop

        from gridgov.core.menu import register_menu

        register_menu("field", [("patrols:list", gettext_noop("巡逻日志"))])
