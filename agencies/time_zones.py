"""Each page in its reader's time zone (User.time_zone): the middleware activates it for the
request, so that {% moment %} (core/templatetags/moments.py) and the date filters of the lists
speak it. Logs, exports and the API stay in UTC: the zone is not activated for the API, so
that no serializer of a partner's answer can follow a person's setting, and the CSV writes the
stored UTC instants."""

from zoneinfo import ZoneInfo

from django.utils import timezone


class UserTimeZoneMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        zone = ""
        if not request.path.startswith("/api/") and user is not None and user.is_authenticated:
            zone = getattr(user, "time_zone", "")
        if zone and zone != "UTC":
            timezone.activate(ZoneInfo(zone))
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
