from django.apps import AppConfig


class VisitsConfig(AppConfig):
    name = "gridgov.visits"
    label = "visits"
    verbose_name = "走访台账"

    def ready(self) -> None:
        from django.utils.translation import gettext_noop

        from gridgov.core.menu import register_menu
        from gridgov.visits import signals  # noqa: F401  (connects the resident-move handler)

        register_menu(
            "field",
            [
                ("visits:today", gettext_noop("今日计划")),
                ("visits:list", gettext_noop("走访台账")),
                ("visits:vulnerable", gettext_noop("关爱对象")),
            ],
        )
        register_menu("stats", [("visits:coverage", gettext_noop("走访覆盖"))])
