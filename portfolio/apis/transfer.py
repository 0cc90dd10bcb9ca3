"""A portfolio's transaction import (CSV or JSON, all or nothing) and export (CSV or JSON)."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from portfolio import services, transfer
from portfolio.apis.schema import IDEMPOTENCY_HEADER, NOT_FOUND
from portfolio.idempotency import idempotent
from portfolio.serializers import ImportResultSerializer, ImportUploadSerializer
from portfolio_site.errors import DomainError
from portfolio_site.json_input import JSONParser
from portfolio_site.openapi import error_response

_IMPORT_ROWS = {
    "type": "array",
    "minItems": 1,
    "maxItems": transfer.MAX_IMPORT_ROWS,
    "items": {
        "type": "object",
        "additionalProperties": True,
        "description": "A transaction, as in an export (keys it does not know are ignored).",
    },
}
IMPORT_JSON_BODY = {
    "description": (
        'An export of this API ({"transactions": [...]}; its other keys are ignored) or a bare '
        f"list of transactions; 1 to {transfer.MAX_IMPORT_ROWS:,} of them, else 400."
    ),
    "oneOf": [
        {
            "type": "object",
            "properties": {"transactions": _IMPORT_ROWS},
            "required": ["transactions"],
            "additionalProperties": True,
        },
        _IMPORT_ROWS,
    ],
}


class CsvRenderer(BaseRenderer):
    """Lets ``?format=csv`` through content negotiation; the export view writes the body itself."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        return data if isinstance(data, bytes) else str(data).encode()


class PortfolioTransferMixin(viewsets.GenericViewSet):
    # Mixed into PortfolioViewSet, whose get_object finds the caller's portfolio (no docstring:
    # drf-spectacular would publish it as the description of every portfolio operation).

    @property
    def throttle_scope(self) -> str:
        return "import" if getattr(self, "action", None) == "import_file" else "portfolio_read"

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        if not force and getattr(self, "action", None) in ("export", "closed_positions"):
            chosen = request.query_params.get("format", "json")
            if chosen not in ("csv", "json"):
                raise DomainError(
                    f"Unknown export format {chosen!r}; use csv or json.",
                    code="invalid_format",
                    fields={"format": ["Use csv or json."]},
                )
        return super().perform_content_negotiation(request, force)

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        """An error of ``/export/?format=csv`` is the JSON error body, not its repr as text/csv."""
        response = super().finalize_response(request, response, *args, **kwargs)
        if (
            isinstance(response, Response)
            and response.status_code >= 400
            and isinstance(response.accepted_renderer, CsvRenderer)
        ):
            response.accepted_renderer = JSONRenderer()
            response.accepted_media_type = JSONRenderer.media_type
        return response

    @extend_schema(
        summary="Import transactions (CSV or JSON), all or nothing",
        description=(
            "Multipart `file` (CSV or JSON export) or a JSON body (an export document or a list "
            "of transactions). Any bad row: 422 `import_rejected` listing every bad row with its "
            "number (CSV line, header = 1) and reason; nothing is written. `?dry_run=1` only "
            "validates. Rows already present (same external_id, or same content when it has "
            "none) are skipped, so importing a file twice adds nothing."
        ),
        parameters=[
            IDEMPOTENCY_HEADER,
            OpenApiParameter("dry_run", OpenApiTypes.BOOL, default=False),
        ],
        request={
            "multipart/form-data": ImportUploadSerializer,
            "application/json": IMPORT_JSON_BODY,
        },
        responses={
            200: ImportResultSerializer,
            201: ImportResultSerializer,
            400: error_response(
                "The file cannot be read.", code="invalid_file", message="The header lacks date."
            ),
            404: NOT_FOUND,
            413: error_response(
                f"The file is larger than {transfer.MAX_IMPORT_BYTES // (1024 * 1024)} MB.",
                code="file_too_large",
                message="The file is too large.",
            ),
            422: error_response(
                "Some rows are bad; nothing was written.",
                code="import_rejected",
                message="3 of 50 rows cannot be imported; nothing was written.",
                fields={
                    "errors": [
                        {"row": 7, "code": "unknown_symbol", "message": "Unknown symbol 'XYZ'."},
                        {
                            "row": 19,
                            "code": "oversell",
                            "message": "cannot sell 500 shares; only 300 held on that date",
                        },
                    ]
                },
            ),
        },
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="import",
        parser_classes=[MultiPartParser, JSONParser],
    )
    @idempotent
    def import_file(self, request: Request, pk: str) -> Response:
        portfolio = self.get_object()
        dry_run = request.query_params.get("dry_run", "").lower() in ("1", "true", "yes")
        parsed = self._parse_import(request)
        result = services.transactions_import(
            portfolio=portfolio, rows=parsed.rows, parse_errors=parsed.errors, dry_run=dry_run
        )
        body = ImportResultSerializer(
            {
                "dry_run": result.dry_run,
                "rows": result.rows,
                "created": result.created,
                "skipped": result.skipped,
                "ignored_columns": parsed.ignored_columns,
            }
        ).data
        created = not dry_run and result.created > 0
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @staticmethod
    def _parse_import(request: Request) -> transfer.ParsedFile:
        upload = request.FILES.get("file") if request.FILES else None
        if upload is not None:
            extra = sorted(set(request.data) - {"file"})
            if extra:
                raise DomainError(
                    f"Unknown fields: {', '.join(extra)}.",
                    code="invalid",
                    fields={name: ["Unknown field."] for name in extra},
                )
            if upload.size and upload.size > transfer.MAX_IMPORT_BYTES:
                raise DomainError("The file is too large.", code="file_too_large", status=413)
            return transfer.parse_upload(
                data=upload.read(),
                filename=upload.name or "",
                content_type=upload.content_type or "",
            )
        if request.content_type.startswith("application/json"):
            return transfer.parse_json(request.data)
        raise DomainError(
            "Send a multipart `file` (CSV or JSON) or a JSON body.",
            code="invalid",
            fields={"file": ["No file was submitted."]},
        )

    @extend_schema(
        summary="Export transactions as CSV or JSON",
        parameters=[
            OpenApiParameter("format", OpenApiTypes.STR, enum=["csv", "json"], default="json")
        ],
        responses={
            (200, "application/json"): OpenApiTypes.OBJECT,
            (200, "text/csv"): OpenApiTypes.STR,
            400: error_response(
                "Unknown format.", code="invalid_format", message="Unknown export format 'xml'."
            ),
            404: NOT_FOUND,
        },
    )
    @action(detail=True, methods=["get"], renderer_classes=[JSONRenderer, CsvRenderer])
    def export(self, request: Request, pk: str) -> HttpResponse:
        portfolio = self.get_object()
        if request.query_params.get("format", "json") == "csv":
            response = HttpResponse(
                transfer.export_csv(portfolio=portfolio), content_type="text/csv; charset=utf-8"
            )
            name = transfer.export_filename(portfolio, "csv")
        else:
            response = Response(transfer.export_json(portfolio=portfolio))
            name = transfer.export_filename(portfolio, "json")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
