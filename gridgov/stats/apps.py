from django.apps import AppConfig


class StatsConfig(AppConfig):
    name = "gridgov.stats"
    label = "stats"
    verbose_name = "统计"

    def ready(self) -> None:
        from django.utils.translation import gettext_noop

        from gridgov.core.access import Access, register_menu
        from gridgov.stats import signals
        from gridgov.stats.queries import STATS_ROLES

        signals.connect()
        register_menu([("stats:figures", gettext_noop("工作数据"), Access("roles", STATS_ROLES))])
        register_menu([("stats:my_briefing", gettext_noop("工作简报"), Access("roles", STATS_ROLES))])
