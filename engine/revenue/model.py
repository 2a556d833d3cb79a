"""The co-optimisation model: one battery's energy trades and frequency-response holdings as a MILP.

Decision variables (``h`` = interval length [h], ``t`` = interval, ``b`` = EFA block,
``k`` = service):

* ``charge_mw[t]``, ``discharge_mw[t]`` >= 0: physical grid flows; energy is bought at the
  cheapest and sold at the dearest *available* selected energy market of the interval (see
  :mod:`engine.revenue.search` for why this is the same as choosing a market per trade);
* ``soc_mwh[t]``: stored energy at the end of interval ``t``;
* ``service_mw[k, b]`` >= 0: MW contracted for service ``k`` for the whole EFA block ``b``.

Constraints (every interval):

* SoC continuity: ``soc[t] = soc[t-1] + eta_c h charge[t] - h discharge[t] / eta_d``;
* power headroom (the same MW never sold twice in one direction, NESO DC/DM/DR service
  terms: response is measured from the baseline): ``discharge - charge + sum_low MW <= P_dis``
  and ``charge - discharge + sum_high MW <= P_ch``;
* energy headroom at both ends of every interval: ``soc >= soc_min + sum_low MW x
  duration_k / eta_d`` and ``soc <= soc_max - sum_high MW x duration_k x eta_c``
  (DC 15 min, DM 30 min, DR 60 min of full delivery, all low (or all high) services
  called at once);
* optional cap on discharged energy per day group; optional final SoC.

**Relaxation.** This LP lets the battery charge and discharge in the same interval. That
is physically impossible and, because settlement is on a period's net metered volume,
would amount to a naked cross-market position, so the LP is used only as an upper bound and
to propose service holdings; the reported schedule's energy is solved exactly (no
simultaneous charge and discharge) by :mod:`engine.revenue.search`. A MILP with binaries on the
overlapping intervals was measured first and rejected: one day of two markets and six
services took ~10 s, a week did not finish in 200 s (docs/models.md).
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from engine.errors import InfeasibleDispatchError
from engine.solvers.highs import ColumnModel, WarmStarts, column_form, solve_columns

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class ModelBattery:
    """The battery figures the model needs (derived from a ``BatterySpec``).

    Attributes:
        charge_power_mw: Import limit [MW].
        discharge_power_mw: Export limit [MW].
        charge_efficiency_frac: Grid-to-store efficiency [0-1].
        discharge_efficiency_frac: Store-to-grid efficiency [0-1].
        soc_min_mwh: Lowest stored energy [MWh].
        soc_max_mwh: Highest stored energy [MWh].
        initial_soc_mwh: Stored energy before the first interval [MWh].
        final_soc_mwh: Required stored energy after the last interval, or None [MWh].
        degradation_cost_gbp_per_mwh: Cost per MWh discharged to grid [£/MWh].
        max_discharge_mwh_per_day: Cap on grid discharge per day group, or None [MWh].
    """

    charge_power_mw: float
    discharge_power_mw: float
    charge_efficiency_frac: float
    discharge_efficiency_frac: float
    soc_min_mwh: float
    soc_max_mwh: float
    initial_soc_mwh: float
    final_soc_mwh: float | None
    degradation_cost_gbp_per_mwh: float
    max_discharge_mwh_per_day: float | None


@dataclass(frozen=True)
class ModelInputs:
    """Prices and calendar for one solve window.

    Attributes:
        buy_price_gbp_per_mwh: Cheapest available price to charge at, per interval [£/MWh].
        sell_price_gbp_per_mwh: Dearest available price to discharge at, per interval [£/MWh].
        can_buy: Whether any selected market can buy energy in the interval.
        can_sell: Whether any selected market can sell energy in the interval.
        block_of_interval: Index (0..B-1) of each interval's EFA block.
        day_of_interval: Index of each interval's day group (for the cycle cap).
        service_price_gbp_per_mw_per_h: ``(B, K)`` clearing prices; NaN = not offered [£/MW/h].
        service_low: ``(K,)`` True for low (export) services.
        service_duration_h: ``(K,)`` full-delivery durations [h].
        interval_h: Interval length [h].
    """

    buy_price_gbp_per_mwh: FloatArray
    sell_price_gbp_per_mwh: FloatArray
    can_buy: BoolArray
    can_sell: BoolArray
    block_of_interval: IntArray
    day_of_interval: IntArray
    service_price_gbp_per_mw_per_h: FloatArray
    service_low: BoolArray
    service_duration_h: FloatArray
    interval_h: float


@dataclass(frozen=True)
class ModelSolution:
    """Optimal schedule of one window.

    Attributes:
        charge_mw: Grid import per interval [MW].
        discharge_mw: Grid export per interval [MW].
        soc_mwh: Stored energy at each interval's end [MWh].
        service_mw: ``(B, K)`` contracted MW per block and service [MW].
        objective_gbp: Model objective (energy cash + service availability - degradation) [£].
    """

    charge_mw: FloatArray
    discharge_mw: FloatArray
    soc_mwh: FloatArray
    service_mw: FloatArray
    objective_gbp: float


def solve_relaxation(inputs: ModelInputs, battery: ModelBattery) -> ModelSolution:
    """Solve the LP relaxation (simultaneous charge and discharge allowed).

    Its objective is an upper bound on the true optimum; its service holdings are the
    starting point of the exact-energy search in :mod:`engine.revenue.search`.

    Args:
        inputs: Prices and calendar of the window.
        battery: Battery figures.

    Returns:
        The relaxed optimum.

    Raises:
        InfeasibleDispatchError: If no schedule satisfies the constraints.
    """
    n = inputs.buy_price_gbp_per_mwh.shape[0]
    values, objective = _solve_once(inputs, battery)
    n_blocks, n_services = inputs.service_price_gbp_per_mw_per_h.shape
    service = values[3 * n : 3 * n + n_blocks * n_services].reshape(n_services, n_blocks).T
    return ModelSolution(
        charge_mw=np.clip(values[:n], 0.0, None),
        discharge_mw=np.clip(values[n : 2 * n], 0.0, None),
        soc_mwh=values[2 * n : 3 * n].copy(),
        service_mw=np.clip(service, 0.0, None),
        objective_gbp=-objective,
    )


class _Triplets:
    """Accumulates constraint rows as COO triplets, built a whole block of rows at a time
    (only the rows' bounds when ``entries`` is False: the matrix is already known)."""

    def __init__(self, entries: bool = True) -> None:
        self.entries = entries
        self.rows: list[IntArray] = []
        self.cols: list[IntArray] = []
        self.vals: list[FloatArray] = []
        self.lower: list[FloatArray] = []
        self.upper: list[FloatArray] = []
        self.count = 0

    def add_rows(self, lower: FloatArray, upper: FloatArray) -> int:
        first = self.count
        self.lower.append(np.asarray(lower, dtype=np.float64))
        self.upper.append(np.asarray(upper, dtype=np.float64))
        self.count += len(lower)
        return first

    def add_entries(self, rows: IntArray, cols: IntArray, vals: FloatArray | float) -> None:
        if not self.entries:
            return
        rows = np.asarray(rows, dtype=np.int64)
        self.rows.append(rows)
        self.cols.append(np.asarray(cols, dtype=np.int64))
        self.vals.append(np.broadcast_to(np.asarray(vals, dtype=np.float64), rows.shape).copy())


# The constraint matrix depends only on a window's shape, blocks, days, offered services and
# the battery's efficiencies, so the forecast mode's ~370 D-1 windows a year share a few;
# each is kept in HiGHS's column form (identical to building it again).
_MATRICES: dict[
    tuple[object, ...], tuple[npt.NDArray[np.int32], npt.NDArray[np.int32], FloatArray]
] = {}
_MATRICES_KEPT = 32

# The relaxations solved in one run, each warm-started from the last that shared its matrix
# (:func:`warm_starts`); None outside a run: every solve is cold.
_WARM: ContextVar[WarmStarts | None] = ContextVar("revenue_model_warm_starts", default=None)


@contextlib.contextmanager
def warm_starts() -> Iterator[None]:
    """Within this block (one thread's run), each relaxation starts from the optimal basis
    of the last one solved with the same constraint matrix (:class:`WarmStarts`): the
    forecast mode's D-1 windows and the weekly chunks of :func:`propose_holdings` change
    only costs and bounds from one LP to the next. Where an LP has several optimal vertices
    the holdings proposed depend on the solves before it, so a run is one deterministic
    sequence: a block inside another joins it."""
    if _WARM.get() is not None:
        yield
        return
    token = _WARM.set(WarmStarts(_MATRICES_KEPT))
    try:
        yield
    finally:
        _WARM.reset(token)


def _solve_once(inputs: ModelInputs, battery: ModelBattery) -> tuple[FloatArray, float]:
    h = inputs.interval_h
    n = inputs.buy_price_gbp_per_mwh.shape[0]
    prices = inputs.service_price_gbp_per_mw_per_h
    n_blocks, n_services = prices.shape
    eta_c = battery.charge_efficiency_frac
    eta_d = battery.discharge_efficiency_frac
    p_ch = battery.charge_power_mw
    p_dis = battery.discharge_power_mw
    t = np.arange(n, dtype=np.int64)
    blk = inputs.block_of_interval
    c0, d0, e0, m0 = 0, n, 2 * n, 3 * n
    offered = ~np.isnan(prices)
    low_k = np.flatnonzero(inputs.service_low & offered.any(axis=0))
    high_k = np.flatnonzero(~inputs.service_low & offered.any(axis=0))
    capped = battery.max_discharge_mwh_per_day is not None
    # Everything the matrix's entries depend on (the rows' bounds and the costs are rebuilt).
    key = (
        n,
        n_blocks,
        n_services,
        blk.tobytes(),
        low_k.tobytes(),
        high_k.tobytes(),
        np.asarray(inputs.service_duration_h, dtype=np.float64).tobytes(),
        inputs.day_of_interval.tobytes() if capped else None,
        eta_c,
        eta_d,
        h,
    )
    matrix = _MATRICES.get(key)
    n_col = m0 + n_blocks * n_services

    # Objective (minimised): charging cost, minus sales net of degradation, minus availability.
    hours_in_block = np.bincount(blk, minlength=n_blocks).astype(np.float64) * h
    cost = np.zeros(n_col)
    buy = np.where(inputs.can_buy, inputs.buy_price_gbp_per_mwh, 0.0)
    sell = np.where(inputs.can_sell, inputs.sell_price_gbp_per_mwh, 0.0)
    cost[c0:d0] = h * buy
    cost[d0:e0] = -h * (sell - battery.degradation_cost_gbp_per_mwh)
    cost[m0:] = -(np.where(offered, prices, 0.0) * hours_in_block[:, None]).T.reshape(-1)

    lower = np.zeros(n_col)
    upper = np.empty(n_col)
    upper[c0:d0] = np.where(inputs.can_buy, p_ch, 0.0)
    upper[d0:e0] = np.where(inputs.can_sell, p_dis, 0.0)
    lower[e0:m0] = battery.soc_min_mwh
    upper[e0:m0] = battery.soc_max_mwh
    if battery.final_soc_mwh is not None:
        lower[m0 - 1] = upper[m0 - 1] = battery.final_soc_mwh
    limit = np.where(inputs.service_low, p_dis, p_ch)
    upper[m0:] = (np.where(offered, 1.0, 0.0) * limit[None, :]).T.reshape(-1)

    tri = _Triplets(entries=matrix is None)
    # SoC continuity.
    rhs = np.zeros(n)
    rhs[0] = battery.initial_soc_mwh
    r = tri.add_rows(rhs, rhs)
    tri.add_entries(r + t, e0 + t, 1.0)
    tri.add_entries(r + t[1:], e0 + t[1:] - 1, -1.0)
    tri.add_entries(r + t, c0 + t, -eta_c * h)
    tri.add_entries(r + t, d0 + t, h / eta_d)

    block_starts = np.flatnonzero(np.r_[True, blk[1:] != blk[:-1]])
    for ks, sign in ((low_k, 1.0), (high_k, -1.0)):
        if ks.size == 0:
            continue
        # Power headroom: sign*(discharge - charge) + sum MW <= P.
        r = tri.add_rows(np.full(n, -np.inf), np.full(n, p_dis if sign > 0 else p_ch))
        tri.add_entries(r + t, d0 + t, sign)
        tri.add_entries(r + t, c0 + t, -sign)
        for k in ks:
            tri.add_entries(r + t, m0 + k * n_blocks + blk, 1.0)
        # Energy headroom at each interval end, and at the start of each block.
        factor = (
            inputs.service_duration_h / eta_d if sign > 0 else inputs.service_duration_h * eta_c
        )
        for at_start in (False, True):
            ts = block_starts if at_start else t
            bound_lo = (
                np.full(ts.size, battery.soc_min_mwh) if sign > 0 else np.full(ts.size, -np.inf)
            )
            bound_hi = (
                np.full(ts.size, np.inf) if sign > 0 else np.full(ts.size, battery.soc_max_mwh)
            )
            soc_col = e0 + ts - 1 if at_start else e0 + ts
            if at_start and ts.size and ts[0] == 0:
                # Before the first interval the SoC is the constant initial value.
                bound_lo[0] -= battery.initial_soc_mwh
                bound_hi[0] -= battery.initial_soc_mwh
            r = tri.add_rows(bound_lo, bound_hi)
            has_soc = soc_col >= e0
            rows = r + np.arange(ts.size)
            tri.add_entries(rows[has_soc], soc_col[has_soc], 1.0)
            for k in ks:
                tri.add_entries(rows, m0 + k * n_blocks + blk[ts], -sign * factor[k])

    if battery.max_discharge_mwh_per_day is not None:
        days = inputs.day_of_interval
        n_days = int(days.max()) + 1
        r = tri.add_rows(
            np.full(n_days, -np.inf), np.full(n_days, battery.max_discharge_mwh_per_day)
        )
        tri.add_entries(r + days, d0 + t, h)

    if matrix is None:
        matrix = column_form(
            np.concatenate(tri.rows), np.concatenate(tri.cols), np.concatenate(tri.vals), n_col
        )
        _MATRICES[key] = matrix
        while len(_MATRICES) > _MATRICES_KEPT:  # the oldest first (safe across threads)
            _MATRICES.pop(next(iter(_MATRICES), ()), None)
    return _run_highs(key, tri, matrix, cost, lower, upper)


def _run_highs(
    key: tuple[object, ...],
    tri: _Triplets,
    matrix: tuple[npt.NDArray[np.int32], npt.NDArray[np.int32], FloatArray],
    cost: FloatArray,
    lower: FloatArray,
    upper: FloatArray,
) -> tuple[FloatArray, float]:
    model = ColumnModel(
        cost,
        lower,
        upper,
        *matrix,
        row_lower=np.concatenate(tri.lower),
        row_upper=np.concatenate(tri.upper),
        maximise=False,
    )
    warm = _WARM.get()
    result = solve_columns(model) if warm is None else warm.solve(key, model)
    if not result.optimal:
        raise InfeasibleDispatchError(
            f"revenue model: no feasible schedule ({result.status}); "
            "check the initial/final SoC against the battery's limits"
        )
    return result.x, result.objective


def propose_holdings(
    inputs: ModelInputs, battery: ModelBattery, blocks_per_chunk: int = 42
) -> FloatArray:
    """Service holdings from the LP relaxation solved in consecutive chunks of EFA blocks.

    The holdings are only a starting point for the exact search, so the year is cut into
    chunks (42 blocks = a week) solved in order, each starting from the previous chunk's
    final SoC with a free end (the last honours the final SoC): simplex time grows faster
    than linearly with size, so a year of weekly LPs is several times faster than one.

    Returns:
        ``(B, K)`` holdings [MW].
    """
    blk = inputs.block_of_interval
    n_blocks = inputs.service_price_gbp_per_mw_per_h.shape[0]
    cuts = np.flatnonzero(np.r_[True, blk[1:] != blk[:-1]] & (blk % blocks_per_chunk == 0))
    bounds = [*cuts.tolist(), blk.shape[0]]
    if bounds[0] != 0:
        bounds.insert(0, 0)
    out = np.zeros((n_blocks, inputs.service_low.shape[0]))
    soc = battery.initial_soc_mwh
    with warm_starts():
        for first, stop in itertools.pairwise(bounds):
            b0, b1 = int(blk[first]), int(blk[stop - 1]) + 1
            days = inputs.day_of_interval[first:stop]
            part = dataclasses.replace(
                inputs,
                buy_price_gbp_per_mwh=inputs.buy_price_gbp_per_mwh[first:stop],
                sell_price_gbp_per_mwh=inputs.sell_price_gbp_per_mwh[first:stop],
                can_buy=inputs.can_buy[first:stop],
                can_sell=inputs.can_sell[first:stop],
                block_of_interval=blk[first:stop] - b0,
                day_of_interval=days - days[0],
                service_price_gbp_per_mw_per_h=inputs.service_price_gbp_per_mw_per_h[b0:b1],
            )
            final = battery.final_soc_mwh if stop == blk.shape[0] else None
            spec = dataclasses.replace(battery, initial_soc_mwh=soc, final_soc_mwh=final)
            solution = solve_relaxation(part, spec)
            out[b0:b1] = np.maximum(out[b0:b1], solution.service_mw)
            soc = float(np.clip(solution.soc_mwh[-1], battery.soc_min_mwh, battery.soc_max_mwh))
    return out
