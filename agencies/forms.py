from django import forms
from django.contrib.auth.forms import AuthenticationForm


class PortalLoginForm(AuthenticationForm):
    acknowledge = forms.BooleanField(
        label="I have read the notice above and consent to monitoring.",
        required=True,
        error_messages={"required": "Acknowledge the system-use notice to log in."},
    )

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if user.agency_id is None and not user.is_superuser:
            raise forms.ValidationError("This account belongs to no agency.", code="no_agency")
