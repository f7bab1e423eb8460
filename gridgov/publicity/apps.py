from django.apps import AppConfig


class PublicityConfig(AppConfig):
    name = "gridgov.publicity"
    label = "publicity"
    verbose_name = "小宣讲"

    def ready(self) -> None:
        from django.utils.translation import gettext_noop

        from gridgov.core.menu import register_menu

        register_menu("field", [("publicity:list", gettext_noop("宣讲"))])
