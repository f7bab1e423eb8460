from django.apps import AppConfig


class PlacesConfig(AppConfig):
    name = "gridgov.places"
    label = "places"
    verbose_name = "地域与网格"

    def ready(self) -> None:
        from django.utils.translation import gettext_noop

        from gridgov.core.menu import register_menu

        register_menu("people", [("places:mine", gettext_noop("地域与网格"))])
        register_menu("settings", [("places:boundary_import", gettext_noop("导入网格边界"))])
