"""Dispatch inputs: bad prices are named, days follow settlement dates, checks catch faults."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engine.battery import BatterySpec
from engine.dispatch.problem import build_problem, check_schedule, day_ids
from engine.errors import InfeasibleDispatchError, ValidationError

BATTERY = BatterySpec.symmetric(2.0, 4.0, charge_efficiency_frac=0.9)


def test_nan_prices_name_the_intervals() -> None:
    index = pd.date_range("2024-06-01T00:00Z", periods=4, freq="30min")
    prices = pd.Series([10.0, np.nan, 20.0, np.nan], index=index)
    with pytest.raises(ValidationError) as exc:
        build_problem(BATTERY, 0.5, prices)
    assert exc.value.field == "prices_gbp_per_mwh"
    assert "2 interval(s)" in exc.value.detail
    assert "2024-06-01T00:30:00+00:00" in exc.value.detail
    assert "2024-06-01T01:30:00+00:00" in exc.value.detail


def test_missing_positions_named_for_plain_arrays() -> None:
    with pytest.raises(ValidationError, match=r"at 1 interval\(s\): 2$"):
        build_problem(BATTERY, 0.5, [1.0, 2.0, None])


def test_unequal_buy_and_sell_lengths() -> None:
    with pytest.raises(ValidationError) as exc:
        build_problem(BATTERY, 0.5, None, [1.0, 2.0], [1.0, 2.0, 3.0])
    assert "unequal lengths" in exc.value.detail
    assert exc.value.field == "buy_prices_gbp_per_mwh"


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ((None, None, None), "prices_gbp_per_mwh"),
        ((None, [1.0], None), "prices_gbp_per_mwh"),
        (([], None, None), "prices_gbp_per_mwh"),
    ],
)
def test_missing_or_empty_prices(args: tuple[object, object, object], field: str) -> None:
    with pytest.raises(ValidationError) as exc:
        build_problem(BATTERY, 0.5, *args)
    assert exc.value.field == field


def test_bad_interval_length() -> None:
    with pytest.raises(ValidationError) as exc:
        build_problem(BATTERY, 0.0, [1.0])
    assert exc.value.field == "interval_h"


def test_days_follow_settlement_dates_across_the_clock_change() -> None:
    # 2024-10-27 has 50 periods: UK midnight is 23:00Z on the 26th, the next 00:00Z on the 28th.
    index = pd.date_range("2024-10-26T23:00Z", periods=52, freq="30min")
    days = day_ids(index, 0.5)
    assert (days[:50] == 0).all()
    assert (days[50:] == 1).all()
    # Without timestamps: blocks of 24 / 0.5 = 48 intervals.
    assert day_ids(pd.RangeIndex(100), 0.5).tolist() == [0] * 48 + [1] * 48 + [2] * 4


def test_check_schedule_catches_each_fault() -> None:
    problem = build_problem(BatterySpec.symmetric(2.0, 4.0, max_cycles_per_day=0.25), 0.5, [1, 2])
    ok = (np.array([2.0, 0.0]), np.array([0.0, 2.0]), np.array([1.0, 0.0]))
    check_schedule(problem, *ok, 0.0, None)
    faults = {
        "energy balance": (np.array([2.0, 0.0]), np.array([0.0, 2.0]), np.array([1.0, 0.5])),
        "state of charge bounds": (np.array([0.0, 0.0]), np.array([2.0, 0.0]), np.array([-1, -1])),
        "power bounds": (np.array([3.0, 0.0]), np.array([0.0, 3.0]), np.array([1.5, 0.0])),
        "simultaneous": (np.array([2.0, 0.0]), np.array([1.0, 1.0]), np.array([0.5, 0.0])),
    }
    for words, schedule in faults.items():
        charge, discharge, soc = (np.asarray(x, dtype=float) for x in schedule)
        with pytest.raises(InfeasibleDispatchError, match=words):
            check_schedule(problem, charge, discharge, soc, 0.0, None)
    # A 0.25-cycle cap on 4 MWh allows 1 MWh a day; discharging 1 + 1 MWh breaks it.
    with pytest.raises(InfeasibleDispatchError, match="daily cycle cap"):
        check_schedule(problem, np.zeros(2), np.array([2.0, 2.0]), np.array([2.0, 1.0]), 3.0, None)
    with pytest.raises(InfeasibleDispatchError, match="final state of charge"):
        check_schedule(problem, *ok, 0.0, 1.0)
