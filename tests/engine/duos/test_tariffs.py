"""Tariff resolution: names in any case/wording, LLFCs, structure, areas and years."""

from __future__ import annotations

import datetime as dt

import pytest

from engine.duos import find_tariff, resolve_distributor, tariff_names
from engine.duos.tariffs import tariff_identity
from engine.errors import TariffNotFoundError, ValidationError
from engine.reference import ReferenceData
from engine.site.lookup import load_lookup_tables, lookup_site


@pytest.mark.parametrize(
    ("published", "same_as"),
    [
        ("LV Generation Site Specific no RP Charge", "LV Generation Site Specific no RP charge"),
        ("Non-Domestic Aggregated (Related MPAN)", "non-domestic aggregated (related mpan)"),
        ("Domestic Aggregated or CT with Residual", "Domestic Aggregated with Residual"),
        ("Non-Domestic Aggregated or CT Band 1", "Non-Domestic Aggregated Band 1"),
    ],
)
def test_identity_folds_case_and_wording(published: str, same_as: str) -> None:
    assert tariff_identity(published) == tariff_identity(same_as)


def test_hv_band_1_london_2025(ref: ReferenceData) -> None:
    tariff = find_tariff(ref, "14", tariff="HV Site Specific Band 1", on="2025-06-01")
    year = tariff.years[0]
    assert tariff.distributor_id == "14"
    assert tariff.gsp_group_id == "_E"
    assert tariff.charging_years == ("2025/26",)
    assert tariff.voltage_level == "HV"
    assert year.source_doc_id == "2025-E-MIDE"
    assert year.capacity_p_per_kva_per_day is not None
    assert {w.band for w in year.windows} == {"red", "amber", "green"}


def test_one_canonical_name_for_every_wording(ref: ReferenceData) -> None:
    # 2022/23-2024/25 say "Domestic Aggregated with Residual", later years "... or CT ...".
    old = find_tariff(ref, 10, tariff="domestic aggregated with residual", on="2022/23")
    new = find_tariff(ref, 10, tariff="DOMESTIC AGGREGATED OR CT WITH RESIDUAL", on="2026/27")
    assert old.tariff_name == new.tariff_name == "Domestic Aggregated or CT with Residual"
    assert old.years[0].tariff_name_as_published == "Domestic Aggregated with Residual"
    both = find_tariff(ref, 10, tariff="Domestic Aggregated with Residual")
    assert both.charging_years == ("2022/23", "2023/24", "2024/25", "2025/26", "2026/27", "2027/28")
    rp = find_tariff(ref, 20, tariff="hv generation site specific NO RP CHARGE")
    assert rp.tariff_name == "HV Generation Site Specific no RP charge"
    assert rp.years[-1].reactive_power_p_per_kvarh is None


def test_unknown_name_lists_nearest(ref: ReferenceData) -> None:
    with pytest.raises(TariffNotFoundError, match="HV Site Specific Band 2") as err:
        find_tariff(ref, 12, tariff="HV Site Specfic Band 2", on="2025/26")
    assert err.value.field == "tariff"
    assert "_C" in err.value.detail


def test_by_llfc(ref: ReferenceData) -> None:
    # MIDE 2022/23 statement lists LLFCs 127, 129 open for "LV Site Specific Band 1".
    assert find_tariff(ref, 14, llfc="127").tariff_name == "LV Site Specific Band 1"
    # SOUT lists ranges: "100-111" → 105 is Domestic Aggregated with Residual.
    assert find_tariff(ref, 20, llfc="105").tariff_name == "Domestic Aggregated or CT with Residual"
    assert find_tariff(ref, 20, llfc="h01").tariff_name == "Non-Domestic Aggregated or CT Band 1"


def test_llfc_from_another_area(ref: ReferenceData) -> None:
    with pytest.raises(TariffNotFoundError, match="listed for distributor") as err:
        find_tariff(ref, 12, llfc="H01")
    assert "20" in err.value.detail
    assert err.value.field == "llfc"


def test_llfc_known_to_mdd_but_not_in_statements(ref: ReferenceData) -> None:
    # EMEB (11) has no DNO statement in the data, so no LLFC lists; MDD knows LLFC 1.
    with pytest.raises(TariffNotFoundError, match="MDD"):
        find_tariff(ref, 11, llfc="001")


def test_by_structure(ref: ReferenceData) -> None:
    tariff = find_tariff(ref, "_C", voltage_level="hv", residual_band="Band 3")
    assert tariff.tariff_name == "HV Site Specific Band 3"
    with pytest.raises(TariffNotFoundError, match="matches 2 tariffs"):
        find_tariff(ref, "_C", voltage_level="HV", direction="generation")
    # A misspelt direction is the caller's error (422), not a tariff the data lacks (404).
    with pytest.raises(ValidationError, match="direction: expected one of demand, generation"):
        find_tariff(ref, "_C", voltage_level="HV", direction="sideways")


def test_exactly_one_way_to_choose(ref: ReferenceData) -> None:
    with pytest.raises(ValidationError, match="exactly one"):
        find_tariff(ref, 12, tariff="HV Site Specific Band 1", llfc="91")
    with pytest.raises(ValidationError, match="exactly one"):
        find_tariff(ref, 12)


def test_date_outside_the_years_held(ref: ReferenceData) -> None:
    with pytest.raises(ValidationError, match="2028/29") as err:
        find_tariff(ref, 12, tariff="HV Site Specific Band 1", on="2028-06-01")
    assert "2022/23 to 2027/28" in err.value.detail
    assert err.value.field == "date"
    with pytest.raises(ValidationError) as err:
        find_tariff(ref, 12, tariff="HV Site Specific Band 1", on="2030/31")
    assert err.value.detail.startswith("charging_year: no 2030/31 rates; DUoS charges exist for")
    assert err.value.field == "charging_year"


@pytest.mark.parametrize(
    ("given", "distributor_id"),
    [(14, "14"), ("_E", "14"), ("e", "14"), ({"gsp_group_id": "_C", "distributor_id": "27"}, "12")],
)
def test_resolve_distributor(ref: ReferenceData, given: object, distributor_id: str) -> None:
    assert resolve_distributor(ref, given).distributor_id == distributor_id


@pytest.mark.parametrize(
    "given", [27, "9", "_Q", {"postcode": "X"}, {"distributor_id": "27", "gsp_group_id": None}]
)
def test_resolve_distributor_rejects(ref: ReferenceData, given: object) -> None:
    with pytest.raises(ValidationError) as err:
        resolve_distributor(ref, given)
    assert err.value.field == "distributor"


def test_thirty_two_names_per_area(ref: ReferenceData) -> None:
    names = tariff_names(ref, 23)
    assert len(names) == 32
    assert "Unmetered Supplies" in names


def test_llfc_in_any_written_form(ref: ReferenceData) -> None:
    # MIDE lists LLFC "1" (MPAN top lines write "001") under Domestic Aggregated.
    names = {find_tariff(ref, 14, llfc=code).tariff_name for code in ("1", "001", " 001 ")}
    assert names == {"Domestic Aggregated or CT with Residual"}
    with pytest.raises(ValidationError):
        find_tariff(ref, 14, llfc="ABCD")


def _mpan_core(first12: str) -> str:
    weights = (3, 5, 7, 13, 17, 19, 23, 29, 31, 37, 41, 43)  # mpan_check_digit_weights.csv
    check = sum(int(d) * w for d, w in zip(first12, weights, strict=True)) % 11 % 10
    return first12 + str(check)


def test_lookup_result_names_area_and_tariff(ref: ReferenceData) -> None:
    tables = load_lookup_tables(ref)
    # Top line PC 00, MTC 845, LLFC 127 (MIDE: LV Site Specific Band 1), core in area 14.
    result = lookup_site(f"00 845 127 {_mpan_core('140000000001')}", tables, dt.date(2025, 6, 1))
    tariff = find_tariff(ref, result)
    assert tariff.gsp_group_id == "_E"
    assert tariff.tariff_name == "LV Site Specific Band 1"
    as_json = find_tariff(ref, result.to_dict(), tariff="HV Site Specific Band 2")
    assert as_json.distributor_id == "14"
    postcode = lookup_site("B1 1AA", tables, dt.date(2025, 6, 1))
    assert find_tariff(ref, postcode, tariff="LV Site Specific Band 1").gsp_group_id == "_E"
