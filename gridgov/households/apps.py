from django.apps import AppConfig


class HouseholdsConfig(AppConfig):
    name = "gridgov.households"
    label = "households"
    verbose_name = "户籍与居民"
