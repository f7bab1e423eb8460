from django.apps import AppConfig
from django.db.models.signals import post_save


class Open311Config(AppConfig):
    name = "gridgov.open311"
    label = "open311"
    verbose_name = "Open311 接入"

    def ready(self) -> None:
        from gridgov.open311.actions import link_request

        post_save.connect(link_request, sender="matters.Matter", dispatch_uid="open311_link_request")
