from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _ensure_search_index(sender, using, **kwargs):
    from django.db import connections

    from gridgov.matters.fts import ensure_search_index

    ensure_search_index(connections[using])


class MattersConfig(AppConfig):
    name = "gridgov.matters"
    label = "matters"
    verbose_name = "事项"

    def ready(self) -> None:
        from django.utils.translation import gettext_noop

        from gridgov.core.menu import register_menu
        from gridgov.core.periodic import register_periodic
        from gridgov.matters.tasks import flag_overdue_matters, reopen_recurrences

        register_periodic(flag_overdue_matters, reopen_recurrences)
        post_migrate.connect(_ensure_search_index, sender=self, dispatch_uid="matters_ensure_search_index")
        register_menu(
            "matters",
            [
                ("matters:queue", gettext_noop("待办")),
                ("matters:list", gettext_noop("全部事项")),
                ("matters:create", gettext_noop("登记事项")),
            ],
        )
        register_menu("settings", [("matters:settings", gettext_noop("事项设置"))])
