from django.apps import AppConfig


class DeliberationsConfig(AppConfig):
    name = "gridgov.deliberations"
    label = "deliberations"
    verbose_name = "议事协商"
