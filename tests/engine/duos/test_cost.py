"""DUoS bills worked by hand from the published rates (arithmetic in the comments)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.duos import COMPONENT_KEYS, duos_cost, duos_cost_many, find_tariff
from engine.errors import ValidationError
from engine.reference import ReferenceData
from engine.settlement import half_hourly_index
from tests.engine.duos.conftest import ProfileFactory
from tests.strategies import half_hourly_profiles

# Reactive energy allowed free per kWh at power factor 0.95: tan(acos(0.95)).
FREE = math.sqrt(1 / 0.95**2 - 1)  # 0.328684...


def test_london_hv_year_both_red_windows_and_both_clock_changes(
    ref: ReferenceData, flat_profile: ProfileFactory
) -> None:
    # LPN (12) "HV Site Specific Band 1", 2025/26 (2025-C-LOND): red 2.141, amber 0.111,
    # green 0.008 p/kWh, fixed 219.17 p/day, capacity 4.49 p/kVA/day.
    # Windows (weekdays): red 11:00-14:00 and 16:00-19:00 (12 periods), amber 07:00-11:00,
    # 14:00-16:00, 19:00-23:00 (20 periods); weekends green.
    tariff = find_tariff(ref, 12, tariff="HV SITE SPECIFIC band 1")
    profile = flat_profile("2025-04-01", "2026-03-31", import_kwh=100.0, reactive_kvarh=20.0)
    local = pd.DatetimeIndex(profile.index).tz_convert("Europe/London")
    midday = (local.dayofweek < 5) & (local.hour >= 11) & (local.hour < 14)
    profile.loc[midday, "import_kwh"] += 50.0
    # 365 days = 17,520 periods (46 on 29 Mar 2026, 50 on 26 Oct 2025: both Sundays).
    assert len(profile) == 17_520
    bill = duos_cost(profile, tariff, import_capacity_kva=1500)
    # 2025-04-01 is a Tuesday: 52 weeks + 1 day (Tue 2026-03-31) = 261 weekdays.
    red_kwh = 261 * 12 * 100 + 261 * 6 * 50  # 313,200 + 78,300 = 391,500
    amber_kwh = 261 * 20 * 100  # 522,000
    green_kwh = (17_520 - 261 * 32) * 100  # 9,168 periods → 916,800
    c = bill.by_component()
    assert c["red_unit_gbp"] == pytest.approx(red_kwh * 2.141 / 100)  # £8,382.015
    assert c["amber_unit_gbp"] == pytest.approx(amber_kwh * 0.111 / 100)  # £579.42
    assert c["green_unit_gbp"] == pytest.approx(green_kwh * 0.008 / 100)  # £73.344
    assert c["fixed_gbp"] == pytest.approx(365 * 219.17 / 100)  # £799.9705
    assert c["capacity_gbp"] == pytest.approx(1500 * 4.49 * 365 / 100)  # £24,582.75
    # Peak kVA = 2 × sqrt(150² + 20²) = 302.6 < 1,500; 20 kVArh < 0.3287 × 100 kWh.
    assert c["exceeded_capacity_gbp"] == 0
    assert c["reactive_gbp"] == 0
    assert bill.total_gbp == pytest.approx(34_417.4995)
    assert bill.effective_p_per_kwh == pytest.approx(34_417.4995 * 100 / 1_830_300)
    october = next(m for m in bill.by_month() if m["month"] == "2025-10")
    # October 2025 has 23 weekdays (Wed 1st .. Fri 31st) and 1,490 periods but 31 days.
    assert october["red_unit_gbp"] == pytest.approx(23 * (12 * 100 + 6 * 50) * 2.141 / 100)
    assert october["fixed_gbp"] == pytest.approx(31 * 219.17 / 100)
    march = next(m for m in bill.by_month() if m["month"] == "2026-03")
    assert march["fixed_gbp"] == pytest.approx(31 * 219.17 / 100)  # 1,486 periods, 31 days
    assert set(bill.breakdown["source_doc_id"]) == {"2025-C-LOND"}
    assert bill.charging_years == ["2025/26"]
    assert bill.assumptions == ()


def test_nged_west_midlands_lv_crossing_1_april_2025(
    ref: ReferenceData, flat_profile: ProfileFactory
) -> None:
    # MIDE (14) "LV Site Specific Band 2"; weekday windows red 16:00-19:00 (6 periods),
    # amber 07:30-16:00 and 19:00-21:00 (17 + 4 = 21), green the other 21.
    # 2024/25 (2024-E-MIDE): 4.331 / 0.76 / 0.096 p/kWh, 958.77 p/day, 5.16 p/kVA/day.
    # 2025/26 (2025-E-MIDE): 5.967 / 0.967 / 0.133 p/kWh, 136.85 p/day, 10.73 p/kVA/day.
    tariff = find_tariff(ref, "_E", tariff="lv site specific band 2")
    profile = flat_profile("2025-03-31", "2025-04-01", import_kwh=10.0, reactive_kvarh=0.0)
    bill = duos_cost(profile, tariff, import_capacity_kva=200)
    march_p = 60 * 4.331 + 210 * 0.76 + 210 * 0.096 + 958.77 + 200 * 5.16  # 2,430.39 p
    april_p = 60 * 5.967 + 210 * 0.967 + 210 * 0.133 + 136.85 + 200 * 10.73  # 2,871.87 p
    months = {m["month"]: m for m in bill.by_month()}
    assert months["2025-03"]["total_gbp"] == pytest.approx(march_p / 100)  # £24.3039
    assert months["2025-04"]["total_gbp"] == pytest.approx(april_p / 100)  # £28.7187
    assert months["2025-03"]["charging_year"] == "2024/25"
    assert months["2025-04"]["charging_year"] == "2025/26"
    assert months["2025-03"]["source_doc_id"] == months["2025-03"]["band_source_doc_id"]
    assert months["2025-04"]["source_doc_id"] == "2025-E-MIDE"
    assert bill.total_gbp == pytest.approx(53.0226)
    assert bill.effective_p_per_kwh == pytest.approx(5302.26 / 960)  # 5.523 p/kWh
    docs = bill.breakdown.groupby("charging_year")["source_doc_id"].unique()
    assert docs["2024/25"].tolist() == ["2024-E-MIDE"]
    assert docs["2025/26"].tolist() == ["2025-E-MIDE"]
    assert bill.charging_years == ["2024/25", "2025/26"]


def test_generation_site_earns_credits(ref: ReferenceData, flat_profile: ProfileFactory) -> None:
    # LPN (12) "HV Generation Site Specific" 2025/26: -2.41 / -0.13 / -0.01 p/kWh (credits),
    # fixed 15.91 p/day, reactive 0.188 p/kVArh; Wednesday 4 June 2025.
    tariff = find_tariff(ref, 12, tariff="HV Generation Site Specific", on="2025-06-04")
    profile = flat_profile("2025-06-04", "2025-06-04", export_kwh=100.0, reactive_kvarh=40.0)
    bill = duos_cost(profile, tariff)
    c = bill.by_component()
    assert c["red_unit_gbp"] == pytest.approx(12 * 100 * -2.41 / 100)  # -£28.92
    assert c["amber_unit_gbp"] == pytest.approx(20 * 100 * -0.13 / 100)  # -£2.60
    assert c["green_unit_gbp"] == pytest.approx(16 * 100 * -0.01 / 100)  # -£0.16
    assert c["fixed_gbp"] == pytest.approx(15.91 / 100)
    # (40 - 0.328684 × 100) = 7.1316 kVArh per period × 48 = 342.316 kVArh × 0.188 p.
    assert c["reactive_gbp"] == pytest.approx(48 * (40 - FREE * 100) * 0.188 / 100)
    assert c["capacity_gbp"] == 0  # generation tariffs publish no capacity charge
    total_p = -2892 - 260 - 16 + 15.91 + 48 * (40 - FREE * 100) * 0.188  # -3,087.73 p
    assert bill.total_gbp == pytest.approx(total_p / 100)
    assert bill.effective_p_per_kwh == pytest.approx(total_p / 4800)
    assert bill.total_gbp < 0


def test_capacity_breach_in_one_month(ref: ReferenceData, flat_profile: ProfileFactory) -> None:
    # SOUT (20) "LV Site Specific Band 1" 2024/25: fixed 577.41 p/day, capacity 4.1 and
    # exceeded capacity 7.17 p/kVA/day, reactive 0.245 p/kVArh. Agreed capacity 100 kVA.
    tariff = find_tariff(ref, 20, tariff="LV Site Specific Band 1")
    base = flat_profile("2024-06-01", "2024-07-31", import_kwh=40.0, reactive_kvarh=0.0)
    spiked = base.copy()
    at = pd.Timestamp("2024-07-10T12:00Z")  # Wednesday 13:00 BST: amber (0.745 p/kWh)
    spiked.loc[at, ["import_kwh", "reactive_kvarh"]] = [60.0, 25.0]
    before = duos_cost(base, tariff, import_capacity_kva=100)
    bill = duos_cost(spiked, tariff, import_capacity_kva=100)
    months = {m["month"]: m for m in bill.by_month()}
    # Base peak 2 × 40 = 80 kVA. July peak 2 × sqrt(60² + 25²) = 130 kVA: 30 kVA over, 31 days.
    assert months["2024-06"]["exceeded_capacity_gbp"] == 0
    assert months["2024-07"]["exceeded_capacity_gbp"] == pytest.approx(30 * 7.17 * 31 / 100)
    row = bill.breakdown.query("component == 'exceeded_capacity' and month == '2024-07'")
    assert row["max_demand_kva"].item() == pytest.approx(130.0)
    c, b = bill.by_component(), before.by_component()
    assert c["capacity_gbp"] == pytest.approx(100 * 4.1 * (30 + 31) / 100)  # £250.10
    assert c["fixed_gbp"] == pytest.approx(61 * 577.41 / 100)  # £352.2201
    # The spike's 25 kVArh exceed 0.3287 × 60 kWh = 19.72 by 5.28 kVArh.
    assert c["reactive_gbp"] == pytest.approx((25 - FREE * 60) * 0.245 / 100)
    assert c["amber_unit_gbp"] - b["amber_unit_gbp"] == pytest.approx(20 * 0.745 / 100)


@pytest.mark.parametrize("by", ["power_factor", "reactive_column"])
def test_poor_power_factor(ref: ReferenceData, flat_profile: ProfileFactory, by: str) -> None:
    # SWEB (22) "LV Sub Site Specific Band 3" 2025/26: 9.919 / 0.449 / 0.049 p/kWh,
    # 120.71 p/day, 10.91 p/kVA/day, reactive 0.107 p/kVArh. Wednesday 17 Sep 2025,
    # red 17:00-19:00 (4 periods), amber 07:30-17:00 and 19:00-21:30 (19 + 5), green 20.
    tariff = find_tariff(ref, 22, tariff="LV Sub Site Specific Band 3")
    # Power factor 0.8: kVArh / kWh = tan(acos(0.8)) = 0.6 / 0.8 = 0.75 → 7.5 kVArh/period.
    columns = {"import_kwh": 10.0} | ({"reactive_kvarh": 7.5} if by != "power_factor" else {})
    profile = flat_profile("2025-09-17", "2025-09-17", **columns)
    pf = 0.8 if by == "power_factor" else None
    bill = duos_cost(profile, tariff, import_capacity_kva=30, power_factor=pf)
    chargeable_kvarh = 48 * (7.5 - FREE * 10)  # 48 × 4.21316 = 202.23 kVArh
    assert bill.by_component()["reactive_gbp"] == pytest.approx(chargeable_kvarh * 0.107 / 100)
    # kVA = 2 × sqrt(10² + 7.5²) = 25 ≤ 30: no excess.
    assert bill.by_component()["exceeded_capacity_gbp"] == 0
    total_p = 40 * 9.919 + 240 * 0.449 + 200 * 0.049 + 120.71 + 30 * 10.91
    assert bill.total_gbp == pytest.approx((total_p + chargeable_kvarh * 0.107) / 100)


def test_good_power_factor_pays_no_reactive(
    ref: ReferenceData, flat_profile: ProfileFactory
) -> None:
    tariff = find_tariff(ref, 22, tariff="LV Sub Site Specific Band 3")
    profile = flat_profile("2025-09-17", "2025-09-17", import_kwh=10.0)
    bill = duos_cost(profile, tariff, import_capacity_kva=30, power_factor=0.96)
    assert bill.by_component()["reactive_gbp"] == 0


def test_unity_power_factor_is_stated_when_nothing_given(
    ref: ReferenceData, flat_profile: ProfileFactory
) -> None:
    tariff = find_tariff(ref, 22, tariff="LV Sub Site Specific Band 3")
    bill = duos_cost(
        flat_profile("2025-09-17", "2025-09-17", import_kwh=10.0), tariff, import_capacity_kva=30
    )
    assert any("unity power factor" in note for note in bill.assumptions)


def test_inputs_that_are_not_used_are_stated(
    ref: ReferenceData, flat_profile: ProfileFactory
) -> None:
    tariff = find_tariff(ref, 22, tariff="LV Sub Site Specific Band 3")
    profile = flat_profile("2025-09-17", "2025-09-17", import_kwh=10.0, reactive_kvarh=7.5)
    measured = duos_cost(profile, tariff, import_capacity_kva=30)
    both = duos_cost(
        profile, tariff, import_capacity_kva=30, export_capacity_kva=40, power_factor=0.99
    )
    assert both.total_gbp == measured.total_gbp  # metered kVArh win; export capacity idle
    assert both.assumptions == (
        "power factor 0.99 not used: the metered reactive_kvarh is",
        "export_capacity_kva 40 kVA not used: LV Sub Site Specific Band 3 is a demand tariff",
    )


def test_unmetered_supplies_use_black_yellow_green(
    ref: ReferenceData, flat_profile: ProfileFactory
) -> None:
    # EELC (10) Unmetered 2025/26: black 37.044, yellow 3.134, green 2.078 p/kWh, no fixed.
    # Wednesday 14 Jan 2026 (months 1 2 11 12): black 16:00-19:00 (6), yellow 07:00-16:00
    # and 19:00-23:00 (18 + 8 = 26), green 16.
    tariff = find_tariff(ref, 10, tariff="unmetered supplies")
    bill = duos_cost(flat_profile("2026-01-14", "2026-01-14", import_kwh=1.0), tariff)
    c = bill.by_component()
    assert c["black_unit_gbp"] == pytest.approx(6 * 37.044 / 100)
    assert c["yellow_unit_gbp"] == pytest.approx(26 * 3.134 / 100)
    assert c["green_unit_gbp"] == pytest.approx(16 * 2.078 / 100)
    assert c["red_unit_gbp"] == c["amber_unit_gbp"] == c["fixed_gbp"] == 0
    assert set(COMPONENT_KEYS) <= set(c)


# --- bad input -----------------------------------------------------------------------


def test_zero_capacity_on_a_capacity_tariff(
    ref: ReferenceData, flat_profile: ProfileFactory
) -> None:
    tariff = find_tariff(ref, 12, tariff="HV Site Specific Band 1")
    profile = flat_profile("2025-06-04", "2025-06-04", import_kwh=1.0)
    with pytest.raises(ValidationError, match=r"4\.49 p/kVA/day in 2025/26") as err:
        duos_cost(profile, tariff, import_capacity_kva=0)
    assert err.value.field == "import_capacity_kva"
    with pytest.raises(ValidationError, match="import_capacity_kva"):
        duos_cost(profile, tariff)


def test_export_column_on_a_demand_tariff(ref: ReferenceData, flat_profile: ProfileFactory) -> None:
    tariff = find_tariff(ref, 12, tariff="HV Site Specific Band 1")
    profile = flat_profile("2025-06-04", "2025-06-04", import_kwh=1.0, export_kwh=1.0)
    with pytest.raises(ValidationError, match="demand tariff") as err:
        duos_cost(profile, tariff, import_capacity_kva=100)
    assert err.value.field == "export_kwh"


def test_import_column_on_a_generation_tariff(
    ref: ReferenceData, flat_profile: ProfileFactory
) -> None:
    tariff = find_tariff(ref, 12, tariff="HV Generation Site Specific")
    profile = flat_profile("2025-06-04", "2025-06-04", import_kwh=1.0, export_kwh=1.0)
    with pytest.raises(ValidationError) as err:
        duos_cost(profile, tariff)
    assert err.value.field == "import_kwh"


def test_profile_outside_the_charging_years_held(
    ref: ReferenceData, flat_profile: ProfileFactory
) -> None:
    tariff = find_tariff(ref, 12, tariff="HV Site Specific Band 1")
    profile = flat_profile("2028-03-31", "2028-04-01", import_kwh=1.0)
    with pytest.raises(ValidationError, match="2028/29") as err:
        duos_cost(profile, tariff, import_capacity_kva=100)
    assert "2022/23, 2023/24, 2024/25, 2025/26, 2026/27, 2027/28" in err.value.detail
    assert "first at row 48" in err.value.detail


@pytest.mark.parametrize("bad", [-1.0, float("nan")])
def test_negative_or_missing_kwh_names_the_rows(
    ref: ReferenceData, flat_profile: ProfileFactory, bad: float
) -> None:
    tariff = find_tariff(ref, 12, tariff="HV Site Specific Band 1")
    profile = flat_profile("2025-06-04", "2025-06-04", import_kwh=1.0)
    profile.iloc[[5, 17], 0] = bad
    with pytest.raises(ValidationError, match="rows 5, 17") as err:
        duos_cost(profile, tariff, import_capacity_kva=100)
    assert err.value.field == "import_kwh"


def test_impossible_capacity_is_refused(ref: ReferenceData, flat_profile: ProfileFactory) -> None:
    tariff = find_tariff(ref, 12, tariff="HV Site Specific Band 1")
    profile = flat_profile("2025-06-04", "2025-06-04", import_kwh=1.0)
    with pytest.raises(ValidationError, match="more than 1e\\+09 kVA") as err:
        duos_cost(profile, tariff, import_capacity_kva=1e308)
    assert err.value.field == "import_capacity_kva"
    index = half_hourly_index("2025-06-04", "2025-06-04")
    with pytest.raises(ValidationError, match="site 0, period 3"):
        duos_cost_many(np.eye(1, len(index), 3) * 1e308, index[0], tariff, capacity_kva=100)


def test_power_factor_out_of_range(ref: ReferenceData, flat_profile: ProfileFactory) -> None:
    tariff = find_tariff(ref, 12, tariff="HV Site Specific Band 1")
    profile = flat_profile("2025-06-04", "2025-06-04", import_kwh=1.0)
    with pytest.raises(ValidationError, match="power_factor"):
        duos_cost(profile, tariff, import_capacity_kva=100, power_factor=1.2)


# --- many sites ------------------------------------------------------------------------


def test_many_sites_match_single_site_bills(
    ref: ReferenceData, flat_profile: ProfileFactory
) -> None:
    tariff = find_tariff(ref, 14, tariff="LV Site Specific Band 2")
    index = half_hourly_index("2025-03-25", "2025-04-05")
    rng = np.random.default_rng(7)
    kwh = rng.uniform(0, 60, size=(3, len(index)))
    capacity = np.array([100.0, 80.0, 200.0])
    many = duos_cost_many(kwh, index[0], tariff, capacity_kva=capacity, power_factor=0.9)
    for site in range(3):
        profile = pd.DataFrame({"import_kwh": kwh[site]}, index=index)
        one = duos_cost(profile, tariff, import_capacity_kva=capacity[site], power_factor=0.9)
        assert many.loc[site, "total_gbp"] == pytest.approx(one.total_gbp)
        for key, value in one.by_component().items():
            if key in many.columns:
                assert many.loc[site, key] == pytest.approx(value, abs=1e-9)


def test_many_sites_reject_negative_values(ref: ReferenceData) -> None:
    tariff = find_tariff(ref, 14, tariff="LV Site Specific Band 2")
    index = half_hourly_index("2025-06-02", "2025-06-02")
    kwh = np.ones((2, len(index)))
    kwh[1, 7] = -3
    with pytest.raises(ValidationError, match="site 1, period 7"):
        duos_cost_many(kwh, index[0], tariff, capacity_kva=50)


# --- invariants ------------------------------------------------------------------------

_DISTRIBUTOR, _TARIFF = 14, "LV Site Specific Band 2"
_INDEX = half_hourly_index("2025-03-28", "2025-04-03")  # crosses 30 Mar (46 periods) and 1 Apr


# ``ref`` is read-only, and a week of half-hours (two values each) is the smallest natural
# profile, so neither health check applies.
_PROFILE_CHECKS_OFF = [HealthCheck.function_scoped_fixture, HealthCheck.large_base_example]


@settings(max_examples=25, deadline=None, suppress_health_check=_PROFILE_CHECKS_OFF)
@given(profile=half_hourly_profiles(_INDEX), split=st.integers(1, len(_INDEX) - 1))
def test_bill_is_additive_over_any_split(
    ref: ReferenceData, profile: pd.DataFrame, split: int
) -> None:
    tariff = find_tariff(ref, _DISTRIBUTOR, tariff=_TARIFF)
    # Capacity above any peak (2 × sqrt(200² + 100²) = 447 kVA) keeps the monthly maximum out.
    whole = duos_cost(profile, tariff, import_capacity_kva=500)
    first = duos_cost(profile.iloc[:split], tariff, import_capacity_kva=500)
    second = duos_cost(profile.iloc[split:], tariff, import_capacity_kva=500)
    assert first.total_gbp + second.total_gbp == pytest.approx(whole.total_gbp, abs=1e-9)
    parts = first.by_component(), second.by_component()
    for key, value in whole.by_component().items():
        assert parts[0][key] + parts[1][key] == pytest.approx(value, abs=1e-9)


@settings(max_examples=15, deadline=None, suppress_health_check=_PROFILE_CHECKS_OFF)
@given(
    # Peaks up to 2 × sqrt(80² + 40²) = 179 kVA against 100 kVA: excess capacity is charged too.
    profile=half_hourly_profiles(_INDEX, max_import_kwh=80.0, max_reactive_kvarh=40.0),
    order=st.permutations(range(len(_INDEX))),
)
def test_bill_is_invariant_to_row_order(
    ref: ReferenceData, profile: pd.DataFrame, order: list[int]
) -> None:
    tariff = find_tariff(ref, _DISTRIBUTOR, tariff=_TARIFF)
    shuffled = profile.iloc[order]
    a = duos_cost(profile, tariff, import_capacity_kva=100)
    b = duos_cost(shuffled, tariff, import_capacity_kva=100)
    assert a.total_gbp == pytest.approx(b.total_gbp, abs=1e-9)
    pd.testing.assert_frame_equal(a.breakdown, b.breakdown)
