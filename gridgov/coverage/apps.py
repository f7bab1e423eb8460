from django.apps import AppConfig


class CoverageConfig(AppConfig):
    name = "gridgov.coverage"
    label = "coverage"
    verbose_name = "覆盖检查"
