from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "gridgov.audit"
    label = "audit"
    verbose_name = "审计日志"

    def ready(self) -> None:
        from gridgov.audit import signals  # noqa: F401
        from gridgov.audit.tasks import seal_audit_chain
        from gridgov.core.periodic import register_periodic

        register_periodic(seal_audit_chain, last=True)
