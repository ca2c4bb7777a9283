"""Tasks on cases over the API: the tasks of the cases the key's agency sees (keyset pages by
(updated_at, id), as every sync list), one task, adding one (write scope, annotate on its case),
and changing one (write scope, annotate; If-Match or `version`). The refusals are the pages'
(cases.services.task_add, task_update)."""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, serializers, status

from agencies.models import User
from core.api.errors import CREATE_ERRORS, DETAIL_ERRORS, LIST_ERRORS, UPDATE_ERRORS
from core.api.etags import expected_version
from core.api.pagination import ID_PARAMETER, PAGE_PARAMETERS, page_serializer
from core.errors import NotVisible
from sharing.permissions import tasks_visible_to

from .. import services
from ..models import Case, CaseTask
from .filters import TaskFilter
from .views import ETAG, IF_MATCH, VisibleViewSet, _validated, _visible_target

ID_FIELD = {"min_value": 1, "max_value": 2**63 - 1}


class TaskRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    case_id = serializers.IntegerField()
    case_number = serializers.CharField()
    title = serializers.CharField()
    status = serializers.ChoiceField(choices=CaseTask.Status.choices)
    assignee_id = serializers.IntegerField(allow_null=True, help_text="Null: assigned to nobody.")
    assignee = serializers.CharField(allow_null=True, help_text="The assignee's name.")
    assignee_agency_ori = serializers.CharField(allow_null=True)
    due_date = serializers.DateField(allow_null=True)
    created_by = serializers.CharField(help_text="Who added it.")
    agency_ori = serializers.CharField(help_text="The agency of who added it.")
    done_at = serializers.DateTimeField(allow_null=True)
    version = serializers.IntegerField(help_text="Name it in If-Match (the ETag) to change it.")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


TASK_FIELDS = (
    "id", "case_id", "case__number", "title", "status", "assignee_id", "assignee__first_name",
    "assignee__last_name", "assignee__username", "assignee__agency__ori", "due_date",
    "created_by__first_name", "created_by__last_name", "created_by__username", "agency__ori",
    "done_at", "version", "created_at", "updated_at",
)


def _name(row, prefix):
    first, last = row.pop(f"{prefix}__first_name"), row.pop(f"{prefix}__last_name")
    username = row.pop(f"{prefix}__username")
    if username is None:
        return None
    return f"{first} {last}".strip() or username


def task_rows(selected):
    """The rows of the tasks of `selected` (a queryset, in its order), in one query."""
    rows = list(selected.values(*TASK_FIELDS))
    for row in rows:
        row["case_number"] = row.pop("case__number")
        row["assignee"] = _name(row, "assignee")
        row["assignee_agency_ori"] = row.pop("assignee__agency__ori")
        row["created_by"] = _name(row, "created_by")
        row["agency_ori"] = row.pop("agency__ori")
    return rows


class TaskCreateInput(serializers.Serializer):
    case_id = serializers.IntegerField(help_text="A case your agency may annotate.", **ID_FIELD)
    title = serializers.CharField(max_length=200)
    assignee_id = serializers.IntegerField(
        required=False, allow_null=True, default=None, **ID_FIELD,
        help_text="An active person of an agency that may annotate the case; told at once.",
    )
    due_date = serializers.DateField(required=False, allow_null=True, default=None)


class TaskUpdateInput(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    status = serializers.ChoiceField(choices=CaseTask.Status.choices, required=False)
    assignee_id = serializers.IntegerField(
        required=False, allow_null=True, **ID_FIELD,
        help_text="Null: assigned to nobody. A new assignee is told.",
    )
    due_date = serializers.DateField(required=False, allow_null=True)
    version = serializers.IntegerField(
        min_value=1, required=False, help_text="The version you read; or send If-Match instead."
    )


def _person(pk):
    """The person an `assignee_id` names (None for nobody); one the rule does not allow, or
    none at all, is refused by the service in the same words."""
    if pk is None:
        return None
    person = User.objects.select_related("agency").filter(pk=pk).first()
    if person is None:
        raise exceptions.ValidationError({"assignee_id": [services.ASSIGNEE_RULE]})
    return person


def _as_api_fields(error):
    """The service's refusal, naming the API's field (`assignee_id` for `assignee`)."""
    if not hasattr(error, "error_dict"):
        return error
    return DjangoValidationError({
        ("assignee_id" if name == "assignee" else name): errors
        for name, errors in error.error_dict.items()
    })


@extend_schema_view(
    list=extend_schema(
        summary="Tasks on the cases your agency may see",
        parameters=PAGE_PARAMETERS,
        responses={200: page_serializer("TaskPage", TaskRowSerializer), **LIST_ERRORS},
    ),
    retrieve=extend_schema(
        summary="One task",
        parameters=[ID_PARAMETER, ETAG],
        responses={200: TaskRowSerializer, **DETAIL_ERRORS},
    ),
    create=extend_schema(
        summary="Add a task to a case (write scope, annotate level)",
        request=TaskCreateInput,
        parameters=[ETAG],
        responses={201: TaskRowSerializer, **CREATE_ERRORS},
    ),
    partial_update=extend_schema(
        summary="Change a task: status, assignee, due date, title (write scope, annotate level; "
                "If-Match or version)",
        request=TaskUpdateInput,
        parameters=[ID_PARAMETER, IF_MATCH, ETAG],
        responses={200: TaskRowSerializer, **UPDATE_ERRORS},
    ),
)
class TaskViewSet(VisibleViewSet):
    """Tasks on cases: what to do, who does it, by when. A task is its case's: an agency that
    does not see the case does not see its tasks."""

    model = CaseTask
    object_type = "casetask"
    filterset_class = TaskFilter
    http_method_names = ["get", "post", "patch", "head", "options"]
    input_serializers = {"POST": TaskCreateInput, "PATCH": TaskUpdateInput}

    def visible(self):
        return tasks_visible_to(self.request.user)

    def rows(self, selected):
        return task_rows(selected)

    def get_visible(self, pk):
        task = self.visible().select_related("case", "assignee").filter(pk=pk).first()
        if task is None:
            raise NotVisible(CaseTask)
        return task

    def create(self, request):
        data = _validated(TaskCreateInput, request.data)
        case = _visible_target(request, Case, data["case_id"], "case_id")
        try:
            task = services.task_add(case=case, by=request.user, title=data["title"],
                                     assignee=_person(data["assignee_id"]),
                                     due_date=data["due_date"])
        except DjangoValidationError as error:
            raise _as_api_fields(error) from None
        return self.detail_response(task, status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        task = self.get_visible(pk)
        version = expected_version(request, task)
        changes = _validated(TaskUpdateInput, request.data)
        changes.pop("version", None)
        if "assignee_id" in changes:
            changes["assignee"] = _person(changes.pop("assignee_id"))
        if not changes:
            raise exceptions.ValidationError(
                {"non_field_errors": ["Nothing to change: send at least one field."]}
            )
        try:
            task = services.task_update(task=task, by=request.user, version=version, **changes)
        except DjangoValidationError as error:
            raise _as_api_fields(error) from None
        return self.detail_response(task)
