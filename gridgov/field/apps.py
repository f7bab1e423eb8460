from django.apps import AppConfig


class FieldConfig(AppConfig):
    name = "gridgov.field"
    label = "field"
    verbose_name = "移动端"
