"""The RFI and referral pages' forms: addressing a request, referring a case or an item, and
one press of their buttons."""

from django import forms

from agencies.models import Agency, FusionCenter

from .models import Referral


class AddressForm(forms.Form):
    """To whom the request goes (one agency, or a whole center) and by when."""

    agency = forms.ModelChoiceField(
        queryset=Agency.objects.order_by("name"), required=False, label="Agency",
        help_text="One agency answers it…")
    center = forms.ModelChoiceField(
        queryset=FusionCenter.objects.order_by("name"), required=False, label="Or a fusion center",
        help_text="…or any analyst of the center's member agencies may take it.")
    due_date = forms.DateField(label="Due", widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if bool(data.get("agency")) == bool(data.get("center")):
            raise forms.ValidationError("Address the request to one agency or to one fusion center.")
        return data


class ActionForm(forms.Form):
    """One press of a request's button; `version` is the request as the page showed it."""

    version = forms.IntegerField(min_value=1)
    due_date = forms.DateField(required=False, label="New due date",
                               widget=forms.DateInput(attrs={"type": "date"}))
    back = forms.ChoiceField(choices=[("rfi", "rfi"), ("list", "list"), ("item", "item")],
                             required=False)


class ReferForm(forms.Form):
    """To which agency a case or an item is referred (picked among those its handling rules let
    the referrer share it with, or named by its ORI), by when, to do what; and the center the
    referrer acts for, if it administers one."""

    agency = forms.ChoiceField(
        label="Refer to", required=False,
        # static/js/share-picker.js makes it a combobox that filters as one types.
        widget=forms.Select(attrs={"data-type-to-search": "Type a name, an ORI or a state"}))
    ori = forms.CharField(label="or an agency's ORI", max_length=9, required=False)
    due_date = forms.DateField(label="Due", widget=forms.DateInput(attrs={"type": "date"}))
    instructions = forms.CharField(
        label="Instructions: what the agency is asked to do", max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}))
    center = forms.ModelChoiceField(
        queryset=FusionCenter.objects.none(), required=False, label="For the fusion center",
        help_text="A center you administer: its admins follow the referral's status.")

    def __init__(self, *args, agencies=(), centers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].choices = [("", "Choose an agency")] + [
            (str(a.pk), f"{a.name} ({a.ori}, {a.home_state})") for a in agencies]
        if centers is not None:
            self.fields["center"].queryset = centers
        if centers is None or not centers.exists():
            del self.fields["center"]

    def clean(self):
        data = super().clean()
        picked, ori = data.get("agency"), (data.get("ori") or "").strip().upper()
        if picked:
            data["agency"] = Agency.objects.filter(pk=int(picked)).first()
        elif ori:
            data["agency"] = Agency.objects.filter(ori=ori).first()
            if data["agency"] is None:
                self.add_error("ori", f"No agency has the ORI {ori}.")
        else:
            raise forms.ValidationError("Choose the agency to refer it to, or type its ORI.")
        data.setdefault("center", None)
        return data


class ReferralActionForm(forms.Form):
    """One press of a referral's button; `version` is the referral as the page showed it."""

    version = forms.IntegerField(min_value=1)
    outcome = forms.ChoiceField(choices=[("", "Choose the outcome"), *Referral.Outcome.choices],
                                required=False)
    outcome_text = forms.CharField(max_length=5000, required=False)
    back = forms.ChoiceField(choices=[("referral", "referral"), ("list", "list")],
                             required=False)
