"""The GB trading timeline the forecast mode follows, and the forecasts it decides on.

Timeline (UK clock time; the same one :mod:`engine.forecast` states for its forecasts):

* **D-1 10:00 — day-ahead decisions for UK/EFA day D.** Service MW per EFA block (the NESO
  Enduring Auction Capability, EAC, runs one daily auction for the dynamic services, DC/DM/DR
  together, per EFA block of the next day, and NESO publishes each day's results, in UTC,
  on https://www.neso.energy/data-portal/eac-auction-results) and day-ahead energy positions
  (the N2EX GB day-ahead auction closes at 09:50 UK time and publishes by 10:00,
  https://support.nordpoolgroup.com/support/solutions/articles/8000088463) are chosen
  together on forecasts from data published before 10:00 on D-1 (with the one-hour lag
  below, exactly what was public at the 09:50 gate closure). The position is valued at the
  half-hourly APX Market Index, the shipped proxy for GB short-term prices. The EAC bid could
  be placed later on more information; we use the earlier time for both (conservative).
* **Within the day — BSC gate closure one hour before each settlement period** (BSC Section
  T / Balancing Mechanism: physical notifications are final at gate closure). The battery's
  physical flow for period ``p`` is fixed then, on the latest *published* system prices.
* **Imbalance price publication.** Elexon reports the system price of a settlement period
  on BMRS after the period ends (Elexon, "Imbalance Pricing",
  https://www.elexon.co.uk/operations-settlement/imbalance-pricing/; indicative prices are
  calculated from the period's accepted bids and offers, later settlement runs may revise
  them; the shipped prices are later vintages, see ``market/SOURCES.md``). We take it as
  public one hour after the period ends (:data:`PUBLICATION_LAG_INTERVALS`), so at gate
  closure for period ``p`` (its start − 1 h) the newest known price is that of ``p - 5``
  (:data:`INTRADAY_INFORMATION_LAG_INTERVALS`).
* **Settlement.** The day-ahead position settles at the APX price; the difference between
  the metered flow and the position at the single imbalance price (BSC P305).

:func:`day_ahead_forecasts` is the naive, leak-free stand-in for
``engine.forecast.day_ahead_forecasts`` (same signature and guarantee) until the learned one
ships: energy = the mean of the same half-hour on D-2 .. D-8 (all public at D-1 10:00; a
mean, not one day, so the plan does not chase one day's noise as if it were a spread);
services = the same block of the previous EFA day (EFA day D-1 was auctioned on D-2).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from engine.errors import ValidationError
from engine.settlement import UK_TZ, to_utc_index

#: UK clock time on D-1 at which positions for day D are decided.
DECISION_LOCAL_TIME = dt.time(10, 0)
#: A settlement period's system price and Market Index are public this long after it ends.
PUBLICATION_LAG_INTERVALS = 2
#: BSC gate closure: a period's physical position is final this long before it starts.
GATE_CLOSURE_INTERVALS = 2
#: At gate closure for period p the newest published system price is that of p - 5.
INTRADAY_INFORMATION_LAG_INTERVALS = GATE_CLOSURE_INTERVALS + PUBLICATION_LAG_INTERVALS + 1
#: Days averaged by the naive energy forecast: D-2 .. D-8 (D-1 is not complete at 10:00).
NAIVE_DAYS_BACK = tuple(range(2, 9))
#: History the naive forecast needs before the first day [days].
NAIVE_HISTORY_DAYS = max(NAIVE_DAYS_BACK)


@dataclass(frozen=True)
class Forecasts:
    """Day-ahead forecasts for a period.

    Attributes:
        energy: UTC half-hourly index over the period's UK days, columns ``apx``, ``system``
            [£/MWh].
        services: Index ``(efa_date, efa_block)`` of the period's EFA days, one column per
            service [£/MW/h].
    """

    energy: pd.DataFrame
    services: pd.DataFrame


def decision_time(day: dt.date) -> pd.Timestamp:
    """UTC instant at which positions for UK day / EFA day ``day`` are decided (D-1 10:00)."""
    local = pd.Timestamp(day) - pd.Timedelta(days=1)
    local += pd.Timedelta(hours=DECISION_LOCAL_TIME.hour, minutes=DECISION_LOCAL_TIME.minute)
    return local.tz_localize(UK_TZ).tz_convert("UTC")


def day_ahead_forecasts(
    energy: pd.DataFrame,
    services: pd.DataFrame,
    first_day: dt.date,
    last_day: dt.date,
    *,
    method: str = "naive",
    demand_forecast: pd.DataFrame | None = None,
) -> Forecasts:
    """Naive day-ahead forecasts; every value for day D uses only data public at D-1 10:00.

    Args:
        energy: UTC half-hourly prices ``apx``, ``system`` including at least
            :data:`NAIVE_HISTORY_DAYS` days before ``first_day`` [£/MWh].
        services: Clearing prices by ``(efa_date, efa_block)``, including EFA day
            ``first_day - 1`` [£/MW/h].
        first_day: First UK day forecast.
        last_day: Last UK day forecast (inclusive).
        method: Only ``naive`` here.
        demand_forecast: Unused by the naive forecast.

    Raises:
        ValidationError: An unknown method.
        ValidationError: Less than :data:`NAIVE_HISTORY_DAYS` days of history before
            ``first_day`` (field ``from``), saying how much the data holds.
    """
    del demand_forecast
    if method != "naive":
        raise ValidationError(
            f"forecast_method: the stand-in forecast is naive only, got {method!r}",
            field="forecast_method",
        )
    index = to_utc_index(energy.index, field="energy")
    start = pd.Timestamp(first_day).tz_localize(UK_TZ).tz_convert("UTC")
    stop = (pd.Timestamp(last_day) + pd.Timedelta(days=1)).tz_localize(UK_TZ).tz_convert("UTC")
    held_days = (start - index[0]) / pd.Timedelta(days=1) if len(index) else 0.0
    need = pd.Timedelta(days=NAIVE_HISTORY_DAYS)
    if not len(index) or index[0] > start - need:
        # The caller chose a period too early for its forecasts: bad input (422 / exit 2).
        raise ValidationError(
            f"from: forecast mode needs {NAIVE_HISTORY_DAYS} days of prices before "
            f"{first_day}; the data holds {max(held_days, 0.0):g}",
            field="from",
        )
    target = pd.date_range(start, stop, freq="30min", inclusive="left")
    frame = energy.set_axis(index)
    stacked = np.stack(
        [
            frame.reindex(target - pd.Timedelta(days=k)).to_numpy(dtype=float)
            for k in NAIVE_DAYS_BACK
        ]
    )
    finite = np.isfinite(stacked)
    count = finite.sum(axis=0)
    mean = np.where(finite, stacked, 0.0).sum(axis=0) / np.maximum(count, 1)
    energy_fc = pd.DataFrame(
        np.where(count > 0, mean, np.nan), index=target, columns=energy.columns
    )
    days = pd.date_range(pd.Timestamp(first_day), pd.Timestamp(last_day) + pd.Timedelta(days=1))
    keys = pd.MultiIndex.from_product([days, range(1, 7)], names=["efa_date", "efa_block"])
    table = services.copy()
    table.index = pd.MultiIndex.from_arrays(
        [pd.to_datetime(table.index.get_level_values(0)), table.index.get_level_values(1)]
    )
    previous_days = pd.DatetimeIndex(keys.get_level_values(0)) - pd.Timedelta(days=1)
    previous = pd.MultiIndex.from_arrays([previous_days, keys.get_level_values(1)])
    service_fc = pd.DataFrame(
        table.reindex(previous).to_numpy(dtype=float), index=keys, columns=table.columns
    )
    return Forecasts(energy_fc, service_fc)


def aligned(
    forecasts: Forecasts,
    index: pd.DatetimeIndex,
    markets: tuple[str, ...],
    blocks: pd.DataFrame,
    services: tuple[str, ...],
) -> tuple[np.ndarray, np.ndarray]:
    """The forecasts as ``(T, M)`` energy and ``(B, K)`` service arrays of a layout."""
    energy = forecasts.energy.reindex(index)
    energy_fc = (
        np.column_stack([energy[m].to_numpy(dtype=float) for m in markets])
        if markets
        else (np.zeros((len(index), 0)))
    )
    keys = pd.MultiIndex.from_arrays([pd.to_datetime(blocks["efa_date"]), blocks["efa_block"]])
    table = forecasts.services.reindex(keys)
    service_fc = (
        np.column_stack([table[s].to_numpy(dtype=float) for s in services])
        if services
        else np.zeros((len(blocks), 0))
    )
    return np.asarray(energy_fc, dtype=float), np.asarray(service_fc, dtype=float)
