"""Rolling horizon: decisions on a forecast, settlement on actuals; the naive forecast."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.battery import BatterySpec
from engine.dispatch.forecast import naive_forecast
from engine.dispatch.optimise import optimise_dispatch
from engine.dispatch.rolling import optimise_rolling
from engine.errors import ValidationError
from tests.strategies import prices_gbp_per_mwh

BATTERY = BatterySpec.symmetric(2.0, 4.0, charge_efficiency_frac=0.9, final_soc_mwh=0.0)


def test_naive_forecast_is_last_week() -> None:
    prices = np.arange(400, dtype=float)
    forecast = naive_forecast(prices)
    # t ≥ 336: the same period one week earlier; before that, the first day's period.
    assert forecast[336] == 0.0
    assert forecast[399] == 63.0
    assert forecast[50] == 2.0
    assert forecast[10] == 10.0


def test_naive_forecast_keeps_the_index_and_fills_gaps() -> None:
    index = pd.date_range("2024-01-01T00:00Z", periods=6, freq="30min")
    forecast = naive_forecast(pd.Series([1.0, np.nan, 3, 4, 5, 6], index=index), lag_intervals=2)
    assert forecast.index.equals(index)
    # Sources: t mod 2 for t < 2 → 1, NaN→1 (filled); then t − 2 → 1, 1, 3, 4.
    assert forecast.tolist() == [1.0, 1.0, 1.0, 1.0, 3.0, 4.0]


def test_perfect_forecast_with_a_long_lookahead_matches_the_optimum() -> None:
    prices = np.tile([10.0, 80.0, -5.0, 60.0], 24)
    full = optimise_dispatch(prices, BATTERY)
    rolled = optimise_rolling(prices, BATTERY, commit_intervals=48, lookahead_intervals=96)
    assert rolled.net_revenue_gbp == pytest.approx(full.net_revenue_gbp)
    assert rolled.method == "rolling"


def test_settles_on_actuals() -> None:
    actual = np.array([20.0, 100.0, 20.0, 100.0])
    wrong = np.array([100.0, 20.0, 100.0, 20.0])
    rolled = optimise_rolling(
        actual,
        BATTERY,
        commit_intervals=2,
        lookahead_intervals=0,
        forecast_prices_gbp_per_mwh=wrong,
    )
    # On the forecast each two-period window offers only sell-then-buy, impossible from
    # empty (energy left at a window's end is worth nothing), so nothing trades: £0.
    assert rolled.net_revenue_gbp == pytest.approx(0.0)
    trusting = optimise_rolling(actual, BATTERY, commit_intervals=2, lookahead_intervals=0)
    # Each two-period window: buy 1 MWh at £20, sell 0.9 at £100 → £70, twice.
    assert trusting.net_revenue_gbp == pytest.approx(140.0)


@settings(max_examples=25, deadline=None)
@given(
    prices=prices_gbp_per_mwh(4, 80, lowest_gbp_per_mwh=-50.0, highest_gbp_per_mwh=200.0),
    commit=st.integers(1, 20),
    lookahead=st.integers(0, 20),
    capped=st.booleans(),
)
def test_rolling_never_beats_perfect_foresight(
    prices: list[float], commit: int, lookahead: int, capped: bool
) -> None:
    battery = BatterySpec.symmetric(
        1.0, 2.0, charge_efficiency_frac=0.85, max_cycles_per_day=1.0 if capped else None
    )
    best = optimise_dispatch(prices, battery).net_revenue_gbp
    rolled = optimise_rolling(
        prices, battery, commit_intervals=commit, lookahead_intervals=lookahead
    )
    assert rolled.net_revenue_gbp <= best + 0.01
    assert rolled.schedule["soc_mwh"].between(-1e-6, 2.0 + 1e-6).all()


def test_bad_window() -> None:
    with pytest.raises(ValidationError) as exc:
        optimise_rolling([1.0, 2.0], BATTERY, commit_intervals=0)
    assert exc.value.field == "commit_intervals"


def test_forecast_length_must_match() -> None:
    with pytest.raises(ValidationError, match="forecast_prices_gbp_per_mwh"):
        optimise_rolling([1.0, 2.0], BATTERY, forecast_prices_gbp_per_mwh=[1.0])


def test_warm_up_compiles_every_kernel_including_behind_the_meter() -> None:
    # In a fresh process (earlier tests here may already have compiled the kernels): after
    # warm_up, each numba dispatcher lists a compiled (or cache-loaded) signature.
    import subprocess
    import sys

    script = (
        "from engine.dispatch.rolling import warm_up; warm_up()\n"
        "from engine.solvers.dp import solve_rolling\n"
        "from engine.solvers.segments import solve_segments\n"
        "assert solve_rolling.signatures, 'rolling kernel not compiled'\n"
        "assert solve_segments.signatures, 'behind-the-meter kernel not compiled'\n"
    )
    child = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False, timeout=300
    )
    assert child.returncode == 0, child.stderr[-500:]
