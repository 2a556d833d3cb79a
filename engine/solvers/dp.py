"""Compiled kernel of the exact dispatch optimiser: a dynamic programme over exact
piecewise-linear value functions of the state of charge.

The model per interval ``t`` has one decision, the change of stored energy
``delta`` in ``[-dmax[t], cmax[t]]`` (charging and discharging are never simultaneous, so
the sign of ``delta`` says which one happens), earning

    v_t(delta) = a[t] * delta   if delta >= 0   (charging:    a = -buy_price / eta_c)
                 b[t] * delta   if delta <= 0   (discharging: b = -(sell_price - deg) * eta_d)

and the stored energy after interval ``t`` must lie in ``[lo[t], hi[t]]``. ``v_t`` is concave
when ``b >= a`` and convex (a kink upwards) at negative prices; nothing here assumes either.

Exactness. ``V_t(s) = max_delta v_t(delta) + V_{t+1}(s + delta)`` is computed *exactly* as a
continuous piecewise-linear function (breakpoints ``X``, values ``Y``). For fixed ``s`` the
inner objective is piecewise linear in ``delta`` with kinks only at ``delta = 0`` and at
``delta = X_k - s``, so its maximum is at one of ``delta in {0, cmax, -dmax, X_k - s}``
(feasibility endpoints are breakpoints ``X_0``/``X_n`` or ``cmax``/``-dmax``). Each such
candidate is an affine function of ``s`` between consecutive points of the grid
``{X_k - cmax, X_k, X_k + dmax}``; hence on each grid cell ``V_t`` is the upper envelope of at
most five lines (best "move to a breakpoint while charging" line of slope ``-a``, best
"move to a breakpoint while discharging" line of slope ``-b``, and the three fixed moves
``0``, ``cmax``, ``-dmax`` following ``V_{t+1}``), which is computed exactly. The only
approximation is dropping breakpoints that are collinear to within ``1e-9`` £.

The forward pass re-evaluates the same finite candidate set from the actual state, so the
schedule attains ``V_0(s0)``.

This module holds what is particular to two pieces: the backward step's five candidate lines
per cell and the forward pass's candidates. The storage of ``V_T .. V_0`` and the polyline
primitives are shared with :mod:`engine.solvers.segments` in :mod:`engine.solvers.pwl`.
"""

from __future__ import annotations

import numpy as np

from engine.solvers import pwl

_TIE_GBP = 1e-9


@pwl.compiled
def _backward_step(
    X: np.ndarray,
    Y: np.ndarray,
    n: int,
    a: float,
    b: float,
    C: float,
    D: float,
    slo: float,
    shi: float,
    OX: np.ndarray,
    OY: np.ndarray,
    G: np.ndarray,
    moves: np.ndarray,
    heads: np.ndarray,
    slopes: np.ndarray,
    icepts: np.ndarray,
) -> int:
    """V_t from V_{t+1} = (X, Y, n); writes into (OX, OY); returns its point count (0 = empty).

    Scratch reused across intervals: ``G`` (≥ 3n + 2), ``moves``/``heads`` (3),
    ``slopes``/``icepts`` (5).
    """
    dl, dr, ok = pwl.reachable_states(X, n, slo, shi, -D, C)
    if not ok:
        return 0
    # Grid: domain ends plus X + D, X, X - C inside the domain.
    moves[0] = -D
    moves[1] = 0.0
    moves[2] = C
    g = pwl.grid(X, n, moves, 3, dl, dr, G, heads)
    if g == 1:
        # A single state: evaluate the candidate moves directly.
        s = dl
        best_v = pwl.NO_VALUE_GBP
        lo_x = max(X[0], s - D)
        hi_x = min(X[n - 1], s + C)
        for k in range(n):
            if X[k] >= lo_x - pwl.X_MERGE_MWH and X[k] <= hi_x + pwl.X_MERGE_MWH:
                d = X[k] - s
                v = Y[k] + (a * d if d >= 0 else b * d)
                best_v = max(best_v, v)
        for x in (lo_x, hi_x, s):
            if x >= X[0] and x <= X[n - 1] and x >= lo_x and x <= hi_x:
                d = x - s
                v = pwl.evaluate(X, Y, n, x) + (a * d if d >= 0 else b * d)
                best_v = max(best_v, v)
        OX[0] = s
        OY[0] = best_v
        return 1
    charge_gbp = a * C
    discharge_gbp = -b * D
    m = 0
    p0 = 0
    pc = 0
    pd = 0
    kc = 0
    kd = 0
    for j in range(g - 1):
        left = G[j]
        right = G[j + 1]
        mid = 0.5 * (left + right)
        # Five candidate lines: to the best breakpoint reachable by charging (moves [0, C])
        # or by discharging ([-D, 0]), and idle, full charge, full discharge.
        kc, L = pwl.add_piece_line(X, Y, n, kc, mid, 0.0, C, a, 0.0, 0.0, slopes, icepts, 0)
        kd, L = pwl.add_piece_line(X, Y, n, kd, mid, -D, 0.0, b, 0.0, 0.0, slopes, icepts, L)
        p0, L = pwl.add_follow_line(X, Y, n, p0, mid, 0.0, 0.0, slopes, icepts, L)
        pc, L = pwl.add_follow_line(X, Y, n, pc, mid, C, charge_gbp, slopes, icepts, L)
        pd, L = pwl.add_follow_line(X, Y, n, pd, mid, -D, discharge_gbp, slopes, icepts, L)
        m = pwl.envelope(slopes, icepts, L, left, right, OX, OY, m, j == g - 2)
    return m


@pwl.compiled
def _backward(
    vf: pwl.ValueFunctions,
    a: np.ndarray,
    b: np.ndarray,
    cmax: np.ndarray,
    dmax: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    s0: float,
) -> pwl.ValueFunctions:
    """V_{T-1} .. V_0 for two-piece interval values, stored into ``vf`` (which holds V_T).

    Returns:
        The storage. A step that finds no feasible state stores an empty V_t and the pass
        stops there, so V_0 is empty exactly when the horizon is infeasible.
    """
    OX, OY, G = pwl.step_buffers(0)
    moves = np.empty(3)
    heads = np.zeros(3, dtype=np.int64)
    slopes = np.empty(5)
    icepts = np.empty(5)
    for t in range(a.shape[0] - 1, -1, -1):
        X, Y, n = pwl.value_function(vf, t + 1)
        if n == 0:
            break
        if 8 * n + 16 > OX.shape[0]:
            OX, OY, G = pwl.step_buffers(8 * n + 16)
        slo, shi = pwl.states_before(lo, hi, s0, t)
        m = _backward_step(
            X, Y, n, a[t], b[t], cmax[t], dmax[t], slo, shi, OX, OY, G, moves, heads, slopes, icepts
        )
        vf = pwl.store_value_function(vf, t, OX, OY, m)
    return vf


@pwl.compiled
def _forward(
    a: np.ndarray,
    b: np.ndarray,
    cmax: np.ndarray,
    dmax: np.ndarray,
    s0: float,
    vf: pwl.ValueFunctions,
) -> tuple[np.ndarray, bool]:
    """The optimal path from s0 through the stored value functions.

    Each step evaluates the finite candidate set (breakpoints of V_{t+1} within reach, the
    reach limits and idling); among values within ``_TIE_GBP`` of the best, the smallest
    move wins (no needless cycling).
    """
    T = a.shape[0]
    soc = np.zeros(T)
    s = s0
    for t in range(T):
        X, Y, n = pwl.value_function(vf, t + 1)
        C = cmax[t]
        D = dmax[t]
        lo_x = max(X[0], s - D)
        hi_x = min(X[n - 1], s + C)
        best_v = pwl.NO_VALUE_GBP
        best_x = s
        for k in range(n + 3):
            if k < n:
                x = X[k]
                if x < lo_x - pwl.X_MERGE_MWH or x > hi_x + pwl.X_MERGE_MWH:
                    continue
                v = Y[k]
            else:
                x = lo_x if k == n else (hi_x if k == n + 1 else s)
                if x < lo_x or x > hi_x:
                    continue
                v = pwl.evaluate(X, Y, n, x)
            d = x - s
            v += a[t] * d if d >= 0 else b[t] * d
            if pwl.better_move(v, d, best_v, best_x - s, _TIE_GBP):
                best_v = max(best_v, v)
                best_x = x
        if best_v == pwl.NO_VALUE_GBP:
            return soc, False
        s = min(max(best_x, s - D), s + C)
        soc[t] = s
    return soc, True


@pwl.compiled
def solve_dp(
    a: np.ndarray,
    b: np.ndarray,
    cmax: np.ndarray,
    dmax: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    s0: float,
    has_final: bool,
    s_final: float,
) -> tuple[np.ndarray, float, bool]:
    """Exact optimal SoC path for one horizon.

    Args:
        a: Value per MWh of stored-energy increase when charging, per interval [£/MWh].
        b: Value per MWh of stored-energy increase on the discharge side (the value of
            ``delta <= 0`` is ``b * delta``) [£/MWh].
        cmax: Largest stored-energy increase per interval [MWh].
        dmax: Largest stored-energy decrease per interval [MWh].
        lo: Lowest stored energy at the end of each interval [MWh].
        hi: Highest stored energy at the end of each interval [MWh].
        s0: Stored energy at the start [MWh].
        has_final: Whether the stored energy after the last interval is fixed.
        s_final: That final stored energy [MWh].

    Returns:
        (soc after each interval [MWh], optimal objective V_0(s0) [£], feasible flag).
    """
    T = a.shape[0]
    vf = pwl.terminal_value_functions(T, lo[T - 1], hi[T - 1], has_final, s_final)
    vf = _backward(vf, a, b, cmax, dmax, lo, hi, s0)
    if vf.n_points[0] == 0:
        return np.zeros(T), 0.0, False
    soc, ok = _forward(a, b, cmax, dmax, s0, vf)
    return soc, vf.value_gbp[vf.start[0]], ok


@pwl.compiled
def solve_rolling(
    a: np.ndarray,
    b: np.ndarray,
    cmax: np.ndarray,
    dmax: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    s0: float,
    has_final: bool,
    s_final: float,
    commit: int,
    lookahead: int,
) -> tuple[np.ndarray, bool]:
    """Rolling horizon: solve ``commit + lookahead`` intervals, keep ``commit``, repeat.

    The final SoC target applies only to the window that reaches the end of the series.

    Returns:
        (soc after each interval [MWh], feasible flag).
    """
    T = a.shape[0]
    soc = np.zeros(T)
    s = s0
    k = 0
    while k < T:
        end = min(T, k + commit + lookahead)
        fin = has_final and end == T
        path, _, ok = solve_dp(
            a[k:end],
            b[k:end],
            cmax[k:end],
            dmax[k:end],
            lo[k:end],
            hi[k:end],
            s,
            fin,
            s_final,
        )
        if not ok:
            return soc, False
        keep = min(commit, T - k)
        soc[k : k + keep] = path[:keep]
        s = path[keep - 1]
        k += keep
    return soc, True
