from django.apps import AppConfig


class PersonnelConfig(AppConfig):
    name = "gridgov.personnel"
    label = "personnel"
    verbose_name = "人员与组织"

    def ready(self) -> None:
        from django.utils.translation import gettext_noop

        from gridgov.core.menu import register_menu

        register_menu("people", [("personnel:appointments", gettext_noop("人员"))])
