from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "gridgov.audit"
    label = "audit"
    verbose_name = "审计日志"

    def ready(self) -> None:
        from django.utils.translation import gettext_noop

        from gridgov.audit import signals  # noqa: F401
        from gridgov.core.menu import register_menu

        register_menu("settings", [("audit:log", gettext_noop("审计日志"))])
