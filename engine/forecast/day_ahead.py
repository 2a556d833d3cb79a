"""The forecasts a D-1 decision is made on: energy prices per half-hour, services per EFA block."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from engine.errors import ValidationError
from engine.forecast.history import check_energy, check_services
from engine.forecast.learned import learned_energy, learned_services
from engine.forecast.naive import naive_energy, naive_services
from engine.settlement import EFA_BLOCKS_PER_DAY, half_hourly_index, to_date

Method = Literal["learned", "naive"]
METHODS: tuple[str, ...] = ("learned", "naive")


@dataclass(frozen=True)
class Forecasts:
    """Day-ahead forecasts for days ``first_day..last_day``.

    Attributes:
        energy: UTC half-hourly index (``interval_start``) over the UK days, columns
            ``apx`` and ``system`` [£/MWh].
        services: Indexed by ``(efa_date, efa_block)`` over the EFA days, one column per
            service of the input [£/MW/h].
        method: ``learned`` or ``naive``.
    """

    energy: pd.DataFrame
    services: pd.DataFrame
    method: str


def day_ahead_forecasts(
    energy: pd.DataFrame,
    services: pd.DataFrame,
    first_day: object,
    last_day: object,
    *,
    method: Method = "learned",
    demand_forecast: pd.DataFrame | None = None,
    bank_holidays: Collection[dt.date] | None = None,
    refit_months: int = 3,
) -> Forecasts:
    """Forecast energy and service prices for each day as at its D-1 decision time.

    Every value for UK day D (EFA day D for services) uses only data published before the
    decision time for D (:mod:`engine.forecast.timeline`): the actual values of the period
    itself never enter, even where the inputs hold them.

    Args:
        energy: UTC half-hourly index, columns ``apx`` and ``system`` [£/MWh], covering
            history before ``first_day`` (and, optionally, the period: ignored except as
            history for later days).
        services: Indexed by ``(efa_date, efa_block)``, one column per service code
            (``DCL``, ``DCH``, ``DML``, ``DMH``, ``DRL``, ``DRH``) [£/MW/h], history included.
        first_day: First UK day to forecast.
        last_day: Last UK day to forecast (inclusive).
        method: ``learned`` (walk-forward gradient boosting, :mod:`engine.forecast.learned`)
            or ``naive`` (same time last week, :mod:`engine.forecast.naive`).
        demand_forecast: NESO day-ahead demand forecast cardinal points (columns
            ``target_date``, ``forecast_timestamp_utc``, ``cp_start_hhmm``, ``cp_end_hhmm``,
            ``forecast_demand_mw``), all vintages; used by ``learned`` where a vintage was
            issued before the decision time. None: no demand features.
        bank_holidays: England and Wales bank holidays (``extra/gb_bank_holidays_*.csv``);
            used by ``learned`` as a calendar feature. None: no holiday feature.
        refit_months: ``learned``: months between refits. Default 3 (quarterly): against
            monthly refits it cost 0.5 % (2025) and 9 % (2024) of APX MAE and took about
            1.1 s of CPU for a year instead of 2.6 s (``bench/forecast.py``).

    Returns:
        :class:`Forecasts`.

    Raises:
        ValidationError: Bad frames, an unknown method, or ``last_day`` before ``first_day``.
        ValidationError: Too little history before ``first_day`` for the method (the
            message names the field and says how much exists and how much is needed).
    """
    if method not in METHODS:
        raise ValidationError(
            f"method: expected one of {', '.join(METHODS)}, got {method!r}", field="method"
        )
    if isinstance(refit_months, bool) or not isinstance(refit_months, int) or refit_months < 1:
        raise ValidationError(
            f"refit_months: expected a whole number of months >= 1, got {refit_months!r}",
            field="refit_months",
        )
    first = to_date(first_day, "first_day")
    last = to_date(last_day, "last_day")
    if last < first:
        raise ValidationError(f"last_day: {last} is before first_day {first}", field="last_day")
    prices = check_energy(energy)
    held = check_services(services)
    index = half_hourly_index(first, last)
    index.name = "interval_start"
    days = pd.date_range(pd.Timestamp(first), pd.Timestamp(last), freq="D")
    blocks = pd.MultiIndex.from_arrays(
        [
            np.repeat(days, EFA_BLOCKS_PER_DAY),
            np.tile(np.arange(1, EFA_BLOCKS_PER_DAY + 1, dtype=np.int64), len(days)),
        ],
        names=["efa_date", "efa_block"],
    )
    if method == "naive":
        energy_forecast = naive_energy(prices, first, last, index)
        service_forecast = naive_services(held, first, last, blocks)
    else:
        holidays = frozenset(pd.Timestamp(d) for d in bank_holidays or ())
        energy_forecast = learned_energy(
            prices, first, last, index, demand_forecast, holidays, refit_months
        )
        service_forecast = learned_services(
            held, first, last, blocks, demand_forecast, holidays, refit_months
        )
    service_forecast.columns = list(services.columns)
    return Forecasts(energy=energy_forecast, services=service_forecast, method=method)
