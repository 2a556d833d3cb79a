"""Forecast features, each computed only from what is public at the D-1 decision for day D.

Energy (per UK day D and local half-hour slot s, for both APX and the system price):
``lag2`` (D-2 at s), ``lag7`` (D-7 at s), ``mean7`` (mean of D-8..D-2 at s), ``day2_mean``
(mean of D-2), ``d1_morning`` (mean of the slots of D-1 public at the decision,
:data:`~engine.forecast.timeline.KNOWN_SLOTS_OF_PREVIOUS_DAY`), ``d1_late`` (mean of the
last four of those), ``d1_same`` (D-1 at s when public, else NaN). Services (per EFA day E
and block b): the same block on E-1, E-2, E-7, the mean of E-7..E-1, the mean of E-1, and
every service's E-1 price at b (EFA day E-1 was auctioned on E-2). Calendar: slot or
block, weekday, month, and a bank-holiday flag (NaN for years the holiday list does not
cover). Demand: the NESO day-ahead forecast's peak and trough for D and its value at s
(linear between cardinal points), from the latest vintage issued before the decision.
"""

from __future__ import annotations

import datetime as dt
import warnings
from typing import Any

import numpy as np
import pandas as pd

from engine.forecast.grid import SLOTS_PER_DAY, FloatArray, shift_rows
from engine.forecast.timeline import KNOWN_SLOTS_OF_PREVIOUS_DAY, decision_time
from engine.settlement import EFA_BLOCKS_PER_DAY

LATE_SLOTS = 4


def _nanmean(values: FloatArray, axis: int) -> FloatArray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows stay NaN
        return np.asarray(np.nanmean(values, axis=axis), dtype=float)


def _nanreduce(reduce: Any, values: FloatArray) -> FloatArray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows stay NaN
        return np.asarray(reduce(values, axis=1), dtype=float)


def _broadcast(per_day: FloatArray, width: int) -> FloatArray:
    return np.repeat(per_day[:, None], width, axis=1)


def energy_lag_features(grid: FloatArray, prefix: str) -> dict[str, FloatArray]:
    """Lagged features of one energy market's days x 48 grid (row D uses rows < D only)."""
    known = KNOWN_SLOTS_OF_PREVIOUS_DAY
    d1 = shift_rows(grid, 1)
    d2 = shift_rows(grid, 2)
    window = np.stack([shift_rows(grid, k) for k in range(2, 9)])
    d1_same = d1.copy()
    d1_same[:, known:] = np.nan  # not yet published at the decision
    return {
        f"{prefix}_lag2": d2,
        f"{prefix}_lag7": shift_rows(grid, 7),
        f"{prefix}_mean7": _nanmean(window, axis=0),
        f"{prefix}_day2_mean": _broadcast(_nanmean(d2, axis=1), SLOTS_PER_DAY),
        f"{prefix}_d1_morning": _broadcast(_nanmean(d1[:, :known], axis=1), SLOTS_PER_DAY),
        f"{prefix}_d1_late": _broadcast(
            _nanmean(d1[:, known - LATE_SLOTS : known], axis=1), SLOTS_PER_DAY
        ),
        f"{prefix}_d1_same": d1_same,
    }


def service_lag_features(grids: dict[str, FloatArray], own: str) -> dict[str, FloatArray]:
    """Lagged features for service ``own`` from every service's days x 6 grid.

    Own-lag names are generic (``lag1`` ...), so one model can pool the services; every
    service's E-1 price at the block is a feature under its own name.
    """
    grid = grids[own]
    window = np.stack([shift_rows(grid, k) for k in range(1, 8)])
    features = {
        "lag1": shift_rows(grid, 1),
        "lag2": shift_rows(grid, 2),
        "lag7": shift_rows(grid, 7),
        "mean7": _nanmean(window, axis=0),
        "day1_mean": _broadcast(_nanmean(shift_rows(grid, 1), axis=1), EFA_BLOCKS_PER_DAY),
    }
    for name, other in grids.items():
        features[f"{name}_lag1"] = shift_rows(other, 1)
    return features


def calendar_features(
    days: pd.DatetimeIndex, width: int, holidays: frozenset[pd.Timestamp] | None
) -> dict[str, FloatArray]:
    """Slot/block number, weekday, month and bank holiday per day x slot (or block)."""
    n = len(days)
    features = {
        "position": np.tile(np.arange(width, dtype=float), (n, 1)),
        "weekday": _broadcast(np.asarray(days.weekday, dtype=float), width),
        "month": _broadcast(np.asarray(days.month, dtype=float), width),
    }
    if holidays:
        years = {h.year for h in holidays}
        flag = np.array(
            [(1.0 if d in holidays else 0.0) if d.year in years else np.nan for d in days]
        )
        features["bank_holiday"] = _broadcast(flag, width)
    return features


def _minutes(hhmm: pd.Series) -> FloatArray:
    values = hhmm.to_numpy(dtype=float)
    return np.asarray((values // 100) * 60 + values % 100, dtype=float)


def demand_features(
    demand_forecast: pd.DataFrame | None, days: pd.DatetimeIndex
) -> dict[str, FloatArray] | None:
    """Per day x slot: forecast demand at the slot, the day's peak and trough [MW].

    Uses, for each target day D, the latest vintage issued strictly before the decision
    time for D (:func:`engine.forecast.timeline.decision_time`); days without one are NaN.
    None when no forecast is given or none covers ``days``.
    """
    if demand_forecast is None or demand_forecast.empty:
        return None
    stamp_column = (
        "forecast_timestamp_utc"
        if "forecast_timestamp_utc" in demand_forecast
        else "forecast_timestamp"
    )
    frame = pd.DataFrame(
        {
            "target": pd.to_datetime(demand_forecast["target_date"]).dt.normalize(),
            "issued": pd.to_datetime(demand_forecast[stamp_column], utc=True),
            "start": _minutes(demand_forecast["cp_start_hhmm"]),
            "end": _minutes(demand_forecast["cp_end_hhmm"]),
            "mw": pd.to_numeric(demand_forecast["forecast_demand_mw"], errors="coerce"),
        }
    )
    frame = frame[frame["target"].isin(days)]
    if frame.empty:
        return None
    deadline = pd.Series(
        [decision_time(d.date()) for d in days], index=days, dtype="datetime64[ns, UTC]"
    )
    frame = frame[frame["issued"] < deadline.reindex(frame["target"]).to_numpy()]
    latest = frame.groupby("target")["issued"].transform("max")
    frame = frame[frame["issued"] == latest].dropna(subset=["mw"])
    at_slot = np.full((len(days), SLOTS_PER_DAY), np.nan)
    slot_mid = np.arange(SLOTS_PER_DAY, dtype=float) * 30.0 + 15.0
    row_of: dict[object, int] = {day: row for row, day in enumerate(days)}
    for target, points in frame.groupby("target"):
        middle = ((points["start"] + points["end"]) / 2.0).to_numpy()
        order = np.argsort(middle)
        at_slot[row_of[target]] = np.interp(slot_mid, middle[order], points["mw"].to_numpy()[order])
    return {
        "demand_at_slot": at_slot,
        "demand_peak": _broadcast(_nanreduce(np.nanmax, at_slot), SLOTS_PER_DAY),
        "demand_trough": _broadcast(_nanreduce(np.nanmin, at_slot), SLOTS_PER_DAY),
    }


def stack(features: dict[str, FloatArray]) -> tuple[list[str], FloatArray]:
    """Names and a (cells x features) matrix, cells in day-major order."""
    names = list(features)
    matrix = np.stack([features[name].reshape(-1) for name in names], axis=1)
    return names, np.asarray(matrix, dtype=float)


def day_range(first: dt.date, last: dt.date) -> pd.DatetimeIndex:
    """Naive-midnight days ``first..last``."""
    return pd.date_range(pd.Timestamp(first), pd.Timestamp(last), freq="D")
