from django.apps import AppConfig


class PersonnelConfig(AppConfig):
    name = "gridgov.personnel"
    label = "personnel"
    verbose_name = "人员与组织"
