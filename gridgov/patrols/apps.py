from django.apps import AppConfig


class PatrolsConfig(AppConfig):
    name = "gridgov.patrols"
    label = "patrols"
    verbose_name = "治安巡逻"
