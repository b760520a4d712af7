"""Filters of the standards catalog, shared by the list page and the API."""

import django_filters
from django.db.models import Q, Value
from django.db.models.functions import Replace
from django.utils.translation import gettext_lazy as _

from .choices import StandardKind, StandardStatus
from .models import Standard


def listed(field: str, value: str) -> Q:
    """Membership in a ';'-separated list field: exactly one item equal to value."""
    return (Q(**{field: value}) | Q(**{f"{field}__startswith": f"{value};"}) |
            Q(**{f"{field}__endswith": f";{value}"}) | Q(**{f"{field}__contains": f";{value};"}))


class StandardFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("关键词"))
    kind = django_filters.ChoiceFilter(choices=StandardKind.choices, empty_label=_("全部类别"), label=_("类别"))
    status = django_filters.ChoiceFilter(choices=StandardStatus.choices, empty_label=_("全部状态"), label=_("状态"))
    line = django_filters.CharFilter(method="by_line", label=_("服务类别"))
    product = django_filters.CharFilter(method="by_product", label=_("适用产品"))
    test_item = django_filters.CharFilter(method="by_test_item", label=_("检验项目"))

    class Meta:
        model = Standard
        fields = ["q", "kind", "status", "line", "product", "test_item"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        # People type 'GB7718' as often as 'GB 7718'; compare numbers with and without the space.
        compact = value.replace(" ", "")
        queryset = queryset.annotate(number_compact=Replace("number", Value(" "), Value("")))
        return queryset.filter(
            Q(number__icontains=value) | Q(number_compact__icontains=compact) | Q(title__icontains=value) |
            Q(title_en__icontains=value) | Q(keywords__icontains=value) | Q(product_categories__icontains=value) |
            Q(test_items__icontains=value))

    def by_line(self, queryset, name, value):
        return queryset.filter(service_lines__code=value.strip()).distinct() if value.strip() else queryset

    def by_product(self, queryset, name, value):
        return queryset.filter(listed("product_categories", value.strip())) if value.strip() else queryset

    def by_test_item(self, queryset, name, value):
        return queryset.filter(listed("test_items", value.strip())) if value.strip() else queryset
