"""The refusals every room raises in the same words, whatever the page or endpoint.

They live here, below the domain apps, so that the browser's views and the API's error handler
can recognise them without importing the services that raise them.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404


class NotVisible(Http404):
    """The object does not exist for this agency. Said the same way as a missing one."""

    def __init__(self, model=None):
        name = model._meta.verbose_name if model is not None else "object"
        super().__init__(f"No {name} found.")


class InsufficientLevel(PermissionDenied):
    """The agency sees the object but may not do this with it."""


class StaleVersion(Exception):
    """Someone changed the object since the actor read it; nothing was overwritten."""

    def __init__(self, obj, expected):
        self.obj = obj
        self.expected = expected
        super().__init__(
            f"This {obj._meta.verbose_name} was changed by someone else since you opened it "
            f"(you had version {expected}, it is now at version {obj.version}). "
            "Nothing was overwritten: reload it and apply your change again."
        )
