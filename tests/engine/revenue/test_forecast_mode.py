"""Forecast mode on real GB prices: non-anticipative, more options never lose, and the
perfect-foresight ceiling bounds it in every month.

Periods are three weeks (a month for the ceiling) of 2024 and 2025 read from the shipped
market files, with two weeks of history before each (the naive forecasts need one).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools

import numpy as np
import pandas as pd
import pytest

from engine.battery import BatterySpec
from engine.errors import ValidationError
from engine.reference import reference_data
from engine.revenue import (
    DYNAMIC_SERVICES,
    MarketData,
    ServiceSpec,
    decision_time,
    revenue_stack,
    service_specs,
)
from engine.revenue.forecasts import PUBLICATION_LAG_INTERVALS
from engine.revenue.stack import forecast_run, settle_forecast
from engine.settlement import UK_TZ
from tests.engine.revenue.real_data import DATA_DIR, period

BATTERY = BatterySpec.from_round_trip(1.0, 2.0, 0.88)
SMALLER = BatterySpec.from_round_trip(1.0, 1.0, 0.88)  # same power, half the energy
BOTH = ("apx", "system")


@functools.cache
def _services(names: tuple[str, ...] = DYNAMIC_SERVICES) -> tuple[ServiceSpec, ...]:
    table = reference_data(DATA_DIR).table("dynamic_response_parameters")
    return service_specs(table, names)


def _net(
    data: MarketData,
    history: MarketData,
    battery: BatterySpec,
    services: tuple[ServiceSpec, ...],
    markets: tuple[str, ...],
) -> float:
    lay, run = forecast_run(data, battery, services, markets, history)
    return settle_forecast(data, lay, battery, run, (), ()).net_revenue_gbp


# ---------------------------------------------------------------- non-anticipativity


def _published_at(index: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """When a half-hour's APX and system prices become public (its end + the lag)."""
    return index + pd.Timedelta(minutes=30 * (1 + PUBLICATION_LAG_INTERVALS))


def _perturbed(data: MarketData, t: pd.Timestamp, rng: np.random.Generator) -> MarketData:
    energy = data.energy_price_gbp_per_mwh.copy()
    late = np.asarray(_published_at(data.interval_start) > t)
    noise = rng.normal(0.0, 80.0, size=(int(late.sum()), energy.shape[1]))
    rows = np.flatnonzero(late)
    energy.iloc[rows] = energy.iloc[rows].to_numpy() + noise
    table = data.service_price_gbp_per_mw_per_h.copy()
    days = pd.DatetimeIndex(table.index.get_level_values(0))
    # EFA day E's clearing prices are public once its auction (on E-1, after the D-1 10:00
    # decision) has run: after decision_time(E).
    public = pd.DatetimeIndex([decision_time(d.date()) for d in days])
    late_rows = np.asarray(public >= t)
    picked = np.flatnonzero(late_rows)
    table.iloc[picked] = table.iloc[picked].to_numpy() * rng.uniform(
        0.0, 5.0, size=(int(late_rows.sum()), table.shape[1])
    )
    return MarketData(data.interval_start, energy, table)


@pytest.mark.parametrize("first", [dt.date(2024, 3, 4), dt.date(2025, 9, 8)])
def test_decisions_before_t_ignore_every_price_published_after_t(first: dt.date) -> None:
    data, history = period(first, first + dt.timedelta(days=5))
    services = _services()
    lay, base = forecast_run(data, BATTERY, services, BOTH, history)
    t = pd.Timestamp(f"{first + dt.timedelta(days=2)} 14:17", tz=UK_TZ).tz_convert("UTC")
    rng = np.random.default_rng(7)
    _, other = forecast_run(
        _perturbed(data, t, rng), BATTERY, services, BOTH, _perturbed(history, t, rng)
    )
    # Physical flows are final at gate closure, one hour before each half-hour.
    flows_fixed = np.asarray(lay.index - pd.Timedelta(hours=1) < t)
    assert flows_fixed.sum() > 48
    assert (~flows_fixed).sum() > 48
    for name in ("charge_mw", "discharge_mw", "soc_mwh"):
        before = getattr(base.schedule, name)[flows_fixed]
        after = getattr(other.schedule, name)[flows_fixed]
        np.testing.assert_array_equal(before, after, err_msg=name)
    # Holdings and APX positions of an EFA day are final at its D-1 10:00 decision.
    decided = np.array([decision_time(pd.Timestamp(d).date()) < t for d in lay.blocks["efa_date"]])
    np.testing.assert_array_equal(
        base.schedule.service_mw[decided], other.schedule.service_mw[decided]
    )
    day_of = decided[lay.block_of_interval]
    np.testing.assert_array_equal(base.position_mwh[day_of], other.position_mwh[day_of])
    # The perturbation reached the decisions after t (so the test can fail).
    assert not np.array_equal(
        base.schedule.service_mw[~decided], other.schedule.service_mw[~decided]
    )


def test_forecast_mode_without_a_week_of_history_says_how_much_it_has() -> None:
    data, history = period(dt.date(2024, 3, 4), dt.date(2024, 3, 6), history_days=3)
    with pytest.raises(ValidationError) as caught:
        revenue_stack(data, BATTERY, (), BOTH, history=history)
    assert caught.value.field == "from"
    assert "8 days" in caught.value.detail
    assert "holds 3" in caught.value.detail


# ---------------------------------------------------------------- more options never lose

MONTHS = [dt.date(year, month, 1) for year in (2024, 2025) for month in range(1, 13)]
SUBSETS = (("DCL", "DCH"), ("DRL", "DRH"), ("DML", "DMH", "DRL"), ("DRL",))


@functools.cache
def _month(first: dt.date) -> dict[str, float]:
    """Net £ of each policy over one calendar month (one run per policy, shared by the
    assertions), and the upper bound of the six-service policy."""
    last = (pd.Timestamp(first) + pd.offsets.MonthEnd(0)).date()
    data, history = period(first, last)
    capped = dataclasses.replace(BATTERY, max_cycles_per_day=1.0)
    stack = revenue_stack(data, BATTERY, _services(), BOTH, history=history)
    assert stack.forecast is not None
    nets = {
        "apx": _net(data, history, BATTERY, (), ("apx",)),
        "apx+system": _net(data, history, BATTERY, (), BOTH),
        "six": stack.forecast.net_revenue_gbp,
        "upper bound": stack.upper_bound.net_revenue_gbp,
        "six capped": _net(data, history, capped, _services(), BOTH),
        "six 1 MWh": _net(data, history, SMALLER, _services(), BOTH),
    }
    for subset in SUBSETS:
        nets[",".join(subset)] = _net(data, history, BATTERY, _services(subset), BOTH)
    return nets


def _shortfalls(first: dt.date, nets: dict[str, float]) -> list[str]:
    """Each more-options property the month's nets break, as a sentence (none when all hold)."""
    out = []
    if nets["apx+system"] < nets["apx"] - 0.01:  # a penny: SoC dust of 1e-7 MWh
        out.append(f"APX + imbalance £{nets['apx+system']:.0f} < APX only £{nets['apx']:.0f}")
    if nets["six"] < 0.98 * nets["six capped"]:
        out.append(f"uncapped £{nets['six']:.0f} < 98 % of capped £{nets['six capped']:.0f}")
    for subset in SUBSETS:
        few = nets[",".join(subset)]
        if nets["six"] < 0.98 * few:
            out.append(f"six services £{nets['six']:.0f} < 98 % of {subset} £{few:.0f}")
    if nets["six"] < 0.98 * nets["six 1 MWh"]:
        out.append(f"2 MWh £{nets['six']:.0f} < 98 % of 1 MWh £{nets['six 1 MWh']:.0f}")
    if nets["upper bound"] < nets["six"] - 1e-6:
        out.append(f"upper bound £{nets['upper bound']:.0f} < forecast £{nets['six']:.0f}")
    return [f"{first:%Y-%m}: {line}" for line in out]


@pytest.mark.slow
def test_more_options_never_lose_in_any_month_of_2024_and_2025() -> None:
    """APX + imbalance ≥ APX only; uncapped ≥ 98 % of one cycle a day; six services ≥ 98 %
    of each subset; 2 MWh ≥ 98 % of 1 MWh (more energy can do all the smaller battery does);
    the upper bound ≥ the forecast: in each of the 24 months (1 MW/2 MWh, round trip 0.88,
    the default policy and naive forecasts)."""
    broken = [line for first in MONTHS for line in _shortfalls(first, _month(first))]
    assert not broken, "\n".join(broken)


def test_the_month_check_can_fail() -> None:
    """Rigged figures where a smaller policy earned more are reported (the check can fail)."""
    nets = {"apx": 101.0, "apx+system": 100.0, "six": 100.0, "upper bound": 99.0}
    nets |= {"six capped": 103.0, **{",".join(subset): 90.0 for subset in SUBSETS}, "DRL": 110.0}
    nets["six 1 MWh"] = 103.0
    lines = _shortfalls(MONTHS[0], nets)
    assert len(lines) == 5
    assert all(line.startswith("2024-01: ") for line in lines)
    assert "('DRL',)" in lines[2]
    assert "2 MWh £100 < 98 % of 1 MWh £103" in lines[3]
