"""Writing the access log, and knowing where a request came from without passing it around."""

from contextvars import ContextVar

from .models import AccessLog

# Set by audit.middleware.AccessContextMiddleware for the length of a request; services read it
# when they log.
current_ip: ContextVar[str | None] = ContextVar("current_ip", default=None)


# What a reviewer of the log may read of a change: which fields changed, and the values of those
# that are markings or state, never content (titles, summaries, bodies, subjects, places). The
# center's admins review the log of member agencies whose cases they may not see (DESIGN.md,
# "Pointers, not content").
VALUE_FIELDS = frozenset({"status", "tlp", "les", "lead_center", "review_by", "version"})
# Keys of details written before that rule, which held content.
CONTENT_KEYS = frozenset({"key", "jurisdiction_added", "jurisdiction_removed"})


def changes_detail(before, after):
    """The detail of an update: the fields that changed, and before/after for markings and
    state only."""
    changed = sorted(name for name in after if before.get(name) != after[name])
    return {
        "fields": changed,
        "before": {name: before[name] for name in changed if name in VALUE_FIELDS},
        "after": {name: after[name] for name in changed if name in VALUE_FIELDS},
    }


def detail_for_review(detail):
    """A row's detail as the log's pages and export show it: rows written before content was
    kept out lose the content they held (the row itself is append-only and stays)."""
    if not isinstance(detail, dict):
        return {}
    shown = {key: value for key, value in detail.items() if key not in CONTENT_KEYS}
    if "operation" in shown:  # an admin action: its before/after are roles and statuses
        return shown
    for side in ("before", "after"):
        if isinstance(shown.get(side), dict):
            values = shown[side]
            shown[side] = {name: value for name, value in values.items() if name in VALUE_FIELDS}
            shown.setdefault("fields", sorted(values))
    return shown


def object_type_of(obj):
    return obj._meta.model_name


def log_access(
    *, action, actor=None, agency=None, obj=None, object_ids=None, detail=None, object_type=None,
    ip_address=None,
):
    """Append one access-log row. Call it inside the transaction of the change it records.

    A list read names its `object_type` and every id it returned in `object_ids`. The address is
    the request's (audit.middleware) unless `ip_address` names it."""
    if agency is None and actor is not None:
        agency = getattr(actor, "agency", None)
    entry = AccessLog(
        action=action,
        actor=actor if actor is not None and actor.pk else None,
        agency=agency,
        object_type=object_type_of(obj) if obj is not None else (object_type or ""),
        object_id=obj.pk if obj is not None else None,
        object_ids=list(object_ids or []),
        ip_address=ip_address or current_ip.get(),
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
