from rest_framework import serializers

from nqi.accounts.models import Organisation, User


class OrganisationSerializer(serializers.ModelSerializer):
    city_name = serializers.CharField(source="get_city_display", read_only=True)

    class Meta:
        model = Organisation
        fields = ["id", "kind", "name", "short_name", "credit_code", "city", "city_name", "county", "industry", "size",
                  "regulator_level", "status"]


class MeSerializer(serializers.ModelSerializer):
    organisation = OrganisationSerializer(read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "full_name", "email", "role", "organisation"]
