from django.apps import AppConfig


class ChatnoticesConfig(AppConfig):
    name = "gridgov.chatnotices"
    label = "chatnotices"
    verbose_name = "群通知"

    def ready(self) -> None:
        from django.utils.translation import gettext_noop

        from gridgov.core.menu import register_menu

        register_menu("field", [("chatnotices:list", gettext_noop("群通知"))])
