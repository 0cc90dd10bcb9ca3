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


_shared: dict[type, Any] = {}


def _shared_instance(serializer_class: type[serializers.BaseSerializer]) -> Any:
    instance = _shared.get(serializer_class)
    if instance is None:  # two threads may both build one: either serves
        instance = _shared.setdefault(serializer_class, serializer_class())
    return instance


def represent(serializer_class: type[serializers.BaseSerializer], instance: Any) -> Any:
    """``serializer_class(instance).data`` without building the serializer's fields per call.

    DRF deep-copies every declared field (and a ModelSerializer introspects its model) each time a
    serializer is instantiated, about a millisecond for the portfolio summary; this renders with
    one instance per class, built on first use, through the same ``to_representation``, so the
    output is DRF's. Only for output serializers whose representation depends on the object alone
    (no ``context``: no request, no hyperlinks).
    """
    return _shared_instance(serializer_class).to_representation(instance)
