"""Writing the access log, and knowing where a request came from without passing it around."""

from contextvars import ContextVar

from .models import AccessLog

# Set by AccessContextMiddleware for the length of a request; services read it when they log.
current_ip: ContextVar[str | None] = ContextVar("current_ip", default=None)


def object_type_of(obj):
    return obj._meta.model_name


def log_access(
    *, action, actor=None, agency=None, obj=None, object_ids=None, detail=None, object_type=None
):
    """Append one access-log row. Call it inside the transaction of the change it records.

    A list read names its `object_type` and every id it returned in `object_ids`."""
    if agency is None and actor is not None:
        agency = getattr(actor, "agency", None)
    entry = AccessLog(
        action=action,
        actor=actor if actor is not None and actor.pk else None,
        agency=agency,
        object_type=object_type_of(obj) if obj is not None else (object_type or ""),
        object_id=obj.pk if obj is not None else None,
        object_ids=list(object_ids or []),
        ip_address=current_ip.get(),
        detail=detail or {},
    )
    entry.save()
    return entry


class AccessContextMiddleware:
    """Remembers the client address of the request for the access log."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = current_ip.set(request.META.get("REMOTE_ADDR") or None)
        try:
            return self.get_response(request)
        finally:
            current_ip.reset(token)
