from django.apps import AppConfig


class ChatnoticesConfig(AppConfig):
    name = "gridgov.chatnotices"
    label = "chatnotices"
    verbose_name = "群通知"

    def ready(self) -> None:
        from django.utils.translation import gettext_noop

        from gridgov.chatnotices.tasks import deliver_chat_notices
        from gridgov.core.menu import register_menu
        from gridgov.core.periodic import register_periodic

        register_periodic(deliver_chat_notices)

        register_menu("field", [("chatnotices:list", gettext_noop("群通知"))])
