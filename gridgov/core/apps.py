from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "gridgov.core"
    label = "core"
    verbose_name = "基础"

    def ready(self) -> None:
        from django.db.models import CharField

        from gridgov.core.lookups import Within

        CharField.register_lookup(Within)
