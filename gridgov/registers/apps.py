from django.apps import AppConfig


class RegistersConfig(AppConfig):
    name = "gridgov.registers"
    label = "registers"
    verbose_name = "户籍导入导出"

    def ready(self) -> None:
        from django.utils.translation import gettext_noop

        from gridgov.core.menu import register_menu

        register_menu(
            "people",
            [
                ("registers:upload", gettext_noop("导入户籍")),
                ("registers:export", gettext_noop("导出户籍")),
                ("registers:imports", gettext_noop("导入记录")),
            ],
        )
