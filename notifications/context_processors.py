from django.utils.functional import SimpleLazyObject

from .selectors import unread_count


def notifications(request):
    """`notifications_unread` for the navigation: one query, and only on a page that shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"notifications_unread": SimpleLazyObject(lambda: unread_count(user))}
