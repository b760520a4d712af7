import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nqi.core.choices import City

from .choices import RequestKind, RequestStatus, Urgency
from .models import ServiceRequest


class ServiceRequestFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("关键词"))
    status = django_filters.MultipleChoiceFilter(choices=RequestStatus.choices, label=_("状态"))
    kind = django_filters.ChoiceFilter(choices=RequestKind.choices, empty_label=_("全部类型"), label=_("类型"))
    urgency = django_filters.ChoiceFilter(choices=Urgency.choices, empty_label=_("全部紧急程度"), label=_("紧急程度"))
    city = django_filters.ChoiceFilter(choices=City.choices, empty_label=_("全部地市"), label=_("地市"))
    line = django_filters.CharFilter(field_name="line_id", label=_("服务类别"))
    submitted_after = django_filters.DateFilter(field_name="submitted_at", lookup_expr="date__gte", label=_("提交起"))
    submitted_before = django_filters.DateFilter(field_name="submitted_at", lookup_expr="date__lte", label=_("提交止"))
    due = django_filters.ChoiceFilter(choices=[("overdue", _("已超期")), ("soon", _("即将到期"))], method="by_due",
                                      empty_label=_("全部期限"), label=_("期限"))

    class Meta:
        model = ServiceRequest
        fields = ["status", "kind", "urgency", "city", "line", "provider", "enterprise"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(number__icontains=value) | Q(title__icontains=value) |
                               Q(product__icontains=value) | Q(enterprise__name__icontains=value))

    def by_due(self, queryset, name, value):
        from .deadlines import due_soon, overdue

        now = timezone.now()
        return overdue(queryset, now) if value == "overdue" else due_soon(queryset, now)
