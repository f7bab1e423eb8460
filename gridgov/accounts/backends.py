from django.contrib.auth.backends import ModelBackend

from gridgov.accounts.models import User


class GridgovBackend(ModelBackend):
    """Loads the account with its place in one query; refuses locked accounts."""

    def get_user(self, user_id):
        try:
            user = User.objects.select_related("place").get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None

    def user_can_authenticate(self, user) -> bool:
        return super().user_can_authenticate(user) and not user.is_locked
