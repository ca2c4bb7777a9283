"""Search over what the agency may see: the results page, and each section's next page."""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from audit.services import log_access

from .. import search as portal_search
from ..forms import SearchForm

# What each section of the results is called on the page: (heading, what "More" brings).
SECTION_NAMES = {
    "cases": ("Cases", "cases"),
    "items": ("Intelligence items", "items"),
    "notes": ("Annotations", "annotations"),
}


@dataclass
class ShownSection:
    """A section as the page shows it: its rows, and the link to its next page."""

    name: str
    rows: list
    more_url: str | None
    bounded: bool = False
    text: str = ""
    first_url: str = ""
    error: str = ""

    @property
    def title(self):
        return SECTION_NAMES[self.name][0]

    @property
    def noun(self):
        return SECTION_NAMES[self.name][1]


def _search_url(**params):
    return f"{reverse('search')}?{urlencode(params)}"


def _more_url(text, name, cursor):
    return _search_url(q=text, section=name, cursor=cursor) if cursor else None


def _log_found(request, text, cases, items, section=None):
    detail = {"list": "search", "query": text, "cases": [c.pk for c in cases],
              "items": [i.pk for i in items]}
    if section:
        detail["section"] = section
    log_access(action="list", actor=request.user, object_ids=detail["cases"] + detail["items"],
               detail=detail)


@login_required
@require_GET
def search(request):
    """One box over the cases, items, annotations and subjects the user's agency may see. With
    `section` and `cursor`: that section's next page (with htmx, its rows and the next "More"
    link, in place of the link pressed; without, a page of its own)."""
    form = SearchForm(request.GET or None)
    context = {"form": form, "results": None}
    if request.GET.get("section") or request.GET.get("cursor"):
        return _section_page(request, form, context)
    if form.is_valid() and form.cleaned_data["q"]:
        try:
            results = portal_search.search(request.user, form.cleaned_data["q"])
        except ValidationError as error:
            form.add_error("q", error)
            return render(request, "cases/search.html", context, status=400)
        results.sections = [
            ShownSection(name, rows, _more_url(results.text, name, results.more[name]),
                         bounded=name in results.bounded)
            for name, rows in (("cases", results.cases), ("items", results.items),
                               ("notes", results.annotations))
        ]
        results.ranked_among_text = f"{results.ranked_among:,}"
        context["results"] = results
        _log_found(request, results.text, results.cases, results.items)
    elif request.GET and not form.is_valid():
        return render(request, "cases/search.html", context, status=400)
    return render(request, "cases/search.html", context)


def _section_page(request, form, context):
    """The next page of one section of the results; a bad section or cursor is a 400 that says
    so, never an error of the server."""
    name = request.GET.get("section", "")
    text = form.cleaned_data["q"] if form.is_valid() else ""
    shown = ShownSection(name if name in SECTION_NAMES else "cases", [], None, text=text,
                         first_url=_search_url(q=text))
    context["section_page"] = shown
    status = 200
    try:
        if not form.is_valid():
            raise ValidationError(" ".join(e for errors in form.errors.values() for e in errors))
        section = portal_search.search_section(
            request.user, text, name, cursor=request.GET.get("cursor") or None
        )
    except ValidationError as error:
        shown.error = " ".join(error.messages)
        status = 400
    else:
        shown.rows = section.rows
        shown.more_url = _more_url(text, name, section.next_cursor)
        if name != "notes":
            _log_found(request, text, section.rows if name == "cases" else [],
                       section.rows if name == "items" else [], section=name)
    if request.htmx:
        return render(request, "cases/_search_rows.html", {
            "section": shown.name, "rows": shown.rows, "more_url": shown.more_url,
            "noun": shown.noun, "page_error": shown.error,
        }, status=status)
    return render(request, "cases/search.html", context, status=status)
