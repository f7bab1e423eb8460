from django.apps import AppConfig


class StatsConfig(AppConfig):
    name = "gridgov.stats"
    label = "stats"
    verbose_name = "统计"

    def ready(self) -> None:
        from django.utils.translation import gettext_noop

        from gridgov.core import counting
        from gridgov.core.menu import register_menu
        from gridgov.core.periodic import register_periodic
        from gridgov.stats import engine, lists, signals
        from gridgov.stats.tasks import refresh_rollups

        signals.connect()
        counting.register(total=lists.total, narrow=engine.narrow)
        register_menu("stats", [("stats:cockpit", gettext_noop("驾驶舱"))], first=True)
        register_menu("stats", [("stats:figures", gettext_noop("工作数据"))])
        register_menu("stats", [("stats:my_briefing", gettext_noop("工作简报"))])
        # After the apps listed before it (INSTALLED_APPS order): the refresh then counts what their jobs
        # changed in the same round; the audit chain's sealing still comes last.
        register_periodic(refresh_rollups)
