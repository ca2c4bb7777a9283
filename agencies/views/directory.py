"""The network's directory as a person looks something up in it: the type-to-search of the
lists' agency menus. It answers with the directory facts every member agency may read (name,
ORI, level, home state: what the API's `agencies/` endpoint gives), never with anything about
what an agency owns."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ..models import Agency
from ..selectors import LOOKUP_LIMIT, LOOKUP_MIN_CHARS, agencies_matching, agency_menu

SEARCH_MAX_LENGTH = 100


def _chosen(value):
    """The agency already chosen in the menu, if the directory holds it."""
    try:
        pk = int(value)
    except (TypeError, ValueError):
        return None
    if not 0 < pk < 2**63:
        return None
    return Agency.objects.filter(pk=pk).only("id", "name", "ori", "home_state").first()


@login_required
@require_GET
def agency_lookup(request):
    """With htmx: the options of an agency menu (`owner`) for what was typed (`owner_search`).
    Without: a page of the agencies found, each with links to the lists filtered by it."""
    text = " ".join(request.GET.get("owner_search", "").split())[:SEARCH_MAX_LENGTH]
    if request.htmx:
        chosen = _chosen(request.GET.get("owner"))
        return render(
            request,
            "agencies/_agency_options.html",
            {
                "groups": agency_menu(request.user, chosen=chosen, text=text),
                "chosen": chosen,
                "empty_label": "Any agency",
            },
        )
    return render(
        request,
        "agencies/agency_lookup.html",
        {
            "text": text,
            "agencies": agencies_matching(text),
            "limit": LOOKUP_LIMIT,
            "min_chars": LOOKUP_MIN_CHARS,
            "max_length": SEARCH_MAX_LENGTH,
        },
    )
