from django.apps import AppConfig


class PublicityConfig(AppConfig):
    name = "gridgov.publicity"
    label = "publicity"
    verbose_name = "小宣讲"
