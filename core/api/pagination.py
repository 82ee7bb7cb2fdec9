from rest_framework import pagination
from rest_framework.exceptions import NotFound, ValidationError

from core.pagination import DeferredJoinPaginator


class PageNumberPagination(pagination.PageNumberPagination):
    django_paginator_class = DeferredJoinPaginator
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_number(self, request, paginator):
        # An empty or non-numeric page is "no such page" (404), as DRF answers for a page past the end,
        # rather than silently page 1.
        raw = request.query_params.get(self.page_query_param)
        if raw is None or raw in self.last_page_strings:
            return raw or 1
        # ASCII digits only: "²" is a digit to str.isdigit() but not to int().
        if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
            raise NotFound(f"Invalid page {raw[:20]!r}: pages are numbered from 1.")
        return raw

    def get_page_size(self, request):
        # DRF ignores a page_size it cannot read and silently serves the default: a client that
        # asked for 500 rows as "5e2" would think it had them all. Say what is wrong instead.
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
            message = f"must be a whole number from 1 to {self.max_page_size}"
            raise ValidationError({self.page_size_query_param: [message]})
        return min(int(raw), self.max_page_size)
