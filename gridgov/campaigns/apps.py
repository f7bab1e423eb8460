from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "gridgov.campaigns"
    label = "campaigns"
    verbose_name = "摸排"
