from rest_framework import pagination

from core.paginator import IdsFirstPaginator


class Pagination(pagination.PageNumberPagination):
    """50 rows a page as in the browser; ``page_size`` up to 500."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class IdsFirstPagination(Pagination):
    """For long lists sorted across joined tables (see ``IdsFirstPaginator``)."""

    django_paginator_class = IdsFirstPaginator
