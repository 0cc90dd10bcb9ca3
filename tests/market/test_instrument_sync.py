"""Instrument sync: upsert from the provider, group memberships, bad records, idempotency."""

from __future__ import annotations

from typing import Any

import pytest

from market.models import Instrument, InstrumentGroup
from market.providers.simulated import SimulatedProvider
from market.services import instrument_sync
from tests.market.builders import info

pytestmark = pytest.mark.django_db


def memberships() -> set[tuple[str, str]]:
    return set(
        Instrument.groups.through.objects.values_list("instrument__symbol", "instrumentgroup__code")
    )


def rows() -> list[tuple[Any, ...]]:
    return list(
        Instrument.objects.order_by("symbol").values_list(
            "symbol", "exchange", "type", "name", "name_en", "industry", "is_active", "updated_at"
        )
    )


def test_sync_creates_instruments_and_groups_from_the_provider() -> None:
    # when the simulated provider's list is synced
    result = instrument_sync(provider=SimulatedProvider())
    # then every instrument exists, VN30 has 30 members and the indices are there
    assert result.created == Instrument.objects.count() > 30
    assert Instrument.objects.filter(groups__code="VN30").count() == 30
    assert set(Instrument.objects.filter(type="index").values_list("symbol", flat=True)) >= {
        "VNINDEX"
    }


def test_syncing_twice_changes_nothing() -> None:
    provider = SimulatedProvider()
    instrument_sync(provider=provider)
    before, groups = rows(), memberships()
    # when the same list is synced again
    result = instrument_sync(provider=provider)
    # then nothing is written (not even updated_at)
    assert (result.created, result.updated, result.unchanged) == (0, 0, len(before))
    assert rows() == before
    assert memberships() == groups


def test_group_changes_replace_the_members_of_the_groups_mentioned() -> None:
    # given FPT and VNM in VN30, SHS in HNX30
    instrument_sync(infos=[info("FPT", groups=("VN30",)), info("VNM", groups=("VN30",)), info("SHS", exchange="HNX", groups=("HNX30",))])  # fmt: skip
    # when VN30 is rebalanced (VNM out, HPG in) and the source says nothing about HNX30
    result = instrument_sync(infos=[info("FPT", groups=("VN30",)), info("VNM"), info("HPG", groups=("VN30",))])  # fmt: skip
    # then VN30 is FPT + HPG, HNX30 keeps SHS
    assert memberships() == {("FPT", "VN30"), ("HPG", "VN30"), ("SHS", "HNX30")}
    assert (result.memberships_added, result.memberships_removed) == (1, 1)


def test_an_admins_choices_and_known_names_are_kept() -> None:
    instrument_sync(infos=[info("FPT", name="FPT Corp", industry="Technology")])
    Instrument.objects.filter(symbol="FPT").update(is_active=False)
    # when the source sends FPT again with an empty industry and a new name
    result = instrument_sync(infos=[info("FPT", name="Công ty CP FPT", industry="")])
    # then the name changes, the industry is kept and the instrument stays inactive
    fpt = Instrument.objects.get(symbol="FPT")
    assert (fpt.name, fpt.industry, fpt.is_active) == ("Công ty CP FPT", "Technology", False)
    assert result.updated == 1


def test_bad_records_are_rejected_and_counted() -> None:
    result = instrument_sync(
        infos=[info("FPT"), info("fp t"), info("VNM", exchange="NYSE"), info("HPG", type="bond")]
    )
    assert (result.created, result.rejected) == (1, 3)
    assert set(result.rejections) == {"fp t", "VNM", "HPG"}
    assert list(Instrument.objects.values_list("symbol", flat=True)) == ["FPT"]
    assert not InstrumentGroup.objects.exists()


def test_sync_fills_the_short_name_and_the_folded_search_text() -> None:
    # given VNM from a source without short names, and DGC with one
    instrument_sync(
        infos=[
            info("VNM", name="Công ty CP Sữa Việt Nam"),
            info("DGC", name="Công ty CP Tập đoàn Hóa chất Đức Giang", short_name="Đức Giang"),
        ]
    )
    vnm, dgc = Instrument.objects.get(symbol="VNM"), Instrument.objects.get(symbol="DGC")
    # then the known brand fills VNM's short name, and both search texts are folded
    assert vnm.short_name == "Vinamilk"
    assert vnm.search_text == "vnm | vinamilk | cong ty cp sua viet nam | vnm corporation"
    assert dgc.search_text.startswith("dgc | duc giang | cong ty cp tap doan hoa chat duc giang")
    # when the source renames VNM, the search text follows
    instrument_sync(infos=[info("VNM", name="Công ty Cổ phần Sữa Việt Nam")])
    assert "cong ty co phan sua viet nam" in Instrument.objects.get(symbol="VNM").search_text
