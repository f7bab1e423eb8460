from django.apps import AppConfig


class PlacesConfig(AppConfig):
    name = "gridgov.places"
    label = "places"
    verbose_name = "地域与网格"

    def ready(self) -> None:
        from gridgov.core.access import Access, register_menu

        register_menu([("places:mine", "地域与网格", Access("scoped"))])
