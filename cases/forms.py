from django import forms

from sharing.handling import SHAREABLE_LEVELS

from .models import Case


class AnnotationForm(forms.Form):
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=20000, label="Note")


class CaseEditForm(forms.Form):
    title = forms.CharField(max_length=200)
    summary = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)
    status = forms.ChoiceField(choices=Case.Status.choices)
    # The version the analyst read: a stale one is refused by case_update.
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    @classmethod
    def for_case(cls, case):
        return cls(initial={"title": case.title, "summary": case.summary,
                            "status": case.status, "version": case.version})


class ShareForm(forms.Form):
    ori = forms.CharField(label="Agency ORI", max_length=9)
    level = forms.TypedChoiceField(
        choices=[(lv.value, lv.label) for lv in SHAREABLE_LEVELS], coerce=int
    )
