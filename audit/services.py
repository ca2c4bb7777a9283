"""Writing the access log, and knowing where a request came from without passing it around."""

from contextvars import ContextVar

from .models import AccessLog

# Set by audit.middleware.AccessContextMiddleware for the length of a request; services read it
# when they log.
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


# The API's dissemination record (28 CFR 23.20(g)) -------------------------------------------


def _key_prefix(request):
    # request.auth is the ApiKey when a key authenticated the request, None for a session.
    return getattr(request.auth, "prefix", None)


def log_api_list(request, object_type, ids):
    """One access-log row per API page, naming every id the page disclosed."""
    log_access(
        action="list",
        actor=request.user,
        object_type=object_type,
        object_ids=ids,
        detail={"api_key": _key_prefix(request), "path": request.path[:200]},
    )


def log_api_read(request, obj):
    log_access(action="read", actor=request.user, obj=obj, detail={"api_key": _key_prefix(request)})
