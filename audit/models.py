"""The access log: who (user or API key, and agency) read, listed, downloaded, shared or changed
which object, when and from where. Append-only.

Its table keeps the name it was created with (`sharing_accesslog`): the model moved here from
the sharing app without moving a row (migration audit 0001).
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils import timezone


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionDenied("The access log is append-only: rows cannot be changed.")

    def delete(self):
        raise PermissionDenied("The access log is append-only: rows cannot be deleted.")


class AccessLog(models.Model):
    """Who read, listed, downloaded, shared or changed which object, when, from where.

    Append-only: the model refuses updates and deletes, and on PostgreSQL a trigger refuses
    them in the database too (see the migration).
    """

    class Action(models.TextChoices):
        READ = "read", "Read"
        LIST = "list", "Listed"
        DOWNLOAD = "download", "Downloaded"
        CREATE = "create", "Created"
        UPDATE = "update", "Changed"
        ANNOTATE = "annotate", "Annotated"
        SHARE = "share", "Shared"
        UNSHARE = "unshare", "Withdrew a share"
        ATTACH = "attach", "Attached a file"
        PURGE = "purge", "Purged (28 CFR Part 23)"
        LOGIN = "login", "Logged in"
        LOGIN_FAILED = "login_failed", "Log-in refused"
        LOGOUT = "logout", "Logged out"
        LOCKOUT = "lockout", "Account locked"
        RELEASE = "release", "Account released"
        PASSWORD_CHANGE = "password_change", "Password changed"
        PASSWORD_RESET = "password_reset", "Password reset"
        ACCOUNT_DISABLED = "account_disabled", "Account disabled: unused"
        ACCOUNT_EXPIRED = "account_expired", "Account expired"
        ACCOUNT_EXPIRY = "account_expiry", "Account expiry set"
        ACCOUNT_ENABLED = "account_enabled", "Account re-enabled"
        MFA_ENROL = "mfa_enrol", "Second factor enrolled"
        MFA_RECOVERY = "mfa_recovery", "Recovery code used"
        MFA_REMOVE = "mfa_remove", "Second factor removed"
        MFA_RESET = "mfa_reset", "Second factors reset"
        ADMIN = "admin", "Administered"

    at = models.DateTimeField(default=timezone.now, editable=False)
    action = models.CharField(max_length=20, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # e.g. "case", "intelligenceitem", "annotation", "attachment", "share"
    object_type = models.CharField(max_length=40, blank=True)
    object_id = models.BigIntegerField(null=True, blank=True)
    # A list read records every id it returned (dissemination record).
    object_ids = models.JSONField(default=list, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id", "-at"], name="accesslog_object"),
            models.Index(fields=["agency", "-at"], name="accesslog_agency"),
            models.Index(fields=["actor", "-at"], name="accesslog_actor"),
            models.Index(fields=["-at", "-id"], name="accesslog_keyset"),
            models.Index(fields=["action", "-at", "-id"], name="accesslog_action"),
        ]
        db_table = "sharing_accesslog"

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor} {self.action} {self.object_type}#{self.object_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise PermissionDenied("The access log is append-only: rows cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied("The access log is append-only: rows cannot be deleted.")
