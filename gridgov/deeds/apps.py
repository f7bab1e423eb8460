from django.apps import AppConfig


class DeedsConfig(AppConfig):
    name = "gridgov.deeds"
    label = "deeds"
    verbose_name = "为群众办实事"
