"""ETags and If-Match: the optimistic lock of the API's writes."""

from rest_framework import exceptions, status


def etag_of(obj):
    """A strong ETag naming the object and its version, the optimistic lock of writes."""
    return f'"{obj._meta.model_name}-{obj.pk}-v{obj.version}"'


def expected_version(request, obj):
    """The version a write was based on: from If-Match (preferred) or the body's `version`.

    A precondition that names another object or version fails (412) without writing.
    """
    header = request.META.get("HTTP_IF_MATCH", "").strip()
    if header:
        if header == "*":
            return obj.version
        for tag in (part.strip() for part in header.split(",")):
            if tag == etag_of(obj):
                return obj.version
        raise PreconditionFailed(obj)
    version = request.data.get("version") if hasattr(request.data, "get") else None
    if version is None:
        raise exceptions.ValidationError(
            {"version": ["Send the version you read, as If-Match (the ETag) or as `version`."]}
        )
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise exceptions.ValidationError({"version": ["A whole number from 1 is expected."]})
    return version


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_code = "stale_version"

    def __init__(self, obj=None):
        message = "If-Match does not name the current version of this object; reload it."
        if obj is not None:
            message = (
                f"If-Match does not name the current version of this "
                f"{obj._meta.verbose_name} (now {etag_of(obj)}); nothing was written. Reload it "
                "and apply your change again."
            )
        super().__init__(message)


def with_etag(response, obj):
    response["ETag"] = etag_of(obj)
    return response
