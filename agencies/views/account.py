"""The signed-in person's own settings: the time zone the pages show times in."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from core.zones import TIME_ZONES

from .. import services


class TimeZoneForm(forms.Form):
    time_zone = forms.ChoiceField(
        label="Show times in", choices=TIME_ZONES,
        help_text="Every time on the pages reads in this zone; hover over one for its UTC. "
                  "Logs, exports and the API stay in UTC.",
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


@login_required
@require_http_methods(["GET", "POST"])
def account(request):
    form = TimeZoneForm(request.POST or None, initial={"time_zone": request.user.time_zone})
    if request.method == "POST":
        if form.is_valid():
            try:
                services.user_time_zone_set(user=request.user,
                                            time_zone=form.cleaned_data["time_zone"])
            except ValidationError as error:
                form.add_error("time_zone", error.messages)
            else:
                messages.success(request, "Times now show in "
                                 f"{dict(TIME_ZONES)[request.user.time_zone]}.")
                return redirect("account")
    return render(request, "agencies/account.html", {"form": form},
                  status=400 if form.errors else 200)
