"""``{% notice_badge %}``: the top bar's link to my notices; the count loads by HTMX (no query on the page)."""

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag
def notice_badge() -> str:
    return format_html(
        '<a class="notices" href="{}">{}'
        '<span hx-get="{}" hx-trigger="load, every 120s" hx-swap="innerHTML"></span></a>',
        reverse("notifications:list"),
        _("通知"),
        reverse("notifications:badge"),
    )
