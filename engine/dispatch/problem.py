"""The dispatch problem as per-interval arrays: prices checked, limits and days laid out.

Every solver (the exact DP, the HiGHS MILP/LP used as reference and fallback) reads the same
:class:`DispatchProblem`, and every schedule is checked by :func:`check_schedule` before it is
returned (energy balance, SoC and power bounds, no simultaneous charge and discharge, the
daily cycle cap and the final SoC).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from engine.battery import BatterySpec
from engine.errors import InfeasibleDispatchError, ValidationError
from engine.series import listed_intervals
from engine.settlement import settlement_date_period

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

# Tolerances of the result checks.
ENERGY_TOL_MWH = 1e-6
POWER_TOL_MW = 1e-6


@dataclass(frozen=True)
class DispatchProblem:
    """One battery over one horizon, as arrays of length T (one per interval).

    Attributes:
        battery: The battery.
        interval_h: Interval length [h].
        buy_gbp_per_mwh: Price paid per MWh imported (charging) [£/MWh].
        sell_gbp_per_mwh: Price earned per MWh exported (discharging) [£/MWh].
        charge_limit_mw: Largest charge power per interval (0 where trading is barred) [MW].
        discharge_limit_mw: Largest discharge power per interval [MW].
        soc_lo_mwh: Lowest stored energy at the end of each interval [MWh].
        soc_hi_mwh: Highest stored energy at the end of each interval [MWh].
        day_id: Day number of each interval (0, 1, ...), for the daily cycle cap [-].
        day_cap_mwh: Most grid energy each day may discharge (None = no cap) [MWh].
        tradable: False where the battery may not trade (prices there are set to 0) [-].
        index: The caller's index for the schedule (timestamps or positions).
    """

    battery: BatterySpec
    interval_h: float
    buy_gbp_per_mwh: FloatArray
    sell_gbp_per_mwh: FloatArray
    charge_limit_mw: FloatArray
    discharge_limit_mw: FloatArray
    soc_lo_mwh: FloatArray
    soc_hi_mwh: FloatArray
    day_id: IntArray
    day_cap_mwh: FloatArray | None
    tradable: BoolArray
    index: pd.Index

    @property
    def n_intervals(self) -> int:
        """Number of intervals T."""
        return int(self.buy_gbp_per_mwh.shape[0])

    @property
    def n_days(self) -> int:
        """Number of (possibly partial) days in the horizon."""
        return int(self.day_id[-1]) + 1

    def charge_value(self) -> FloatArray:
        """Value per MWh of stored-energy increase while charging: −buy ÷ η_c [£/MWh]."""
        return -self.buy_gbp_per_mwh / self.battery.charge_efficiency_frac

    def discharge_value(self) -> FloatArray:
        """Value slope of the discharge side: −(sell − degradation) × η_d [£/MWh].

        Discharging lowers stored energy by ``e`` MWh and earns ``(sell − deg) × η_d × e``,
        i.e. ``discharge_value × delta`` with ``delta = −e``.
        """
        margin = self.sell_gbp_per_mwh - self.battery.degradation_cost_gbp_per_mwh
        return -margin * self.battery.discharge_efficiency_frac

    def max_soc_rise_mwh(self) -> FloatArray:
        """Largest stored-energy increase per interval: P_c × η_c × h [MWh]."""
        return self.charge_limit_mw * self.battery.charge_efficiency_frac * self.interval_h

    def max_soc_fall_mwh(self) -> FloatArray:
        """Largest stored-energy decrease per interval: P_d × h ÷ η_d [MWh]."""
        return self.discharge_limit_mw * self.interval_h / self.battery.discharge_efficiency_frac

    def slice(self, first: int, stop: int) -> DispatchProblem:
        """The sub-problem of intervals ``first .. stop-1`` (days renumbered from 0)."""
        day = self.day_id[first:stop]
        return DispatchProblem(
            battery=self.battery,
            interval_h=self.interval_h,
            buy_gbp_per_mwh=self.buy_gbp_per_mwh[first:stop],
            sell_gbp_per_mwh=self.sell_gbp_per_mwh[first:stop],
            charge_limit_mw=self.charge_limit_mw[first:stop],
            discharge_limit_mw=self.discharge_limit_mw[first:stop],
            soc_lo_mwh=self.soc_lo_mwh[first:stop],
            soc_hi_mwh=self.soc_hi_mwh[first:stop],
            day_id=day - day[0],
            day_cap_mwh=None
            if self.day_cap_mwh is None
            else self.day_cap_mwh[int(day[0]) : int(day[-1]) + 1],
            tradable=self.tradable[first:stop],
            index=self.index[first:stop],
        )


def _price_array(values: Any, field: str, index: pd.Index | None) -> tuple[FloatArray, pd.Index]:
    if isinstance(values, pd.Series):
        series_index = values.index
        raw = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    else:
        try:
            raw = np.asarray(values, dtype=float)
        except (TypeError, ValueError):
            raise ValidationError(f"{field}: expected numbers", field=field) from None
        series_index = index if index is not None else pd.RangeIndex(raw.shape[0], name="interval")
    if raw.ndim != 1:
        raise ValidationError(f"{field}: expected a one-dimensional series", field=field)
    return raw, series_index


def day_ids(index: pd.Index, interval_h: float) -> IntArray:
    """Day number of each interval: the UK settlement date for UTC timestamps, else blocks.

    With a tz-aware ``DatetimeIndex`` a day is a settlement date (BSC Section X-1, so 46 or
    50 half-hours on clock-change days, via ``engine.settlement``); otherwise consecutive
    blocks of ``round(24 / interval_h)`` intervals from the start.

    Args:
        index: The price series' index.
        interval_h: Interval length [h].
    """
    n = len(index)
    if isinstance(index, pd.DatetimeIndex) and index.tz is not None and n:
        dates = settlement_date_period(index)["settlement_date"].to_numpy()
        return np.asarray(pd.factorize(dates)[0], dtype=np.int64)
    per_day = max(1, round(24 / interval_h))
    return np.arange(n, dtype=np.int64) // per_day


def build_problem(
    battery: BatterySpec,
    interval_h: float,
    prices_gbp_per_mwh: Any = None,
    buy_prices_gbp_per_mwh: Any = None,
    sell_prices_gbp_per_mwh: Any = None,
    tradable: Any = None,
) -> DispatchProblem:
    """Validate the inputs and lay the problem out as arrays.

    Args:
        battery: The battery.
        interval_h: Interval length, 0 < h ≤ 24 [h].
        prices_gbp_per_mwh: One price for both directions (array or Series) [£/MWh].
        buy_prices_gbp_per_mwh: Import price, overriding ``prices`` for charging [£/MWh].
        sell_prices_gbp_per_mwh: Export price, overriding ``prices`` for discharging [£/MWh].
        tradable: Optional booleans; False bars trading in that interval (its price may be
            NaN, e.g. an APX period with no trades).

    Raises:
        ValidationError: NaN/missing prices (naming the intervals), unequal lengths, an empty
            series or a bad interval length.
    """
    if not isinstance(interval_h, int | float) or not 0 < float(interval_h) <= 24:
        raise ValidationError(
            f"interval_h: expected hours in (0, 24], got {interval_h!r}", field="interval_h"
        )
    given = {
        "prices_gbp_per_mwh": prices_gbp_per_mwh,
        "buy_prices_gbp_per_mwh": buy_prices_gbp_per_mwh,
        "sell_prices_gbp_per_mwh": sell_prices_gbp_per_mwh,
    }
    arrays: dict[str, FloatArray] = {}
    index: pd.Index | None = None
    for field, values in given.items():
        if values is not None:
            arrays[field], idx = _price_array(values, field, index)
            index = idx if index is None else index
    if "prices_gbp_per_mwh" not in arrays and len(arrays) < 2:
        raise ValidationError(
            "prices_gbp_per_mwh: give one price series, or both buy and sell prices",
            field="prices_gbp_per_mwh",
        )
    lengths = {field: arr.shape[0] for field, arr in arrays.items()}
    if len(set(lengths.values())) > 1:
        listed = ", ".join(f"{f}={n}" for f, n in lengths.items())
        field = next(f for f in lengths if f != "prices_gbp_per_mwh")
        raise ValidationError(f"price series have unequal lengths: {listed}", field=field)
    n = next(iter(lengths.values()))
    if n == 0:
        raise ValidationError("prices_gbp_per_mwh: the series is empty", field="prices_gbp_per_mwh")
    if index is None or len(index) != n:  # defensive
        index = pd.RangeIndex(n, name="interval")
    if tradable is None:
        can_trade = np.ones(n, dtype=bool)
    else:
        can_trade = np.asarray(tradable, dtype=bool)
        if can_trade.shape != (n,):
            raise ValidationError(
                f"tradable: expected {n} flags, got {can_trade.shape}", field="tradable"
            )
    for field, arr in arrays.items():
        bad = np.flatnonzero(~np.isfinite(arr) & can_trade)
        if bad.size:
            raise ValidationError(
                f"{field}: NaN or missing price at {bad.size} interval(s): "
                f"{listed_intervals(index, bad)}",
                field=field,
            )
    base = arrays.get("prices_gbp_per_mwh")
    buy = arrays.get("buy_prices_gbp_per_mwh", base)
    sell = arrays.get("sell_prices_gbp_per_mwh", base)
    if buy is None or sell is None:
        missing = "sell" if buy is not None else "buy"
        raise ValidationError(
            f"{missing}_prices_gbp_per_mwh: give one price series, or both buy and sell prices",
            field=f"{missing}_prices_gbp_per_mwh",
        )
    buy = np.where(can_trade, buy, 0.0)
    sell = np.where(can_trade, sell, 0.0)
    ones = np.ones(n)
    days = day_ids(index, float(interval_h))
    return DispatchProblem(
        battery=battery,
        interval_h=float(interval_h),
        buy_gbp_per_mwh=buy,
        sell_gbp_per_mwh=sell,
        charge_limit_mw=np.where(can_trade, battery.charge_power_mw, 0.0),
        discharge_limit_mw=np.where(can_trade, battery.discharge_power_mw, 0.0),
        soc_lo_mwh=ones * battery.soc_min_mwh,
        soc_hi_mwh=ones * battery.soc_max_mwh,
        day_id=days,
        day_cap_mwh=None
        if battery.max_cycles_per_day is None
        else np.full(int(days[-1]) + 1, battery.max_cycles_per_day * battery.usable_energy_mwh),
        tradable=can_trade,
        index=index,
    )


def check_reachable(problem: DispatchProblem, initial_soc_mwh: float) -> None:
    """Raise if the final SoC target cannot be reached from the initial SoC.

    Raises:
        InfeasibleDispatchError: Naming ``final_soc_mwh``.
    """
    final = problem.battery.final_soc_mwh
    if final is None:
        return
    rise = float(problem.max_soc_rise_mwh().sum())
    fall = float(problem.max_soc_fall_mwh().sum())
    if final > initial_soc_mwh + rise + ENERGY_TOL_MWH or final < initial_soc_mwh - fall - (
        ENERGY_TOL_MWH
    ):
        raise InfeasibleDispatchError(
            f"final_soc_mwh: {final:g} MWh cannot be reached from {initial_soc_mwh:g} MWh in "
            f"{problem.n_intervals} intervals (at most +{rise:g} / −{fall:g} MWh of stored "
            "energy)",
            field="final_soc_mwh",
        )


def check_schedule(
    problem: DispatchProblem,
    charge_mw: FloatArray,
    discharge_mw: FloatArray,
    soc_mwh: FloatArray,
    initial_soc_mwh: float,
    final_soc_mwh: float | None,
) -> None:
    """Check a schedule against the model before it is returned.

    Checks: energy balance every interval (ΔSoC = P_c η_c h − P_d h ÷ η_d), SoC within
    bounds, powers within limits and never negative, no interval both charging and
    discharging, the daily discharge cap, and the final SoC.

    Raises:
        InfeasibleDispatchError: Naming the first failed check (an internal fault).
    """
    battery = problem.battery
    h = problem.interval_h

    def fail(what: str, where: npt.NDArray[np.intp]) -> None:
        raise InfeasibleDispatchError(
            f"dispatch result failed its check ({what}) at "
            f"{listed_intervals(problem.index, where)}",
            field="schedule",
        )

    previous = np.concatenate(([initial_soc_mwh], soc_mwh[:-1]))
    flow = (
        charge_mw * battery.charge_efficiency_frac * h
        - discharge_mw * h / battery.discharge_efficiency_frac
    )
    bad = np.flatnonzero(np.abs(soc_mwh - previous - flow) > ENERGY_TOL_MWH)
    if bad.size:
        fail("energy balance", bad)
    bad = np.flatnonzero(
        (soc_mwh < problem.soc_lo_mwh - ENERGY_TOL_MWH)
        | (soc_mwh > problem.soc_hi_mwh + ENERGY_TOL_MWH)
    )
    if bad.size:
        fail("state of charge bounds", bad)
    bad = np.flatnonzero(
        (charge_mw < 0)
        | (discharge_mw < 0)
        | (charge_mw > problem.charge_limit_mw + POWER_TOL_MW)
        | (discharge_mw > problem.discharge_limit_mw + POWER_TOL_MW)
    )
    if bad.size:
        fail("power bounds", bad)
    bad = np.flatnonzero((charge_mw > 0) & (discharge_mw > 0))
    if bad.size:
        fail("simultaneous charge and discharge", bad)
    cap = problem.day_cap_mwh
    if cap is not None:
        per_day = np.bincount(problem.day_id, weights=discharge_mw * h, minlength=cap.size)
        over = np.flatnonzero(per_day > cap + ENERGY_TOL_MWH)
        if over.size:
            first = np.flatnonzero(np.isin(problem.day_id, over))
            fail("daily cycle cap", first[:1])
    if final_soc_mwh is not None and abs(soc_mwh[-1] - final_soc_mwh) > ENERGY_TOL_MWH:
        fail("final state of charge", np.array([soc_mwh.shape[0] - 1]))
