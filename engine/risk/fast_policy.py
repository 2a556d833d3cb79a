"""A fast day-ahead policy for valuing many scenario-years: an approximation of the forecast
mode (:func:`engine.revenue.revenue_stack`, ``mode="forecast"``), labelled as such.

Same timeline and forecasts as the forecast mode (:mod:`engine.revenue.forecasts`): for each
EFA day D, at D-1 10:00, a plan over D and one look-ahead day (which repeats D's forecasts)
is made on forecasts only — the naive energy forecast (mean of the same half-hour on
D-2 .. D-8) of the day-ahead market (APX when selected, else the imbalance price) and the
previous EFA day's clearing price per block and service — with wear plus the plan margin
charged per MWh discharged and, for a site, its DUoS (the same rule as the revenue stack's
:class:`engine.revenue.NetworkCharges`: a MWh bought costs the price plus the interval's
import unit charge, a MWh sold earns the price plus its generation credit; both are published
in advance, so the look-ahead day carries its own charges, not day D's). D's holdings, flows
and end SoC are committed; the flows settle at the actual APX price (at the system price where
APX did not trade, or when APX is not selected), holdings at the actual clearing prices, and a
site's charges and credits as their own streams.

What is simplified, so that a year takes milliseconds (one compiled dynamic programme over a
grid of stored energy, no LP, no local search):

* each EFA block is either an **energy block** (the battery trades, holds nothing) or a
  **service block** (it idles at a constant SoC and holds, for the whole block, the
  forecast-best low service and the forecast-best high service, each at the most MW its
  power and its stored energy allow — NESO's 15/30/60 min full-delivery headroom, the same
  rule as :mod:`engine.revenue.model`); the exact model may also mix the two within a block;
* stored energy moves on a grid (:func:`soc_grid`): a half-hour's move is a whole number of
  grid steps, so a little power is lost to rounding (stated in the grid's note);
* no intraday re-optimisation at the imbalance price (the forecast mode's within-day overlay
  adds to the D-1 plan only where a forecast edge beats wear + £40/MWh);
* no daily cycle cap, no Capacity Market.

Response energy (issue 20) enters through the inputs only (:mod:`engine.risk.valuation`):
service forecasts that include its value per MW held and delivery durations that include its
drift; :func:`engine.risk.settle` pays it.

The approximation is validated against the forecast mode on the replayed historical years
(``tests/engine/risk/test_fast_policy.py`` states the tolerance it holds to).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from engine.battery import BatterySpec
from engine.solvers.pwl import compiled

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

#: Label carried by every figure this policy produces.
FAST_POLICY_LABEL = "fast day-ahead policy (an approximation of the forecast mode)"
_NEG = -1e300


@dataclass(frozen=True)
class SocGrid:
    """The stored-energy grid of the fast policy.

    Attributes:
        levels: Number of grid points from ``soc_min`` to ``soc_max``.
        step_mwh: Distance between points [MWh].
        charge_steps: Steps a half-hour of full charging may move [-].
        discharge_steps: Steps a half-hour of full discharging may move [-].
        power_kept_frac: Smaller of the charge and discharge power the grid keeps [0-1].
    """

    levels: int
    step_mwh: float
    charge_steps: int
    discharge_steps: int
    power_kept_frac: float

    def note(self) -> str:
        """The grid in one sentence (for ``assumptions``)."""
        return (
            f"{FAST_POLICY_LABEL}: stored energy on {self.levels} levels of "
            f"{self.step_mwh:.3f} MWh; a half-hour keeps ≥ {100 * self.power_kept_frac:.0f} % "
            "of the power; each EFA block is all-energy or all-services; no intraday "
            "re-optimisation at the imbalance price."
        )


def soc_grid(battery: BatterySpec, interval_h: float = 0.5) -> SocGrid:
    """The coarsest grid (from 8 steps) keeping ≥ 95 % of both powers, else the best one
    (a step never moves more than a half-hour at full power).

    Args:
        battery: The battery.
        interval_h: Interval length [h].
    """
    usable = battery.usable_energy_mwh
    charge = battery.charge_power_mw * interval_h * battery.charge_efficiency_frac
    discharge = battery.discharge_power_mw * interval_h / battery.discharge_efficiency_frac
    # Up to 20 steps per half-hour of the slower direction (long batteries need more levels).
    most = min(max(48, math.ceil(20 * usable / min(charge, discharge))), 2000)
    best: SocGrid | None = None
    for steps in range(8, most):
        step = usable / steps
        kc = math.floor(charge / step + 1e-9)
        kd = math.floor(discharge / step + 1e-9)
        if kc < 1 or kd < 1:  # a step longer than a half-hour at full power
            continue
        kept = min(min(kc * step / charge, 1.0), min(kd * step / discharge, 1.0))
        grid = SocGrid(steps + 1, step, kc, kd, kept)
        if best is None or grid.power_kept_frac > best.power_kept_frac + 1e-12:
            best = grid
        if kept >= 0.95:
            return grid
    assert best is not None
    return best


@dataclass(frozen=True)
class FastResult:
    """Committed decisions of the fast policy over one period.

    Attributes:
        charge_mwh: Grid energy bought per interval [MWh].
        discharge_mwh: Grid energy sold per interval [MWh].
        soc_mwh: Stored energy at each interval's end [MWh].
        service_mw: ``(B, K)`` MW held per block and service [MW].
    """

    charge_mwh: FloatArray
    discharge_mwh: FloatArray
    soc_mwh: FloatArray
    service_mw: FloatArray


def fast_policy(
    battery: BatterySpec,
    grid: SocGrid,
    plan_price_gbp_per_mwh: FloatArray,
    service_fc_gbp_per_mw_per_h: FloatArray,
    service_gbp_per_mw_per_h: FloatArray,
    block_of_interval: IntArray,
    efa_block: IntArray,
    day_starts: IntArray,
    service_low: BoolArray,
    service_duration_h: FloatArray,
    plan_margin_gbp_per_mwh: float,
    interval_h: float = 0.5,
    import_charge_gbp_per_mwh: FloatArray | None = None,
    export_credit_gbp_per_mwh: FloatArray | None = None,
) -> FastResult:
    """Run the D-1 plans day by day over a period (see the module docstring).

    Args:
        battery: The battery (its wear cost is charged in the plan, with the margin).
        grid: The stored-energy grid (:func:`soc_grid`).
        plan_price_gbp_per_mwh: ``(T,)`` day-ahead forecast of the market the plan trades;
            NaN = no trade [£/MWh].
        service_fc_gbp_per_mw_per_h: ``(B, K)`` forecast clearing prices [£/MW/h].
        service_gbp_per_mw_per_h: ``(B, K)`` actual clearing prices; a NaN block cannot be
            held whatever its forecast [£/MW/h].
        block_of_interval: ``(T,)`` block of each interval (0..B-1, non-decreasing).
        efa_block: ``(B,)`` EFA block number (1-6) of each block.
        day_starts: First interval of each EFA day, then ``T``.
        service_low: ``(K,)`` True for low (export) services.
        service_duration_h: ``(K,)`` full-delivery duration [h].
        plan_margin_gbp_per_mwh: Forecast-error margin a planned cycle must beat [£/MWh].
        interval_h: Interval length [h].
        import_charge_gbp_per_mwh: ``(T,)`` DUoS unit charge added to the buy price of each
            interval, or None (no site) [£/MWh].
        export_credit_gbp_per_mwh: ``(T,)`` DUoS generation credit added to the sell price,
            or None [£/MWh].
    """
    n = np.asarray(plan_price_gbp_per_mwh).shape[0]
    fee = np.zeros(n) if import_charge_gbp_per_mwh is None else import_charge_gbp_per_mwh
    credit = np.zeros(n) if export_credit_gbp_per_mwh is None else export_credit_gbp_per_mwh
    fc = np.where(np.isnan(service_gbp_per_mw_per_h), np.nan, service_fc_gbp_per_mw_per_h)
    start_level = round((battery.initial_soc_mwh - battery.soc_min_mwh) / grid.step_mwh)
    level, held = _run(
        np.asarray(plan_price_gbp_per_mwh, dtype=np.float64),
        np.asarray(fee, dtype=np.float64),
        np.asarray(credit, dtype=np.float64),
        np.ascontiguousarray(fc, dtype=np.float64),
        np.asarray(block_of_interval, dtype=np.int64),
        np.asarray(efa_block, dtype=np.int64),
        np.asarray(day_starts, dtype=np.int64),
        np.asarray(service_low, dtype=np.bool_),
        np.asarray(service_duration_h, dtype=np.float64),
        grid.levels,
        grid.step_mwh,
        grid.charge_steps,
        grid.discharge_steps,
        battery.soc_min_mwh,
        battery.charge_power_mw,
        battery.discharge_power_mw,
        battery.charge_efficiency_frac,
        battery.discharge_efficiency_frac,
        battery.degradation_cost_gbp_per_mwh + plan_margin_gbp_per_mwh,
        interval_h,
        min(max(start_level, 0), grid.levels - 1),
    )
    soc = battery.soc_min_mwh + level * grid.step_mwh
    before = np.r_[battery.soc_min_mwh + start_level * grid.step_mwh, soc[:-1]]
    moved = soc - before
    charge = np.maximum(moved, 0.0) / battery.charge_efficiency_frac
    discharge = np.maximum(-moved, 0.0) * battery.discharge_efficiency_frac
    return FastResult(charge, discharge, np.asarray(soc, dtype=np.float64), held)


@compiled
def _service_pick(
    fc: FloatArray,
    b: int,
    s_mwh: float,
    low: BoolArray,
    duration: FloatArray,
    p_ch: float,
    p_dis: float,
    eta_c: float,
    eta_d: float,
    room_mwh: float,
) -> tuple[float, int, float, int, float]:
    """Best low and high holding at stored energy ``s`` (above soc_min; ``room`` below max):
    value per hour [£/h], low service, its MW, high service, its MW (-1 = none)."""
    best_low, k_low, mw_low = 0.0, -1, 0.0
    best_high, k_high, mw_high = 0.0, -1, 0.0
    for k in range(fc.shape[1]):
        price = fc[b, k]
        if not price > 0.0:
            continue
        if low[k]:
            mw = min(p_dis, s_mwh * eta_d / duration[k])
            if price * mw > best_low:
                best_low, k_low, mw_low = price * mw, k, mw
        else:
            mw = min(p_ch, room_mwh / (eta_c * duration[k]))
            if price * mw > best_high:
                best_high, k_high, mw_high = price * mw, k, mw
    return best_low + best_high, k_low, mw_low, k_high, mw_high


@compiled
def _step_back(
    p_buy: float,
    p_sell: float,
    after: FloatArray,
    out: FloatArray,
    arg: IntArray,
    kc: int,
    kd: int,
    step: float,
    eta_c: float,
    eta_d: float,
    wear: float,
    queue: IntArray,
) -> None:
    """One interval of the backward pass: ``out[a] = max(after[a], best charge, best
    discharge)`` by sliding-window maxima (charging ``d`` steps costs
    ``p_buy·d·step/eta_c``, discharging earns ``(p_sell − wear)·d·step·eta_d``); ``arg`` the
    level moved to; a NaN buy price (no trade) leaves ``after``."""
    levels = after.shape[0]
    for a in range(levels):
        out[a] = after[a]
        arg[a] = a
    if np.isnan(p_buy):
        return
    c = p_buy * step / eta_c
    # Charge: max over j in (a, a + kc] of after[j] − c·j, plus c·a (a descending).
    head, tail = 0, 0
    for a in range(levels - 2, -1, -1):
        j = a + 1
        g = after[j] - c * j
        while tail > head and after[queue[tail - 1]] - c * queue[tail - 1] <= g:
            tail -= 1
        queue[tail] = j
        tail += 1
        while queue[head] > a + kc:
            head += 1
        best = after[queue[head]] - c * queue[head] + c * a
        if best > out[a] + 1e-9:
            out[a] = best
            arg[a] = queue[head]
    q = (p_sell - wear) * step * eta_d
    # Discharge: max over j in [a − kd, a) of after[j] − q·j, plus q·a (a ascending).
    head, tail = 0, 0
    for a in range(1, levels):
        j = a - 1
        g = after[j] - q * j
        while tail > head and after[queue[tail - 1]] - q * queue[tail - 1] <= g:
            tail -= 1
        queue[tail] = j
        tail += 1
        while queue[head] < a - kd:
            head += 1
        best = after[queue[head]] - q * queue[head] + q * a
        if best > out[a] + 1e-9:
            out[a] = best
            arg[a] = queue[head]


@compiled
def _run(
    price: FloatArray,
    fee: FloatArray,
    credit: FloatArray,
    fc: FloatArray,
    blk: IntArray,
    efa_block: IntArray,
    day_starts: IntArray,
    low: BoolArray,
    duration: FloatArray,
    levels: int,
    step: float,
    kc: int,
    kd: int,
    soc_min: float,
    p_ch: float,
    p_dis: float,
    eta_c: float,
    eta_d: float,
    wear: float,
    h: float,
    start: int,
) -> tuple[IntArray, FloatArray]:
    n = price.shape[0]
    n_days = day_starts.shape[0] - 1
    k_count = fc.shape[1]
    level = np.zeros(n, dtype=np.int64)
    held = np.zeros(fc.shape, dtype=np.float64)
    top = (levels - 1) * step
    s = start
    for i in range(n_days):
        first = day_starts[i]
        stop = day_starts[i + 1]
        last = min(i + 1, n_days - 1)
        end = day_starts[last + 1]
        keep = stop - first
        width = end - first
        b0 = blk[first]
        nb = blk[end - 1] + 1 - b0
        day_blocks = blk[stop - 1] + 1 - b0
        # Plan prices: D's forecasts, repeated for the look-ahead day; the network charges
        # are known in advance, so each interval carries its own.
        buy = np.empty(width)
        sell = np.empty(width)
        for t in range(width):
            buy[t] = price[first + t % keep] + fee[first + t]
            sell[t] = price[first + t % keep] + credit[first + t]
        plan_fc = np.empty((nb, k_count))
        for b in range(nb):
            for k in range(k_count):
                plan_fc[b, k] = fc[b0 + b, k]
            if b >= day_blocks:
                for d in range(day_blocks):
                    if efa_block[b0 + d] == efa_block[b0 + b]:
                        for k in range(k_count):
                            if not np.isnan(fc[b0 + b, k]):
                                plan_fc[b, k] = fc[b0 + d, k]
        # Block bounds within the window.
        bstart = np.empty(nb, dtype=np.int64)
        bend = np.empty(nb, dtype=np.int64)
        for b in range(nb):
            bstart[b] = -1
        for t in range(width):
            b = blk[first + t] - b0
            if bstart[b] < 0:
                bstart[b] = t
            bend[b] = t + 1
        choice = np.zeros((width, levels), dtype=np.int64)
        queue = np.empty(levels, dtype=np.int64)
        service = np.zeros((nb, levels), dtype=np.bool_)
        value = np.zeros(levels)
        nxt = np.zeros(levels)
        for b in range(nb - 1, -1, -1):
            after = value.copy()
            for t in range(bend[b] - 1, bstart[b] - 1, -1):
                _step_back(
                    buy[t], sell[t], after, nxt, choice[t], kc, kd, step, eta_c, eta_d, wear, queue
                )
                after, nxt = nxt, after
            hours = (bend[b] - bstart[b]) * h
            for a in range(levels):
                s_mwh = a * step
                worth, _, _, _, _ = _service_pick(
                    plan_fc, b, s_mwh, low, duration, p_ch, p_dis, eta_c, eta_d, top - s_mwh
                )
                if worth > 0.0 and worth * hours + value[a] > after[a] + 1e-9:
                    service[b, a] = True
                    after[a] = worth * hours + value[a]
            value = after.copy()
        # Commit day D.
        holding = False
        for t in range(keep):
            b = blk[first + t] - b0
            if t == bstart[b]:
                holding = service[b, s]
                if holding:
                    s_mwh = s * step
                    _, kl, ml, kh, mh = _service_pick(
                        plan_fc, b, s_mwh, low, duration, p_ch, p_dis, eta_c, eta_d, top - s_mwh
                    )
                    if kl >= 0:
                        held[b0 + b, kl] = ml
                    if kh >= 0:
                        held[b0 + b, kh] = mh
            if not holding:
                s = choice[t, s]
            level[first + t] = s
    return level, held
