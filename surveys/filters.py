"""The filters of the surveys' lists, as query parameters. Selectors apply them
(`core.filters.filter_apply`) to what the caller may see; list endpoints name them for the
schema."""

import django_filters
from django.db.models import Q, QuerySet

from .models import (
    Campaign,
    CampaignKind,
    Employee,
    Perspective,
    Question,
    QuestionType,
    Wave,
    WaveStatus,
)


class CampaignFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=CampaignKind.choices)

    class Meta:
        model = Campaign
        fields = ["kind"]


class WaveFilter(django_filters.FilterSet):
    campaign = django_filters.NumberFilter(
        field_name="campaign_id", help_text="A campaign id.", min_value=1, max_value=2**63 - 1
    )
    status = django_filters.ChoiceFilter(choices=WaveStatus.choices)
    round = django_filters.CharFilter(field_name="round__label", help_text="A round label.")

    class Meta:
        model = Wave
        fields = ["campaign", "status", "round"]


class EmployeeFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", help_text="Part of an email or a name.")
    department = django_filters.CharFilter(field_name="department__name")
    location = django_filters.CharFilter()
    level = django_filters.CharFilter()
    leaving = django_filters.BooleanFilter(
        field_name="leaving_date",
        lookup_expr="isnull",
        exclude=True,
        help_text="true: only leavers; false: only those staying.",
    )

    class Meta:
        model = Employee
        fields = ["q", "department", "location", "level", "leaving"]

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(Q(email__icontains=value) | Q(name__icontains=value))


class QuestionFilter(django_filters.FilterSet):
    value = django_filters.CharFilter(
        field_name="value__code", help_text="Only the questions of this value (its code)."
    )
    general = django_filters.BooleanFilter(
        field_name="value", lookup_expr="isnull", help_text="true: only questions of no value."
    )
    perspective = django_filters.ChoiceFilter(choices=Perspective.choices)
    type = django_filters.ChoiceFilter(choices=QuestionType.choices)

    class Meta:
        model = Question
        fields = ["value", "general", "perspective", "type"]
