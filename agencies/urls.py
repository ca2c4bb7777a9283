from django.contrib.auth import views as auth_views
from django.urls import path, register_converter

from .views import account as account_views
from .views import admin as views
from .views import api_keys as api_key_views
from .views import auditors as auditor_views
from .views import directory as directory_views
from .views import federation as federation_views
from .views import mfa as mfa_views
from .views import session as session_views
from .views.admin import PortalLoginView


class Choice:
    """A path segment that is one of a fixed set of words; anything else is a 404."""

    words = ()

    def __init_subclass__(cls):
        cls.regex = "|".join(cls.words)

    def to_python(self, value):
        return value

    def to_url(self, value):
        if value not in self.words:
            raise ValueError(value)
        return value


class MembershipAction(Choice):
    words = tuple(views.MEMBERSHIP_ACTIONS)


class UserAction(Choice):
    words = tuple(views.USER_ACTIONS)


register_converter(MembershipAction, "membership_action")
register_converter(UserAction, "user_action")

center = "manage/centers/<int:center_id>/"
center_agency = center + "agencies/<int:agency_id>/"
own_agency = "manage/agencies/<int:agency_id>/"

urlpatterns = [
    path("login/", PortalLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Federated sign-in (SAML 2.0): the start, the identity provider's answer, our metadata.
    path("saml/login/<int:idp_id>/", federation_views.saml_login, name="saml-login"),
    path("saml/acs/", federation_views.saml_acs, name="saml-acs"),
    path("saml/metadata/", federation_views.saml_metadata, name="saml-metadata"),
    path("session/keepalive/", session_views.session_keepalive, name="session-keepalive"),
    # The second factor (agencies/mfa.py): the step after the password, and one's own factors.
    path("mfa/", mfa_views.factors, name="mfa-factors"),
    path("mfa/verify/", mfa_views.verify, name="mfa-verify"),
    path("mfa/enrol/", mfa_views.enrol, name="mfa-enrol"),
    path("mfa/recovery-codes/", mfa_views.recovery_codes_regenerate, name="mfa-recovery-codes"),
    path("mfa/keys/<int:key_id>/remove/", mfa_views.key_remove, name="mfa-key-remove"),
    path("mfa/keys/register/options/", mfa_views.key_register_options,
         name="mfa-key-register-options"),
    path("mfa/keys/register/", mfa_views.key_register, name="mfa-key-register"),
    path("mfa/keys/auth/options/", mfa_views.key_auth_options, name="mfa-key-auth-options"),
    path("mfa/keys/auth/", mfa_views.key_auth, name="mfa-key-auth"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation-accept"),
    path("manage/", views.admin_home, name="admin-home"),
    # Anyone signed in: their own settings (the time zone of the pages).
    path("account/", account_views.account, name="account"),
    # Anyone signed in: the directory's type-to-search (the lists' agency menus).
    path("directory/agencies/", directory_views.agency_lookup, name="agency-lookup"),
    # An agency admin: the agency's API keys for partner systems.
    path("agency/api-keys/", api_key_views.api_keys, name="api-keys"),
    path("agency/api-keys/<int:pk>/revoke/", api_key_views.api_key_revoke_view, name="api-key-revoke"),
    # A center admin: the center's member agencies, their users, the access log.
    path(center + "agencies/", views.center_agencies, name="center-agencies"),
    path(center + "agencies/admit/", views.center_agency_admit, name="center-agency-admit"),
    # A center admin: the center's auditors (28 CFR Part 23, read-only).
    path(center + "auditors/", auditor_views.center_auditors, name="center-auditors"),
    path(center + "auditors/<int:user_id>/revoke/", auditor_views.center_auditor_revoke,
         name="center-auditor-revoke"),
    path(center_agency, views.center_membership, name="center-membership"),
    path(center_agency + "<membership_action:action>/", views.center_membership_action,
         name="center-membership-action"),
    path(center_agency + "users/", views.agency_users, name="center-users"),
    path(center_agency + "users/invite/", views.agency_user_invite, name="center-user-invite"),
    path(center_agency + "users/<int:user_id>/", views.agency_user_detail,
         name="center-user-detail"),
    path(center_agency + "users/<int:user_id>/<user_action:action>/", views.agency_user_action,
         name="center-user-action"),
    # An agency admin: the users of their own agency.
    path(own_agency + "users/", views.agency_users, name="agency-users"),
    path(own_agency + "users/invite/", views.agency_user_invite, name="agency-user-invite"),
    path(own_agency + "users/<int:user_id>/", views.agency_user_detail, name="agency-user-detail"),
    path(own_agency + "users/<int:user_id>/<user_action:action>/", views.agency_user_action,
         name="agency-user-action"),
]
