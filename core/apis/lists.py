"""List endpoints, one way: a selector filters what the caller may see (with a FilterSet, from
the query parameters), and `paginated` answers with one page of it in the paginated envelope.

Apart from `core.apis.base` because DRF imports that module while it reads its settings, before
its views can be imported."""

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from rest_framework import serializers
from rest_framework.filters import BaseFilterBackend
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .base import StandardPagination


def paginated(
    request: Request,
    queryset: QuerySet | list,
    serializer_class: type[serializers.BaseSerializer],
    *,
    context: dict | Callable[[list], dict] | None = None,
) -> Response:
    """The one way a list endpoint answers: a page of `queryset` (`?page=`, `?page_size=`) in
    the paginated envelope. `context` may be a function of the page, for figures read once
    per page rather than once per item."""
    paginator = StandardPagination()
    page = paginator.paginate_queryset(queryset, request)
    if callable(context):
        context = context(page)
    return paginator.get_paginated_response(
        serializer_class(page, many=True, context=context or {}).data
    )


class SelectorFilters(BaseFilterBackend):
    """Names a list endpoint's FilterSet (its `filterset_class`) for the schema. The endpoint's
    selector applies it (`core.filters.filter_apply`), to what the caller may see."""

    def filter_queryset(self, request: Request, queryset: QuerySet, view: Any) -> QuerySet:
        return queryset


class SelectorFiltersScheme(DjangoFilterExtension):
    """Documents the FilterSet named by `SelectorFilters` from the FilterSet's own model, as
    drf-spectacular documents one used by django-filter's backend."""

    target_class = SelectorFilters

    def get_schema_operation_parameters(self, auto_schema: Any, *args: Any, **kwargs: Any) -> list:
        filterset_class = getattr(auto_schema.view, "filterset_class", None)
        if filterset_class is None:
            return []
        model = filterset_class._meta.model
        result: list = []
        for name, field in filterset_class.base_filters.items():
            result += self.resolve_filter_field(auto_schema, model, filterset_class, name, field)
        return result


class ListApi(APIView):
    """An endpoint whose GET is a list: paginated by `paginated`, filtered by its selector with
    the FilterSet named in `filterset_class` (if any). These attributes document both."""

    pagination_class = StandardPagination
    filter_backends = [SelectorFilters]
