from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "gridgov.campaigns"
    label = "campaigns"
    verbose_name = "摸排"

    def ready(self) -> None:
        from django.utils.translation import gettext_noop

        from gridgov.core.menu import register_menu

        register_menu("field", [("campaigns:list", gettext_noop("摸排"))])
