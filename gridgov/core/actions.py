"""What every app's actions share."""


class ActionRefused(Exception):
    """The acting user may not make this change now; the message (Chinese) is shown to them.

    Every app's `actions.py` raises this one class, so views and the API catch refusals alike.
    """
