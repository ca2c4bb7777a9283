"""Browser forms. They parse and check what was typed; the services decide and write."""

from datetime import timedelta

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from agencies.models import Agency, FusionCenter, User
from core.handling import SHAREABLE_LEVELS, TLP, Level
from core.states import STATE_CHOICES, STATE_CODES
from sharing.models import Share

from . import intelligence as cfr23
from . import sar
from .entities import typed_label, typed_values
from .models import Case, CaseTask, Entity, IntelligenceItem


def apply_errors(form, error):
    """Put a service's ValidationError next to the fields it names (or above the form)."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


class PrefixedIds:
    """Field ids of their own (the case page holds several forms with a `state` field), and
    labels without a trailing colon."""

    id_prefix = ""

    def __init__(self, *args, **kwargs):
        if self.id_prefix:
            kwargs.setdefault("auto_id", f"id_{self.id_prefix}_%s")
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class AnnotationForm(PrefixedIds, forms.Form):
    id_prefix = "note"
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), max_length=20000, label="Add a note",
        error_messages={"required": "An annotation needs some text."},
    )


class AnnotationEditForm(AnnotationForm):
    # The version the analyst opened: an edit on a stale one is refused, the text kept.
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].label = "Your annotation"


class HandlingFields(PrefixedIds, forms.Form):
    tlp = forms.ChoiceField(label="TLP", choices=TLP.choices, initial=TLP.AMBER)
    les = forms.BooleanField(
        label="LES (law-enforcement sensitive)", required=False,
        help_text="Law-enforcement use only.",
    )


def parse_states(text):
    codes = [part.strip().upper() for part in (text or "").replace(";", ",").split(",")]
    codes = [code for code in codes if code]
    unknown = [code for code in codes if code not in STATE_CODES]
    if unknown:
        raise ValidationError(
            f"Not a US state or territory code: {', '.join(unknown)}. Use USPS codes: FL, LA."
        )
    return list(dict.fromkeys(codes))


class CaseCreateForm(HandlingFields):
    number = forms.CharField(
        label="Case number", max_length=40, help_text="Your agency's own number for it."
    )
    title = forms.CharField(max_length=200)
    summary = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), required=False)
    lead_center = forms.ModelChoiceField(
        label="Lead fusion center", queryset=FusionCenter.objects.order_by("state", "name")
    )
    states = forms.CharField(
        label="States", max_length=300,
        help_text="USPS codes, separated by commas: FL, LA, CA. Counties and cities are "
                  "added on the case page.",
    )
    share_with_involved_centers = forms.BooleanField(
        label="Give involved fusion centers view access", required=False,
        help_text="When the case spans state lines, the primary fusion center of each newly "
                  "involved state may view it, not only be alerted (never for TLP:RED).",
    )
    field_order = ["number", "title", "summary", "lead_center", "states", "tlp", "les",
                   "share_with_involved_centers"]

    def clean_states(self):
        states = parse_states(self.cleaned_data["states"])
        if not states:
            raise ValidationError("Name at least one state.")
        return states


class CaseEditForm(HandlingFields):
    title = forms.CharField(max_length=200)
    summary = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}), required=False)
    status = forms.ChoiceField(choices=Case.Status.choices)
    lead_center = forms.ModelChoiceField(
        label="Lead fusion center", queryset=FusionCenter.objects.order_by("state", "name"),
        required=False,
    )
    # The version the analyst read: a stale one is refused by case_update.
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    field_order = ["title", "summary", "status", "lead_center", "tlp", "les", "version"]

    def __init__(self, *args, owner=True, **kwargs):
        super().__init__(*args, **kwargs)
        # The handling marking is the owner's decision alone (cases.services.case_update).
        if not owner:
            del self.fields["tlp"]
            del self.fields["les"]

    @classmethod
    def for_case(cls, case, owner=True):
        return cls(
            initial={"title": case.title, "summary": case.summary, "status": case.status,
                     "lead_center": case.lead_center_id, "tlp": case.tlp, "les": case.les,
                     "version": case.version},
            owner=owner,
        )

    def changes(self, data_submitted):
        """The fields to hand to case_update: only those this form carried."""
        names = ["title", "summary", "status"]
        if self.cleaned_data.get("lead_center") is not None:
            names.append("lead_center")
        # A form without the handling fields (a non-owner's) changes no marking.
        if "tlp" in self.fields and "tlp" in data_submitted:
            names += ["tlp", "les"]
        return {name: self.cleaned_data[name] for name in names}


class JurisdictionForm(PrefixedIds, forms.Form):
    id_prefix = "place"
    state = forms.ChoiceField(choices=[("", "Choose a state")] + STATE_CHOICES)
    county = forms.CharField(max_length=100, required=False)
    city = forms.CharField(max_length=100, required=False)


class SubjectForm(PrefixedIds, forms.Form):
    """A subject typed as the analyst has it; the entity's key is normalised by the service."""

    id_prefix = "subject"

    kind = forms.ChoiceField(choices=Entity.Kind.choices)
    value = forms.CharField(
        max_length=300, label="Value",
        help_text="Name, plate, VIN, phone number, e-mail, address, organisation or handle.",
    )
    state = forms.ChoiceField(
        label="Plate state", choices=[("", "—")] + STATE_CHOICES, required=False,
        help_text="For a plate: the state that issued it.",
    )
    dob = forms.DateField(
        label="Date of birth", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    platform = forms.CharField(max_length=60, required=False, help_text="For an online account.")
    role = forms.CharField(max_length=60, required=False, help_text="e.g. suspect, victim")

    def entity_values(self):
        data = self.cleaned_data
        return typed_values(data["kind"], data["value"], state=data.get("state"),
                            dob=data.get("dob"), platform=data.get("platform"))

    def entity_label(self):
        data = self.cleaned_data
        return typed_label(data["kind"], data["value"], state=data.get("state"),
                           platform=data.get("platform"))


class AttachmentForm(PrefixedIds, forms.Form):
    id_prefix = "attachment"
    file = forms.FileField(
        help_text=(
            f"Up to {settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)} MB: PDF, JPEG, PNG, text, "
            "CSV, Word or Excel."
        ),
    )


class ShareForm(PrefixedIds, forms.Form):
    """The recipient and level, offered only as far as the handling rules allow.

    `options` comes from cases.selectors.share_options. `ori` lets a sharer name an agency by
    its ORI instead of picking it; the rules are then checked by the share service.
    """

    id_prefix = "share"
    recipient = forms.ChoiceField(
        label="Share with", required=False,
        # static/js/share-picker.js makes it a combobox that filters as one types.
        widget=forms.Select(attrs={"data-type-to-search": "Type a name, an ORI or a state"}),
    )
    ori = forms.CharField(label="or an agency's ORI", max_length=9, required=False)
    level = forms.TypedChoiceField(
        label="Level", choices=[(lv.value, lv.label) for lv in SHAREABLE_LEVELS], coerce=int
    )
    reason = forms.CharField(
        label="Reason: the need and right to know", required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Required for criminal intelligence (28 CFR 23.20(e)); kept in its "
                  "dissemination record (23.20(g)).",
    )

    def __init__(self, *args, options=None, **kwargs):
        super().__init__(*args, **kwargs)
        if options is not None:
            groups = [("", "Choose a recipient")]
            if options["agencies"]:
                groups.append(("Agencies", [
                    (f"agency:{a.pk}", f"{a.name} ({a.ori}, {a.home_state})")
                    for a in options["agencies"]
                ]))
            if options["centers"]:
                groups.append(("Every member agency of a fusion center", [
                    (f"center:{c.pk}", f"{c.name} ({c.state})") for c in options["centers"]
                ]))
            if options["network"]:
                groups.append(("Network", [("network", "Every agency in the network")]))
            self.fields["recipient"].choices = groups
            self.fields["level"].choices = [(lv.value, Level(lv).label) for lv in options["levels"]]
        else:
            self.fields["recipient"].choices = [("", "")]

    def clean_recipient(self):
        return self.cleaned_data.get("recipient") or ""

    def clean(self):
        data = super().clean()
        if not data.get("recipient") and not (data.get("ori") or "").strip():
            raise ValidationError("Choose an agency, a fusion center or the network to share with.")
        return data

    def share_target(self):
        """The share target the valid form names, as keyword arguments of the share service:
        a picked option, or an agency typed by its ORI (ValidationError naming `ori` for an ORI
        no agency has)."""
        choice = self.cleaned_data.get("recipient")
        if choice == "network":
            return {"target": Share.Target.NETWORK}
        if choice:
            kind, _, pk = choice.partition(":")
            if kind == "agency":
                return {"target": Share.Target.AGENCY, "agency": Agency.objects.get(pk=int(pk))}
            return {"target": Share.Target.CENTER, "center": FusionCenter.objects.get(pk=int(pk))}
        ori = self.cleaned_data["ori"].strip().upper()
        agency = Agency.objects.filter(ori=ori).first()
        if agency is None:
            raise ValidationError({"ori": f"No agency has the ORI {ori}."})
        return {"target": Share.Target.AGENCY, "agency": agency}


def _blank(choices, label="Choose"):
    return [("", label), *choices]


class PredicateFields(forms.Form):
    """28 CFR Part 23: the criminal predicate and the labels of 23.20(c). All empty on a new
    tip, SAR, report or RFI response: information pending review. The service checks them."""

    predicate = forms.CharField(
        label="Criminal predicate", required=False, widget=forms.Textarea(attrs={"rows": 3}),
        max_length=20000,
        help_text="28 CFR 23.20(a): the reasonable suspicion that the subject is involved in "
                  "definable criminal conduct. Leave the predicate and labels empty to submit "
                  "it as information pending review, for a reviewer of your agency.",
    )
    criminal_activity = forms.ChoiceField(
        label="Criminal activity", required=False,
        choices=_blank(cfr23.CriminalActivity.choices),
    )
    no_protected_activity = forms.BooleanField(
        label="No political, religious or social views, associations or activities",
        required=False, help_text=cfr23.ATTESTATION,
    )
    control_official = forms.ModelChoiceField(
        label="Control official", queryset=None, required=False, empty_label="Choose",
        help_text="28 CFR 23.20(c): the person of your agency who answers for the record.",
    )
    sensitivity = forms.ChoiceField(
        required=False, choices=_blank(cfr23.Sensitivity.choices)
    )
    source_reliability = forms.ChoiceField(
        label="Source reliability", required=False,
        choices=_blank(cfr23.SourceReliability.choices),
    )
    content_validity = forms.ChoiceField(
        label="Content validity", required=False,
        choices=_blank(cfr23.ContentValidity.choices),
    )

    def __init__(self, *args, officials=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["control_official"].queryset = (
            officials if officials is not None else User.objects.none()
        )

    def labels(self):
        return {name: self.cleaned_data.get(name) for name in cfr23.LABEL_FIELDS}


def behaviours_field():
    """The ISE-SAR behaviours of a suspicious-activity report, under the standard's two
    headings; the service says what a SAR (at least one) and any other kind (none) take."""
    return forms.MultipleChoiceField(
        label="ISE-SAR behaviours", choices=sar.GROUPED_CHOICES, required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=f"A suspicious-activity report: at least one behaviour of the {sar.STANDARD}. "
                  "Other kinds: none.",
    )


class ItemForm(HandlingFields):
    kind = forms.ChoiceField(
        choices=[(k, label) for k, label in IntelligenceItem.Kind.choices if k != "rfi_response"]
    )
    title = forms.CharField(max_length=200)
    body = forms.CharField(label="Text", widget=forms.Textarea(attrs={"rows": 8}), required=False)
    behaviours = behaviours_field()
    case = forms.ModelChoiceField(
        label="Case", queryset=Case.objects.none(), required=False, empty_label="No case",
        help_text="Link it to a case your agency may annotate.",
    )
    review_by = forms.DateField(
        label="Review by", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    field_order = ["kind", "title", "body", "behaviours", "case", "review_by", "tlp", "les"]

    def __init__(self, *args, cases=None, response=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["review_by"].help_text = (
            "Criminal intelligence: at most five years away (28 CFR 23.20(h)); empty, five years."
        )
        if cases is not None:
            self.fields["case"].queryset = cases
        if response:
            # A response to an RFI: its kind is fixed by what it answers, and it is no SAR.
            del self.fields["kind"]
            del self.fields["behaviours"]


class ItemIntelligenceForm(PredicateFields, ItemForm):
    """A new item with its 28 CFR Part 23 fields (the kinds under the rule)."""

    def __init__(self, *args, officials=None, cases=None, response=False, **kwargs):
        super().__init__(*args, officials=officials, cases=cases, response=response, **kwargs)


class ReviewForm(PredicateFields):
    """A reviewer's decision on information pending review (its labels, when accepting)."""

    decision = forms.ChoiceField(
        choices=[("accept", "Accept as criminal intelligence"), ("reject", "Reject")],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label="Reason", widget=forms.Textarea(attrs={"rows": 2}), max_length=20000,
        error_messages={"required": "Give the reason for the decision; it is kept with the record."},
    )
    review_by = forms.DateField(
        label="Review by", required=False, widget=forms.DateInput(attrs={"type": "date"}),
        help_text="At most five years away (28 CFR 23.20(h)); empty, five years.",
    )
    field_order = ["decision", "reason", "predicate", "criminal_activity", "no_protected_activity",
                   "control_official", "sensitivity", "source_reliability", "content_validity",
                   "review_by"]

    @classmethod
    def for_item(cls, item, officials):
        initial = {name: getattr(item, name) for name in cfr23.LABEL_FIELDS}
        initial["control_official"] = item.control_official_id
        return cls(initial=initial, officials=officials)


class ValidateForm(PredicateFields):
    """A reviewer validates criminal intelligence (28 CFR 23.20(h)); the labels only matter for
    a record whose predicate is missing."""

    reason = forms.CharField(
        label="Why it is still relevant and accurate", widget=forms.Textarea(attrs={"rows": 2}),
        max_length=20000,
        error_messages={"required": "Give the reason; it is kept with the record."},
    )
    review_by = forms.DateField(
        label="Next review by", required=False, widget=forms.DateInput(attrs={"type": "date"}),
        help_text="At most five years away (28 CFR 23.20(h)); empty, five years.",
    )
    field_order = ["reason", "review_by", "predicate"]

    def __init__(self, *args, needs_labels=False, **kwargs):
        super().__init__(*args, **kwargs)
        if not needs_labels:
            for name in cfr23.LABEL_FIELDS:
                del self.fields[name]

    def labels(self):
        return {name: self.cleaned_data.get(name) for name in cfr23.LABEL_FIELDS
                if name in self.fields}


class WatchForm(SubjectForm):
    """A subject to watch, typed as for a link (no role)."""

    id_prefix = "watch"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["role"]


class PurgeForm(forms.Form):
    """A reviewer purges a record (28 CFR 23.20(h)); the reason stays with its tombstone."""

    reason = forms.CharField(
        label="Why it is purged", widget=forms.Textarea(attrs={"rows": 3}), max_length=20000,
        help_text="Kept with the record's tombstone and in the access log: say why, not what "
                  "the record held.",
        error_messages={"required": "Give the reason for the purge; it is kept with the "
                                    "record's tombstone."},
    )


class AutoPurgeForm(forms.Form):
    """An agency admin turns the automatic purge of overdue records on or off."""

    enabled = forms.TypedChoiceField(
        choices=[("1", "on"), ("0", "off")], coerce=lambda value: value == "1",
        widget=forms.HiddenInput,
    )
    reason = forms.CharField(
        label="Reason, for the access log", max_length=2000,
        error_messages={"required": "Give the reason for this change; it goes to the access log."},
    )


class ItemEditForm(HandlingFields):
    title = forms.CharField(max_length=200)
    body = forms.CharField(label="Text", widget=forms.Textarea(attrs={"rows": 8}), required=False)
    behaviours = behaviours_field()
    review_by = forms.DateField(
        label="Review by", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    field_order = ["title", "body", "behaviours", "review_by", "tlp", "les", "version"]

    def __init__(self, *args, owner=True, sar_report=False, **kwargs):
        super().__init__(*args, **kwargs)
        if not owner:
            del self.fields["tlp"]
            del self.fields["les"]
        if not sar_report:
            del self.fields["behaviours"]

    @classmethod
    def for_item(cls, item, owner=True):
        is_sar = item.kind == IntelligenceItem.Kind.SAR
        return cls(
            initial={"title": item.title, "body": item.body, "review_by": item.review_by,
                     "tlp": item.tlp, "les": item.les, "version": item.version,
                     "behaviours": list(item.sar_behaviours.values_list("behaviour", flat=True))
                     if is_sar else []},
            owner=owner, sar_report=is_sar,
        )

    def changes(self):
        names = ["title", "body", "review_by"]
        if "tlp" in self.fields:
            names += ["tlp", "les"]
        if "behaviours" in self.fields:
            names.append("behaviours")
        return {name: self.cleaned_data[name] for name in names}


class SearchForm(PrefixedIds, forms.Form):
    q = forms.CharField(label="Search", max_length=200, required=False)


class ComplianceRangeForm(forms.Form):
    """The compliance report's date range (both days included) and the list shown. Empty dates
    are the last twelve months."""

    EARLIEST, LATEST = 1970, 2100

    date_from = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Give the first day as a date, e.g. 2026-01-31."},
    )
    date_to = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Give the last day as a date, e.g. 2026-12-31."},
    )

    DEFAULT_DAYS = 365

    def __init__(self, *args, today, list_names=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.list_names = set(list_names)

    def _in_years(self, name):
        day = self.cleaned_data.get(name)
        if day is not None and not self.EARLIEST <= day.year <= self.LATEST:
            raise ValidationError(
                f"Give a date between {self.EARLIEST} and {self.LATEST}.", code="out_of_range")
        return day

    def clean_date_from(self):
        return self._in_years("date_from")

    def clean_date_to(self):
        return self._in_years("date_to")

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        last = cleaned.get("date_to") or self.today
        first = cleaned.get("date_from") or last - timedelta(days=self.DEFAULT_DAYS)
        cleaned["date_from"], cleaned["date_to"] = first, last
        if first > last:
            raise ValidationError("The range ends before it starts: From is after To.",
                                  code="range_reversed")
        listed = self.data.get("list") or ""
        if listed and listed not in self.list_names:
            raise ValidationError("There is no such list in the report.", code="unknown_list")
        cleaned["list"] = listed
        return cleaned


def assignee_choices(people, current=None):
    """The assignee menu: nobody, then the people offered under their agencies' names (in the
    order given: the reader's own agency first), and the current assignee even when no longer
    offered (the form shows what the task says)."""
    groups, index = [], {}
    if current is not None and current.pk not in {person.pk for person in people}:
        people = [*people, current]
    for person in people:
        label = person.agency.name if person.agency_id else "No agency"
        if label not in index:
            index[label] = len(groups)
            groups.append((label, []))
        groups[index[label]][1].append((person.pk, person.get_full_name() or person.username))
    return [("", "Nobody yet"), *groups]


class TaskForm(PrefixedIds, forms.Form):
    """A task of a case: what, who (from the people it may be assigned to), by when."""

    id_prefix = "task"
    title = forms.CharField(
        label="Task", max_length=200,
        error_messages={"required": "A task needs a title."},
    )
    assignee = forms.TypedChoiceField(
        label="Assigned to", coerce=int, empty_value=None, required=False,
        help_text="A person of an agency that may annotate the case.",
    )
    due_date = forms.DateField(
        label="Due", required=False, widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args, assignees=(), current=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = assignee_choices(list(assignees), current)


class TaskEditForm(TaskForm):
    status = forms.ChoiceField(choices=CaseTask.Status.choices)
    # The version the analyst opened: a stale one is refused by task_update.
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    field_order = ["title", "status", "assignee", "due_date", "version"]

    @classmethod
    def for_task(cls, task, assignees):
        return cls(
            initial={"title": task.title, "status": task.status, "assignee": task.assignee_id,
                     "due_date": task.due_date, "version": task.version},
            assignees=assignees, current=task.assignee,
        )


# Where a task's status button sends the analyst back to: the page it was pressed on.
TASK_BACK = ("case", "case-tasks", "my-tasks")


class TaskStatusForm(forms.Form):
    """One press of a task's button: mark it done, start it, reopen it."""

    status = forms.ChoiceField(choices=CaseTask.Status.choices)
    version = forms.IntegerField(min_value=1)
    back = forms.ChoiceField(choices=[(name, name) for name in TASK_BACK], required=False)
