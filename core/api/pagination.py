from rest_framework import pagination


class Pagination(pagination.PageNumberPagination):
    """50 rows a page as in the browser; ``page_size`` up to 500."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
