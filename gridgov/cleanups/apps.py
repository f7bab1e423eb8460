from django.apps import AppConfig


class CleanupsConfig(AppConfig):
    name = "gridgov.cleanups"
    label = "cleanups"
    verbose_name = "环境责任区"
