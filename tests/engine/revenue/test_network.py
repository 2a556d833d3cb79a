"""DUoS import charges and generation credits of a front-of-meter battery (Eastern, HV)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from engine.battery import BatterySpec
from engine.duos import DuosTariff, classify_duos_band, find_tariff
from engine.errors import DataMissingError, ValidationError
from engine.reference import reference_data
from engine.revenue import network_charges, revenue_stack
from tests.engine.revenue.real_data import DATA_DIR
from tests.engine.revenue.test_search import market

# 2024/25 Eastern Power Networks (distributor 10) HV statement, duos_tariffs_lv_hv.csv:
# demand red/amber/green 5.598/0.354/0.067 p/kWh; generation -5.984/-0.406/-0.077 p/kWh.
DEMAND = "HV Site Specific No Residual"
GENERATION = "HV Generation Site Specific"


def _tariffs() -> tuple[DuosTariff, DuosTariff]:
    ref = reference_data(DATA_DIR)
    on = "2024/25"
    return (
        find_tariff(ref, "10", tariff=DEMAND, on=on),
        find_tariff(ref, "10", tariff=GENERATION, on=on),
    )


def test_charges_and_credits_follow_the_bands_of_the_statement() -> None:
    imports, exports = _tariffs()
    data = market(np.full(48, 50.0), np.full(48, 50.0))  # 2024-06-02, a Sunday
    weekday = pd.date_range("2024-06-03", periods=48, freq="30min", tz="Europe/London")
    charges = network_charges(weekday.tz_convert("UTC"), imports, exports)
    bands = classify_duos_band(weekday.tz_convert("UTC"), imports).to_numpy()
    red = bands == "red"
    assert red.any()
    # 5.598 p/kWh = £55.98/MWh on charging; 5.984 p/kWh credit = £59.84/MWh on exporting.
    np.testing.assert_allclose(charges.import_charge_gbp_per_mwh[red], 55.98)
    np.testing.assert_allclose(charges.export_credit_gbp_per_mwh[red], 59.84)
    green = bands == "green"
    np.testing.assert_allclose(charges.import_charge_gbp_per_mwh[green], 0.67)
    np.testing.assert_allclose(charges.export_credit_gbp_per_mwh[green], 0.77)
    assert data.interval_start.size == 48


def test_the_streams_show_the_charges_and_sum_to_the_net() -> None:
    imports, exports = _tariffs()
    flat = np.full(48 * 2, 50.0)
    data = market(flat, flat)
    charges = network_charges(data.interval_start, imports, exports)
    battery = BatterySpec(1.0, 1.0, 2.0)
    stack = revenue_stack(data, battery, (), ("system",), mode="perfect_foresight", network=charges)
    result = stack.upper_bound
    # Flat energy prices: the only spread is the DUoS one (charge green, export red).
    assert result.streams["duos_generation_credit"] > 0
    assert result.streams["duos_import"] <= 0
    assert sum(result.streams.values()) == pytest.approx(result.net_revenue_gbp)
    assert result.net_revenue_gbp > 0
    assert any(a.startswith("Network charges:") for a in result.assumptions)


def test_a_generation_tariff_without_credits_is_refused_not_invented() -> None:
    imports, exports = _tariffs()
    years = tuple(
        dataclasses.replace(y, red_p_per_kwh=None, amber_p_per_kwh=None, green_p_per_kwh=None)
        for y in exports.years
    )
    bare = dataclasses.replace(exports, years=years)
    index = market(np.full(48, 1.0), np.full(48, 1.0)).interval_start
    with pytest.raises(DataMissingError) as caught:
        network_charges(index, imports, bare)
    assert caught.value.field == "export_tariff"
    assert "no generation credits for charging year 2024/25" in caught.value.detail


def test_tariffs_the_wrong_way_round_name_the_field() -> None:
    imports, exports = _tariffs()
    index = market(np.full(48, 1.0), np.full(48, 1.0)).interval_start
    with pytest.raises(ValidationError) as caught:
        network_charges(index, exports, imports)
    assert caught.value.field == "import_tariff"
