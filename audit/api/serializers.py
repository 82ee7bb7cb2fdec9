from rest_framework import serializers

from audit.models import Entry


class EntrySerializer(serializers.ModelSerializer):
    before = serializers.JSONField(allow_null=True, read_only=True)
    after = serializers.JSONField(allow_null=True, read_only=True)

    class Meta:
        model = Entry
        fields = [
            "id",
            "at",
            "kind",
            "actor",
            "actor_id",
            "table",
            "object_pk",
            "before",
            "after",
            "ip",
            "user_agent",
            "request_id",
            "reason",
        ]
        read_only_fields = fields
