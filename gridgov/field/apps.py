from django.apps import AppConfig


class FieldConfig(AppConfig):
    name = "gridgov.field"
    label = "field"
    verbose_name = "移动端"

    def ready(self) -> None:
        from django.utils.translation import gettext_noop

        from gridgov.core.menu import register_menu

        register_menu("work", [("field:today", gettext_noop("移动工作台"))])
