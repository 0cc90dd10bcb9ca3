"""Serializer base classes shared by the apps' APIs."""

from __future__ import annotations

import inspect
from typing import Any

from drf_spectacular.extensions import OpenApiSerializerExtension
from rest_framework import serializers


class RejectUnknownFieldsMixin:
    """Refuse request bodies with fields the serializer does not declare (typos, mass assignment).

    Read-only fields count as unknown in input: clients cannot set owner, ids or computed values.
    """

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            writable = {
                name
                for name, field in self.fields.items()  # type: ignore[attr-defined]
                if not field.read_only
            }
            unknown = sorted(set(data) - writable)
            if unknown:
                raise serializers.ValidationError(
                    {name: ["Unknown or read-only field."] for name in unknown}
                )
        return super().to_internal_value(data)  # type: ignore[misc]


class StrictSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    pass


class StrictModelSerializer(RejectUnknownFieldsMixin, serializers.ModelSerializer):
    pass


class ClosedRequestBodies(OpenApiSerializerExtension):
    """In the OpenAPI schema, the request body of a strict serializer is closed
    (``additionalProperties: false``): any field it does not list is refused with a 400."""

    target_class = RejectUnknownFieldsMixin
    match_subclasses = True

    def map_serializer(self, auto_schema: Any, direction: Any) -> Any:
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        # A serializer without a docstring of its own would be described by this mixin's.
        if schema.get("description") == inspect.getdoc(RejectUnknownFieldsMixin):
            del schema["description"]
        if direction == "request":
            schema["additionalProperties"] = False
        return schema
