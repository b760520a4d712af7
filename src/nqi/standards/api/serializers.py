"""Read-only representation of a standard for the API: its status, editions and links."""

from rest_framework import serializers

from nqi.standards.models import Standard


class StandardRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Standard
        fields = ["id", "number", "title", "status"]


class StandardSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    replaced_by = StandardRefSerializer(read_only=True)
    replaces = StandardRefSerializer(many=True, read_only=True)
    service_lines = serializers.SlugRelatedField(many=True, read_only=True, slug_field="code")
    product_categories = serializers.ListField(source="product_list", child=serializers.CharField(), read_only=True)
    test_items = serializers.ListField(source="test_item_list", child=serializers.CharField(), read_only=True)
    keywords = serializers.SerializerMethodField()

    class Meta:
        model = Standard
        fields = ["id", "number", "title", "title_en", "kind", "kind_display", "status", "status_display", "issued",
                  "effective", "replaced_by", "replaces", "service_lines", "product_categories", "test_items",
                  "keywords"]

    def get_keywords(self, obj) -> list[str]:
        return obj.keyword_list
