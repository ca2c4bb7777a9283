"""What changes the membership of fusion centers and the accounts of their agencies.

Every function here is one atomic action (STYLE.md): it checks that the actor may do it,
changes the data, and writes its own access-log row (action "admin") with the actor, the
reason given and the values before and after (CJIS AC-2(4)). E-mails leave after commit.

Who may do what:
- a center admin manages the memberships of its own center, and the users of the agencies
  that are members of it (active or suspended);
- an agency admin manages the users of its own agency;
- nobody grants a role above their own (analyst < agency admin < center admin), nor manages
  an account that outranks their own, nor changes their own account here.
"""

import hashlib
import secrets
from urllib.parse import urljoin

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessLog
from audit.services import log_access
from core.zones import TIME_ZONE_NAMES
from sharing.models import Tombstone
from sharing.tombstones import tombstones_after_lost_membership, visibility_regained

from . import mfa
from .gate import require_center_admin, require_lock_release_admin, require_user_admin
from .models import (
    Agency,
    CenterAdmin,
    CenterAuditor,
    Invitation,
    Membership,
    RetiredUsername,
    User,
)

ANALYST, AGENCY_ADMIN, CENTER_ADMIN = 1, 2, 3
ROLE_RANK = {User.Role.ANALYST: ANALYST, User.Role.AGENCY_ADMIN: AGENCY_ADMIN}


class NotAllowed(PermissionDenied):
    """The actor may not do this administrative action."""


class InvitationInvalid(ValidationError):
    """A link that cannot be used: its `code` is unknown, used, revoked or expired."""


# Who may act ---------------------------------------------------------------------------------


def rank_of(user):
    """Analyst 1, agency admin 2, center admin (of any center) 3."""
    if CenterAdmin.objects.filter(user=user).exists():
        return CENTER_ADMIN
    return ROLE_RANK.get(user.role, ANALYST)


def _require_over(by, user, center):
    """The actor manages this account: same agency scope, not themselves, and only a lower rank
    (a center admin never acts on the admin of another center, whose agency may be a member of
    both: peers manage each other only through a superuser)."""
    require_user_admin(by, user.agency, center)
    if user.pk == by.pk:
        raise NotAllowed("You cannot change your own account here; ask another admin.")
    if user.is_superuser or rank_of(user) >= rank_of(by):
        raise NotAllowed(
            f"{user.username} holds an equal or higher role than yours; you cannot manage them."
        )


def _require_reason(reason):
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {"reason": "Give the reason for this action; it goes to the access log."}
        )
    return reason


def _log(*, by, obj, operation, reason, before, after, center=None, action="admin", **extra):
    detail = {"operation": operation, "reason": reason, "before": before, "after": after, **extra}
    if center is not None:
        detail["center_id"] = center.id
        detail["center"] = center.label
    return log_access(action=action, actor=by, obj=obj, detail=detail)


# Memberships of a fusion center --------------------------------------------------------------


def _membership_state(membership):
    if membership is None:
        return None
    return {"status": membership.status, "since": membership.since.isoformat()}


@transaction.atomic
def membership_admit(*, center, agency, by, reason):
    """Make `agency` an active member of `center`. Its users then receive the center's
    center-wide shares. Refused if it is a member already (active or suspended)."""
    require_center_admin(by, center)
    reason = _require_reason(reason)
    if Membership.objects.filter(center=center, agency=agency).exists():
        raise ValidationError(f"{agency.name} is a member of {center.label} already.")
    membership = Membership.objects.create(center=center, agency=agency)
    # Partner systems that sync with a cursor pull the center's shares as changed.
    visibility_regained(agency=agency, center=center)
    _log(by=by, obj=agency, operation="membership_admit", reason=reason, center=center,
         before=None, after=_membership_state(membership))
    return membership


def _change_status(*, membership, by, reason, to, operation):
    require_center_admin(by, membership.center)
    reason = _require_reason(reason)
    membership = Membership.objects.select_for_update().select_related("agency", "center").get(
        pk=membership.pk
    )
    if membership.status == to:
        raise ValidationError(
            f"{membership.agency.name} is {membership.get_status_display().lower()} already."
        )
    before = _membership_state(membership)
    membership.status = to
    membership.since = timezone.now()
    membership.save(update_fields=["status", "since"])
    _log(by=by, obj=membership.agency, operation=operation, reason=reason, center=membership.center,
         before=before, after=_membership_state(membership))
    return membership


@transaction.atomic
def membership_suspend(*, membership, by, reason):
    """Suspend a member agency. From the next request on, its users no longer receive the
    center's center-wide shares (sharing.permissions reads only active memberships); its own
    cases stay its own, and shares made to the agency by name are untouched."""
    membership = _change_status(membership=membership, by=by, reason=reason,
                                to=Membership.Status.SUSPENDED, operation="membership_suspend")
    # Partner systems purge what reached the agency only through this center.
    tombstones_after_lost_membership(agency=membership.agency, center=membership.center)
    return membership


@transaction.atomic
def membership_reinstate(*, membership, by, reason):
    """Make a suspended member active again: the center-wide shares reach it again."""
    membership = _change_status(membership=membership, by=by, reason=reason,
                                to=Membership.Status.ACTIVE, operation="membership_reinstate")
    # Partner systems that sync with a cursor pull what came back as changed.
    visibility_regained(agency=membership.agency, center=membership.center)
    return membership


@transaction.atomic
def membership_remove(*, membership, by, reason):
    """End the agency's membership of the center. Its users lose the center's center-wide
    shares; the agency, its users and its cases stay."""
    require_center_admin(by, membership.center)
    reason = _require_reason(reason)
    membership = Membership.objects.select_for_update().select_related("agency", "center").get(
        pk=membership.pk
    )
    before = _membership_state(membership)
    agency, center = membership.agency, membership.center
    membership.delete()
    if before["status"] == Membership.Status.ACTIVE:
        # Partner systems purge what reached the agency only through this center.
        tombstones_after_lost_membership(
            agency=agency, center=center, reason=Tombstone.Reason.MEMBERSHIP_ENDED
        )
    _log(by=by, obj=agency, operation="membership_remove", reason=reason, center=center,
         before=before, after=None)


@transaction.atomic
def agency_create(*, center, by, reason, name, ori, level, home_state, contact_name="",
                  contact_email="", contact_phone=""):
    """Register a new agency and admit it to `center` (two access-log rows: created, admitted).
    Raises ValidationError naming the field for a bad or taken ORI, level or state."""
    require_center_admin(by, center)
    reason = _require_reason(reason)
    agency = Agency(
        name=name.strip(), ori=ori.strip().upper(), level=level, home_state=home_state.upper(),
        contact_name=contact_name, contact_email=contact_email, contact_phone=contact_phone,
    )
    agency.full_clean(exclude=["group"])
    agency.save()
    _log(by=by, obj=agency, operation="agency_create", reason=reason, center=center, before=None,
         after={"name": agency.name, "ori": agency.ori, "level": agency.level,
                "home_state": agency.home_state})
    membership_admit(center=center, agency=agency, by=by, reason=reason)
    return agency



# Auditors of a center (28 CFR Part 23) -------------------------------------------------------


def _auditor_state(grant):
    if grant is None:
        return None
    return {"auditor_of": grant.center_id, "since": grant.since.isoformat()}


@transaction.atomic
def center_auditor_grant(*, center, user, by, reason):
    """Make `user` an auditor of `center`: they read the compliance report of each active member
    agency and the center's access log, metadata only, and nothing more of any record than
    their own agency sees. A center admin grants it to an active person (not a partner system's
    account) of a member agency, not to themselves."""
    require_center_admin(by, center)
    reason = _require_reason(reason)
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.pk == by.pk:
        raise NotAllowed("You cannot grant yourself a role; ask another admin.")
    if not user.is_active or hasattr(user, "api_key"):
        raise ValidationError(f"{user.username} is not an active person of a member agency.")
    if not Membership.objects.filter(center=center, agency_id=user.agency_id).exists():
        raise ValidationError(f"{user.username} is not a user of a member agency of {center.label}.")
    if CenterAuditor.objects.filter(center=center, user=user).exists():
        raise ValidationError(f"{user.username} is an auditor of {center.label} already.")
    grant = CenterAuditor.objects.create(center=center, user=user)
    _log(by=by, obj=user, operation="center_auditor_grant", reason=reason, center=center,
         before=None, after=_auditor_state(grant))
    return grant


@transaction.atomic
def center_auditor_revoke(*, center, user, by, reason):
    """Withdraw the auditor role of `user` at `center` (a center admin of it)."""
    require_center_admin(by, center)
    reason = _require_reason(reason)
    grant = CenterAuditor.objects.select_for_update().filter(center=center, user=user).first()
    if grant is None:
        raise ValidationError(f"{user.username} is not an auditor of {center.label}.")
    before = _auditor_state(grant)
    grant.delete()
    _log(by=by, obj=user, operation="center_auditor_revoke", reason=reason, center=center,
         before=before, after=None)

# Users of an agency --------------------------------------------------------------------------


def _token_hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def _user_state(user):
    state = {"role": user.role, "is_active": user.is_active}
    if user.disabled_reason:
        state["disabled"] = user.disabled_reason
    return state


def _expiry_checked(expires_at):
    """A temporary account's expiry: in the future, or None (not temporary)."""
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError(
            {"expires_at": "The expiry must be in the future; leave it empty for an account "
                           "that does not expire."}
        )
    return expires_at


def _iso(moment):
    return moment.isoformat() if moment is not None else None


def pending_links(user):
    return Invitation.objects.filter(user=user, used_at__isnull=True, revoked_at__isnull=True,
                                     expires_at__gt=timezone.now())


def is_deactivated(user):
    """Inactive and not waiting for the person to accept an invitation."""
    return not user.is_active and not pending_links(user).exists()


def username_taken(username):
    """True when the name belongs, or ever belonged, to an account (compared case-blind)."""
    return (
        User.objects.filter(username__iexact=username).exists()
        or RetiredUsername.objects.filter(username=username.lower()).exists()
    )


def _issue_link(*, user, by, purpose, site_url):
    """Revoke the user's pending links, create a new one and e-mail it after commit."""
    now = timezone.now()
    Invitation.objects.filter(user=user, used_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=now
    )
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        user=user, purpose=purpose, token_hash=_token_hash(token), created_at=now,
        expires_at=now + Invitation.VALID_FOR, created_by=by,
    )
    base = site_url or getattr(settings, "PORTAL_URL", "http://localhost:8000/")
    link = urljoin(base, reverse("invitation-accept", args=[token]))
    if purpose == Invitation.Purpose.INVITE:
        subject = "Your FusionPortal account"
        opening = f"{by.get_full_name() or by.username} has invited you to FusionPortal as " \
                  f"{user.get_role_display().lower()} of {user.agency.name}."
    else:
        subject = "Set a new FusionPortal password"
        opening = "An administrator has reset the password of your FusionPortal account."
    body = (
        f"{opening}\n\nYour username: {user.username}\n\n"
        f"Set your password at this link (it works once, until "
        f"{invitation.expires_at:%Y-%m-%d %H:%M} UTC):\n{link}\n\n"
        "If you did not expect this message, tell your agency's administrator."
    )
    transaction.on_commit(lambda: send_mail(subject, body, None, [user.email]))
    return invitation, token


@transaction.atomic
def user_invite(*, agency, by, username, email, role, reason, first_name="", last_name="",
                center=None, site_url=None, expires_at=None):
    """Create the account of a new user of `agency` (inactive, no password) and e-mail a
    single-use link, valid 72 hours, where they set their password. A username is never
    reused (CJIS IA-4). With `expires_at`, a temporary account: it cannot sign in from then on
    (CJIS AC-2(3)). Returns (user, token); only a hash of the token is stored."""
    require_user_admin(by, agency, center)
    reason = _require_reason(reason)
    expires_at = _expiry_checked(expires_at)
    if ROLE_RANK.get(role, CENTER_ADMIN) > rank_of(by):
        raise NotAllowed("You cannot grant a role above your own.")
    username, email = username.strip(), email.strip()
    if not email:
        raise ValidationError({"email": "The invitation goes by e-mail: give an address."})
    if username_taken(username):
        raise ValidationError(
            {"username": f"The username {username!r} is or was in use; choose another."}
        )
    user = User(username=username, email=email, role=role, agency=agency,
                first_name=first_name.strip(), last_name=last_name.strip(), is_active=False,
                expires_at=expires_at)
    user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    _, token = _issue_link(user=user, by=by, purpose=Invitation.Purpose.INVITE, site_url=site_url)
    _log(by=by, obj=user, operation="user_invite", reason=reason, center=center, before=None,
         after={**_user_state(user), "username": user.username, "email": user.email,
                "agency": agency.ori, "expires_at": _iso(user.expires_at)})
    return user, token


@transaction.atomic
def user_deactivate(*, user, by, reason, center=None):
    """The account can no longer log in, its open sessions end at their next request, and
    its pending links are revoked. The account and its username stay."""
    _require_over(by, user, center)
    reason = _require_reason(reason)
    user = User.objects.select_for_update().get(pk=user.pk)
    if is_deactivated(user):
        raise ValidationError(f"{user.username} is deactivated already.")
    before = _user_state(user)
    user.is_active = False
    user.save(update_fields=["is_active"])
    Invitation.objects.filter(user=user, used_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    _log(by=by, obj=user, operation="user_deactivate", reason=reason, center=center,
         before=before, after=_user_state(user))
    return user


@transaction.atomic
def user_reactivate(*, user, by, reason, center=None):
    """The account may log in again with its password (a person who never set one needs a
    new link: force a password reset). An account the daily check disabled (unused, or expired)
    is re-enabled this way: an `account_enabled` security event; an expired one only once its
    expiry has been moved to the future or cleared. Either way its unused days count from now,
    so the next daily check does not disable it again at once."""
    _require_over(by, user, center)
    reason = _require_reason(reason)
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_active:
        raise ValidationError(f"{user.username} is active already.")
    if user.has_expired():
        raise ValidationError(
            f"{user.username}'s account expired on {user.expires_at:%Y-%m-%d %H:%M} UTC: set a "
            "later expiry (or none) first."
        )
    before = _user_state(user)
    disabled_by_portal = bool(user.disabled_reason)
    user.is_active = True
    user.disabled_reason = User.DisabledReason.NONE
    user.disabled_at = None
    user.enabled_at = timezone.now()
    user.save(update_fields=["is_active", "disabled_reason", "disabled_at", "enabled_at"])
    if disabled_by_portal:
        _log(by=by, obj=user, operation="user_reenable", reason=reason, center=center,
             action=AccessLog.Action.ACCOUNT_ENABLED, before=before, after=_user_state(user))
    else:
        _log(by=by, obj=user, operation="user_reactivate", reason=reason, center=center,
             before=before, after=_user_state(user))
    return user


@transaction.atomic
def user_set_expiry(*, user, by, expires_at, reason, center=None):
    """Make the account temporary (it cannot sign in from `expires_at` on), move its expiry, or
    make it permanent again (None). The expiry must be in the future. An account the daily check
    disabled for its expiry stays disabled until it is re-enabled (user_reactivate). Writes an
    `account_expiry` security event with the expiry before and after."""
    _require_over(by, user, center)
    reason = _require_reason(reason)
    expires_at = _expiry_checked(expires_at)
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.expires_at == expires_at:
        raise ValidationError({"expires_at": "That is the account's expiry already."})
    before = {"expires_at": _iso(user.expires_at)}
    user.expires_at = expires_at
    user.save(update_fields=["expires_at"])
    _log(by=by, obj=user, operation="user_set_expiry", reason=reason, center=center,
         action=AccessLog.Action.ACCOUNT_EXPIRY, before=before,
         after={"expires_at": _iso(expires_at)})
    return user


@transaction.atomic
def user_change_role(*, user, by, role, reason, center=None):
    """Make the user an analyst or an agency admin; never above the actor's own role."""
    _require_over(by, user, center)
    reason = _require_reason(reason)
    if role not in ROLE_RANK:
        raise ValidationError({"role": "Choose analyst or agency admin."})
    if ROLE_RANK[role] > rank_of(by):
        raise NotAllowed("You cannot grant a role above your own.")
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.role == role:
        raise ValidationError(f"{user.username} is {user.get_role_display().lower()} already.")
    before = _user_state(user)
    user.role = role
    user.save(update_fields=["role"])
    _log(by=by, obj=user, operation="user_change_role", reason=reason, center=center,
         before=before, after=_user_state(user))
    return user


@transaction.atomic
def user_set_reviewer(*, user, by, reviewer, reason, center=None):
    """Grant or withdraw the criminal intelligence reviewer role (28 CFR Part 23: accepts or
    rejects the agency's information pending review). Beside the role, so any admin over the
    user may set it; a partner system's account is not a person and never holds it."""
    _require_over(by, user, center)
    reason = _require_reason(reason)
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.intelligence_reviewer == reviewer:
        state = "a reviewer already" if reviewer else "not a reviewer"
        raise ValidationError(f"{user.username} is {state}.")
    before = {**_user_state(user), "intelligence_reviewer": user.intelligence_reviewer}
    user.intelligence_reviewer = reviewer
    user.save(update_fields=["intelligence_reviewer"])
    _log(by=by, obj=user, operation="user_set_reviewer", reason=reason, center=center,
         before=before, after={**_user_state(user), "intelligence_reviewer": reviewer})
    return user


@transaction.atomic
def agency_set_auto_purge(*, agency, by, enabled, reason):
    """28 CFR 23.20(h): an agency admin turns the automatic purge of the agency's overdue
    criminal intelligence on or off (the daily review task then purges what was not validated
    by its review date, and tells the control official). With a reason, in the access log."""
    if by.agency_id != agency.pk or not by.is_agency_admin:
        raise NotAllowed("Only an admin of the agency decides whether its overdue records are "
                         "purged automatically.")
    reason = _require_reason(reason)
    agency = Agency.objects.select_for_update().get(pk=agency.pk)
    if agency.auto_purge_overdue == enabled:
        state = "on" if enabled else "off"
        raise ValidationError(f"The automatic purge of overdue records is {state} already.")
    agency.auto_purge_overdue = enabled
    agency.save(update_fields=["auto_purge_overdue"])
    _log(by=by, obj=agency, operation="agency_set_auto_purge", reason=reason,
         before={"auto_purge_overdue": not enabled}, after={"auto_purge_overdue": enabled})
    return agency


@transaction.atomic
def user_force_password_reset(*, user, by, reason, center=None, site_url=None):
    """The current password stops working at once (and with it every open session, whose
    hash no longer matches); a single-use link valid 72 hours is e-mailed to set a new one."""
    _require_over(by, user, center)
    reason = _require_reason(reason)
    user = User.objects.select_for_update(of=("self",)).select_related("agency").get(pk=user.pk)
    if is_deactivated(user):
        # Setting a password through the link makes the account active: reactivate first.
        raise ValidationError(f"{user.username} is deactivated; reactivate the account first.")
    if not user.email:
        raise ValidationError(f"{user.username} has no e-mail address to send the link to.")
    had_password = user.has_usable_password()
    user.set_unusable_password()
    user.save(update_fields=["password"])
    _, token = _issue_link(user=user, by=by, purpose=Invitation.Purpose.RESET, site_url=site_url)
    _log(by=by, obj=user, operation="user_force_password_reset", reason=reason, center=center,
         action=AccessLog.Action.PASSWORD_RESET,
         before={"password_usable": had_password}, after={"password_usable": False})
    return token


@transaction.atomic
def user_release(*, user, by, reason, center=None):
    """Release an account that refused log-ons locked (CJIS AC-7): it may log in again, and the
    refusals before the release no longer count towards the next lock. The same reach as the
    other user actions; a center admin releases accounts of active member agencies only. Writes
    a `release` security event with the reason."""
    require_lock_release_admin(by, user.agency, center)
    _require_over(by, user, center)
    reason = _require_reason(reason)
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.locked_at is None:
        raise ValidationError(f"{user.username} is not locked.")
    before = {"locked": True, "locked_at": user.locked_at.isoformat()}
    user.locked_at = None
    user.lock_released_at = timezone.now()
    user.save(update_fields=["locked_at", "lock_released_at"])
    _log(by=by, obj=user, operation="user_release", reason=reason, center=center,
         action=AccessLog.Action.RELEASE, before=before, after={"locked": False})
    return user


@transaction.atomic
def user_mfa_reset(*, user, by, reason, center=None):
    """Remove every second factor of an account (authenticator app, recovery codes, security
    keys), for a person who lost them: every session of the account ends, and its next sign-in
    enrols again (agencies/mfa.py). The same reach as the lock release (a center admin, for
    accounts of active member agencies only). Writes an `mfa_reset` security event with the
    reason and what the account had."""
    require_lock_release_admin(by, user.agency, center)
    _require_over(by, user, center)
    reason = _require_reason(reason)
    user = User.objects.select_for_update().get(pk=user.pk)
    had = mfa.factors_remove(user)
    _log(by=by, obj=user, operation="user_mfa_reset", reason=reason, center=center,
         action=AccessLog.Action.MFA_RESET, before={"factors": had}, after={"factors": []})
    return user


# The invitee's side --------------------------------------------------------------------------


INVALID_MESSAGES = {
    "unknown": "This link is not valid. Check that you copied the whole link from the e-mail.",
    "used": "This link has been used already. Log in with the password you set, or ask your "
            "agency's administrator for a new link.",
    "revoked": "This link has been replaced or withdrawn. Use the newest link you received, or "
               "ask your agency's administrator for a new one.",
    "expired": "This link has expired (links are valid for 72 hours). Ask your agency's "
               "administrator to send a new one.",
}


def invitation_check(token, *, lock=False):
    """The invitation of this token if it can still be used; InvitationInvalid otherwise."""
    queryset = Invitation.objects.select_related("user", "user__agency")
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    invitation = queryset.filter(token_hash=_token_hash(token or "")).first()
    if invitation is None:
        code = "unknown"
    elif invitation.used_at is not None:
        code = "used"
    elif invitation.revoked_at is not None:
        code = "revoked"
    elif invitation.expires_at <= timezone.now():
        code = "expired"
    else:
        return invitation
    raise InvitationInvalid(INVALID_MESSAGES[code], code=code)


@transaction.atomic
def invitation_accept(*, token, password):
    """Set the password of the link's account and make it active; the link is then used (a
    `password_change` security event, never the password). Its unused days count from now.
    Raises InvitationInvalid (used, revoked, expired, unknown) or ValidationError with the
    password validators' messages."""
    invitation = invitation_check(token, lock=True)
    user = invitation.user
    validate_password(password, user)
    if user.has_expired():
        # Said as the log-in page says it: the link cannot open a temporary account past its end.
        raise ValidationError("This account has expired; ask your agency's administrator.",
                              code="account_expired")
    before = _user_state(user)
    user.set_password(password)
    user.is_active = True
    user.enabled_at = timezone.now()
    user.save(update_fields=["password", "is_active", "enabled_at"])
    invitation.used_at = timezone.now()
    invitation.save(update_fields=["used_at"])
    log_access(action=AccessLog.Action.PASSWORD_CHANGE, actor=user, obj=user, detail={
        "operation": f"{invitation.purpose}_accept", "reason": "set own password",
        "before": before, "after": _user_state(user), "invitation_id": invitation.id,
    })
    return user


# A person's own settings ---------------------------------------------------------------------


@transaction.atomic
def user_time_zone_set(*, user, time_zone):
    """The zone the pages show this person's times in (each time's UTC stays on hover). One of
    core.zones.TIME_ZONES, else a ValidationError naming the field; the change is logged."""
    if time_zone not in TIME_ZONE_NAMES:
        raise ValidationError({"time_zone": "Choose one of the time zones offered."})
    before = user.time_zone
    if before == time_zone:
        return user
    User.objects.filter(pk=user.pk).update(time_zone=time_zone)
    user.time_zone = time_zone
    log_access(action="update", actor=user, obj=user,
               detail={"operation": "time_zone_set", "before": before, "after": time_zone})
    return user
