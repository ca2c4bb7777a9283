"""Finished products: a bulletin, assessment, target package or report written in portions.

A product IS an intelligence item (kind bulletin or report): it is shared, listed, read and
logged through the item's own share and permission rows (sharing.permissions), so every path
that reads items reads products. The item carries the product's title and its overall marking
(the most restrictive of its portions); its body stays empty, so that nothing of a portion reaches
a reader through the item's text or its search vector. The portions' text is read through
products.tearline only, which withholds what the reader's agency may not receive.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from agencies.models import Agency, FusionCenter
from cases.models import IntelligenceItem
from core.handling import TLP, TLP_ORDER, least_restrictive, most_restrictive  # noqa: F401


class Product(models.Model):
    class Type(models.TextChoices):
        BULLETIN = "bulletin", "Intelligence bulletin"
        ASSESSMENT = "assessment", "Assessment"
        TARGET_PACKAGE = "target_package", "Target package"
        REPORT = "report", "Report"

    item = models.OneToOneField(
        IntelligenceItem, on_delete=models.CASCADE, primary_key=True, related_name="product"
    )
    type = models.CharField(max_length=20, choices=Type.choices)

    def __str__(self):
        return f"{self.get_type_display()} #{self.item_id}"


class Portion(models.Model):
    """One section of a product with its own marking and releasability: US only (no foreign
    partner named) or REL TO the named foreign partners."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="portions")
    position = models.PositiveIntegerField()
    heading = models.CharField(max_length=200, blank=True)
    text = models.TextField()
    tlp = models.CharField("TLP", max_length=12, choices=TLP.choices, default=TLP.AMBER)
    les = models.BooleanField("LES", default=False)
    criminal_intelligence = models.BooleanField("criminal intelligence", default=False)
    rel_to = models.ManyToManyField(
        Agency, blank=True, related_name="released_portions",
        limit_choices_to={"foreign_partner": True}, verbose_name="REL TO",
    )

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["product", "position"], name="portion_position_unique"),
            models.CheckConstraint(condition=models.Q(tlp__in=TLP.values), name="portion_tlp_valid"),
        ]

    def __str__(self):
        return f"Portion {self.position} of {self.product_id}"


class Release(models.Model):
    """The version one agency was given at a publication: which portions it held and which were
    withheld (with the notice it got)."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="releases")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField(default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    distribution_list = models.ForeignKey(
        "DistributionList", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    held = models.JSONField(default=list)
    withheld = models.JSONField(default=list)

    class Meta:
        indexes = [models.Index(fields=["product", "agency", "-published_at"], name="release_agency")]

    def __str__(self):
        return f"Release of product {self.product_id} to agency {self.agency_id}"


class DistributionList(models.Model):
    """A center's list of recipients: all its member agencies, or named agencies (members,
    partner systems' agencies, foreign partners)."""

    center = models.ForeignKey(FusionCenter, on_delete=models.CASCADE, related_name="distribution_lists")
    name = models.CharField(max_length=200)
    all_members = models.BooleanField("all active member agencies", default=False)
    agencies = models.ManyToManyField(Agency, blank=True, related_name="+")

    class Meta:
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["center", "name"], name="list_name_unique")]

    def __str__(self):
        return f"{self.center.short_name}: {self.name}"
