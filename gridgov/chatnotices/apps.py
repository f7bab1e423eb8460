from django.apps import AppConfig


class ChatnoticesConfig(AppConfig):
    name = "gridgov.chatnotices"
    label = "chatnotices"
    verbose_name = "群通知"
