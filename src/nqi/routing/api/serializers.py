"""Input checks of the routing API (the answers are the plain routing contract dicts)."""

from rest_framework import serializers


class StrictTextField(serializers.CharField):
    """A string and nothing else: DRF's CharField would turn 123 or true into text."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            raise serializers.ValidationError("text 必须是字符串")
        return super().to_internal_value(data)


class SuggestInputSerializer(serializers.Serializer):
    text = StrictTextField(max_length=5000, allow_blank=False, trim_whitespace=True,
                           error_messages={"required": "请提供 text", "blank": "text 不能为空",
                                           "null": "text 不能为空", "max_length": "text 不能超过5000字"})
    city = serializers.CharField(required=False, allow_blank=True, max_length=6)
    top_k = serializers.IntegerField(required=False, min_value=1, max_value=20, default=5)


class CapabilityInputSerializer(serializers.Serializer):
    item = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")
    product = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")
    standard = serializers.CharField(required=False, allow_blank=True, max_length=60, default="")
    limit = serializers.IntegerField(required=False, min_value=1, max_value=100, default=20)

    def validate(self, attrs):
        if not any(attrs.get(name, "").strip() for name in ("item", "product", "standard")):
            raise serializers.ValidationError("请至少提供 item、product 或 standard 之一")
        return attrs
