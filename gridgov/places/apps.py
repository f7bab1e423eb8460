from django.apps import AppConfig


class PlacesConfig(AppConfig):
    name = "gridgov.places"
    label = "places"
    verbose_name = "地域与网格"

    def ready(self) -> None:
        from django.utils.translation import gettext_noop

        from gridgov.accounts.choices import Role
        from gridgov.core.access import Access, register_menu

        register_menu(
            [
                ("places:mine", gettext_noop("地域与网格"), Access("scoped")),
                (
                    "places:boundary_import",
                    gettext_noop("导入网格边界"),
                    Access("roles", frozenset({Role.CENTER_STAFF})),
                ),
            ]
        )
