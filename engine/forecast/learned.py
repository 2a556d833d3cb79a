"""Learned walk-forward forecasts (placeholder until the model lands)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from engine.errors import ValidationError


def learned_energy(
    energy: pd.DataFrame,
    first_day: dt.date,
    last_day: dt.date,
    index: pd.DatetimeIndex,
    demand_forecast: pd.DataFrame | None,
    holidays: frozenset[pd.Timestamp],
) -> pd.DataFrame:
    """Not yet available."""
    raise ValidationError("method: 'learned' is not available yet; use 'naive'", field="method")


def learned_services(
    services: pd.DataFrame,
    first_day: dt.date,
    last_day: dt.date,
    index: pd.MultiIndex,
    demand_forecast: pd.DataFrame | None,
    holidays: frozenset[pd.Timestamp],
) -> pd.DataFrame:
    """Not yet available."""
    raise ValidationError("method: 'learned' is not available yet; use 'naive'", field="method")
