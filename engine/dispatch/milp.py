"""The dispatch problem as a HiGHS MILP (or LP): exact reference, fallback and benchmark.

Variables per interval ``t``: grid charge ``c_t`` and discharge ``d_t`` [MW], stored energy
``s_t`` at the interval end [MWh], and (optionally) a binary ``u_t`` = 1 when charging.

    maximise  Σ_t h·((sell_t − deg)·d_t − buy_t·c_t)
    s.t.      s_t − s_{t−1} − η_c·h·c_t + (h/η_d)·d_t = 0          (energy balance)
              c_t ≤ Pc_t·u_t,  d_t ≤ Pd_t·(1 − u_t)                  (no simultaneous use)
              Σ_{t∈day} h·d_t ≤ cycles × usable                      (daily cycle cap)
              lo_t ≤ s_t ≤ hi_t,  s_{T−1} = final (if set)

``binaries="needed"`` puts ``u_t`` only on intervals where the one-interval value is not
concave, ``(sell − deg)·η_d > buy/η_c`` (negative prices): elsewhere simultaneous charge
and discharge can only lose money, so the LP never uses it and the MILP is still exact.
``binaries="none"`` is the plain LP relaxation (which "burns" energy at negative prices).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from engine.dispatch.problem import BoolArray, DispatchProblem, FloatArray
from engine.errors import GbessError, InfeasibleDispatchError
from engine.solvers.highs import solve_sparse

Binaries = Literal["none", "needed", "all"]


@dataclass(frozen=True)
class MilpSolution:
    """A HiGHS solution: per-interval powers and SoC, and the objective [£]."""

    charge_mw: FloatArray
    discharge_mw: FloatArray
    soc_mwh: FloatArray
    objective_gbp: float


def nonconcave_intervals(problem: DispatchProblem) -> BoolArray:
    """Mask of intervals whose value ``v_t(delta)`` is not concave (negative-price kinks)."""
    return np.asarray(problem.discharge_value() < problem.charge_value())


def solve_milp(
    problem: DispatchProblem,
    initial_soc_mwh: float,
    final_soc_mwh: float | None,
    *,
    binaries: Binaries | npt.NDArray[np.intp] = "needed",
    time_limit_s: float = 600.0,
) -> MilpSolution:
    """Solve the problem with HiGHS to zero MIP gap (or as an LP when no binaries).

    Args:
        problem: The dispatch problem.
        initial_soc_mwh: Stored energy at the start [MWh].
        final_soc_mwh: Stored energy required after the last interval, or None [MWh].
        binaries: Where to put charge/discharge binaries: none, needed, all intervals, or
            the given interval positions.
        time_limit_s: HiGHS time limit [s].

    Raises:
        InfeasibleDispatchError: If HiGHS proves the problem infeasible.
        GbessError: If HiGHS stops without a proven optimum (e.g. the time limit).
    """
    battery = problem.battery
    T = problem.n_intervals
    h = problem.interval_h
    if isinstance(binaries, np.ndarray):
        bin_t = np.asarray(binaries, dtype=np.intp)
    elif binaries == "all":
        bin_t = np.arange(T)
    elif binaries == "needed":
        bin_t = np.flatnonzero(nonconcave_intervals(problem))
    else:
        bin_t = np.arange(0)
    B = bin_t.size
    c_col = np.arange(T)
    d_col = T + np.arange(T)
    s_col = 2 * T + np.arange(T)
    u_col = 3 * T + np.arange(B)
    n_col = 3 * T + B

    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    vals: list[np.ndarray] = []

    def add(r: np.ndarray, c: np.ndarray, v: np.ndarray | float) -> None:
        rows.append(r)
        cols.append(c)
        vals.append(np.broadcast_to(np.asarray(v, dtype=float), r.shape))

    t = np.arange(T)
    add(t, s_col, 1.0)
    add(t[1:], s_col[:-1], -1.0)
    add(t, c_col, -battery.charge_efficiency_frac * h)
    add(t, d_col, h / battery.discharge_efficiency_frac)
    row_lo = [np.zeros(T)]
    row_hi = [np.zeros(T)]
    row_lo[0][0] = row_hi[0][0] = initial_soc_mwh
    n_row = T
    if B:
        r1 = n_row + np.arange(B)
        add(r1, c_col[bin_t], 1.0)
        add(r1, u_col, -problem.charge_limit_mw[bin_t])
        r2 = n_row + B + np.arange(B)
        add(r2, d_col[bin_t], 1.0)
        add(r2, u_col, problem.discharge_limit_mw[bin_t])
        row_lo += [np.full(B, -np.inf), np.full(B, -np.inf)]
        row_hi += [np.zeros(B), problem.discharge_limit_mw[bin_t].astype(float)]
        n_row += 2 * B
    cap = problem.day_cap_mwh
    if cap is not None:
        add(n_row + problem.day_id, d_col, h)
        row_lo.append(np.full(problem.n_days, -np.inf))
        row_hi.append(np.asarray(cap, dtype=float))
        n_row += problem.n_days

    col_lo = np.concatenate([np.zeros(2 * T), problem.soc_lo_mwh, np.zeros(B)])
    col_hi = np.concatenate(
        [problem.charge_limit_mw, problem.discharge_limit_mw, problem.soc_hi_mwh, np.ones(B)]
    )
    if final_soc_mwh is not None:
        col_lo[s_col[-1]] = col_hi[s_col[-1]] = final_soc_mwh
    cost = np.concatenate(
        [
            -h * problem.buy_gbp_per_mwh,
            h * (problem.sell_gbp_per_mwh - battery.degradation_cost_gbp_per_mwh),
            np.zeros(T + B),
        ]
    )

    integer = np.zeros(n_col, dtype=bool)
    integer[3 * T :] = True
    result = solve_sparse(
        cost=cost,
        col_lower=col_lo,
        col_upper=col_hi,
        rows=np.concatenate(rows),
        cols=np.concatenate(cols),
        values=np.concatenate(vals),
        row_lower=np.concatenate(row_lo),
        row_upper=np.concatenate(row_hi),
        maximise=True,
        integer=integer,
        options={
            "mip_rel_gap": 0.0,
            "mip_abs_gap": 1e-3,
            "time_limit": float(time_limit_s),
            "threads": 1,
        },
    )
    if result.infeasible:
        raise InfeasibleDispatchError(
            "no schedule meets the state-of-charge bounds, the final SoC and the cycle cap",
            field="battery",
        )
    if not result.optimal:
        # A time limit or numerical trouble is not a proof that no schedule exists.
        raise GbessError(
            f"HiGHS stopped without a proven optimum: {result.status}",
            field="time_limit_s",
        )
    x = result.x
    return MilpSolution(
        charge_mw=x[c_col],
        discharge_mw=x[d_col],
        soc_mwh=x[s_col],
        objective_gbp=result.objective,
    )
