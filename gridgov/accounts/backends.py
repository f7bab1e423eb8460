from django.contrib.auth.backends import ModelBackend

from gridgov.accounts.models import User


class GridgovBackend(ModelBackend):
    """Loads the account with its place in one query.

    Failed sign-ins never lock the account itself (see `gridgov.accounts.throttle`): an attacker must
    not be able to shut its owner out, nor end the owner's open sessions.
    """

    def get_user(self, user_id):
        try:
            user = User.objects.select_related("place").get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
