from django.apps import AppConfig


class KeyPersonsConfig(AppConfig):
    name = "gridgov.keypersons"
    label = "keypersons"
    verbose_name = "重点人群"

    def ready(self) -> None:
        from django.utils.translation import gettext_noop

        from gridgov.core.menu import register_menu
        from gridgov.keypersons import signals  # noqa: F401  (connects the resident-move handler)
        from gridgov.keypersons.models import holds_grant
        from gridgov.keypersons.queries import audit_plan_view, due_follow_ups_for_plan, due_follow_ups_queryset
        from gridgov.visits.queries import KeyPopulationSource, plug_key_population

        # The visits ledger's today plan lists key persons due to grant holders; it learns of them from here
        # (the visits app never imports this one).
        plug_key_population(
            KeyPopulationSource(
                holds_grant=holds_grant,
                due_follow_ups=due_follow_ups_for_plan,
                due_queryset=due_follow_ups_queryset,
                audit_shown=audit_plan_view,
            )
        )

        register_menu(
            "field",
            [
                ("keypersons:list", gettext_noop("重点人群")),
                ("keypersons:alerts", gettext_noop("重点人员预警")),
            ],
        )
        register_menu("settings", [("keypersons:categories", gettext_noop("重点人员类别"))])
