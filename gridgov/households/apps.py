from django.apps import AppConfig


class HouseholdsConfig(AppConfig):
    name = "gridgov.households"
    label = "households"
    verbose_name = "户籍与居民"

    def ready(self) -> None:
        from gridgov.core.access import Access, register_menu

        register_menu(
            [("households:list", "户籍", Access("scoped")), ("households:residents", "居民", Access("scoped"))]
        )
