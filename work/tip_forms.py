"""The tip pages' forms: the call-taker's intake, and the triage queue's buttons."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from agencies.models import FusionCenter, User
from cases.entities import typed_values
from cases.models import Case, Entity
from core.handling import TLP
from core.states import STATE_CODES

# The kinds a tip's subject may be typed as beside those recognised in its text.
SUBJECT_KINDS = [("phone", "Phone"), ("email", "E-mail"), ("vehicle", "Plate"), ("vin", "VIN"),
                 ("person", "Person (name)"), ("address", "Address")]
RECOGNISED_KINDS = {"phone", "email", "vehicle", "vin"}


def subject_value(subject):
    """One recognised subject as the value of its checkbox: kind|state|value as written."""
    return f"{subject['kind']}|{subject.get('state', '')}|{subject['value']}"


def parse_subject(value):
    kind, _, rest = (value or "").partition("|")
    state, _, written = rest.partition("|")
    if kind not in RECOGNISED_KINDS or not written or (state and state not in STATE_CODES):
        raise ValidationError("A subject offered by the page was altered; recognise it again.")
    return {"kind": kind, "value": written, "state": state}


class TipIntakeForm(forms.Form):
    """A tip as a call-taker takes it down. The field order is the tab order."""

    caller_name = forms.CharField(label="Caller", required=False, max_length=200,
                                  widget=forms.TextInput(attrs={"autofocus": True, "accesskey": "c",
                                                                "autocomplete": "off"}))
    caller_phone = forms.CharField(label="Caller's phone", required=False, max_length=40,
                                   widget=forms.TextInput(attrs={"autocomplete": "off",
                                                                 "inputmode": "tel"}))
    anonymous = forms.BooleanField(label="Anonymous caller", required=False,
                                   widget=forms.CheckboxInput(attrs={"accesskey": "a"}))
    what = forms.CharField(label="What", max_length=10000, widget=forms.Textarea(attrs={
        "rows": 5, "accesskey": "w", "data-submit-on": "ctrl+enter"}),
        help_text="Phones, e-mails, plates (with their state, e.g. FL plate LKR-7Q2) and VINs "
                  "written here are offered as subjects.")
    where = forms.CharField(label="Where", required=False, max_length=300,
                            widget=forms.TextInput(attrs={"accesskey": "l", "autocomplete": "off"}),
                            help_text="An address, a city or a state.")
    when = forms.DateTimeField(label="When", required=False,
                               widget=forms.DateTimeInput(attrs={"type": "datetime-local",
                                                                 "accesskey": "t"},
                                                          format="%Y-%m-%dT%H:%M"))
    other_kind = forms.ChoiceField(label="Another subject", required=False,
                                   choices=[("", "—"), *SUBJECT_KINDS])
    other_value = forms.CharField(label="Its value", required=False, max_length=300,
                                  widget=forms.TextInput(attrs={"autocomplete": "off"}))
    other_state = forms.CharField(label="Plate's state", required=False, max_length=2,
                                  widget=forms.TextInput(attrs={"size": 3, "autocomplete": "off"}))
    center = forms.ModelChoiceField(label="Filed to", queryset=FusionCenter.objects.none(),
                                    required=False, empty_label=None)
    tlp = forms.ChoiceField(label="Marking", choices=TLP.choices, initial=TLP.AMBER)

    def __init__(self, *args, centers=(), **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["center"].queryset = FusionCenter.objects.filter(
            pk__in=[center.pk for center in centers])
        self.fields["center"].choices = [(center.pk, center.name) for center in centers]
        if not centers:
            del self.fields["center"]
        if not self.is_bound:
            self.initial.setdefault("when", timezone.localtime().replace(second=0, microsecond=0))

    def clean_other_state(self):
        return self.cleaned_data["other_state"].strip().upper()

    def subjects(self):
        """The subjects kept: the recognised ones whose boxes stay ticked, and the one typed."""
        kept = [parse_subject(value) for value in self.data.getlist("subject")]
        data = self.cleaned_data
        if data.get("other_kind") and data.get("other_value", "").strip():
            kept.append({"kind": data["other_kind"], "value": data["other_value"].strip(),
                         "state": data.get("other_state", "")})
        elif data.get("other_value", "").strip():
            raise ValidationError({"other_kind": "Say what kind of subject it is."})
        return kept


def keyed(subjects):
    """The subjects with their match keys (a subject that cannot be normalised is left out of
    the hints: the submission refuses it, naming it)."""
    out = []
    for subject in subjects:
        try:
            key = Entity.normalise(subject["kind"], **typed_values(
                subject["kind"], subject["value"], state=subject.get("state", "")))
        except ValidationError:
            continue
        out.append({**subject, "key": key})
    return out


class TipActionForm(forms.Form):
    """One press of a tip's button; `version` is the triage row as the page showed it."""

    version = forms.IntegerField(min_value=1)
    assignee = forms.ModelChoiceField(queryset=User.objects.none(), required=False)
    reason = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    case = forms.ModelChoiceField(queryset=Case.objects.none(), required=False)
    new_case_number = forms.CharField(required=False, max_length=60)
    new_case_title = forms.CharField(required=False, max_length=200)
    back = forms.ChoiceField(choices=[("tip", "tip"), ("queue", "queue")], required=False)

    def __init__(self, *args, assignees=None, cases=None, **kwargs):
        super().__init__(*args, **kwargs)
        if assignees is not None:
            self.fields["assignee"].queryset = assignees
        if cases is not None:
            self.fields["case"].queryset = cases


class BulkAssignForm(forms.Form):
    assignee = forms.ModelChoiceField(queryset=User.objects.none(),
                                      error_messages={"required": "Choose whom to assign them to."})

    def __init__(self, *args, assignees, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = assignees
