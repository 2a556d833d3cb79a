"""Behind-the-meter PPA: hand-worked sites, bad input, and the checks the issue demands.

Tariff used throughout: NGED West Midlands (distributor 14) "HV Site Specific Band 1",
2025/26 — red 1.642, amber 0.237, green 0.021 p/kWh = £16.42, £2.37, £0.21 per MWh;
weekday red 16:00-19:00, amber 07:30-16:00 and 19:00-21:00, green otherwise (UK clock).
The test day, Wednesday 11 June 2025 (BST), has 48 half-hours: rows 32-37 are red.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.battery import BatterySpec
from engine.btm.levies import LevySchedule, resolve_levies
from engine.btm.ppa import BtmResult, btm_ppa
from engine.duos import DuosTariff, find_tariff
from engine.errors import InfeasibleDispatchError, ValidationError
from engine.reference import ReferenceData
from engine.settlement import half_hourly_index
from jobs.btm_report import result_document
from tests.strategies import batteries

RED_GBP_PER_MWH, AMBER_GBP_PER_MWH, GREEN_GBP_PER_MWH = 16.42, 2.37, 0.21
DAY = "2025-06-11"
RED_ROWS = slice(32, 38)
NOON_ROWS = slice(24, 28)  # 12:00-13:30 BST, amber


@pytest.fixture(scope="module")
def tariff(ref: ReferenceData) -> DuosTariff:
    return find_tariff(ref, "14", tariff="HV Site Specific Band 1")


@pytest.fixture(scope="module")
def index() -> pd.DatetimeIndex:
    return half_hourly_index(DAY, DAY)


@pytest.fixture(scope="module")
def no_levies(ref: ReferenceData, index: pd.DatetimeIndex) -> LevySchedule:
    return resolve_levies(ref.table("non_commodity_rates"), index, include=[])


def _load(index: pd.DatetimeIndex, kwh: np.ndarray | float) -> pd.DataFrame:
    return pd.DataFrame({"import_kwh": np.broadcast_to(kwh, (len(index),)).copy()}, index=index)


def _run(
    tariff: DuosTariff,
    index: pd.DatetimeIndex,
    levies: LevySchedule,
    load_kwh: np.ndarray | float,
    battery: BatterySpec | None,
    **kwargs: Any,
) -> BtmResult:
    options: dict[str, Any] = {"capacity_kva": 5000.0, **kwargs}
    price = options.pop("price", 50.0)
    ppa = options.pop("ppa", 150.0)
    return btm_ppa(_load(index, load_kwh), battery, tariff, ppa, price, levies, **options)


def test_rates_are_the_published_ones(tariff: DuosTariff) -> None:
    assert tariff.year("2025/26").unit_p_per_kwh == (1.642, 0.237, 0.021)


def test_flat_load_one_red_window_battery_covers_exactly_its_energy(
    tariff: DuosTariff, index: pd.DatetimeIndex, no_levies: LevySchedule
) -> None:
    # 2 MW flat load (1,000 kWh a half-hour); red demand 6 × 1 MWh = 6 MWh. A 2 MW / 3 MWh
    # lossless battery charges 3 MWh in green and covers 3 MWh of red: coverage 3/6 = 0.5.
    # Value = 3 × (16.42 − 0.21) − 3 × 0.01 (degradation) = 48.63 − 0.03 = £48.60; a second
    # green→amber→red cycle earns the same spread and pays degradation twice, so one cycle.
    battery = BatterySpec.symmetric(2.0, 3.0, degradation_cost_gbp_per_mwh=0.01)
    result = _run(tariff, index, no_levies, 1000.0, battery)
    doc = result_document(result)
    assert doc["battery_value_gbp"] == pytest.approx(48.60, abs=1e-6)
    assert doc["red_coverage_frac"] == pytest.approx(0.5, abs=1e-9)
    assert doc["equivalent_cycles"] == pytest.approx(1.0, abs=1e-9)
    parts = doc["battery_value_by_component"]
    assert parts["avoided_duos_unit_gbp"]["red"] == pytest.approx(3 * 16.42, abs=1e-6)
    assert parts["avoided_duos_unit_gbp"]["green"] == pytest.approx(-3 * 0.21, abs=1e-6)
    assert parts["avoided_duos_unit_gbp"]["amber"] == pytest.approx(0.0, abs=1e-6)
    assert parts["avoided_energy_gbp"] == pytest.approx(0.0, abs=1e-6)  # flat £50: same MWh
    assert parts["degradation_gbp"] == pytest.approx(-0.03, abs=1e-9)
    discharge = result.with_battery.discharge_mwh
    assert discharge[RED_ROWS].sum() == pytest.approx(3.0)
    assert discharge.sum() == pytest.approx(3.0)
    assert result.with_battery.charge_mwh[result.band_code == 2].sum() == pytest.approx(3.0)


def test_pv_exported_at_noon_is_shifted_to_the_evening_peak(
    tariff: DuosTariff, index: pd.DatetimeIndex, no_levies: LevySchedule
) -> None:
    # Load 0.5 MWh in the 6 red half-hours and the 4 noon ones; PV 1.5 MWh at noon, so a
    # 1 MWh surplus each noon half-hour, exported (limit 2,000 kW = 1 MWh) at £20.
    # Without: red import 3 MWh × (50 + 16.42) = £199.26; export 4 × 20 = £80.
    # With a lossless 2 MW / 3 MWh battery: 3 MWh of surplus stored (1 MWh a half-hour),
    # 1 MWh exported (£20), all red demand met from storage. Value = 199.26 − (80 − 20)
    # = £139.26 = 3 × (50 + 16.42 − 20).
    load = np.zeros(len(index))
    load[RED_ROWS] = 500.0
    load[NOON_ROWS] = 500.0
    pv = np.zeros(len(index))
    pv[NOON_ROWS] = 1500.0
    battery = BatterySpec.symmetric(2.0, 3.0)
    result = _run(
        tariff,
        index,
        no_levies,
        load,
        battery,
        pv_kwh=pv,
        export_limit_kw=2000.0,
        export_prices_gbp_per_mwh=20.0,
    )
    doc = result_document(result)
    assert doc["without_battery"]["export_mwh"] == pytest.approx(4.0)
    assert doc["with_battery"]["export_mwh"] == pytest.approx(1.0)
    assert doc["with_battery"]["import_mwh"] == pytest.approx(0.0, abs=1e-9)
    assert doc["battery_value_gbp"] == pytest.approx(139.26, abs=1e-6)
    assert doc["battery_value_by_component"]["export_revenue_change_gbp"] == pytest.approx(-60.0)
    assert doc["red_coverage_frac"] == pytest.approx(1.0)
    assert result.with_battery.charge_mwh[NOON_ROWS].sum() == pytest.approx(3.0)  # ties: which 3


def test_staying_idle_when_charging_costs_more_than_the_red_cost_avoided(
    tariff: DuosTariff, index: pd.DatetimeIndex, no_levies: LevySchedule
) -> None:
    # Round trip 0.5 at a flat £100: 1 MWh bought in green costs 100.21 and delivers
    # 0.5 MWh into red, avoiding 0.5 × 116.42 = 58.21 < 100.21. Idle is optimal: value 0.
    battery = BatterySpec(
        charge_power_mw=2.0, discharge_power_mw=2.0, energy_mwh=3.0, charge_efficiency_frac=0.5
    )
    result = _run(tariff, index, no_levies, 1000.0, battery, price=100.0)
    doc = result_document(result)
    assert doc["battery_value_gbp"] == 0.0
    assert doc["equivalent_cycles"] == 0.0
    assert doc["red_coverage_frac"] == 0.0
    assert doc["with_battery"]["margin_gbp"] == doc["without_battery"]["margin_gbp"]


def test_margin_lines_by_month_and_band(
    tariff: DuosTariff, index: pd.DatetimeIndex, no_levies: LevySchedule
) -> None:
    # No battery, 1,000 kWh flat: consumption 48 MWh × £150 = £7,200; energy 48 × 50 =
    # £2,400; DUoS units: red 6 × 16.42, amber (07:30-16:00 = 17, 19:00-21:00 = 4) 21 ×
    # 2.37, green 21 × 0.21; fixed 443.28p = £4.4328; capacity 5,000 kVA × 9.5p = £475.
    result = _run(tariff, index, no_levies, 1000.0, None)
    doc = result_document(result)["without_battery"]
    month = doc["by_month"][0]
    bands = month["bands"]
    n_red, n_amber, n_green = 6, 17 + 4, 48 - 6 - 21
    assert bands["red"]["duos_unit_gbp"] == pytest.approx(n_red * 16.42)
    assert bands["amber"]["duos_unit_gbp"] == pytest.approx(n_amber * 2.37)
    assert bands["green"]["duos_unit_gbp"] == pytest.approx(n_green * 0.21)
    assert month["charges"]["duos_fixed_gbp"] == pytest.approx(4.4328)
    assert month["charges"]["duos_capacity_gbp"] == pytest.approx(475.0)
    unit = n_red * 16.42 + n_amber * 2.37 + n_green * 0.21
    expected = 7200.0 - 2400.0 - unit - 4.4328 - 475.0
    assert doc["margin_gbp"] == pytest.approx(expected)
    assert month["margin_gbp"] == pytest.approx(expected)


def test_ppa_price_does_not_change_the_value_and_zero_is_stated(
    tariff: DuosTariff, index: pd.DatetimeIndex, no_levies: LevySchedule
) -> None:
    battery = BatterySpec.symmetric(2.0, 3.0)
    at_150 = _run(tariff, index, no_levies, 1000.0, battery)
    at_0 = _run(tariff, index, no_levies, 1000.0, battery, ppa=0.0)
    assert at_0.battery_value_gbp == pytest.approx(at_150.battery_value_gbp)
    # 48 MWh × £150 = £7,200 of revenue is the only difference in the margin.
    assert at_150.without.margin_gbp() - at_0.without.margin_gbp() == pytest.approx(7200.0)
    assert any("PPA price is 0" in note for note in at_0.assumptions)
    with pytest.raises(ValidationError, match="ppa_gbp_per_mwh"):
        _run(tariff, index, no_levies, 1000.0, battery, ppa=-1.0)


def test_load_in_kw_is_detected_against_the_capacity(
    tariff: DuosTariff, index: pd.DatetimeIndex, no_levies: LevySchedule
) -> None:
    # 2,000 "kWh" a half-hour is 4,000 kW average: above 3,000 kVA, but 2,000 read as kW
    # fits, so the column looks like kW.
    with pytest.raises(ValidationError, match="looks like average kW") as caught:
        _run(tariff, index, no_levies, 2000.0, None, capacity_kva=3000.0)
    assert caught.value.field == "import_kwh"


def test_a_load_in_kw_column_is_converted_and_said(
    tariff: DuosTariff, index: pd.DatetimeIndex, no_levies: LevySchedule
) -> None:
    in_kwh = _run(tariff, index, no_levies, 1000.0, None)
    frame = pd.DataFrame({"import_kw": np.full(len(index), 2000.0)}, index=index)
    in_kw = btm_ppa(frame, None, tariff, 150.0, 50.0, no_levies, capacity_kva=5000.0)
    assert in_kw.without.margin_gbp() == pytest.approx(in_kwh.without.margin_gbp())
    assert any("import_kw" in note for note in in_kw.assumptions)


def test_demand_above_the_import_limit_names_the_periods(
    tariff: DuosTariff, index: pd.DatetimeIndex, no_levies: LevySchedule
) -> None:
    load = np.full(len(index), 100.0)
    load[40] = 5000.0  # 10,000 kW average, above 3,000 kVA even read as kW
    with pytest.raises(InfeasibleDispatchError, match="1 half-hour") as caught:
        _run(tariff, index, no_levies, load, None, capacity_kva=3000.0)
    assert index[40].isoformat() in caught.value.detail
    assert caught.value.field == "import_limit_kva"


def test_pv_above_the_export_limit_is_curtailed_and_reported(
    tariff: DuosTariff, index: pd.DatetimeIndex, no_levies: LevySchedule
) -> None:
    # Surplus 1 MWh in each of 4 half-hours, export limit 1,000 kW = 0.5 MWh a half-hour:
    # 4 × 0.5 = 2 MWh curtailed.
    load = np.zeros(len(index))
    load[NOON_ROWS] = 500.0
    pv = np.zeros(len(index))
    pv[NOON_ROWS] = 1500.0
    result = _run(
        tariff,
        index,
        no_levies,
        load,
        None,
        pv_kwh=pv,
        export_limit_kw=1000.0,
        export_prices_gbp_per_mwh=20.0,
    )
    doc = result_document(result)
    assert doc["without_battery"]["curtailed_mwh"] == pytest.approx(2.0)
    assert doc["without_battery"]["export_mwh"] == pytest.approx(2.0)
    assert any("2.000 MWh of PV is curtailed" in note for note in doc["assumptions"])


def test_negative_export_price_curtails_rather_than_exports(
    tariff: DuosTariff, index: pd.DatetimeIndex, no_levies: LevySchedule
) -> None:
    load = np.zeros(len(index))
    pv = np.zeros(len(index))
    pv[NOON_ROWS] = 1000.0
    result = _run(
        tariff,
        index,
        no_levies,
        load,
        None,
        pv_kwh=pv,
        export_limit_kw=5000.0,
        export_prices_gbp_per_mwh=-30.0,
    )
    assert result.without.flows.export_mwh.sum() == 0.0
    assert result.without.flows.curtailed_mwh.sum() == pytest.approx(4.0)


def test_export_limit_needs_an_export_price(
    tariff: DuosTariff, index: pd.DatetimeIndex, no_levies: LevySchedule
) -> None:
    with pytest.raises(ValidationError, match="export_price"):
        _run(tariff, index, no_levies, 100.0, None, export_limit_kw=100.0)


def test_cycle_cap_is_refused_not_ignored(
    tariff: DuosTariff, index: pd.DatetimeIndex, no_levies: LevySchedule
) -> None:
    battery = BatterySpec.symmetric(2.0, 3.0, max_cycles_per_day=1.0)
    with pytest.raises(ValidationError, match="max_cycles_per_day"):
        _run(tariff, index, no_levies, 1000.0, battery)


SITE_DAYS = half_hourly_index("2025-06-09", "2025-06-10")  # Monday and Tuesday


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    # Behind the meter refuses a cycle cap; the value bounds below assume an empty start and a
    # free end (no energy given or owed).
    battery=batteries(
        power_mw=st.floats(0.2, 3.0),
        energy_mwh=st.floats(0.3, 6.0),
        efficiency_frac=st.floats(0.6, 1.0),
        degradation_gbp_per_mwh=st.floats(0.0, 5.0),
        same_power=True,
        soc_window=False,
        cycle_caps=False,
    ),
    export_kw=st.sampled_from([0.0, 500.0, 3000.0]),
)
def test_invariants_on_random_sites(
    ref: ReferenceData, seed: int, battery: BatterySpec, export_kw: float
) -> None:
    """Value ≥ 0 (idling is allowed), ≤ the perfect-arbitrage bound; parts sum to it; energy
    balance every half-hour; red coverage within what power and energy allow each day."""
    tariff = find_tariff(ref, "14", tariff="HV Site Specific Band 1")
    index = SITE_DAYS
    n = len(index)
    rng = np.random.default_rng(seed)
    load_kwh = rng.uniform(0.0, 1200.0, n)
    pv_kwh = np.clip(rng.normal(300.0, 400.0, n), 0.0, None)
    price = rng.normal(60.0, 70.0, n)
    export_price = price - rng.uniform(0.0, 30.0, n)
    levies = resolve_levies(ref.table("non_commodity_rates"), index, include=[])
    result = btm_ppa(
        _load(index, load_kwh),
        battery,
        tariff,
        120.0,
        price,
        levies,
        capacity_kva=6000.0,
        pv_kwh=pv_kwh,
        export_limit_kw=export_kw,
        export_prices_gbp_per_mwh=export_price,
    )
    doc = result_document(result)
    value = doc["battery_value_gbp"]
    assert value >= -1e-6
    parts = doc["battery_value_by_component"]
    total = sum(sum(v.values()) if isinstance(v, dict) else v for v in parts.values())
    assert total == pytest.approx(value, abs=1e-6)
    # Each delivered MWh is worth at most the dearest import cost or export value; each
    # costs 1/round-trip MWh of charging at no less than the cheapest of them (or 0).
    site = result.site
    dearest = max(site.import_cost_gbp_per_mwh.max(), site.export_value_gbp_per_mwh.max())
    cheapest = min(0.0, site.import_cost_gbp_per_mwh.min(), site.export_value_gbp_per_mwh.min())
    delivered = result.with_battery.discharge_mwh.sum()
    bound = delivered * (dearest - cheapest / battery.round_trip_efficiency_frac)
    energy_part = value - parts["avoided_capacity_charges_gbp"] - parts["degradation_gbp"]
    assert energy_part <= bound + 1e-6
    w = result.with_battery
    balance = (
        site.pv_mwh
        - w.flows.curtailed_mwh
        + w.discharge_mwh
        + w.flows.import_mwh
        - site.load_mwh
        - w.charge_mwh
        - w.flows.export_mwh
    )
    assert np.abs(balance).max() < 1e-9
    _, delivered_red = result.red_coverage()
    days = np.repeat([0, 1], 48)
    soc_start = np.concatenate(([battery.initial_soc_mwh], w.soc_mwh[:-1]))
    for day in (0, 1):
        rows = days == day
        red = rows & (result.band_code == 0)
        assert delivered_red[red].sum() <= battery.discharge_power_mw * 0.5 * red.sum() + 1e-9
        stored = soc_start[rows][0] + (w.charge_mwh[rows] * battery.charge_efficiency_frac).sum()
        assert delivered_red[red].sum() <= stored * battery.discharge_efficiency_frac + 1e-9
