from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "gridgov.audit"
    label = "audit"
    verbose_name = "审计日志"

    def ready(self) -> None:
        from django.utils.translation import gettext_noop

        from gridgov.audit import signals  # noqa: F401
        from gridgov.audit.tasks import seal_audit_chain
        from gridgov.core.menu import register_menu
        from gridgov.core.periodic import register_periodic

        register_periodic(seal_audit_chain, last=True)
        register_menu("settings", [("audit:log", gettext_noop("审计日志"))])
