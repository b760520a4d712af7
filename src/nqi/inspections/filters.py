"""List filters for sampling records (the pages and the API share them)."""

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nqi.core.choices import City

from .choices import Conclusion, Escalation, FollowUpStatus, PlanKind, RecordStatus, Stage
from .deadlines import overdue_corrections
from .models import FollowUp, SamplingRecord

CONCLUSION_FILTER = [(Conclusion.PASS, Conclusion.PASS.label), (Conclusion.FAIL, Conclusion.FAIL.label),
                     ("pending", Conclusion.PENDING.label)]


class SamplingRecordFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("关键词"))
    plan = django_filters.NumberFilter(field_name="plan_id", label=_("计划"))
    plan_kind = django_filters.ChoiceFilter(choices=PlanKind.choices, empty_label=_("全部抽查类型"), label=_("抽查类型"))
    city = django_filters.ChoiceFilter(choices=City.choices, empty_label=_("全部地市"), label=_("地市"))
    stage = django_filters.ChoiceFilter(choices=Stage.choices, empty_label=_("全部环节"), label=_("环节"))
    status = django_filters.ChoiceFilter(choices=RecordStatus.choices, empty_label=_("全部状态"), label=_("状态"))
    conclusion = django_filters.ChoiceFilter(choices=CONCLUSION_FILTER, empty_label=_("全部结论"), method="by_conclusion",
                                             label=_("结论"))
    product_category = django_filters.CharFilter(field_name="product_category", label=_("产品类别"))
    sampled_after = django_filters.DateFilter(field_name="sampling_date", lookup_expr="gte", label=_("抽样起"))
    sampled_before = django_filters.DateFilter(field_name="sampling_date", lookup_expr="lte", label=_("抽样止"))
    published = django_filters.BooleanFilter(field_name="published", label=_("已公布"))

    class Meta:
        model = SamplingRecord
        fields = ["plan", "plan_kind", "city", "stage", "status", "product_category", "published"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(number__icontains=value) | Q(product_name__icontains=value) |
                               Q(manufacturer_name__icontains=value) | Q(sampled_unit_name__icontains=value) |
                               Q(manufacturer_uscc=value.upper()) | Q(batch_no__icontains=value))

    def by_conclusion(self, queryset, name, value):
        return queryset.filter(conclusion="" if value == "pending" else value)


class FollowUpFilter(django_filters.FilterSet):
    """The follow-ups of failures (不合格后处理) list: what to recheck, what is overdue, what was escalated."""

    q = django_filters.CharFilter(method="search", label=_("关键词"))
    status = django_filters.ChoiceFilter(choices=FollowUpStatus.choices, empty_label=_("全部状态"), label=_("状态"))
    city = django_filters.ChoiceFilter(choices=City.choices, empty_label=_("全部地市"), label=_("地市"))
    escalation = django_filters.ChoiceFilter(choices=Escalation.choices, empty_label=_("全部处置"), label=_("升级处置"))
    overdue = django_filters.ChoiceFilter(choices=[("1", _("整改逾期"))], empty_label=_("全部期限"), method="by_overdue",
                                          label=_("期限"))

    class Meta:
        model = FollowUp
        fields = ["status", "city", "escalation", "onsite_required"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(enterprise_name__icontains=value) | Q(record__number__icontains=value) |
                               Q(record__product_name__icontains=value))

    def by_overdue(self, queryset, name, value):
        return overdue_corrections(queryset, timezone.localdate())
