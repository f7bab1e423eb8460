"""``{% if "personnel:appointments"|opens_for:user %}``: link to a page only for users its view's marker admits."""

from django import template

from gridgov.core import menu

register = template.Library()


@register.filter
def opens_for(url_name: str, user) -> bool:
    return menu.opens(user, url_name)
