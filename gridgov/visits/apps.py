from django.apps import AppConfig


class VisitsConfig(AppConfig):
    name = "gridgov.visits"
    label = "visits"
    verbose_name = "走访台账"

    def ready(self) -> None:
        from django.utils.translation import gettext_noop

        from gridgov.core.access import Access, register_menu
        from gridgov.visits import signals  # noqa: F401  (connects the resident-move handler)

        register_menu(
            [
                ("visits:today", gettext_noop("今日计划"), Access("scoped")),
                ("visits:list", gettext_noop("走访台账"), Access("scoped")),
            ]
        )
