"""Our own error pages: 404 and 403 in the user's language with the menu (signed-in users), in every mode.

`handler404`/`handler403`/`handler500` in the root URLconf point here; `AccessMiddleware` answers a refused
view with `not_found`, and `gridgov.core.errors.ErrorPageMiddleware` sends here what Django would otherwise
show as its debug page under DEBUG. These views are not routed, so they carry no access marker.
"""

from __future__ import annotations

from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext as _


def wants_json(request) -> bool:
    return request.path.startswith("/api/") or request.headers.get("Accept", "").startswith("application/json")


def error_page(request, status: int, title: str, message: str) -> HttpResponse:
    if wants_json(request):
        response = JsonResponse({"detail": title}, status=status)
    else:
        context = {"status": status, "error_title": title, "error_message": message}
        response = render(request, "error.html", context, status=status)
    response.gridgov_error_page = True
    return response


def not_found(request, exception=None) -> HttpResponse:
    """Out of scope and not there look the same (deny by default never confirms that a record exists)."""
    return error_page(request, 404, _("页面不存在"), _("您要打开的页面不存在，或不在您的权限范围内。"))


def forbidden(request, exception=None) -> HttpResponse:
    message = _("您的账号不能进行这项操作。如有需要，请联系安全管理员授权。")
    return error_page(request, 403, _("不能进行此操作"), message)


def csrf_failure(request, reason: str = "") -> HttpResponse:
    return error_page(request, 403, _("页面已过期"), _("表单已过期或来源无法核实，请返回上一页，刷新后重新提交。"))


def server_error(request) -> HttpResponse:
    """No request context here: the page must render even when the database or a context processor fails."""
    return HttpResponse(loader.get_template("500.html").render(), status=500)
