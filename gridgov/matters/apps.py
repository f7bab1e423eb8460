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
        post_migrate.connect(_ensure_search_index, sender=self, dispatch_uid="matters_ensure_search_index")
