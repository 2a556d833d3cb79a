"""Revenue stack engine: hand-solved cases, every-interval checks and the bounds that must hold."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.battery import BatterySpec
from engine.dispatch.optimise import optimise_dispatch
from engine.errors import InfeasibleDispatchError
from engine.reference import ReferenceData
from engine.revenue.attribution import RevenueResult, attribute
from engine.revenue.day_ahead import optimise_day_ahead
from engine.revenue.layout import Layout, MarketData, layout, trade_markets
from engine.revenue.markets import DYNAMIC_SERVICES, ServiceSpec
from engine.revenue.search import Schedule, check_stack, optimise_perfect_foresight
from engine.settlement import half_hourly_index
from tests.strategies import batteries, prices_gbp_per_mwh

DUR = {"DC": 0.25, "DM": 0.5, "DR": 1.0}
ALL = tuple(
    ServiceSpec(n, n[:2], "low" if n[2] == "L" else "high", DUR[n[:2]]) for n in DYNAMIC_SERVICES
)


def market(
    apx: np.ndarray, system: np.ndarray, service: dict[str, np.ndarray] | None = None
) -> MarketData:
    """Prices from 2024-06-02 00:00 UTC+1 (a BST day: EFA block 1 starts 23:00 local)."""
    days = len(system) // 48
    index = half_hourly_index(
        "2024-06-02", pd.Timestamp("2024-06-02") + pd.Timedelta(days=days - 1)
    )
    blocks = pd.MultiIndex.from_product(
        [pd.date_range("2024-06-02", periods=days + 1), range(1, 7)],
        names=["efa_date", "efa_block"],
    )
    table = pd.DataFrame(index=blocks, columns=list(DYNAMIC_SERVICES), dtype=float)
    for name, values in (service or {}).items():
        table[name] = np.resize(values, len(blocks))
    energy = pd.DataFrame({"apx": apx, "system": system}, index=index)
    return MarketData(index, energy, table)


def run(
    data: MarketData,
    battery: BatterySpec,
    services: Sequence[ServiceSpec] = ALL,
    markets: Sequence[str] = ("apx", "system"),
) -> tuple[Layout, Schedule, RevenueResult]:
    lay = layout(data, tuple(services), tuple(markets))
    schedule = optimise_perfect_foresight(lay, battery)
    check_stack(lay, battery, schedule)
    buy, sell = trade_markets(lay.energy)
    return lay, schedule, attribute(lay, battery, schedule, buy, sell, (), "pf", None, [])


def test_two_markets_buy_cheap_sell_dear() -> None:
    # 1 MW / 0.5 MWh, lossless. Interval 0: APX £10, system £30; interval 1: APX £60,
    # system £40; elsewhere flat £50 in both. Best: charge 0.5 MWh in APX at £10 (−£5),
    # discharge 0.5 MWh in APX at £60 (+£30) = £25 — or the flat £50 later, worth less.
    apx = np.full(48, 50.0)
    system = np.full(48, 50.0)
    apx[:2], system[:2] = [10.0, 60.0], [30.0, 40.0]
    battery = BatterySpec(1.0, 1.0, 0.5)
    _, schedule, result = run(market(apx, system), battery, services=())
    assert result.net_revenue_gbp == pytest.approx(25.0)
    assert result.streams["energy_apx"] == pytest.approx(25.0)
    assert result.streams["energy_system"] == pytest.approx(0.0)
    assert schedule.charge_mw[0] == pytest.approx(1.0)


def test_cross_market_in_one_period_is_not_free_money() -> None:
    # APX £0 and system £100 in every period: a naked "buy APX, spill at system" would earn
    # £50 per MW per half-hour. The battery must physically carry energy: charge at £0 then
    # discharge at £100 in a later period; 1 MW / 1 MWh lossless over 48 periods alternates
    # 2 periods charging, 2 discharging: 12 cycles x 1 MWh x £100 = £1,200.
    battery = BatterySpec(1.0, 1.0, 1.0)
    _, schedule, result = run(market(np.zeros(48), np.full(48, 100.0)), battery, services=())
    assert not np.any((schedule.charge_mw > 0) & (schedule.discharge_mw > 0))
    assert result.net_revenue_gbp == pytest.approx(1200.0)


def test_apx_no_trade_is_not_a_zero_price() -> None:
    # APX has no trade (NaN) in period 0; with only APX selected the battery cannot buy
    # there, so the £0 it would otherwise see is not available: nothing can be earned.
    apx = np.full(48, 50.0)
    apx[0] = np.nan
    battery = BatterySpec(1.0, 1.0, 0.5)
    _, schedule, result = run(market(apx, apx), battery, services=(), markets=("apx",))
    assert schedule.charge_mw[0] == 0.0
    assert result.net_revenue_gbp == pytest.approx(0.0)


def test_service_needs_its_energy_reserve() -> None:
    # DRL at £10/MW/h in every block, energy flat at £50. 1 MW / 2 MWh lossless, starting
    # and ending half full (1 MWh): DR needs 60 min of full delivery and 1 MWh covers 1 MW,
    # so 1 MW is held all day: 24 h x £10 = £240 (block 1 of EFA day 2 June has 3 h in the
    # period, blocks 2-6 4 h, and block 1 of 3 June the last hour).
    flat = np.full(48, 50.0)
    battery = BatterySpec(1.0, 1.0, 2.0, initial_soc_mwh=1.0, final_soc_mwh=1.0)
    data = market(flat, flat, {"DRL": np.full(6, 10.0)})
    _, schedule, result = run(data, battery, services=[ALL[4]])
    assert result.streams["DRL"] == pytest.approx(240.0)
    assert result.net_revenue_gbp == pytest.approx(240.0)
    # Starting empty, the reserve must already be there at the start of block 1, so block 1
    # cannot be held (the battery charges during it, then holds DRL).
    empty = BatterySpec(1.0, 1.0, 2.0, initial_soc_mwh=0.0)
    _, schedule, result = run(data, empty, services=[ALL[4]])
    assert result.streams["DRL"] < 240.0
    assert schedule.service_mw[0, 0] == pytest.approx(0.0)


def test_negative_clearing_prices_are_not_held() -> None:
    flat = np.full(48, 50.0)
    battery = BatterySpec(1.0, 1.0, 2.0, initial_soc_mwh=1.0)
    data = market(flat, flat, {"DRH": np.full(6, -5.0)})
    _, schedule, result = run(data, battery, services=[ALL[5]])
    assert np.all(schedule.service_mw == 0.0)
    assert result.streams["DRH"] == 0.0


def test_check_rejects_a_megawatt_sold_twice() -> None:
    flat = np.full(48, 50.0)
    battery = BatterySpec(1.0, 1.0, 2.0, initial_soc_mwh=1.0)
    lay = layout(market(flat, flat, {"DCL": np.full(6, 1.0)}), (ALL[0],), ("system",))
    service = np.zeros((lay.blocks.shape[0], 1))
    service[:, 0] = 1.0
    discharge = np.zeros(48)
    discharge[5] = 0.5  # 0.5 MW exported while 1 MW of DCL is held: 1.5 MW > 1 MW inverter
    soc = 1.0 - np.cumsum(discharge) * 0.5
    bad = Schedule(soc, np.zeros(48), discharge, service, 0.0)
    with pytest.raises(InfeasibleDispatchError, match="discharge headroom"):
        check_stack(lay, battery, bad)


two_days = prices_gbp_per_mwh(96, 96, lowest_gbp_per_mwh=-50.0, highest_gbp_per_mwh=200.0)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    apx=two_days,
    system=two_days,
    service=st.lists(st.floats(-5, 20, allow_nan=False), min_size=6, max_size=6),
    # 1 MW (the stand-alone bound below assumes it); a round trip of 0.8-1 split evenly, empty
    # at the start and free at the end, as BatterySpec.from_round_trip builds it.
    battery=batteries(
        power_mw=st.just(1.0),
        energy_mwh=st.floats(0.5, 2.0),
        efficiency_frac=st.floats(0.8, 1.0).map(math.sqrt),
        degradation_gbp_per_mwh=st.just(0.0),
        same_power=True,
        same_efficiency=True,
        soc_window=False,
        cycle_caps=False,
    ),
)
def test_bounds_and_checks_hold(
    apx: list[float], system: list[float], service: list[float], battery: BatterySpec
) -> None:
    """Co-opt ≥ best single-market arbitrage (exact DP) and ≤ the sum of stand-alone optima;
    the schedule passes every per-interval check; streams sum to the net."""
    apx_a, sys_a = np.array(apx), np.array(system)
    data = market(apx_a, sys_a, {name: np.array(service) for name in DYNAMIC_SERVICES})
    lay, _, result = run(data, battery)
    assert sum(result.streams.values()) == pytest.approx(result.net_revenue_gbp, abs=1e-9)
    assert result.by_month["net_gbp"].sum() == pytest.approx(result.net_revenue_gbp)
    single = [optimise_dispatch(p, battery).net_revenue_gbp for p in (apx_a, sys_a)]
    assert result.net_revenue_gbp >= max(single) - 1e-6
    # Stand-alone optima: each energy market alone, and each service held at the most the
    # battery could ever hold (power, or usable energy over the delivery duration).
    hours = np.bincount(lay.block_of_interval) * 0.5
    standalone = sum(single)
    for k, spec in enumerate(lay.services):
        eff = (
            battery.discharge_efficiency_frac
            if spec.direction == "low"
            else 1 / battery.charge_efficiency_frac
        )
        most = min(1.0, battery.usable_energy_mwh * eff / spec.delivery_duration_h)
        standalone += float(
            np.sum(np.maximum(np.nan_to_num(lay.service_price[:, k]), 0) * most * hours)
        )
    assert result.net_revenue_gbp <= standalone + 1e-6


def test_day_ahead_is_feasible_and_settles_on_actuals() -> None:
    rng = np.random.default_rng(7)
    system = 60 + 5 * rng.standard_normal(48 * 9)  # calm energy: DRL at £8/MW/h pays
    apx = system + 5 * rng.standard_normal(48 * 9)
    data = market(apx, system, {"DRL": np.full(6, 8.0), "DCH": np.full(6, 2.0)})
    battery = BatterySpec.from_round_trip(1.0, 2.0, 0.88)
    lay = layout(data, ALL, ("apx", "system"))
    schedule, buy, sell = optimise_day_ahead(lay, battery)
    check_stack(lay, battery, schedule)  # raises on any breach
    result = attribute(lay, battery, schedule, buy, sell, (), "day_ahead", None, [])
    _, _, pf = run(data, battery)
    assert result.net_revenue_gbp <= pf.net_revenue_gbp + 1e-6
    assert sum(result.streams.values()) == pytest.approx(result.net_revenue_gbp)
    assert result.streams["DRL"] > 0


def test_services_only_an_empty_battery_holds_only_high_services() -> None:
    # No energy market: an empty battery can never charge, so it cannot back any low
    # service; it can absorb, so it holds high services (DCH £2/MW/h: 24 h x £2 = £48).
    flat = np.full(48, 50.0)
    data = market(flat, flat, {"DCL": np.full(6, 9.0), "DCH": np.full(6, 2.0)})
    battery = BatterySpec(1.0, 1.0, 1.0)
    _, schedule, result = run(data, battery, services=ALL[:2], markets=())
    assert result.streams == pytest.approx({"DCL": 0.0, "DCH": 48.0, "degradation": 0.0,
                                            "auxiliary": 0.0})  # fmt: skip
    assert np.all(schedule.charge_mw == 0.0)


def test_real_may_2024_beats_each_market_alone(ref: ReferenceData) -> None:
    """Real May 2024 prices (negative imbalance prices included, asserted below): the
    co-optimised stack is at least the exact single-market arbitrage optimum of either market."""
    system = ref.table("system_prices_2024")
    mid = ref.table("market_index_2024")
    apx = mid[mid["data_provider"] == "APXMIDP"]
    may = (system["settlement_date"] >= "2024-05-01") & (system["settlement_date"] <= "2024-05-31")
    index = pd.DatetimeIndex(pd.to_datetime(system.loc[may, "start_time_utc"]))
    sys_p = system.loc[may, "system_sell_price_gbp_per_mwh"].to_numpy()
    apx_rows = apx[
        (apx["settlement_date"] >= "2024-05-01") & (apx["settlement_date"] <= "2024-05-31")
    ]
    apx_p = np.where(
        apx_rows["market_index_volume_mwh"] > 0, apx_rows["market_index_price_gbp_per_mwh"], np.nan
    )
    response = ref.table("dynamic_response_2024")
    table = response.pivot_table(index=["efa_date", "efa_block"], columns="service",
                                 values="clearing_price_gbp_per_mw_per_h")  # fmt: skip
    data = MarketData(index, pd.DataFrame({"apx": apx_p, "system": sys_p}, index=index), table)
    battery = BatterySpec.from_round_trip(1.0, 2.0, 0.88)
    lay, _, result = run(data, battery)
    assert (sys_p < 0).any()
    best_single = max(
        optimise_dispatch(sys_p, battery).net_revenue_gbp,
        optimise_dispatch(
            np.nan_to_num(apx_p), battery, tradable=np.isfinite(apx_p)
        ).net_revenue_gbp,
    )
    assert result.net_revenue_gbp >= best_single - 1e-6
    assert lay.n == 31 * 48


def test_cycle_cap_is_respected_every_day() -> None:
    rng = np.random.default_rng(11)
    system = 60 + 60 * rng.standard_normal(48 * 3)
    data = market(system + 3.0, system, {"DRL": np.full(6, 4.0)})
    capped = BatterySpec.from_round_trip(1.0, 1.0, 0.9, max_cycles_per_day=0.5)
    lay, schedule, result = run(data, capped)  # check_stack enforces the cap per UK day
    free = run(data, BatterySpec.from_round_trip(1.0, 1.0, 0.9))[2]
    days = pd.DatetimeIndex(lay.index).tz_convert("Europe/London").date
    per_day = pd.Series(schedule.discharge_mw * 0.5).groupby(days).sum()
    assert (per_day <= 0.5 * 1.0 + 1e-6).all()  # 0.5 cycles x 1 MWh usable
    assert result.net_revenue_gbp <= free.net_revenue_gbp + 1e-6
