from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "gridgov.notifications"
    label = "notifications"
    verbose_name = "通知"

    def ready(self) -> None:
        from django.utils.translation import gettext_noop

        from gridgov.core.menu import register_menu
        from gridgov.core.periodic import register_periodic
        from gridgov.notifications import signals
        from gridgov.notifications.tasks import deliver_outbox, key_person_alerts

        register_periodic(deliver_outbox, key_person_alerts)

        signals.connect()
        register_menu("settings", [("notifications:outbox", gettext_noop("企业微信群机器人"))])
