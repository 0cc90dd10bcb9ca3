"""The API's one pagination: ``?page=`` and ``?page_size=`` (50 by default, at most 500).

Out of range, DRF's paginator is lenient about the size and strict about the page: a ``page_size``
above 500 is served as 500, one below 1 or not a whole number as the default; a ``page`` below 1
or past the last page answers 404 "Invalid page.". The schema states the bounds and these answers
(the market lists, which check their query first, answer 400 for either below 1 instead).
"""

from typing import Any

from rest_framework.pagination import PageNumberPagination

INVALID_PAGE_MESSAGE = "Invalid page."


class StandardPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    invalid_page_message = INVALID_PAGE_MESSAGE

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": self.page_query_param,
                "required": False,
                "in": "query",
                "description": (
                    f"Page number, from 1. Below 1 or past the last page: 404 not_found "
                    f"({INVALID_PAGE_MESSAGE})."
                ),
                "schema": page_schema(),
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": (
                    f"Items per page, {self.page_size} by default, at most {self.max_page_size}: "
                    f"a larger size is served as {self.max_page_size}; below 1 or not a whole "
                    f"number, the default applies."
                ),
                "schema": page_size_schema(),
            },
        ]


def page_schema() -> dict[str, Any]:
    return {"type": "integer", "minimum": 1}


def page_size_schema() -> dict[str, Any]:
    return {
        "type": "integer",
        "minimum": 1,
        "maximum": StandardPagination.max_page_size,
        "default": StandardPagination.page_size,
    }
