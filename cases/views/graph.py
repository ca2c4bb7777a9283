"""The link graph's answers (cases.graph): JSON for static/js/graph.js, one per kind of start node.

A start node the agency may not see is the 404 of a missing one; bad parameters are a 400 whose
JSON names them. Each answer writes one `read` row to the access log naming the cases and items
it holds."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.views.decorators.http import require_GET

from audit.services import log_access
from sharing.permissions import get_visible_or_404

from .. import graph
from ..models import Case, IntelligenceItem


def _answer(request, start, draw):
    try:
        query = graph.graph_query(request.GET)
    except ValidationError as error:
        return JsonResponse({"error": " ".join(error.messages)}, status=400)
    answer = draw(request.user, start, query)
    ids = {"case": [], "item": [], "subject": []}
    for node in answer["nodes"]:
        kind, pk = graph.parse_node_id(node["id"])
        ids[kind].append(pk)
    log_access(action="read", actor=request.user, obj=start,
               detail={"graph": {"hops": query.hops, "cases": ids["case"], "items": ids["item"],
                                 "subjects": ids["subject"]}})
    return JsonResponse(answer)


@login_required
@require_GET
def case_graph(request, pk):
    case = get_visible_or_404(request.user, Case, pk, record_read=False,
                              queryset=Case.objects.select_related("owner"))
    return _answer(request, case, graph.case_graph)


@login_required
@require_GET
def item_graph(request, pk):
    item = get_visible_or_404(request.user, IntelligenceItem, pk, record_read=False,
                              queryset=IntelligenceItem.objects.select_related("owner"))
    return _answer(request, item, graph.item_graph)


@login_required
@require_GET
def subject_graph(request, pk):
    entity = graph.visible_start_subject(request.user, pk)
    if entity is None:
        raise Http404("No subject matches the given query.")
    return _answer(request, entity, graph.subject_graph)
