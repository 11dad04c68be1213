"""The filters of the reports' lists, as query parameters. Selectors apply them
(`core.filters.filter_apply`) to what the caller may see; list endpoints name them for the
schema."""

import django_filters

from .models import AccessAction, AccessLog, Action, ActionStatus


class ReportActionFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ActionStatus.choices)
    value = django_filters.CharFilter(field_name="value__code", help_text="A value's code.")
    wave = django_filters.CharFilter(
        field_name="round__label", help_text="The round it was recorded on."
    )

    class Meta:
        model = Action
        fields = ["status", "value", "wave"]


class AccessLogFilter(django_filters.FilterSet):
    action = django_filters.ChoiceFilter(choices=AccessAction.choices)
    username = django_filters.CharFilter(help_text="Exact; a token shows as api-token:<name>.")
    wave = django_filters.CharFilter()

    class Meta:
        model = AccessLog
        fields = ["action", "username", "wave"]


# `from` is a Python keyword, so these two are added by name.
AccessLogFilter.base_filters["from"] = django_filters.DateFilter(
    field_name="created_at", lookup_expr="date__gte", help_text="On or after this day."
)
AccessLogFilter.base_filters["to"] = django_filters.DateFilter(
    field_name="created_at", lookup_expr="date__lte", help_text="On or before this day."
)
