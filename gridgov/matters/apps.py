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

        from gridgov.accounts.choices import BUSINESS_ROLES, Role
        from gridgov.core.access import Access, register_menu
        from gridgov.core.periodic import register_periodic
        from gridgov.matters.tasks import flag_overdue_matters, reopen_recurrences

        register_periodic(flag_overdue_matters, reopen_recurrences)
        post_migrate.connect(_ensure_search_index, sender=self, dispatch_uid="matters_ensure_search_index")
        rule = Access("roles", frozenset(BUSINESS_ROLES | {Role.DEPARTMENT_LIAISON}))
        register_menu(
            [
                ("matters:queue", gettext_noop("待办"), rule),
                ("matters:list", gettext_noop("事项"), rule),
                ("matters:settings", gettext_noop("事项设置"), Access("roles", frozenset({Role.CENTER_STAFF}))),
            ]
        )
