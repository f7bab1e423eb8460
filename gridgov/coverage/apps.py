from django.apps import AppConfig


class CoverageConfig(AppConfig):
    name = "gridgov.coverage"
    label = "coverage"
    verbose_name = "覆盖检查"

    def ready(self) -> None:
        from django.utils.translation import gettext_noop

        from gridgov.core.menu import register_menu

        register_menu("stats", [("coverage:index", gettext_noop("覆盖检查"))])
