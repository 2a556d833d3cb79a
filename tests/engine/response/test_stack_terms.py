"""Response energy in the revenue stack: value per block by hand, holdings move, streams sum."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engine.battery import BatterySpec
from engine.response.stack_terms import (
    RESPONSE_NOTE,
    ResponseTerms,
    response_terms,
    response_value_by_block,
)
from engine.revenue import revenue_stack
from engine.settlement import half_hourly_index
from tests.engine.revenue.test_search import ALL, market

DR = tuple(s for s in ALL if s.name in ("DRL", "DRH"))


def test_value_per_block_by_hand() -> None:
    index = half_hourly_index("2024-01-10", "2024-01-10")  # a winter day: 48 periods
    price = pd.Series(100.0, index=index)
    energy = pd.DataFrame({"DRH": 0.05, "DRL": -0.05}, index=index)
    bm = response_value_by_block(index, price, price, energy, "bm", lag_periods=0)
    # DRH: 0.05 MWh x £100 x 0.925 = £4.625 per period = £9.25/MW/h;
    # DRL: -0.05 MWh bought back at £100 ÷ 0.925 = -£5.4054 per period = -£10.81/MW/h
    assert bm["DRH"].to_numpy() == pytest.approx(9.25)
    assert bm["DRL"].to_numpy() == pytest.approx(-0.05 * 100 / 0.925 / 0.5)
    non = response_value_by_block(index, price, price, energy, "non_bm", lag_periods=0)
    # without ABSVD the energy is also settled: DRH pays £5, DRL is paid £5 per period
    assert non["DRH"].to_numpy() == pytest.approx((4.625 - 5.0) / 0.5)
    assert non["DRL"].to_numpy() == pytest.approx((-0.05 * 100 / 0.925 + 5.0) / 0.5)
    # EFA blocks of 2024-01-10 00:00-24:00 UTC: block 1 of EFA day 10 starts at 23:00 on the 9th
    assert len(bm) == 7


def _data() -> tuple:  # type: ignore[type-arg]
    rng = np.random.default_rng(20)
    days = 2  # calm energy prices, so the services decide the holdings
    system = rng.normal(70.0, 5.0, 48 * days)
    service = {"DRL": rng.uniform(4, 8, 6 * days), "DRH": rng.uniform(-2, 2, 6 * days)}
    data = market(system + 2.0, system, service)
    keys = data.service_price_gbp_per_mw_per_h.index
    return data, keys


def test_a_zero_value_changes_nothing_but_the_stream_names() -> None:
    data, keys = _data()
    battery = BatterySpec.from_round_trip(1.0, 2.0, 0.88)
    before = revenue_stack(data, battery, DR, ("system",), mode="perfect_foresight")
    zero = pd.DataFrame(0.0, index=keys, columns=["DRL", "DRH"])
    after = revenue_stack(
        data, battery, DR, ("system",), mode="perfect_foresight", response=ResponseTerms(zero, {})
    )
    a, b = before.upper_bound, after.upper_bound
    assert b.net_revenue_gbp == pytest.approx(a.net_revenue_gbp)
    assert b.mean_service_mw == pytest.approx(a.mean_service_mw)
    assert b.streams["response_energy_DRH"] == 0.0
    assert RESPONSE_NOTE in b.assumptions


def test_free_energy_moves_holdings_to_drh_and_streams_sum_to_the_net() -> None:
    data, keys = _data()
    battery = BatterySpec.from_round_trip(1.0, 2.0, 0.88)
    before = revenue_stack(data, battery, DR, ("system",), mode="perfect_foresight")
    # as with ABSVD: DR-High receives energy worth £6/MW/h, DR-Low gives away £6/MW/h
    value = pd.DataFrame({"DRL": -6.0, "DRH": 6.0}, index=keys)
    after = revenue_stack(
        data, battery, DR, ("system",), mode="perfect_foresight", response=ResponseTerms(value, {})
    )
    a, b = before.upper_bound, after.upper_bound
    assert b.mean_service_mw["DRH"] > a.mean_service_mw["DRH"] + 0.1
    assert b.mean_service_mw["DRL"] < a.mean_service_mw["DRL"] - 0.1
    assert sum(b.streams.values()) == pytest.approx(b.net_revenue_gbp, abs=1e-9)
    held_h = b.mean_service_mw["DRH"] * 2 * 24
    assert b.streams["response_energy_DRH"] == pytest.approx(6.0 * held_h)
    months = b.by_month.drop(columns=["net_gbp", "equivalent_cycles"]).sum(axis=1)
    np.testing.assert_allclose(months.to_numpy(), b.by_month["net_gbp"].to_numpy())
    assert b.by_efa_block["net_gbp"].sum() == pytest.approx(b.net_revenue_gbp)


def test_drift_is_utilisation_times_lag_and_widens_the_reserve() -> None:
    index = half_hourly_index("2024-01-10", "2024-01-10")
    price = pd.Series(100.0, index=index)
    energy = pd.DataFrame({"DRH": 0.05, "DRL": -0.05}, index=index)
    terms = response_terms(index, price, price, energy, "bm", lag_periods=3)
    # 0.05 MWh per half-hour = 0.1 MW per MW; until resale 3 periods (1.5 h) later: 0.15 h
    assert terms.drift_h == pytest.approx({"DRH": 0.15, "DRL": 0.15})
    data, keys = _data()
    battery = BatterySpec.from_round_trip(1.0, 1.0, 0.88)
    value = pd.DataFrame(0.0, index=keys, columns=["DRL", "DRH"])
    plain = revenue_stack(
        data, battery, DR, ("system",), mode="perfect_foresight", response=ResponseTerms(value, {})
    )
    drifting = revenue_stack(
        data,
        battery,
        DR,
        ("system",),
        mode="perfect_foresight",
        response=ResponseTerms(value, {"DRL": 0.5, "DRH": 0.5}),
    )
    held = sum(drifting.upper_bound.mean_service_mw.values())
    # a 1 MWh battery reserving 1.5 h of full delivery per MW for DR can hold less
    assert held < sum(plain.upper_bound.mean_service_mw.values()) - 0.05
