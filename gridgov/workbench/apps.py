from django.apps import AppConfig


class WorkbenchConfig(AppConfig):
    name = "gridgov.workbench"
    label = "workbench"
    verbose_name = "工作台"

    def ready(self) -> None:
        from django.utils.translation import gettext_noop

        from gridgov.core.menu import register_menu

        register_menu("work", [("workbench:index", gettext_noop("工作台"))], first=True)
