"""The orjson renderer writes the bytes DRF's JSONRenderer wrote (portfolio_site/json_output.py)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time
from decimal import Decimal

import pytest
from django.test import override_settings
from django.utils.translation import gettext_lazy
from hypothesis import given
from hypothesis import strategies as st
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.serializer_helpers import ReturnDict, ReturnList

from portfolio_site.json_output import ORJSONRenderer

SAMPLES = [
    None,
    {"price": Decimal("25300"), "value": Decimal("-1.50")},
    {"as_of": datetime(2026, 12, 7, 4, 5, 6, 123456, tzinfo=UTC), "day": date(2026, 12, 7)},
    {"at": time(9, 15, 0, 500000), "id": uuid.UUID(int=7)},
    {"message": gettext_lazy("This field is required.")},
    ReturnDict(
        {"rows": ReturnList([{"a": 1}, {"b": [True, None, 1.5]}], serializer=None)}, serializer=None
    ),
    {"text": "Cổ phiếu \u2028 line \u2029 para </script>"},
    [1, -2, 10**18, "x", 0.1],
]


@pytest.mark.parametrize("data", SAMPLES)
def test_same_bytes_as_drf(data: object) -> None:
    assert ORJSONRenderer().render(data) == JSONRenderer().render(data)


@override_settings(REST_FRAMEWORK={"COERCE_DECIMAL_TO_STRING": False})
def test_decimals_follow_drf_settings() -> None:
    data = {"x": Decimal("1.25")}
    assert ORJSONRenderer().render(data) == JSONRenderer().render(data)


def test_indent_requested_falls_back_to_drf() -> None:
    data = {"a": [1, 2]}
    media = "application/json; indent=2"
    assert ORJSONRenderer().render(data, media) == JSONRenderer().render(data, media)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text()
    | st.decimals(allow_nan=False, allow_infinity=False, places=2),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)  # fmt: skip


@given(json_values)
def test_any_document_renders_as_drf_does(data: object) -> None:
    assert ORJSONRenderer().render(data) == JSONRenderer().render(data)
