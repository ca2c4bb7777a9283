"""Bulk import of tips over the API (write scope): POST a JSON body of rows, or a CSV or JSON
file (multipart, field `file`), and get the import job, then GET it until it is finished (in
the embedded default it is finished when the POST answers). The checks and the rules are
work.tip_import's, as the page's and the command's; another agency's job is the 404 of a
missing one."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from core.api.errors import CREATE_ERRORS, DETAIL_ERRORS
from core.api.parsers import ApiJSONParser

from ..models import TipImportJob
from ..tip_import import (
    ImportRefused,
    import_job_of,
    import_job_row,
    import_job_start,
)


class TipImportErrorSerializer(serializers.Serializer):
    line = serializers.IntegerField(required=False, help_text="The CSV file's line (CSV).")
    index = serializers.IntegerField(required=False, help_text="The row's index (JSON).")
    field = serializers.CharField(help_text="The field at fault; empty for the row as a whole.")
    code = serializers.CharField(help_text="The rule, e.g. tip_what_missing, import_when_invalid.")
    reason = serializers.CharField()


class TipImportJobSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(
        choices=TipImportJob.Status.choices,
        help_text="queued → running → done; refused: bad rows, nothing written; failed.")
    file_name = serializers.CharField()
    good_only = serializers.BooleanField()
    total = serializers.IntegerField(help_text="Rows in the file.")
    done = serializers.IntegerField(help_text="Rows done so far.")
    created = serializers.IntegerField()
    already_imported = serializers.IntegerField(
        help_text="Rows whose source_id your agency imported before: skipped.")
    bad_rows = serializers.IntegerField()
    errors = TipImportErrorSerializer(many=True)
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)


class TipImportInput(serializers.Serializer):
    tips = serializers.ListField(
        child=serializers.JSONField(), allow_empty=False, required=False,
        help_text="The rows: {source_id, what, where, when, caller_name, caller_phone, "
                  "anonymous, subjects: ['kind:value' | {kind, value, state}]}.")
    file = serializers.FileField(required=False, help_text="Or a .csv or .json file.")
    good_only = serializers.BooleanField(
        default=False, help_text="Import the good rows even when some are bad.")


class TipImportViewSet(viewsets.ViewSet):
    """Bulk imports of tips into your agency's triage queue."""

    parser_classes = [ApiJSONParser, MultiPartParser]
    lookup_value_regex = r"[0-9]{1,18}"
    http_method_names = ["get", "post", "head", "options"]

    @extend_schema(
        summary="Import tips into your agency's triage queue (write scope): every row checked "
                "first, all or nothing unless good_only; a source_id per row, so a re-import "
                "creates nothing twice",
        request={"application/json": TipImportInput, "multipart/form-data": TipImportInput},
        responses={201: TipImportJobSerializer, **CREATE_ERRORS},
    )
    def create(self, request):
        data = request.data
        if isinstance(data, list):
            data = {"tips": data}
        serializer = TipImportInput(data=data)
        serializer.is_valid(raise_exception=True)
        given = serializer.validated_data
        upload = given.get("file")
        if (upload is None) == ("tips" not in given):
            raise exceptions.ValidationError(
                {"tips": ["Send the rows as `tips`, or a CSV or JSON `file`: one of them."]})
        try:
            if upload is not None:
                job = import_job_start(by=request.user, file_name=upload.name,
                                       data=upload.read(), good_only=given["good_only"])
            else:
                job = import_job_start(by=request.user, file_name="api.json",
                                       data=given["tips"], good_only=given["good_only"])
        except ImportRefused as refusal:
            error = exceptions.ValidationError({"file" if upload else "tips": refusal.messages})
            error.rule = refusal.code
            raise error from None
        job.refresh_from_db()
        return Response(import_job_row(job), status=status.HTTP_201_CREATED,
                        headers={"Location": f"/api/v1/tip-imports/{job.pk}/"})

    @extend_schema(
        summary="One import of tips of your agency: its progress, then its result and bad rows",
        parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH)],
        responses={200: TipImportJobSerializer, **DETAIL_ERRORS},
    )
    def retrieve(self, request, pk=None):
        return Response(import_job_row(import_job_of(request.user, pk)))
