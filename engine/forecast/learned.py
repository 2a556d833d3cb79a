"""Learned forecasts: gradient-boosted trees (LightGBM), refitted walk-forward.

For each market (APX, system price) and each service, one model maps the features of
:mod:`engine.forecast.features` to the value. The period is cut at every
``refit_months``-th calendar month start (and at ``first_day``). The model for a segment
starting on day R is trained at the decision time for R (R-1 10:00) on the
``TRAINING_WINDOW_DAYS`` before it, using only targets already published then (energy:
days up to R-2, every half-hour of which is public by R-1 01:00; services: EFA days up to
R-1, auctioned on R-2), and then forecasts every day of the segment, each from features
public at that day's own decision. Nothing at or after a day's decision time reaches its
forecast, so the forecasts equal what a daily walk-forward run refitting on those dates
would have produced.

LightGBM (https://lightgbm.readthedocs.io) is deterministic here (``deterministic``,
fixed seed, one thread) and fast: a year of monthly refits of all three boosters takes
about 2.5 s of CPU, quarterly refits about 1 s.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd

from engine.errors import ValidationError
from engine.forecast.features import (
    calendar_features,
    day_range,
    demand_features,
    energy_lag_features,
    service_lag_features,
    stack,
)
from engine.forecast.grid import SLOTS_PER_DAY, FloatArray, local_day_slot, to_grid
from engine.forecast.history import (
    ENERGY_COLUMNS,
    observed_days,
    require_history,
    service_days,
    service_grid,
)
from engine.settlement import EFA_BLOCKS_PER_DAY

#: Days of history each refit trains on (a year: every season once).
TRAINING_WINDOW_DAYS = 365
#: Fewest days of history before ``first_day`` the learned method accepts (8 days of lags
#: plus seven weeks of training targets).
MIN_HISTORY_DAYS = 56
#: Fewest training rows a refit accepts.
MIN_TRAINING_ROWS = 500
#: Deepest lag any feature uses [days].
MAX_LAG_DAYS = 8

#: LightGBM settings. Huber loss (quadratic within £20 of the target, linear beyond): close
#: to a conditional mean, which a risk-neutral dispatch values, but not dragged by the
#: imbalance price's spikes (with plain L2, one spiky morning sent a February 2025 day's
#: APX forecast to £246 against £110). An L1 objective took 1.9x the CPU. Small trees and
#: few rounds keep a year's monthly refits fast.
LGB_PARAMS: dict[str, Any] = {
    "objective": "huber",
    "alpha": 20.0,
    "learning_rate": 0.15,
    "num_leaves": 15,
    "min_data_in_leaf": 40,
    "max_bin": 63,
    "feature_fraction": 0.9,
    "bagging_fraction": 0.7,
    "bagging_freq": 1,
    "verbose": -1,
    "deterministic": True,
    "force_row_wise": True,
    "seed": 0,
    # One thread: OpenMP workers spin while waiting, which on a shared 2-core machine
    # made a fit 10-20x slower than single-threaded.
    "num_threads": 1,
}
BOOST_ROUNDS = 40
#: Services are priced in £/MW/h (a few pounds): the Huber threshold scales down with them.
SERVICE_PARAMS: dict[str, Any] = {**LGB_PARAMS, "alpha": 2.0}


def refit_days(first_day: dt.date, last_day: dt.date, every_months: int = 1) -> list[dt.date]:
    """Segment starts: ``first_day`` and every ``every_months``-th month start after it."""
    starts = [first_day]
    month = dt.date(first_day.year, first_day.month, 1)
    while True:
        index = month.year * 12 + month.month - 1 + every_months
        month = dt.date(index // 12, index % 12 + 1, 1)
        if month > last_day:
            return starts
        starts.append(month)


def _fit_predict(
    x_train: FloatArray,
    targets: dict[str, FloatArray],
    x_pred: FloatArray,
    names: list[str],
    field: str,
    params: dict[str, Any] | None = None,
) -> dict[str, FloatArray]:
    """Fit one model per target on the same features (binned once) and predict each.

    A missing target value gets weight 0, so every target shares one binned dataset.
    """
    import lightgbm as lgb  # ~0.2 s to import: only when learning

    data = lgb.Dataset(
        x_train,
        np.zeros(len(x_train)),
        feature_name=names,
        params={"max_bin": LGB_PARAMS["max_bin"], "verbose": -1},
        free_raw_data=False,
    ).construct()
    predictions = {}
    for name, target in targets.items():
        present = ~np.isnan(target)
        if int(present.sum()) < MIN_TRAINING_ROWS:
            raise ValidationError(
                f"{field}.{name}: a refit has {int(present.sum())} training values, the "
                f"learned forecast needs at least {MIN_TRAINING_ROWS}",
                field=f"{field}.{name}",
            )
        data.set_label(np.where(present, target, 0.0))
        data.set_weight(present.astype(float))
        booster = lgb.train(params or LGB_PARAMS, data, num_boost_round=BOOST_ROUNDS)
        predictions[name] = np.asarray(booster.predict(x_pred), dtype=float)
    return predictions


def learned_energy(
    energy: pd.DataFrame,
    first_day: dt.date,
    last_day: dt.date,
    index: pd.DatetimeIndex,
    demand_forecast: pd.DataFrame | None,
    holidays: frozenset[pd.Timestamp],
    refit_months: int = 1,
) -> pd.DataFrame:
    """Walk-forward forecasts of ``apx`` and ``system`` for the half-hours ``index``.

    Raises:
        ValidationError: Fewer than ``MIN_HISTORY_DAYS`` days of history in a column.
    """
    for column in ENERGY_COLUMNS:
        require_history(
            observed_days(energy[column], first_day),
            first_day,
            MIN_HISTORY_DAYS,
            field=f"energy.{column}",
            method="learned",
        )
    start = first_day - dt.timedelta(days=TRAINING_WINDOW_DAYS + MAX_LAG_DAYS + 2)
    days = day_range(start, last_day)
    grids = {c: to_grid(energy[c], start, last_day) for c in ENERGY_COLUMNS}
    shared = calendar_features(days, SLOTS_PER_DAY, holidays or None)
    demand = demand_features(demand_forecast, days)
    lags: dict[str, FloatArray] = {}
    for column in ENERGY_COLUMNS:
        lags |= energy_lag_features(grids[column], column)
    bases = {
        c: _baseline(lags[f"{c}_mean7"], lags[f"{c}_lag7"], lags[f"{c}_day2_mean"])
        for c in ENERGY_COLUMNS
    }
    day_of, slot_of = local_day_slot(index)
    target_cell = np.asarray((day_of - days[0]).days, dtype=np.int64) * SLOTS_PER_DAY + slot_of
    out = {c: np.full(len(index), np.nan) for c in ENERGY_COLUMNS}
    for seg_start, seg_end, train in _refits(
        first_day, last_day, refit_months, days, SLOTS_PER_DAY, public_lag_days=2
    ):
        use_demand = demand is not None and _covers(demand, days, seg_start, seg_end)
        features = {**shared, **lags, **(demand if use_demand and demand else {})}
        names, matrix = stack(features)
        in_segment = (day_of >= pd.Timestamp(seg_start)) & (day_of <= pd.Timestamp(seg_end))
        cells = target_cell[in_segment]
        targets = {c: grids[c].reshape(-1)[train] - bases[c][train] for c in ENERGY_COLUMNS}
        predicted = _fit_predict(matrix[train], targets, matrix[cells], names, "energy")
        for column in ENERGY_COLUMNS:
            out[column][in_segment] = predicted[column] + bases[column][cells]
    return pd.DataFrame(out, index=index)


def learned_services(
    services: pd.DataFrame,
    first_day: dt.date,
    last_day: dt.date,
    index: pd.MultiIndex,
    demand_forecast: pd.DataFrame | None,
    holidays: frozenset[pd.Timestamp],
    refit_months: int = 1,
) -> pd.DataFrame:
    """Walk-forward forecasts of each service column for the EFA blocks ``index``.

    Raises:
        ValidationError: Fewer than ``MIN_HISTORY_DAYS`` EFA days of history in a column.
    """
    columns = [str(c) for c in services.columns]
    for column in columns:
        require_history(
            service_days(services[column], first_day),
            first_day,
            MIN_HISTORY_DAYS,
            field=f"services.{column}",
            method="learned",
        )
    start = first_day - dt.timedelta(days=TRAINING_WINDOW_DAYS + MAX_LAG_DAYS + 2)
    days = day_range(start, last_day)
    grids = {c: service_grid(services[c], start, last_day) for c in columns}
    shared = calendar_features(days, EFA_BLOCKS_PER_DAY, holidays or None)
    demand = demand_features(demand_forecast, days)
    daily_demand = (
        None
        if demand is None
        else {k: v[:, :EFA_BLOCKS_PER_DAY] for k, v in demand.items() if k != "demand_at_slot"}
    )
    first_row = (pd.Timestamp(first_day) - days[0]).days
    out = {c: np.full(len(index), np.nan) for c in columns}
    # Lags and baselines do not depend on the refit: computed once per service.
    lagged_of = {column: service_lag_features(grids, column) for column in columns}
    base_of = {
        column: _baseline(lag["mean7"], lag["lag1"], lag["day1_mean"])
        for column, lag in lagged_of.items()
    }
    for seg_start, seg_end, train in _refits(
        first_day, last_day, refit_months, days, EFA_BLOCKS_PER_DAY, public_lag_days=1
    ):
        use_demand = daily_demand is not None and _covers(daily_demand, days, seg_start, seg_end)
        seg_first = (pd.Timestamp(seg_start) - days[0]).days
        seg_last = (pd.Timestamp(seg_end) - days[0]).days
        predict = slice(seg_first * EFA_BLOCKS_PER_DAY, (seg_last + 1) * EFA_BLOCKS_PER_DAY)
        rows = slice(
            (seg_first - first_row) * EFA_BLOCKS_PER_DAY,
            (seg_last - first_row + 1) * EFA_BLOCKS_PER_DAY,
        )
        # One model pools the services (the service is a feature): 12 fits a year, not 72.
        blocks_x, blocks_y, blocks_pred, blocks_base = [], [], [], []
        for code, column in enumerate(columns):
            base = base_of[column]
            features = {
                "service": np.full_like(grids[column], float(code)),
                **shared,
                **lagged_of[column],
                **(daily_demand if use_demand and daily_demand else {}),
            }
            names, matrix = stack(features)
            blocks_x.append(matrix[train])
            blocks_y.append(grids[column].reshape(-1)[train] - base[train])
            blocks_pred.append(matrix[predict])
            blocks_base.append(base[predict])
        pooled = _fit_predict(
            np.concatenate(blocks_x),
            {"pooled": np.concatenate(blocks_y)},
            np.concatenate(blocks_pred),
            names,
            "services",
            SERVICE_PARAMS,
        )["pooled"]
        width = rows.stop - rows.start
        for code, column in enumerate(columns):
            out[column][rows] = pooled[code * width : (code + 1) * width] + blocks_base[code]
    return pd.DataFrame(out, index=index)


def _refits(
    first_day: dt.date,
    last_day: dt.date,
    refit_months: int,
    days: pd.DatetimeIndex,
    per_day: int,
    *,
    public_lag_days: int,
) -> Iterator[tuple[dt.date, dt.date, slice]]:
    """Each refit's first and last forecast day and its training rows.

    A refit deciding day R trains on the ``TRAINING_WINDOW_DAYS`` days ending at day
    R - ``public_lag_days`` (the last day wholly public at the D-1 decision: R-2 for
    half-hourly prices, EFA day R-1 for service results); ``per_day`` rows a day.
    """
    starts = refit_days(first_day, last_day, refit_months)
    for number, seg_start in enumerate(starts):
        seg_end = (
            starts[number + 1] - dt.timedelta(days=1) if number + 1 < len(starts) else last_day
        )
        train_last = (pd.Timestamp(seg_start) - days[0]).days - public_lag_days
        train_first = max(0, train_last - TRAINING_WINDOW_DAYS + 1)
        yield seg_start, seg_end, slice(train_first * per_day, (train_last + 1) * per_day)


def _baseline(*candidates: FloatArray) -> FloatArray:
    """The first non-NaN of the candidates per cell (flattened), else 0.

    Models learn the deviation from this recent level: trees cannot extrapolate beyond the
    prices they were trained on, so a level shift (winter 2025 gas) would otherwise be
    missed.
    """
    base = candidates[0].reshape(-1).copy()
    for other in candidates[1:]:
        base = np.where(np.isnan(base), other.reshape(-1), base)
    return np.where(np.isnan(base), 0.0, base)


def _covers(
    demand: dict[str, FloatArray], days: pd.DatetimeIndex, first: dt.date, last: dt.date
) -> bool:
    """Whether the demand forecast is known for most days of a segment and its training."""
    values = next(iter(demand.values()))[:, 0]
    row_first = (pd.Timestamp(first) - days[0]).days
    row_last = (pd.Timestamp(last) - days[0]).days
    segment = values[row_first : row_last + 1]
    training = values[max(0, row_first - TRAINING_WINDOW_DAYS) : row_first]
    return bool(np.mean(~np.isnan(segment)) >= 0.9 and np.mean(~np.isnan(training)) >= 0.9)
