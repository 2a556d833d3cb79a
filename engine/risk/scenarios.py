"""Scenario-years of every market the revenue stack uses, built only from published history.

Two kinds of scenario (a seed makes both reproducible, scenario by scenario):

* **replay** — a historical calendar year exactly as it happened (prices as published, with
  the 14 days before it as the forecasts' history);
* **bootstrap** — a seasonal block bootstrap: the target year (a fixed non-leap calendar,
  :data:`BOOTSTRAP_TARGET_YEAR`) is cut into blocks of ``block_days`` UK days (1 = days,
  7 = weeks) and each block is replaced by a block of *real* consecutive days drawn from the
  regime's history whose first day lies within ``season_window_days`` of the target's
  day-of-year, whose days have the same number of settlement periods (46/48/50, so clock-change
  days come from clock-change days) and the same weekday/weekend pattern. A drawn day brings
  *all* its markets at once: APX and system price per half-hour of UK day D and the six
  DC/DM/DR clearing prices of EFA day D (which starts 23:00 on D-1; the hour 23:00-24:00 of a
  scenario day therefore meets the next drawn day's block-1 price, the only seam). So the
  intra-day shape, the cross-market correlation and the spikes of each day survive, and no
  price appears that was not published (a missing APX trade stays missing).

By default each bootstrap scenario is **anchored** to one full year of the regime, drawn at
random, and its blocks come from that year (and from partial years such as 2026 Q1), so a
year's level persists (see :func:`bootstrap`).

A **regime** is the span of years the bootstrap may draw from (default ``2024-2026``: the EAC
service prices; 2021-22 service prices were a different world). Only *complete* days are
drawn: every half-hour's system price and all six services in all six EFA blocks held.

Data are the warehouse's history (``market/SOURCES.md``: energy 2019-01 .. 2026-03-18, the
BMRS-CSV vintage to 2025-06-01 and the Insights API after; services 2021-09 .. 2026-08, with
no EAC results for EFA days 2023-11-03 .. 2023-12-31 in the shipped files).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from engine.errors import DataMissingError, ValidationError
from engine.revenue import DYNAMIC_SERVICES, MarketData
from engine.settlement import UK_TZ, half_hourly_index

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Calendar of every bootstrap scenario-year (non-leap; its clock changes are 2025-03-30/10-26).
BOOTSTRAP_TARGET_YEAR = 2025
#: Days of prices before each scenario-year (the forecasts' history; the naive one needs 8).
WARMUP_DAYS = 14
#: Half-width of the season a bootstrap block is drawn from [days of year].
DEFAULT_SEASON_WINDOW_DAYS = 21
#: Each calendar month needs at least this many complete days in the regime [days].
MIN_DAYS_PER_MONTH = 20
#: A regime year with this many complete days can anchor a bootstrap scenario [days].
MIN_ANCHOR_DAYS = 300
#: Energy markets, in the order of the bank's columns.
MARKETS = ("apx", "system")
_REGIME_YEARS = (2019, 2026)


@dataclass(frozen=True)
class Regime:
    """The years a bootstrap draws its days from.

    Attributes:
        first_year: First calendar year drawn from.
        last_year: Last calendar year drawn from (inclusive).
    """

    first_year: int
    last_year: int

    @classmethod
    def parse(cls, text: str, field: str = "regime") -> Regime:
        """``"2024-2026"`` or ``"2025"``.

        Raises:
            ValidationError: Anything else, or years outside the shipped history.
        """
        parts = str(text).strip().split("-")
        try:
            years = [int(p) for p in parts if p.strip()]
        except ValueError:
            years = []
        if len(years) not in (1, 2):
            raise ValidationError(f"{field}: expected YYYY or YYYY-YYYY, got {text!r}", field=field)
        first, last = years[0], years[-1]
        lo, hi = _REGIME_YEARS
        if first > last or first < lo or last > hi:
            raise ValidationError(
                f"{field}: years must lie in {lo}..{hi} in order, got {text!r}", field=field
            )
        return cls(first, last)

    @property
    def label(self) -> str:
        """``2024-2026``."""
        return f"{self.first_year}-{self.last_year}"


@dataclass(frozen=True)
class DayBank:
    """Every UK day of the history with complete system prices, as arrays.

    Attributes:
        dates: UK local dates, consecutive.
        periods: Settlement periods of each day (46, 48 or 50).
        offsets: First row of each day in ``energy`` (length ``len(dates) + 1``).
        energy: ``(rows, 2)`` APX and system price per half-hour; NaN = no trade [£/MWh].
        services: ``(days, 6, K)`` clearing price of EFA day = the date, per block and
            service (:data:`engine.revenue.DYNAMIC_SERVICES` order); NaN = none [£/MW/h].
        complete: Days a bootstrap may draw (every service of every block held).
    """

    dates: pd.DatetimeIndex
    periods: IntArray
    offsets: IntArray
    energy: FloatArray
    services: FloatArray
    complete: npt.NDArray[np.bool_]

    def in_regime(self, regime: Regime) -> npt.NDArray[np.bool_]:
        """Complete days of the regime's years."""
        years = np.asarray(self.dates.year)
        return self.complete & (years >= regime.first_year) & (years <= regime.last_year)


def day_bank(history: MarketData) -> DayBank:
    """Cut the history into whole UK days (the scenarios' only source of prices).

    Args:
        history: Prices as held (``apx``, ``system`` per half-hour; services per EFA block).

    Raises:
        DataMissingError: If no day has a complete set of system prices.
    """
    energy = history.energy_price_gbp_per_mwh.reindex(columns=list(MARKETS))
    local = history.interval_start.tz_convert(UK_TZ)
    day = pd.DatetimeIndex(local.tz_localize(None).normalize())
    frame = pd.DataFrame(energy.to_numpy(dtype=float), columns=list(MARKETS))
    frame["day"] = np.asarray(day)
    held = frame.groupby("day")["system"].agg(lambda s: bool(s.notna().all()))
    counts = frame.groupby("day").size()
    expected = pd.Series([_periods_of(d) for d in counts.index], index=counts.index, dtype=np.int64)
    good = held & (counts == expected)
    if not good.any():
        raise DataMissingError("history: no day has every system price", field="regime")
    dates = pd.DatetimeIndex(good.index[good.to_numpy()])
    keep = np.isin(np.asarray(day), np.asarray(dates))
    rows = frame.loc[keep, list(MARKETS)].to_numpy(dtype=float)
    periods = np.asarray(expected.loc[dates].to_numpy(), dtype=np.int64)
    offsets = np.asarray(np.r_[0, np.cumsum(periods)], dtype=np.int64)
    table = history.service_price_gbp_per_mw_per_h.reindex(columns=list(DYNAMIC_SERVICES))
    keys = pd.MultiIndex.from_product([dates, range(1, 7)])
    aligned = table.reindex(keys).to_numpy(dtype=float)
    services = aligned.reshape(len(dates), 6, len(DYNAMIC_SERVICES))
    complete = np.isfinite(services).all(axis=(1, 2))
    return DayBank(dates, periods, offsets, rows, services, complete)


def _periods_of(day: pd.Timestamp) -> int:
    start = pd.Timestamp(day).tz_localize(UK_TZ)
    stop = (pd.Timestamp(day) + pd.Timedelta(days=1)).tz_localize(UK_TZ)
    return int((stop - start) / pd.Timedelta(minutes=30))


@dataclass(frozen=True)
class Scenario:
    """One scenario-year as the bank days it is made of.

    Attributes:
        scenario_id: Number of the scenario within its run (replays first).
        kind: ``replay`` or ``bootstrap``.
        year: The calendar year valued (the replayed year, or the bootstrap calendar).
        source_days: Bank index of each day: the :data:`WARMUP_DAYS` before the year, then
            every day of the year.
    """

    scenario_id: int
    kind: str
    year: int
    source_days: IntArray

    @property
    def label(self) -> str:
        """``replay 2024`` or ``bootstrap 7``."""
        return f"replay {self.year}" if self.kind == "replay" else f"bootstrap {self.scenario_id}"


def calendar_days(year: int) -> pd.DatetimeIndex:
    """The warm-up days and every UK day of ``year`` (the scenario's calendar)."""
    first = pd.Timestamp(year=year, month=1, day=1)
    return pd.date_range(first - pd.Timedelta(days=WARMUP_DAYS), f"{year}-12-31", freq="D")


def replay_years(bank: DayBank, regime: Regime) -> list[int]:
    """Years of the regime whose every day (and warm-up day) has system prices and whose every
    day has all services (so a replay is the year as it happened)."""
    position = pd.Series(np.arange(len(bank.dates)), index=bank.dates)
    years = []
    for year in range(regime.first_year, regime.last_year + 1):
        days = calendar_days(year)
        if not days.isin(bank.dates).all():
            continue
        inside = position.loc[days[WARMUP_DAYS:]].to_numpy()
        if bank.complete[inside].all():
            years.append(year)
    return years


def replay(bank: DayBank, year: int, scenario_id: int) -> Scenario:
    """The historical year as it happened."""
    position = pd.Series(np.arange(len(bank.dates)), index=bank.dates)
    days = calendar_days(year)
    if not days.isin(bank.dates).all():
        raise DataMissingError(f"regime: {year} is not fully held ({_held(bank)})", field="regime")
    return Scenario(scenario_id, "replay", year, position.loc[days].to_numpy(dtype=np.int64))


def _held(bank: DayBank) -> str:
    complete = bank.dates[bank.complete]
    return (
        f"system prices {bank.dates[0].date()}..{bank.dates[-1].date()}, complete days with "
        f"all services {complete[0].date()}..{complete[-1].date()} ({len(complete)} days)"
        if len(complete)
        else f"system prices {bank.dates[0].date()}..{bank.dates[-1].date()}, no day with all "
        "services"
    )


@dataclass(frozen=True)
class BootstrapPlan:
    """Candidates of every target block (computed once per regime, shared by all draws).

    Attributes:
        regime: Regime drawn from.
        block_days: Days per block.
        starts: Target day index of each block's first day.
        lengths: Days of each block (the last may be shorter).
        candidates: Bank index of each eligible first day, per block.
        candidate_years: Calendar year of each candidate, per block.
        anchor_years: Years with at least :data:`MIN_ANCHOR_DAYS` complete days (the
            years a scenario may be anchored to).
    """

    regime: Regime
    block_days: int
    starts: IntArray
    lengths: IntArray
    candidates: tuple[IntArray, ...]
    candidate_years: tuple[IntArray, ...]
    anchor_years: tuple[int, ...]


def bootstrap_plan(
    bank: DayBank,
    regime: Regime,
    block_days: int = 1,
    season_window_days: int = DEFAULT_SEASON_WINDOW_DAYS,
) -> BootstrapPlan:
    """Which bank days may stand in for each block of the target calendar.

    Raises:
        ValidationError: ``block_days`` outside 1..14 or ``season_window_days`` outside 7..60.
        DataMissingError: The regime holds too few complete days (fewer than
            :data:`MIN_DAYS_PER_MONTH` in some calendar month), saying what it holds.
    """
    if not 1 <= block_days <= 14:
        raise ValidationError(
            f"block_days: must lie in 1..14, got {block_days}", field="block_days"
        )
    if not 7 <= season_window_days <= 60:
        raise ValidationError(
            f"season_window_days: must lie in 7..60, got {season_window_days}",
            field="season_window_days",
        )
    usable = bank.in_regime(regime)
    months = pd.Series(np.asarray(bank.dates.month)[usable]).value_counts()
    short = [m for m in range(1, 13) if int(months.get(m, 0)) < MIN_DAYS_PER_MONTH]
    if short:
        names = ", ".join(pd.Timestamp(2000, m, 1).strftime("%b") for m in short)
        raise DataMissingError(
            f"regime: {regime.label} holds {int(usable.sum())} complete days; the bootstrap "
            f"needs ≥ {MIN_DAYS_PER_MONTH} in every calendar month and lacks them in {names}. "
            f"The history holds {_held(bank)}",
            field="regime",
        )
    target = calendar_days(BOOTSTRAP_TARGET_YEAR)
    target_periods = np.array([_periods_of(d) for d in target], dtype=np.int64)
    target_weekend = np.asarray(target.dayofweek >= 5)
    bank_weekend = np.asarray(bank.dates.dayofweek >= 5)
    doy_target = np.asarray(target.dayofyear)
    doy_bank = np.asarray(bank.dates.dayofyear)
    n = len(bank.dates)
    starts = np.arange(0, len(target), block_days, dtype=np.int64)
    lengths = np.minimum(block_days, len(target) - starts).astype(np.int64)
    candidates = []
    for start, length in zip(starts, lengths, strict=True):
        gap = np.abs(doy_bank - doy_target[start])
        ok = np.minimum(gap, 365 - gap) <= season_window_days
        ok[n - int(length) + 1 :] = False
        ordinal = np.asarray((bank.dates - bank.dates[0]).days, dtype=np.int64)
        for j in range(int(length)):
            if j:  # the block's days must be consecutive dates
                ok[: n - j] &= ordinal[j:] - ordinal[: n - j] == j
            shifted = np.zeros(n, dtype=bool)
            shifted[: n - j] = (
                usable[j:]
                & (bank.periods[j:] == target_periods[start + j])
                & (bank_weekend[j:] == target_weekend[start + j])
            )
            ok &= shifted
        found = np.flatnonzero(ok).astype(np.int64)
        if found.size == 0:
            raise DataMissingError(
                f"regime: no {length}-day block of {regime.label} matches "
                f"{target[int(start)].date()} (season, clock change, weekdays); "
                f"the history holds {_held(bank)}",
                field="regime",
            )
        candidates.append(found)
    years = np.asarray(bank.dates.year, dtype=np.int64)
    held = pd.Series(years[usable]).value_counts()
    anchors = tuple(int(y) for y in sorted(held.index) if held[y] >= MIN_ANCHOR_DAYS)
    return BootstrapPlan(
        regime,
        block_days,
        starts,
        lengths,
        tuple(candidates),
        tuple(years[c] for c in candidates),
        anchors,
    )


def bootstrap(
    plan: BootstrapPlan, seed: int, scenario_id: int, year_anchor: bool = True
) -> Scenario:
    """One bootstrap scenario-year; the same ``(seed, scenario_id)`` gives the same days
    whichever shard draws it.

    With ``year_anchor`` (the default) the scenario first draws one of the regime's full
    years (:attr:`BootstrapPlan.anchor_years`) and every block then draws only from that
    year's days and from partial years' days (e.g. 2026 Q1), so a year's price level
    persists through the scenario and the spread of annual revenue reflects year-to-year
    differences; without it, days of all years are pooled and a year of independent days
    averages most of that spread away.
    """
    rng = np.random.default_rng([int(seed), int(scenario_id)])
    anchor = None
    if year_anchor and plan.anchor_years:
        anchor = plan.anchor_years[int(rng.integers(len(plan.anchor_years)))]
    days = np.empty(int(plan.lengths.sum()), dtype=np.int64)
    for start, length, found, years in zip(
        plan.starts, plan.lengths, plan.candidates, plan.candidate_years, strict=True
    ):
        if anchor is not None:
            own = (years == anchor) | ~np.isin(years, plan.anchor_years)
            if own.any():
                found = found[own]
        first = int(found[rng.integers(found.size)])
        days[start : start + length] = first + np.arange(length)
    return Scenario(scenario_id, "bootstrap", BOOTSTRAP_TARGET_YEAR, days)


def scenario_market_data(bank: DayBank, scenario: Scenario) -> tuple[MarketData, MarketData]:
    """The scenario as ``(history, period)`` prices for :func:`engine.revenue.revenue_stack`.

    The history is the warm-up days, the period the scenario's calendar year.
    """
    days = calendar_days(scenario.year)
    index = half_hourly_index(days[0].date(), days[-1].date())
    rows = np.concatenate(
        [np.arange(bank.offsets[d], bank.offsets[d + 1]) for d in scenario.source_days]
    )
    if rows.size != len(index):
        raise ValidationError(
            f"scenario {scenario.label}: its days do not fit the {scenario.year} calendar",
            field="scenario",
        )
    energy = pd.DataFrame(bank.energy[rows], index=index, columns=list(MARKETS))
    keys = pd.MultiIndex.from_product([days, range(1, 7)], names=["efa_date", "efa_block"])
    table = pd.DataFrame(
        bank.services[scenario.source_days].reshape(-1, len(DYNAMIC_SERVICES)),
        index=keys,
        columns=list(DYNAMIC_SERVICES),
    )
    start = pd.Timestamp(dt.date(scenario.year, 1, 1)).tz_localize(UK_TZ).tz_convert("UTC")
    before = index < start
    history = MarketData(index[before], energy.loc[before], table)
    period = MarketData(index[~before], energy.loc[~before], table)
    return history, period
