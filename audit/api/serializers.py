from rest_framework import serializers

from audit import presentation
from audit.models import Entry


class EntrySerializer(serializers.ModelSerializer):
    before = serializers.JSONField(allow_null=True, read_only=True)
    after = serializers.JSONField(allow_null=True, read_only=True)

    class Meta:
        model = Entry
        fields = list(presentation.EXPORT_FIELDS)
        read_only_fields = fields
