"""Filtering a list by query parameters, for the selectors of every app: a FilterSet applied to
a queryset the caller may already see, and a bad value as one error the API answers with 400."""

from collections.abc import Mapping
from typing import Any

import django_filters
from django.db.models import QuerySet


class FilterInvalid(Exception):
    """A filter value could not be read (`?kind=foo`, `?from=yesterday`); nothing was listed."""

    def __init__(self, errors: Mapping[str, Any]) -> None:
        super().__init__("; ".join(f"{name}: {problem}" for name, problem in errors.items()))
        self.errors = errors


def filter_apply(
    filterset_class: type[django_filters.FilterSet],
    queryset: QuerySet,
    filters: Mapping[str, Any] | None,
) -> QuerySet:
    """`queryset` narrowed by `filters` (query parameters); unchanged when there are none."""
    if not filters:
        return queryset
    filterset = filterset_class(filters, queryset=queryset)
    if not filterset.is_valid():
        raise FilterInvalid(filterset.errors)
    return filterset.qs
