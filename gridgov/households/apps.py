from django.apps import AppConfig


class HouseholdsConfig(AppConfig):
    name = "gridgov.households"
    label = "households"
    verbose_name = "户籍与居民"

    def ready(self) -> None:
        from django.utils.translation import gettext_noop

        from gridgov.core.menu import register_menu
        from gridgov.households.models import Household, Resident
        from gridgov.places.queries import count_in_places

        count_in_places("households", Household.objects.for_user)
        count_in_places("residents", Resident.objects.for_user)

        register_menu(
            "people",
            [
                ("households:list", gettext_noop("户籍")),
                ("households:residents", gettext_noop("居民")),
            ],
        )
