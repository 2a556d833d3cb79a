"""``revenue_stack``: the one engine entry runs layout → optimise → check → attribute."""

from __future__ import annotations

import numpy as np
import pytest

from engine.battery import BatterySpec
from engine.revenue import (
    MarketData,
    RevenueStack,
    optimise_perfect_foresight,
    revenue_stack,
)
from engine.revenue.forecast_mode import ForecastPolicy
from engine.revenue.layout import layout
from engine.revenue.stack import PERFECT_FORESIGHT_NOTE, forecast_run
from tests.engine.revenue.test_search import ALL, market


def test_two_markets_by_hand() -> None:
    # As test_search: APX £10 then £60 at the start, flat £50 elsewhere; 1 MW / 0.5 MWh
    # lossless buys 0.5 MWh in APX at £10 and sells it in APX at £60: £25.
    apx, system = np.full(48, 50.0), np.full(48, 50.0)
    apx[:2], system[:2] = [10.0, 60.0], [30.0, 40.0]
    stack = revenue_stack(
        market(apx, system),
        BatterySpec(1.0, 1.0, 0.5),
        (),
        ("apx", "system"),
        mode="perfect_foresight",
        assumptions=["a"],
    )
    assert stack.forecast is None
    assert stack.capture_ratio is None
    result = stack.upper_bound
    assert result.mode == "perfect_foresight"
    assert result.net_revenue_gbp == pytest.approx(25.0)
    assert result.assumptions == ["a", PERFECT_FORESIGHT_NOTE]


def _split(data: MarketData, history_days: int) -> tuple[MarketData, MarketData]:
    cut = 48 * history_days
    energy = data.energy_price_gbp_per_mwh
    history = MarketData(
        data.interval_start[:cut], energy.iloc[:cut], data.service_price_gbp_per_mw_per_h
    )
    period = MarketData(
        data.interval_start[cut:], energy.iloc[cut:], data.service_price_gbp_per_mw_per_h
    )
    return period, history


def test_forecast_mode_is_the_same_as_its_parts() -> None:
    rng = np.random.default_rng(7)
    days = 11  # eight days of history for the forecast, then three decided days
    system = rng.normal(60.0, 25.0, 48 * days)
    service = {"DCL": rng.uniform(0, 10, 6 * days), "DRH": rng.uniform(0, 5, 6 * days)}
    period, history = _split(market(system + 3.0, system, service), 8)
    battery = BatterySpec.from_round_trip(1.0, 2.0, 0.88)
    stack = revenue_stack(period, battery, ALL, ("apx", "system"), history=history)
    forecast = stack.forecast
    assert forecast is not None
    assert forecast.mode == "forecast"
    assert forecast.assumptions == [ForecastPolicy().note()]
    # The same schedule as calling the steps by hand; the ceiling bounds it.
    _, run = forecast_run(period, battery, ALL, ("apx", "system"), history)
    np.testing.assert_allclose(forecast.schedule["soc_mwh"], run.schedule.soc_mwh)
    assert stack.headline is forecast
    ratio = stack.capture_ratio
    assert ratio is not None
    assert ratio == pytest.approx(forecast.net_revenue_gbp / stack.upper_bound.net_revenue_gbp)
    assert ratio <= 1.0 + 1e-9
    lay = layout(period, ALL, ("apx", "system"))
    alone = optimise_perfect_foresight(lay, battery)
    # Seeded with the policy's holdings, the ceiling is at least the plain search's.
    assert stack.upper_bound.net_revenue_gbp >= alone.objective_gbp - 1e-6
    # Without its ceiling: the same forecast run, and no ratio to a bound not solved.
    bare = revenue_stack(
        period, battery, ALL, ("apx", "system"), history=history, upper_bound=False
    )
    assert bare.perfect_foresight is None
    assert bare.forecast is not None
    assert bare.forecast.net_revenue_gbp == forecast.net_revenue_gbp
    assert bare.capture_ratio is None
    with pytest.raises(ValueError, match="without its upper bound"):
        _ = bare.upper_bound
    with pytest.raises(ValueError, match="a forecast run, an upper bound or both"):
        RevenueStack(None, None)


def test_day_ahead_is_an_alias_of_forecast() -> None:
    rng = np.random.default_rng(3)
    system = rng.normal(60.0, 25.0, 48 * 10)
    period, history = _split(market(system, system), 8)
    battery = BatterySpec(1.0, 1.0, 2.0)
    one = revenue_stack(period, battery, (), ("system",), history=history, mode="day_ahead")
    two = revenue_stack(period, battery, (), ("system",), history=history)
    assert one.forecast is not None
    assert two.forecast is not None
    assert one.forecast.net_revenue_gbp == two.forecast.net_revenue_gbp


def test_no_capture_ratio_when_perfect_foresight_earns_nothing() -> None:
    flat = market(np.full(48, 50.0), np.full(48, 50.0))
    pf = revenue_stack(
        flat, BatterySpec(1.0, 1.0, 1.0), (), ("system",), mode="perfect_foresight"
    ).upper_bound
    assert pf.net_revenue_gbp == pytest.approx(0.0)
    assert RevenueStack(pf, pf).capture_ratio is None


def _shaped(days: int) -> tuple[MarketData, MarketData]:
    """Eight days of history, then ``days - 8`` decided days of a clear daily spread."""
    hour = np.tile(np.arange(48) / 2.0, days)
    system = 60.0 + 40.0 * np.sin((hour - 10.0) / 24.0 * 2 * np.pi)
    return _split(market(system + 3.0, system), 8)


def test_apx_positions_without_apx_trades_settle_at_the_imbalance_price() -> None:
    # BSC Section T: a contract position not matched by metered flow is energy imbalance.
    period, history = _shaped(11)
    battery = BatterySpec.from_round_trip(1.0, 2.0, 0.88)
    lay, run = forecast_run(period, battery, (), ("apx",), history)
    last_day = np.arange(lay.n) >= lay.n - 48  # decided before any of its prices exist
    traded = last_day & (np.abs(run.position_mwh) > 1e-6)
    assert traded.sum() >= 2
    energy = period.energy_price_gbp_per_mwh.copy()
    energy.loc[traded, "apx"] = np.nan
    holed = MarketData(period.interval_start, energy, period.service_price_gbp_per_mw_per_h)
    stack = revenue_stack(holed, battery, (), ("apx",), history=history)
    result = stack.forecast
    assert result is not None
    flow = (result.schedule["discharge_mw"] - result.schedule["charge_mw"]).to_numpy() * 0.5
    system = energy["system"].to_numpy()
    assert result.streams["energy_system"] == pytest.approx(float((flow * system)[traded].sum()))
    assert result.streams["energy_system"] != 0.0
    assert any("BSC Section T" in line for line in result.assumptions)
    assert np.isfinite(result.net_revenue_gbp)


def test_a_position_without_any_price_is_missing_cash_not_zero() -> None:
    period, history = _shaped(11)
    battery = BatterySpec.from_round_trip(1.0, 2.0, 0.88)
    lay, run = forecast_run(period, battery, (), ("apx",), history)
    traded = (np.arange(lay.n) >= lay.n - 48) & (np.abs(run.position_mwh) > 1e-6)
    energy = period.energy_price_gbp_per_mwh.copy()
    energy.loc[traded, ["apx", "system"]] = np.nan
    holed = MarketData(period.interval_start, energy, period.service_price_gbp_per_mw_per_h)
    result = revenue_stack(holed, battery, (), ("apx",), history=history).forecast
    assert result is not None
    assert np.isnan(result.streams["energy_system"])
    assert np.isnan(result.net_revenue_gbp)
    assert any("missing (NaN), not £0" in line for line in result.assumptions)


def test_by_month_carries_equivalent_cycles_that_add_up() -> None:
    period, history = _shaped(11)
    battery = BatterySpec.from_round_trip(1.0, 2.0, 0.88)
    stack = revenue_stack(period, battery, (), ("apx", "system"), history=history)
    for result in (stack.headline, stack.upper_bound):
        cycles = result.by_month["equivalent_cycles"]
        assert cycles.sum() == pytest.approx(result.equivalent_cycles)
        assert result.equivalent_cycles > 0.5  # three days of a clear spread are cycled
        streams = result.by_month.drop(columns=["net_gbp", "equivalent_cycles"])
        np.testing.assert_allclose(streams.sum(axis=1), result.by_month["net_gbp"])
