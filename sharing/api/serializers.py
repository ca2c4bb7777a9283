from rest_framework import serializers

from ..models import Tombstone


class TombstoneRowSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=Tombstone.Type.choices)
    id = serializers.IntegerField(help_text="The id of the object that is gone for your agency.")
    removed_at = serializers.DateTimeField()
    reason = serializers.ChoiceField(choices=Tombstone.Reason.choices)
