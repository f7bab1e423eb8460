"""The access marker of key-population pages and API operations: a business role AND the grant.

Pages: `AccessMiddleware` answers 404 to anyone the rule does not allow (deny by default), and
`menu_for` hides the menu entry. API operations are not passed through the middleware, so the
decorator also checks the rule when the handler runs and raises 404 — the same answer as for an
id that does not exist, so the API never confirms that a record is there.
"""

from __future__ import annotations

import functools

from django.http import Http404

from gridgov.core.access import Access, _mark, is_allowed
from gridgov.keypersons.models import GRANT

KEY_POPULATION = Access("scoped", grant=GRANT)


def key_population(view):
    """Mark and guard a view or API handler: business role, a place, and the key-population grant."""

    @functools.wraps(view)
    def guarded(request, *args, **kwargs):
        if not is_allowed(request.user, KEY_POPULATION):
            raise Http404("not found")
        return view(request, *args, **kwargs)

    return _mark(KEY_POPULATION)(guarded)
