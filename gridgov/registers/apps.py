from django.apps import AppConfig


class RegistersConfig(AppConfig):
    name = "gridgov.registers"
    label = "registers"
    verbose_name = "户籍导入导出"
