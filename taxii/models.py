"""What the TAXII server keeps: the status of each POST of objects, and which STIX report became
which item (so that a partner's second POST of the same report writes nothing new)."""

import uuid

from django.db import models
from django.utils import timezone

from agencies.models import Agency, ApiKey
from cases.models import IntelligenceItem


class ImportStatus(models.Model):
    """A TAXII 2.1 status resource (section 4.3.1): what became of each object of one POST.
    Imports run in the request, so a status is complete when it is created."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    api_key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="+")
    request_timestamp = models.DateTimeField(default=timezone.now)
    successes = models.JSONField(default=list)
    failures = models.JSONField(default=list)

    class Meta:
        verbose_name_plural = "import statuses"

    def __str__(self):
        return f"Import {self.id}"


class ImportedObject(models.Model):
    """A STIX object that an agency's key imported, and the item it became."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    stix_id = models.CharField(max_length=100)
    version = models.CharField(max_length=40)
    item = models.ForeignKey(IntelligenceItem, on_delete=models.CASCADE, related_name="+")
    imported_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agency", "stix_id"], name="taxii_import_once"),
        ]

    def __str__(self):
        return f"{self.stix_id} → item {self.item_id}"
