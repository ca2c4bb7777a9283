"""A response to an RFI answers its request, whichever way it was written (the item page, the
API, a command): every one of them creates it through cases.services.item_create, in its
transaction."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from cases.models import IntelligenceItem

from .services import rfi_answered


@receiver(post_save, sender=IntelligenceItem, dispatch_uid="work-rfi-answered")
def _response_answers_its_rfi(sender, instance, created, raw=False, **kwargs):
    if raw or not created or instance.kind != IntelligenceItem.Kind.RFI_RESPONSE:
        return
    rfi_answered(response=instance)
