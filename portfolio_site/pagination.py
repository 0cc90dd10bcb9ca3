"""The API's one pagination: ``?page=`` and ``?page_size=`` (50 by default, at most 500).

Strict about what is malformed, lenient about what is merely large: a ``page`` or ``page_size``
that is not a whole number from 1 answers 400 (``validation_error`` naming the parameter), a
``page_size`` above 500 is served as 500, and a ``page`` past the last one answers 404 "Invalid
page.". The schema states the bounds and these answers.
"""

from typing import Any

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination

INVALID_PAGE_MESSAGE = "Invalid page."
WHOLE_NUMBER_MESSAGE = "A whole number from 1."
PAGE_DESCRIPTION = (
    f"Page number, from 1. Not a whole number from 1: 400; past the last page: 404 "
    f"not_found ({INVALID_PAGE_MESSAGE})."
)


class StandardPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    invalid_page_message = INVALID_PAGE_MESSAGE

    def get_page_size(self, request: Any) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        return min(_whole_number(self.page_size_query_param, raw), self.max_page_size)

    def get_page_number(self, request: Any, paginator: Any) -> Any:
        raw = request.query_params.get(self.page_query_param)
        if raw is None:
            return 1
        return _whole_number(self.page_query_param, raw)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": self.page_query_param,
                "required": False,
                "in": "query",
                "description": PAGE_DESCRIPTION,
                "schema": page_schema(),
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": page_size_description(),
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


def page_size_description() -> str:
    size, limit = StandardPagination.page_size, StandardPagination.max_page_size
    return (
        f"Items per page, {size} by default, at most {limit}: a larger size is served as {limit}; "
        f"not a whole number from 1: 400."
    )


def _whole_number(name: str, raw: str) -> int:
    value = raw.strip()
    if not value.isascii() or not value.isdigit() or int(value) < 1:
        raise ValidationError({name: [WHOLE_NUMBER_MESSAGE]})
    return int(value)
