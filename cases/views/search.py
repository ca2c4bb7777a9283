"""Search over what the agency may see."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.views.decorators.http import require_GET

from audit.services import log_access

from .. import search as portal_search
from ..forms import SearchForm


@login_required
@require_GET
def search(request):
    """One box over the cases, items, annotations and subjects the user's agency may see."""
    form = SearchForm(request.GET or None)
    context = {"form": form, "results": None}
    if form.is_valid() and form.cleaned_data["q"]:
        try:
            results = portal_search.search(request.user, form.cleaned_data["q"])
        except ValidationError as error:
            form.add_error("q", error)
            return render(request, "cases/search.html", context, status=400)
        context["results"] = results
        ids = [c.pk for c in results.cases] + [i.pk for i in results.items]
        log_access(
            action="list",
            actor=request.user,
            object_ids=ids,
            detail={
                "list": "search",
                "query": results.text,
                "cases": [c.pk for c in results.cases],
                "items": [i.pk for i in results.items],
            },
        )
    elif request.GET and not form.is_valid():
        return render(request, "cases/search.html", context, status=400)
    return render(request, "cases/search.html", context)
