from rest_framework import serializers

from nqi.accounts.models import Organisation
from nqi.catalog.models import Accreditation, Expert, ServiceItem


class AccreditationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Accreditation
        fields = ["id", "kind", "number", "scope", "valid_until"]


class ProviderSerializer(serializers.ModelSerializer):
    service_lines = serializers.SlugRelatedField(many=True, read_only=True, slug_field="code")
    city_name = serializers.CharField(source="get_city_display", read_only=True)
    accreditations = AccreditationSerializer(many=True, read_only=True)

    class Meta:
        model = Organisation
        fields = ["id", "name", "short_name", "city", "city_name", "service_lines", "description", "contact_phone",
                  "address", "accreditations"]


class ServiceItemSerializer(serializers.ModelSerializer):
    provider_name = serializers.CharField(source="provider.name", read_only=True)
    line_name = serializers.CharField(source="line.name", read_only=True)

    class Meta:
        model = ServiceItem
        fields = ["id", "provider", "provider_name", "line", "line_name", "name", "description", "fee_min", "fee_max",
                  "turnaround_days", "mode", "active"]


class ExpertSerializer(serializers.ModelSerializer):
    lines = serializers.SlugRelatedField(many=True, read_only=True, slug_field="code")
    organisation_name = serializers.CharField(source="organisation.name", read_only=True, default="")
    current_load = serializers.IntegerField(read_only=True)

    class Meta:
        model = Expert
        fields = ["id", "name", "title", "organisation", "organisation_name", "affiliation", "city", "lines", "fields",
                  "available", "max_load", "current_load"]
