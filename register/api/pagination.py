from rest_framework import pagination

from register.pagination import DeferredJoinPaginator


class PageNumberPagination(pagination.PageNumberPagination):
    django_paginator_class = DeferredJoinPaginator
    page_size_query_param = "page_size"
    max_page_size = 200
