"""Learned walk-forward forecasts on real 2024 data: no leak, walk-forward, better than naive."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from engine.errors import ValidationError
from engine.forecast import KNOWN_SLOTS_OF_PREVIOUS_DAY, day_ahead_forecasts, decision_time
from engine.forecast.learned import refit_days


def _not_public_at(energy: pd.DataFrame, day: dt.date) -> np.ndarray:
    """Half-hours not yet published at the decision for ``day`` (start >= 08:30 local on D-1)."""
    cut = decision_time(day) - pd.Timedelta(minutes=90)
    return np.asarray(energy.index >= cut)


def test_refits_are_monthly() -> None:
    assert refit_days(dt.date(2024, 10, 20), dt.date(2024, 12, 5)) == [
        dt.date(2024, 10, 20),
        dt.date(2024, 11, 1),
        dt.date(2024, 12, 1),
    ]
    assert refit_days(dt.date(2024, 10, 20), dt.date(2025, 6, 30), every_months=3) == [
        dt.date(2024, 10, 20),
        dt.date(2025, 1, 1),
        dt.date(2025, 4, 1),
    ]


def test_no_leak_perturbing_anything_not_yet_public_changes_nothing_before(
    energy_2024: pd.DataFrame, services_2024: pd.DataFrame
) -> None:
    first, last = dt.date(2024, 10, 20), dt.date(2024, 11, 10)
    base = day_ahead_forecasts(energy_2024, services_2024, first, last)
    day = dt.date(2024, 10, 29)
    shaken = energy_2024.copy()
    shaken.loc[_not_public_at(energy_2024, day)] *= 3.0
    moved = services_2024.copy()
    moved.loc[moved.index.get_level_values(0) >= pd.Timestamp(day)] += 50.0
    after = day_ahead_forecasts(shaken, moved, first, last)
    end_of_day = pd.Timestamp(day + dt.timedelta(days=1)).tz_localize("Europe/London")
    upto = after.energy.index < end_of_day
    pd.testing.assert_frame_equal(after.energy[upto], base.energy[upto])
    blocks = after.services.index.get_level_values(0) <= pd.Timestamp(day)
    pd.testing.assert_frame_equal(after.services[blocks], base.services[blocks])
    # The perturbation does reach the days after: this test can fail.
    assert not np.allclose(after.energy[~upto], base.energy[~upto])
    assert not np.allclose(after.services[~blocks], base.services[~blocks])


def test_the_public_morning_of_the_day_before_does_count(
    energy_2024: pd.DataFrame, services_2024: pd.DataFrame
) -> None:
    # The 17 half-hours of D-1 from 00:00 to 08:30 local are public at 10:00 (the last one
    # at 09:30): features, so moving them moves D's forecast (the no-leak test above
    # perturbs everything from 08:30 on and nothing moves).
    day = dt.date(2024, 11, 12)
    known_end = decision_time(day) - pd.Timedelta(minutes=90)
    morning = (energy_2024.index >= known_end - pd.Timedelta(hours=8, minutes=30)) & (
        energy_2024.index < known_end
    )
    assert KNOWN_SLOTS_OF_PREVIOUS_DAY == 17
    assert int(morning.sum()) == 17
    base = day_ahead_forecasts(energy_2024, services_2024, day, day)
    shaken = energy_2024.copy()
    shaken.loc[morning, "system"] -= 300.0
    after = day_ahead_forecasts(shaken, services_2024, day, day)
    assert not np.allclose(after.energy["system"], base.energy["system"])


def test_walk_forward_the_model_never_sees_data_after_its_refit(
    energy_2024: pd.DataFrame, services_2024: pd.DataFrame
) -> None:
    # November's model is fitted at the decision for 1 November (31 Oct 10:00). For
    # 25 November, change everything published after that refit except the data the day's
    # own features read (from 17 November on): the forecast must not move.
    refit, day = dt.date(2024, 11, 1), dt.date(2024, 11, 25)
    base = day_ahead_forecasts(energy_2024, services_2024, refit, dt.date(2024, 11, 30))
    start = decision_time(refit) - pd.Timedelta(minutes=90)
    features_from = pd.Timestamp(day - dt.timedelta(days=8)).tz_localize("Europe/London")
    window = (energy_2024.index >= start) & (energy_2024.index < features_from)
    shaken = energy_2024.copy()
    shaken.loc[window] *= 3.0
    after = day_ahead_forecasts(shaken, services_2024, refit, dt.date(2024, 11, 30))
    on_day = base.energy.index >= pd.Timestamp(day).tz_localize("Europe/London")
    on_day &= base.energy.index < pd.Timestamp(day + dt.timedelta(days=1)).tz_localize(
        "Europe/London"
    )
    pd.testing.assert_frame_equal(after.energy[on_day], base.energy[on_day])
    # Data published before the refit is training data: changing it moves the forecast.
    before = (energy_2024.index >= start - pd.Timedelta(days=60)) & (energy_2024.index < start)
    trained = energy_2024.copy()
    trained.loc[before] *= 3.0
    again = day_ahead_forecasts(trained, services_2024, refit, dt.date(2024, 11, 30))
    assert not np.allclose(again.energy[on_day], base.energy[on_day])


def test_learned_beats_naive_on_a_held_out_month(
    energy_2024: pd.DataFrame, services_2024: pd.DataFrame
) -> None:
    # September 2024, trained on January-August only (the fixture holds 2024). With a full
    # year of history (bench/forecast.py) the learned/naive MAE ratio is at most 0.91 for
    # energy and 0.96 for services in every month of 2024 and 2025.
    first, last = dt.date(2024, 9, 1), dt.date(2024, 9, 30)
    learned = day_ahead_forecasts(energy_2024, services_2024, first, last, method="learned")
    naive = day_ahead_forecasts(energy_2024, services_2024, first, last, method="naive")
    actual = energy_2024.reindex(learned.energy.index)
    for column in ("apx", "system"):
        learned_mae = float(np.nanmean(np.abs(learned.energy[column] - actual[column])))
        naive_mae = float(np.nanmean(np.abs(naive.energy[column] - actual[column])))
        assert learned_mae < 0.85 * naive_mae, column
    held = services_2024.reindex(learned.services.index)
    learned_mae = float(np.nanmean(np.abs((learned.services - held).to_numpy())))
    naive_mae = float(np.nanmean(np.abs((naive.services - held).to_numpy())))
    assert learned_mae < 0.85 * naive_mae


def test_clock_change_days_have_46_and_50_half_hours_and_six_blocks(
    energy_2024: pd.DataFrame, services_2024: pd.DataFrame
) -> None:
    spring = day_ahead_forecasts(energy_2024, services_2024, "2024-03-31", "2024-03-31")
    autumn = day_ahead_forecasts(energy_2024, services_2024, "2024-10-27", "2024-10-27")
    assert len(spring.energy) == 46
    assert len(autumn.energy) == 50
    assert spring.energy.notna().all().all()
    assert autumn.energy.notna().all().all()
    assert list(autumn.energy.columns) == ["apx", "system"]
    assert autumn.services.index.tolist() == [(pd.Timestamp("2024-10-27"), b) for b in range(1, 7)]
    assert list(autumn.services.columns) == list(services_2024.columns)


def test_too_little_history_names_what_exists_and_what_is_needed(
    energy_2024: pd.DataFrame, services_2024: pd.DataFrame
) -> None:
    with pytest.raises(
        ValidationError, match=r"learned forecast from 2024-02-01 needs 56 days"
    ) as error:
        day_ahead_forecasts(energy_2024, services_2024, "2024-02-01", "2024-02-10")
    assert "holds 31 day(s) with data, 2024-01-01 .. 2024-01-31" in error.value.detail
    assert error.value.field == "energy.apx"


def test_demand_forecasts_count_only_when_issued_before_the_decision(
    energy_2024: pd.DataFrame, services_2024: pd.DataFrame, demand_2024: pd.DataFrame
) -> None:
    first, last, day = dt.date(2024, 10, 20), dt.date(2024, 11, 10), dt.date(2024, 10, 29)
    base = day_ahead_forecasts(energy_2024, services_2024, first, last, demand_forecast=demand_2024)
    issued = pd.to_datetime(demand_2024["forecast_timestamp_utc"], utc=True)
    late = demand_2024.copy()
    late.loc[issued >= decision_time(day), "forecast_demand_mw"] *= 1.5
    after = day_ahead_forecasts(energy_2024, services_2024, first, last, demand_forecast=late)
    end_of_day = pd.Timestamp(day + dt.timedelta(days=1)).tz_localize("Europe/London")
    upto = base.energy.index < end_of_day
    pd.testing.assert_frame_equal(after.energy[upto], base.energy[upto])
    assert not np.allclose(after.energy[~upto], base.energy[~upto])
    # The vintage issued before the decision for the day is a feature: moving it moves it.
    early = demand_2024.copy()
    target = (demand_2024["target_date"] == str(day)) & (issued < decision_time(day))
    assert target.any()
    early.loc[target, "forecast_demand_mw"] *= 1.5
    moved = day_ahead_forecasts(energy_2024, services_2024, day, day, demand_forecast=early)
    same_day = day_ahead_forecasts(
        energy_2024, services_2024, day, day, demand_forecast=demand_2024
    )
    assert not np.allclose(moved.energy, same_day.energy)
