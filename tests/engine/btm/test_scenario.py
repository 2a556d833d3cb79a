"""One BtM scenario: margin lines, monthly charges, and the checks a schedule must pass."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engine.battery import BatterySpec
from engine.btm.levies import resolve_levies
from engine.btm.scenario import Costing, Prices, run_scenario
from engine.btm.site import SiteIntervals
from engine.duos import duos_schedule, find_tariff
from engine.errors import InfeasibleDispatchError
from engine.reference import ReferenceData
from engine.settlement import half_hourly_index

DAY = "2025-06-11"  # Wednesday; NGED West Midlands HV Site Specific Band 1, 2025/26


def _inputs(ref: ReferenceData) -> tuple[SiteIntervals, Prices, Costing]:
    index = half_hourly_index(DAY, DAY)
    n = len(index)
    tariff = find_tariff(ref, "14", tariff="HV Site Specific Band 1")
    schedule = duos_schedule(tariff, int(index[0].value), n)
    levies = resolve_levies(ref.table("non_commodity_rates"), index, include=[])
    site = SiteIntervals(
        np.full(n, 1.0), np.zeros(n), np.full(n, 60.0), np.zeros(n), np.full(n, 2.5), np.zeros(n)
    )
    prices = Prices(np.full(n, 50.0), np.full(n, 10.0), np.zeros(n), np.zeros(n), np.zeros(n))
    costing = Costing(
        tariff, None, pd.DatetimeIndex(index), 5000.0, 0.0, levies, schedule.month_of_period
    )
    return site, prices, costing


def test_lines_and_charges_of_the_site_alone(ref: ReferenceData) -> None:
    # 48 MWh consumed at £150 = £7,200; imported at £50 energy = £2,400 and (the prices'
    # flat DUoS stand-in) £10 = £480; fixed 443.28p = £4.4328; capacity 5,000 × 9.5p = £475.
    site, prices, costing = _inputs(ref)
    zeros = np.zeros(48)
    scenario = run_scenario(site, prices, costing, 150.0, None, zeros, zeros, zeros)
    assert scenario.lines["ppa_revenue_gbp"].sum() == pytest.approx(7200.0)
    assert scenario.lines["energy_cost_gbp"].sum() == pytest.approx(2400.0)
    assert scenario.lines["duos_unit_gbp"].sum() == pytest.approx(480.0)
    assert scenario.charges["duos_fixed_gbp"].sum() == pytest.approx(4.4328)
    assert scenario.charges["duos_capacity_gbp"].sum() == pytest.approx(475.0)
    expected = 7200.0 - 2400.0 - 480.0 - 4.4328 - 475.0
    assert scenario.margin_gbp() == pytest.approx(expected)


def test_a_schedule_that_breaks_the_battery_balance_is_refused(ref: ReferenceData) -> None:
    site, prices, costing = _inputs(ref)
    battery = BatterySpec.symmetric(1.0, 2.0)
    charge = np.zeros(48)
    charge[0] = 0.5
    soc = np.zeros(48)  # should be 0.5 after the first half-hour
    with pytest.raises(InfeasibleDispatchError, match="battery energy balance"):
        run_scenario(site, prices, costing, 150.0, battery, charge, np.zeros(48), soc)


def test_charging_and_discharging_together_is_refused(ref: ReferenceData) -> None:
    site, prices, costing = _inputs(ref)
    battery = BatterySpec.symmetric(1.0, 2.0, initial_soc_mwh=1.0)
    both = np.zeros(48)
    both[3] = 0.2
    soc = np.full(48, 1.0)
    with pytest.raises(InfeasibleDispatchError, match="charge and discharge together"):
        run_scenario(site, prices, costing, 150.0, battery, both, both, soc)
