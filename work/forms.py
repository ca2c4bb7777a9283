"""The RFI pages' forms: addressing a request, and one press of its buttons."""

from django import forms

from agencies.models import Agency, FusionCenter


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
