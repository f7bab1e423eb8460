from django.apps import AppConfig


class BackupsConfig(AppConfig):
    name = "gridgov.backups"
    label = "backups"
    verbose_name = "备份与恢复"
