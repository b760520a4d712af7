"""Search results over the API: groups by kind, each hit with its title, display lines and page URL."""

from rest_framework import serializers


class SearchHitSerializer(serializers.Serializer):
    kind = serializers.CharField(source="entry.kind")
    id = serializers.IntegerField(source="entry.object_id")
    title = serializers.CharField(source="entry.title")
    subtitle = serializers.CharField(source="entry.subtitle")
    summary = serializers.CharField(source="entry.summary")
    url = serializers.CharField()
    score = serializers.FloatField()


class SearchGroupSerializer(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()
    results = SearchHitSerializer(source="hits", many=True)


class SearchResultsSerializer(serializers.Serializer):
    query = serializers.CharField()
    terms = serializers.ListField(child=serializers.CharField())
    partial = serializers.BooleanField()
    total = serializers.IntegerField()
    groups = SearchGroupSerializer(many=True)
