from django.apps import AppConfig


class KeyPersonsConfig(AppConfig):
    name = "gridgov.keypersons"
    label = "keypersons"
    verbose_name = "重点人群"
