from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "gridgov.notifications"
    label = "notifications"
    verbose_name = "通知"

    def ready(self) -> None:
        from gridgov.notifications import signals

        signals.connect()
