"""Forecast mode behind the meter: a hand-worked case, non-anticipativity, the upper bound."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from engine.battery import BatterySpec
from engine.btm.forecast import (
    day_starts,
    optimise_site_forecast,
    wholesale_forecast,
)
from engine.btm.ppa import optimise_site
from engine.btm.site import SiteIntervals
from engine.errors import ValidationError
from engine.revenue.forecasts import decision_time
from engine.settlement import UK_TZ, half_hourly_index

# 1 MW / 0.5 MWh, lossless: one full charge or discharge per half-hour (0.5 MWh).
BATTERY = BatterySpec(1.0, 1.0, 0.5)


def _site(energy: np.ndarray, load_mwh: float = 1.0) -> SiteIntervals:
    n = energy.shape[0]
    return SiteIntervals(
        load_mwh=np.full(n, load_mwh),
        pv_mwh=np.zeros(n),
        import_cost_gbp_per_mwh=energy.astype(float),
        export_value_gbp_per_mwh=np.zeros(n),
        import_limit_mwh=np.full(n, 10.0),
        export_limit_mwh=np.zeros(n),
    )


def _value(site: SiteIntervals, soc: np.ndarray) -> float:
    """Import cost avoided on the actual prices (lossless battery, no export) [£]."""
    delta = np.diff(soc, prepend=0.0)
    return float(-(site.import_cost_gbp_per_mwh * delta).sum())


def test_a_hand_worked_two_day_case() -> None:
    # Two "days" of four half-hours. Forecasts: day 1 [10, 50, 10, 50], day 2 [50, 20, 10, 50];
    # actuals: day 1 [10, 50, 50, 10], day 2 [10, 10, 30, 60].
    # Day 1 (window = day 1 + day 1's forecasts repeated): each 10→50 cycle is worth
    # 40 × 0.5 − £5 margin × 0.5 = £17.5 > 0, so charge t0, discharge t1, charge t2,
    # discharge t3. Day 2: charge at the forecast 10 (t2), discharge at 50 (t3).
    # Settled: day 1 −5 + 25 − 25 + 5 = 0; day 2 −15 + 30 = 15 → £15.
    # Upper bound: charge t0 (−5), discharge t1 (+25), charge at 10 (t3..t5, −5), discharge
    # at 60 (t7, +30) → £45.
    actual = np.array([10, 50, 50, 10, 10, 10, 30, 60], dtype=float)
    forecast = np.array([10, 50, 10, 50, 50, 20, 10, 50], dtype=float)
    site = _site(actual)
    zeros = np.zeros(8)
    soc = optimise_site_forecast(
        site, BATTERY, zeros, forecast, zeros, zeros, np.array([0, 4], dtype=np.int64)
    )
    assert soc == pytest.approx([0.5, 0.0, 0.5, 0.0, 0.0, 0.0, 0.5, 0.0])
    assert _value(site, soc) == pytest.approx(15.0)
    assert _value(site, optimise_site(site, BATTERY)) == pytest.approx(45.0)


def _history(seed: int) -> pd.Series:
    index = half_hourly_index("2024-03-01", "2024-03-31")
    rng = np.random.default_rng(seed)
    hours = index.tz_convert(UK_TZ).hour.to_numpy()
    price = 60 + 40 * np.sin(hours / 24 * 2 * np.pi) + rng.normal(0, 25, len(index))
    return pd.Series(price, index=index)


def _forecast_run(history: pd.Series, index: pd.DatetimeIndex) -> tuple[np.ndarray, SiteIntervals]:
    actual = history.reindex(index).to_numpy(dtype=float)
    site = _site(actual, load_mwh=0.6)
    energy_fc = wholesale_forecast(history, index, "energy_price")
    zeros = np.zeros(len(index))
    battery = BatterySpec.from_round_trip(1.0, 2.0, 0.88)
    soc = optimise_site_forecast(site, battery, zeros, energy_fc, zeros, zeros, day_starts(index))
    return soc, site


@pytest.mark.parametrize("cut", ["2024-03-15 13:30", "2024-03-17 09:00", "2024-03-19 23:30"])
def test_decisions_committed_before_t_ignore_every_price_after_t(cut: str) -> None:
    # Perturb every price at or after t; every day whose schedule was committed before t
    # (decided at D-1 10:00 UK) keeps exactly the same schedule.
    history = _history(1)
    index = half_hourly_index("2024-03-12", "2024-03-24")
    t = pd.Timestamp(cut, tz=UK_TZ).tz_convert("UTC")
    perturbed = history.copy()
    after = perturbed.index >= t
    perturbed[after] = perturbed[after] * -3.0 + np.random.default_rng(2).normal(0, 80, after.sum())
    base, _ = _forecast_run(history, index)
    moved, _ = _forecast_run(perturbed, index)
    local_days = np.asarray(index.tz_convert(UK_TZ).date)
    committed = np.array([decision_time(day) < t for day in local_days])
    assert committed.any()
    assert (~committed).any()
    assert moved[committed] == pytest.approx(base[committed], abs=1e-12)
    # The test can fail: the perturbation does change later decisions.
    assert not np.allclose(moved[~committed], base[~committed])


@pytest.mark.parametrize("seed", [3, 4, 5])
def test_the_upper_bound_is_at_least_the_forecast_run(seed: int) -> None:
    history = _history(seed)
    index = half_hourly_index("2024-03-10", "2024-03-30")
    soc, site = _forecast_run(history, index)
    battery = BatterySpec.from_round_trip(1.0, 2.0, 0.88)
    upper = optimise_site(site, battery)

    def value(path: np.ndarray) -> float:
        delta = np.diff(path, prepend=0.0)
        grid = np.where(delta > 0, delta / battery.charge_efficiency_frac, 0.0) - np.where(
            delta < 0, -delta * battery.discharge_efficiency_frac, 0.0
        )
        return float(-(site.import_cost_gbp_per_mwh * grid).sum())

    assert value(upper) >= value(soc) - 1e-6
    assert value(soc) > 0


def test_too_little_history_names_the_field() -> None:
    history = _history(1)
    index = half_hourly_index("2024-03-04", "2024-03-05")
    with pytest.raises(ValidationError, match=r"energy_price: forecast mode needs 8 days") as err:
        wholesale_forecast(history, index, "energy_price")
    assert err.value.field == "energy_price"


def test_equal_to_planning_each_window_from_scratch() -> None:
    # The value functions are built once for the whole period; the reference plans each
    # day's window (day D + day D's forecasts repeated) with optimise_site itself.
    rng = np.random.default_rng(9)
    starts = np.array([0, 48, 94, 142, 192], dtype=np.int64)  # 46- and 50-period days too
    n = 240
    site = SiteIntervals(
        load_mwh=rng.uniform(0.0, 1.0, n),
        pv_mwh=rng.uniform(0.0, 0.8, n),
        import_cost_gbp_per_mwh=np.zeros(n),
        export_value_gbp_per_mwh=np.zeros(n),
        import_limit_mwh=np.full(n, 2.0),
        export_limit_mwh=np.full(n, 0.3),
    )
    known_import, known_export = rng.uniform(0, 30, n), rng.uniform(0, 5, n)
    energy_fc, export_fc = rng.normal(60, 30, n), rng.normal(40, 30, n)
    battery = BatterySpec.from_round_trip(1.0, 1.5, 0.88, degradation_cost_gbp_per_mwh=2.0)
    got = optimise_site_forecast(
        site, battery, known_import, energy_fc, known_export, export_fc, starts
    )
    ends = np.r_[starts[1:], n]
    plan = dataclasses.replace(battery, degradation_cost_gbp_per_mwh=7.0)
    want = np.zeros(n)
    s = 0.0
    for i, (first, stop) in enumerate(zip(starts, ends, strict=True)):
        end = ends[min(i + 1, len(starts) - 1)]
        repeat = first + np.arange(end - first) % (stop - first)
        window = SiteIntervals(
            load_mwh=site.load_mwh[first:end],
            pv_mwh=site.pv_mwh[first:end],
            import_cost_gbp_per_mwh=known_import[first:end] + energy_fc[repeat],
            export_value_gbp_per_mwh=known_export[first:end] + export_fc[repeat],
            import_limit_mwh=site.import_limit_mwh[first:end],
            export_limit_mwh=site.export_limit_mwh[first:end],
        )
        path = optimise_site(window, dataclasses.replace(plan, initial_soc_mwh=s))
        want[first:stop] = path[: stop - first]
        s = float(path[stop - first - 1])
    assert got == pytest.approx(want, abs=1e-9)
    assert np.ptp(got) > 0.5  # the battery does move
