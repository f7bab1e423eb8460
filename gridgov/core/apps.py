from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "gridgov.core"
    label = "core"
    verbose_name = "基础"

    def ready(self) -> None:
        from django.db.models import CharField, ForeignKey, IntegerField

        from gridgov.core.lookups import Among, Within

        CharField.register_lookup(Within)
        IntegerField.register_lookup(Among)  # ids (AutoField and BigAutoField are IntegerFields)
        ForeignKey.register_lookup(Among)
