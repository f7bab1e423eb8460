from django.apps import AppConfig


class RegistersConfig(AppConfig):
    name = "gridgov.registers"
    label = "registers"
    verbose_name = "户籍导入导出"

    def ready(self) -> None:
        from gridgov.core.access import Access, register_menu

        register_menu(
            [
                ("registers:upload", "导入户籍", Access("scoped")),
                ("registers:export", "导出户籍", Access("scoped")),
                ("registers:imports", "导入记录", Access("scoped")),
            ]
        )
