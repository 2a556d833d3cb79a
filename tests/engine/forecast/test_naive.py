"""The naive forecast: last week's value at the same local time, from history only."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engine.dispatch import naive_forecast_from_history
from engine.errors import ValidationError
from engine.forecast import day_ahead_forecasts
from engine.settlement import efa_date_block, half_hourly_index


def _energy(first: str, last: str) -> pd.DataFrame:
    index = half_hourly_index(first, last)
    position = np.arange(len(index), dtype=float)
    return pd.DataFrame({"apx": position, "system": -position}, index=index)


def _services(first: str, last: str) -> pd.DataFrame:
    days = pd.date_range(first, last, freq="D")
    index = pd.MultiIndex.from_product([days, range(1, 7)], names=["efa_date", "efa_block"])
    day_number = np.repeat(np.arange(len(days), dtype=float), 6)
    return pd.DataFrame({"DCL": day_number * 10 + np.tile(np.arange(1, 7), len(days))}, index=index)


def test_each_day_is_the_same_local_time_a_week_before() -> None:
    energy = _energy("2024-01-01", "2024-01-31")
    forecast = day_ahead_forecasts(
        energy, _services("2024-01-01", "2024-01-31"), "2024-01-15", "2024-01-16", method="naive"
    )
    # In January (GMT all month) a week is exactly 336 half-hours.
    expected = energy["apx"].shift(336).reindex(forecast.energy.index)
    np.testing.assert_array_equal(forecast.energy["apx"], expected)
    assert forecast.energy.index[0] == pd.Timestamp("2024-01-15T00:00Z")
    assert len(forecast.energy) == 96


def test_services_are_the_same_block_a_week_before() -> None:
    services = _services("2024-01-01", "2024-01-31")
    forecast = day_ahead_forecasts(
        _energy("2024-01-01", "2024-01-31"), services, "2024-01-15", "2024-01-15", method="naive"
    )
    # 2024-01-15 is day 14; a week before is day 7: 70 + block.
    assert forecast.services["DCL"].tolist() == [71.0, 72.0, 73.0, 74.0, 75.0, 76.0]
    assert forecast.services.index.names == ["efa_date", "efa_block"]


def test_clock_change_days_have_46_and_50_periods_forecast_by_local_time() -> None:
    energy = _energy("2024-03-20", "2024-11-05")
    services = _services("2024-03-20", "2024-11-05")
    spring = day_ahead_forecasts(energy, services, "2024-03-31", "2024-03-31", method="naive")
    autumn = day_ahead_forecasts(energy, services, "2024-10-27", "2024-10-27", method="naive")
    assert len(spring.energy) == 46
    assert len(autumn.energy) == 50
    assert spring.energy.notna().all().all()
    assert autumn.energy.notna().all().all()
    # Autumn: the repeated 01:00 local hour (00:00Z BST and 01:00Z GMT) both take last
    # week's 01:00 local value.
    last_week_0100 = energy.loc[pd.Timestamp("2024-10-20T00:00Z"), "apx"]
    assert autumn.energy.loc[pd.Timestamp("2024-10-27T00:00Z"), "apx"] == last_week_0100
    assert autumn.energy.loc[pd.Timestamp("2024-10-27T01:00Z"), "apx"] == last_week_0100
    # Six EFA blocks on both days, whatever their length.
    assert len(spring.services) == 6
    assert len(autumn.services) == 6


def test_the_period_itself_never_enters_the_forecast() -> None:
    energy = _energy("2024-01-01", "2024-02-29")
    services = _services("2024-01-01", "2024-02-29")
    base = day_ahead_forecasts(energy, services, "2024-02-01", "2024-02-29", method="naive")
    # Perturb every value from the decision time of 2024-02-10 (09 Feb 10:00) on.
    cut = pd.Timestamp("2024-02-09T10:00Z")
    shaken = energy.copy()
    shaken.loc[shaken.index >= cut] += 1000.0
    moved = services.copy()
    moved.loc[moved.index.get_level_values(0) >= pd.Timestamp("2024-02-10")] += 1000.0
    after = day_ahead_forecasts(shaken, moved, "2024-02-01", "2024-02-29", method="naive")
    upto = base.energy.index < pd.Timestamp("2024-02-11T00:00Z")
    pd.testing.assert_frame_equal(after.energy[upto], base.energy[upto])
    days = base.services.index.get_level_values(0) <= pd.Timestamp("2024-02-10")
    pd.testing.assert_frame_equal(after.services[days], base.services[days])
    # ... and the perturbation does reach later days, so the test can fail.
    assert not after.energy[~upto].equals(base.energy[~upto])


def test_missing_history_says_how_much_exists_and_is_needed() -> None:
    energy = _energy("2024-01-01", "2024-01-31")
    with pytest.raises(ValidationError, match=r"energy\.apx.*needs 7 days.*holds 3 day") as error:
        day_ahead_forecasts(
            energy,
            _services("2023-12-01", "2024-01-31"),
            "2024-01-04",
            "2024-01-10",
            method="naive",
        )
    assert error.value.field == "energy.apx"
    assert error.value.extensions["history_days_held"] == 3


def test_efa_blocks_line_up_with_the_settlement_calendar() -> None:
    services = _services("2024-10-01", "2024-10-31")
    forecast = day_ahead_forecasts(
        _energy("2024-10-01", "2024-10-31"), services, "2024-10-27", "2024-10-27", method="naive"
    )
    # Every half-hour of EFA day 2024-10-27 maps to one of the six forecast blocks.
    start = pd.Timestamp("2024-10-26T22:00Z")  # 23:00 BST on the 26th
    halves = pd.date_range(start, pd.Timestamp("2024-10-27T23:00Z"), freq="30min", inclusive="left")
    efa = efa_date_block(halves)
    keys = set(zip(efa["efa_date"], efa["efa_block"], strict=True))
    assert keys == set(forecast.services.index)
    assert len(halves) == 50


def test_the_dispatch_variant_uses_history_not_the_period() -> None:
    prices = _energy("2024-01-01", "2024-01-31")["apx"]
    forecast = naive_forecast_from_history(prices, "2024-01-15", "2024-01-16")
    np.testing.assert_array_equal(forecast, prices.shift(336).reindex(forecast.index))
    # The in-sample variant fills its first week from the period itself; this one refuses.
    with pytest.raises(ValidationError, match=r"prices: the naive forecast from 2024-01-01"):
        naive_forecast_from_history(prices, "2024-01-01", "2024-01-07")
