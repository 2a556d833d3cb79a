"""The monthly backtest (``gbess backtest``): forecast mode beside its ceiling, month by month.

For each UK calendar month and each battery duration (1 MW; 1 h and 2 h by default; round
trip 0.88; APX + imbalance + the six DC/DM/DR services; no Capacity Market, no network
charges), one :func:`engine.revenue.revenue_stack` call gives the forecast-mode result (the
headline) and the perfect-foresight upper bound of the same model. Each month is its own
period (the battery starts empty), decided on forecasts made only from data published before
each decision (the history before the month is read too). Figures are £/MW/yr annualised by
the month's days / 365, by stream, with equivalent cycles.

Months are independent, so they run across :mod:`jobs.pool` (spawned processes, one task per
month, every battery of the month in it); rows come back in month order whatever the
finishing order, so the result is the same as a serial run. Progress (months done) goes to
stderr.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
import time
from dataclasses import dataclass
from typing import Any

import pandas as pd

from engine.battery import DEFAULT_ROUND_TRIP_EFFICIENCY_FRAC
from engine.errors import DataMissingError, ValidationError
from engine.revenue import MarketData
from jobs.background import ProgressFn
from jobs.coverage import outside_range
from jobs.pool import POOL_WORKERS, run_tasks
from jobs.revenue import HISTORY_DAYS, RevenueRequest, read_span, run_stack
from jobs.settings import Settings

_MONTH_RE = re.compile(r"^\d{4}-\d{2}$")
DEFAULT_DURATIONS_H = (1.0, 2.0)


@dataclass(frozen=True)
class BacktestRequest:
    """Months and batteries of a backtest, validated on creation.

    Attributes:
        from_month: First month, ``YYYY-MM``.
        to_month: Last month (inclusive), ``YYYY-MM``; None = the last full month held.
        durations_h: Battery durations at 1 MW [h].
        round_trip_efficiency_frac: Round trip [0-1].
        degradation_gbp_per_mwh: Wear cost per MWh discharged [£/MWh].
    """

    from_month: str = "2023-01"
    to_month: str | None = None
    durations_h: tuple[float, ...] = DEFAULT_DURATIONS_H
    round_trip_efficiency_frac: float = DEFAULT_ROUND_TRIP_EFFICIENCY_FRAC
    degradation_gbp_per_mwh: float = 0.0

    def __post_init__(self) -> None:
        for name in ("from_month", "to_month"):
            value = getattr(self, name)
            if value is not None and not _MONTH_RE.match(str(value)):
                raise ValidationError(
                    f"{name.replace('_month', '')}: expected a month YYYY-MM, got {value!r}",
                    field=name.replace("_month", ""),
                )
        if self.to_month is not None and self.to_month < self.from_month:
            raise ValidationError(
                f"to: {self.to_month} is before from {self.from_month}", field="to"
            )
        if not self.durations_h or any(not 0.25 <= d <= 12 for d in self.durations_h):
            raise ValidationError(
                f"durations: each duration must lie in 0.25..12 h, got {self.durations_h}",
                field="durations",
            )


def _month_span(month: str) -> tuple[dt.date, dt.date]:
    first = dt.date.fromisoformat(f"{month}-01")
    last = (pd.Timestamp(first) + pd.offsets.MonthEnd(0)).date()
    return first, last


def _slice(data: MarketData, first: dt.date, last: dt.date) -> MarketData:
    start = pd.Timestamp(first).tz_localize("Europe/London").tz_convert("UTC")
    stop = (pd.Timestamp(last) + pd.Timedelta(days=1)).tz_localize("Europe/London")
    mask = (data.interval_start >= start) & (data.interval_start < stop.tz_convert("UTC"))
    return MarketData(
        data.interval_start[mask],
        data.energy_price_gbp_per_mwh.loc[mask],
        data.service_price_gbp_per_mw_per_h,
    )


def _stderr_progress(done: int, total: int) -> None:
    sys.stderr.write(f"\rgbess backtest: {done}/{total} months")
    if done == total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def run_backtest(
    request: BacktestRequest,
    settings: Settings,
    progress: ProgressFn | None = _stderr_progress,
    workers: int = POOL_WORKERS,
) -> dict[str, Any]:
    """Read the span once, run every month and battery, return rows and totals.

    Args:
        request: Months and batteries.
        settings: Data locations.
        progress: Called with (months done, months) as months finish; None = silent.
        workers: Processes for the months (1 = in this process); a single month never
            starts a pool.

    Raises:
        DataMissingError: A month the warehouse does not cover, saying what it holds.
    """
    first, _ = _month_span(request.from_month)
    probe, coverage = read_span(settings, first, first)
    del probe
    held = pd.Series(coverage, dtype="datetime64[ns]").dt.date
    if held.isna().any():
        raise outside_range("from", "system_prices", first, first, None, None)
    to_month = request.to_month or max(_last_full_month(held[1]), request.from_month)
    _, last = _month_span(to_month)
    if first < held[0] or last > held[1]:
        raise outside_range("from", "system_prices", first, last, *held, to_field="to")
    data, _ = read_span(settings, first - dt.timedelta(days=HISTORY_DAYS), last)
    months = [
        str(m) for m in pd.period_range(request.from_month, to_month, freq="M").strftime("%Y-%m")
    ]
    tasks: list[tuple[str, MarketData, MarketData]] = []
    for month in months:
        m_first, m_last = _month_span(month)
        period = _slice(data, m_first, m_last)
        if period.energy_price_gbp_per_mwh["system"].isna().any():
            raise DataMissingError(f"from/to: system prices missing in {month}", field="from")
        history = _slice(data, m_first - dt.timedelta(days=HISTORY_DAYS), m_first - dt.timedelta(1))
        tasks.append((month, period, history))
    started = time.perf_counter()
    per_month = run_tasks(
        _month_rows,
        [(request, settings, month, period, history) for month, period, history in tasks],
        workers,
        progress,
    )
    rows = [row for month_rows in per_month for row in month_rows]
    return {
        "from": request.from_month,
        "to": to_month,
        "durations_h": list(request.durations_h),
        "upper_bound_label": "upper bound (perfect foresight)",
        "rows": rows,
        "seconds": time.perf_counter() - started,
        "assumptions": [
            "1 MW batteries, round trip "
            f"{request.round_trip_efficiency_frac:g}, APX + imbalance + DC/DM/DR, no Capacity "
            "Market, no network charges, no Balancing Mechanism; each month its own period "
            "starting empty; £/MW/yr = the month's net x 365 / its days.",
        ],
    }


def _month_rows(
    request: BacktestRequest,
    settings: Settings,
    month: str,
    period: MarketData,
    history: MarketData,
) -> list[dict[str, Any]]:
    """One month's rows, one per battery (a pool task: module-level, picklable arguments)."""
    m_first, m_last = _month_span(month)
    rows: list[dict[str, Any]] = []
    for hours in request.durations_h:
        battery = RevenueRequest(
            m_first,
            m_last,
            1.0,
            hours,
            round_trip_efficiency_frac=request.round_trip_efficiency_frac,
            degradation_gbp_per_mwh=request.degradation_gbp_per_mwh,
        )
        doc = run_stack(battery, period, settings, history)
        bound = doc["upper_bound"]
        rows.append(
            {
                "month": month,
                "duration_h": hours,
                "forecast_gbp_per_mw_per_year": doc["gbp_per_mw_per_year"],
                "upper_bound_gbp_per_mw_per_year": bound["gbp_per_mw_per_year"],
                "capture_ratio": doc["capture_ratio"],
                "forecast_equivalent_cycles": doc["equivalent_cycles"],
                "upper_bound_equivalent_cycles": bound["equivalent_cycles"],
                **{
                    f"forecast_{name}_gbp_per_mw_per_year": value * 365.0 / _days(m_first)
                    for name, value in doc["streams"].items()
                },
            }
        )
    return rows


def _last_full_month(last_held: dt.date) -> str:
    """The last calendar month whose every day is held."""
    day = pd.Timestamp(last_held)
    if day == day + pd.offsets.MonthEnd(0):
        return day.strftime("%Y-%m")
    return (day - pd.offsets.MonthEnd(1)).strftime("%Y-%m")


def _days(first: dt.date) -> int:
    return int((pd.Timestamp(first) + pd.offsets.MonthEnd(0)).day)


def backtest_frame(document: dict[str, Any]) -> pd.DataFrame:
    """The rows as a table (for ``--csv``)."""
    return pd.DataFrame(document["rows"]).fillna(0.0)
