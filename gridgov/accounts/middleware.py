"""Sessions that no longer meet the sign-in policy end."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.utils.translation import gettext as _

from gridgov.accounts.signin import needs_second_factor, session_verified
from gridgov.core.context import current


class SignInPolicyMiddleware:
    """A signed-in session whose account needs a second factor it did not pass is signed out.

    Sessions are made by `gridgov.accounts.signin.complete` after every step, so this catches what
    changes afterwards: a grant that now requires a second factor, an authenticator reset or replaced
    (the session's stamp no longer matches), a session made some other way. The API's session
    authentication then sees no user (401), the pages send to the login page.

    A request without a session cookie (an API token, an Open311 filing, a first visit) cannot be
    signed in, so it passes without touching the session or the database.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.SESSION_COOKIE_NAME in request.COOKIES:
            user = request.user
            if user.is_authenticated and needs_second_factor(user) and not session_verified(request, user):
                logout(request)
                ctx = current()
                ctx.user_id, ctx.username = None, ""  # the rest of the request acts for nobody
                messages.warning(request, _("该账号须通过两步验证，请重新登录"))
        return self.get_response(request)
