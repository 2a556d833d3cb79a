"""Top-line decoding: LLFC records by effective date and LLFC → DUoS tariff by year."""

from __future__ import annotations

import datetime as dt

import pytest

from engine.reference import ReferenceData
from engine.site.lookup import load_lookup_tables
from engine.site.topline import LlfcTariff, TopLineCatalogue, expand_llfc_list


@pytest.fixture(scope="module")
def catalogue(ref: ReferenceData) -> TopLineCatalogue:
    return load_lookup_tables(ref).topline


@pytest.mark.parametrize(
    ("cell", "llfcs"),
    [
        ("1, 2, 110, L41", ["001", "002", "110", "L41"]),
        ("100-103", ["100", "101", "102", "103"]),
        ("1-2, 909", ["001", "002", "909"]),
        ("964965", ["964", "965"]),  # LOND 2023/24 cell with a lost separator
        ("", []),
        (float("nan"), []),
    ],
)
def test_expand_llfc_list(cell: object, llfcs: list[str]) -> None:
    assert list(expand_llfc_list(cell)) == llfcs


def test_profile_classes(catalogue: TopLineCatalogue) -> None:
    assert catalogue.profile_classes["01"] == "Domestic Unrestricted"
    assert catalogue.profile_classes["08"] == "Non-domestic, MD, load factor 40%+"
    assert catalogue.profile_classes["00"].startswith("Half-hourly")
    assert sorted(catalogue.profile_classes) == [f"{i:02d}" for i in range(9)]


def test_mtc(catalogue: TopLineCatalogue) -> None:
    assert catalogue.mtcs["845"].description == "HH COP5 And Above With Comms"
    assert catalogue.mtcs["001"].description == ""  # distributor-specific
    assert "159" not in catalogue.mtcs


def test_llfc_zero_padding(catalogue: TopLineCatalogue) -> None:
    # MDD writes LOND's LLFC "1"; the top line carries "001".
    record = catalogue.llfc_record("12", "001", dt.date(2025, 6, 1))
    assert record is not None
    assert record.description == "Domestic Aggregated w/Residual"


def test_llfc_by_effective_date(catalogue: TopLineCatalogue) -> None:
    # EELC LLFC 100: "Unmetered Supplies A" 1996-04-01..2026-06-21, "DO NOT USE" from 2026-06-22.
    before = catalogue.llfc_record("10", "100", dt.date(2026, 6, 21))
    after = catalogue.llfc_record("10", "100", dt.date(2026, 6, 22))
    assert before is not None
    assert before.description == "Unmetered Supplies A"
    assert after is not None
    assert after.description == "DO NOT USE"


def test_expired_llfc_returns_latest_record(catalogue: TopLineCatalogue) -> None:
    # LOND 965 "Small Non Domestic Off Peak" ended 2019-04-30.
    record = catalogue.llfc_record("12", "965", dt.date(2025, 1, 1))
    assert record is not None
    assert not record.effective_on(dt.date(2025, 1, 1))
    assert record.effective_to == dt.date(2019, 4, 30)


def test_unknown_llfc(catalogue: TopLineCatalogue) -> None:
    assert catalogue.llfc_record("12", "ZZZ", dt.date(2025, 1, 1)) is None


def test_llfc_tariff_single(catalogue: TopLineCatalogue) -> None:
    # 2025/26 LOND "Domestic Aggregated or CT with Residual" lists open LLFC "1".
    assert catalogue.llfc_duos_tariffs("12", "001", "2025/26") == (
        LlfcTariff("2025/26", "Domestic Aggregated or CT with Residual", "LV", "open"),
    )
    # Closed list: 2025/26 LOND lists 902 as closed under the same tariff.
    assert catalogue.llfc_duos_tariffs("12", "902", "2025/26") == (
        LlfcTariff("2025/26", "Domestic Aggregated or CT with Residual", "LV", "closed"),
    )


def test_llfc_tariff_from_range(catalogue: TopLineCatalogue) -> None:
    # SEPD 2025/26 lists "100-111" under Domestic Aggregated or CT with Residual.
    (tariff,) = catalogue.llfc_duos_tariffs("20", "105", "2025/26") or ()
    assert tariff.tariff_name == "Domestic Aggregated or CT with Residual"
    assert catalogue.llfc_duos_tariffs("20", "112", "2025/26") == (
        LlfcTariff("2025/26", "Domestic Aggregated (Related MPAN)", "LV", "closed"),
    )


def test_llfc_tariff_lost_separator(catalogue: TopLineCatalogue) -> None:
    (tariff,) = catalogue.llfc_duos_tariffs("12", "965", "2023/24") or ()
    assert tariff == LlfcTariff("2023/24", "Non-Domestic Aggregated (related MPAN)", "LV", "closed")


def test_llfc_listed_twice(catalogue: TopLineCatalogue) -> None:
    # SWEB 2025/26 lists 581 under both LV Generation Aggregated and Site Specific.
    names = [t.tariff_name for t in catalogue.llfc_duos_tariffs("22", "581", "2025/26") or ()]
    assert names == ["LV Generation Aggregated", "LV Generation Site Specific"]


def test_year_without_lists(catalogue: TopLineCatalogue) -> None:
    # EMEB's rows all come from IDNO statements: no LLFC lists in any year.
    assert catalogue.llfc_duos_tariffs("11", "001", "2025/26") is None
    # LOND 2025/26 has lists, but not for this LLFC.
    assert catalogue.llfc_duos_tariffs("12", "N01", "2025/26") == ()
