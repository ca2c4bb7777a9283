from django import forms
from django.contrib.auth.forms import AuthenticationForm, SetPasswordForm

from core.states import STATE_CHOICES

from .models import Agency, User
from .validators import validate_ori

# The one answer to a refused log-on, whatever the cause (unknown username, wrong password, locked
# account, throttled address, deactivated account): it never says which (CJIS AC-7).
LOGIN_REFUSED = "Those details do not work, or the account is locked. Ask your agency admin."


class PortalLoginForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": LOGIN_REFUSED,
        "inactive": LOGIN_REFUSED,
    }
    acknowledge = forms.BooleanField(
        label="I have read the notice above and consent to monitoring.",
        required=True,
        error_messages={"required": "Acknowledge the system-use notice to log in."},
    )

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if user.agency_id is None and not user.is_superuser:
            raise forms.ValidationError("This account belongs to no agency.", code="no_agency")


REASON_HELP = "Written to the access log with your name and the values before and after."


class ReasonForm(forms.Form):
    """Every admin action asks why (CJIS AC-2(4))."""

    reason = forms.CharField(
        max_length=500, strip=True, widget=forms.Textarea(attrs={"rows": 2}), help_text=REASON_HELP,
        error_messages={"required": "Give the reason for this action; it goes to the access log."},
    )


class AuditorGrantForm(ReasonForm):
    """Make a user of a member agency an auditor of the center (28 CFR Part 23)."""

    field_order = ["username", "reason"]

    username = forms.CharField(
        max_length=150, strip=True,
        help_text="The username of an active person of a member agency.",
        error_messages={"required": "Name the user to make an auditor."},
    )


class AdmitAgencyForm(ReasonForm):
    """Admit an agency by its ORI; if no agency has that ORI yet, register it as well."""

    ori = forms.CharField(
        label="ORI", max_length=9, min_length=9,
        help_text="The 9-character NCIC Originating Agency Identifier, e.g. FL0480400.",
    )
    name = forms.CharField(max_length=200, required=False,
                           help_text="Only for an agency new to the portal.")
    level = forms.ChoiceField(choices=[("", "—"), *Agency.Level.choices], required=False)
    home_state = forms.ChoiceField(choices=[("", "—"), *STATE_CHOICES], required=False)
    contact_name = forms.CharField(label="Point of contact", max_length=200, required=False)
    contact_email = forms.EmailField(label="Point of contact e-mail", required=False)
    field_order = ["ori", "name", "level", "home_state", "contact_name", "contact_email", "reason"]

    def clean_ori(self):
        ori = self.cleaned_data["ori"].strip().upper()
        validate_ori(ori)
        return ori

    def clean(self):
        cleaned = super().clean()
        ori = cleaned.get("ori")
        if ori:
            self.existing_agency = Agency.objects.filter(ori=ori).first()
            if self.existing_agency is None:
                for field, said in (("name", "name"), ("level", "level"),
                                    ("home_state", "home state")):
                    if not cleaned.get(field) and field not in self.errors:
                        self.add_error(field, f"No agency has the ORI {ori} yet: give its "
                                              f"{said} to register it.")
        return cleaned


EXPIRY_HELP = ("For a temporary account (a contractor, a detail to the task force): it cannot sign "
               "in from this time (UTC) on. Empty: the account does not expire.")


def expiry_field():
    return forms.DateTimeField(
        label="Expires (UTC)", required=False, help_text=EXPIRY_HELP,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


class InviteForm(ReasonForm):
    username = forms.CharField(
        max_length=150, validators=[User.username_validator],
        help_text="Letters, digits and @/./+/-/_ only. A username is never given out twice.",
    )
    email = forms.EmailField(label="E-mail address",
                             help_text="The single-use link is sent here; it works for 72 hours.")
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    role = forms.ChoiceField(choices=User.Role.choices, initial=User.Role.ANALYST)
    expires_at = expiry_field()
    field_order = ["username", "email", "first_name", "last_name", "role", "expires_at", "reason"]

    def __init__(self, *args, roles=None, **kwargs):
        super().__init__(*args, **kwargs)
        if roles is not None:
            self.fields["role"].choices = roles


class RoleForm(ReasonForm):
    role = forms.ChoiceField(choices=User.Role.choices)
    field_order = ["role", "reason"]

    def __init__(self, *args, roles=None, **kwargs):
        super().__init__(*args, **kwargs)
        if roles is not None:
            self.fields["role"].choices = roles


class ExpiryForm(ReasonForm):
    """Set, move or clear a temporary account's expiry."""

    expires_at = expiry_field()
    field_order = ["expires_at", "reason"]


class AcceptInvitationForm(SetPasswordForm):
    """The invitee's new password, checked by the portal's password validators; the service
    saves it (SetPasswordForm.save is not used)."""
