"""Compiled kernel: the exact dispatch DP when each interval's value is piecewise linear.

This generalises ``engine.solvers.dp`` (whose interval value has two pieces, one
charging slope and one discharging slope) to any continuous piecewise-linear value of the
change of stored energy ``delta``, given per interval by K points
``P[t, 0] ≤ … ≤ P[t, K-1]`` (``P[t, 0] ≤ 0 ≤ P[t, K-1]``; equal points are allowed and make a
zero-width piece) and the values ``W[t, j] = v_t(P[t, j])``. Behind the meter the pieces come
from the site (discharging first avoids import, then earns the export price; charging first
soaks up curtailed PV, then exported PV, then imports), and at negative prices the pieces
are neither concave nor convex; nothing here assumes either.

Exactness (the same argument as the two-piece kernel). For a fixed state ``s`` the inner
objective ``v_t(delta) + V_{t+1}(s + delta)`` is piecewise linear in ``delta`` with kinks only
at the points ``P[t, j]`` and at ``X_k − s`` (breakpoints of ``V_{t+1}``), so its maximum is
at one of them. Between consecutive points of the grid ``{X_k − P[t, j]}`` each candidate is
affine in ``s`` — "move to a breakpoint X_k inside piece j" (slope ``−σ_j``, best k per
piece) and "move by exactly P[t, j]" (following ``V_{t+1}``) — so ``V_t`` on each cell is the
upper envelope of at most ``2K − 1`` lines, computed exactly. The forward pass evaluates the
same candidates from the actual state and so attains ``V_0(s0)``. Breakpoints collinear to
within ``1e-9`` £ are merged (the only approximation).

The storage of ``V_T .. V_0`` and the polyline primitives are shared with the two-piece kernel
in :mod:`engine.solvers.pwl`; this module holds the K-point steps (general and concave) and
the forward pass's candidates.
"""

from __future__ import annotations

import numpy as np

from engine.solvers import pwl

_MIN_WIDTH_MWH = 1e-12
# Slope rises below this count as concave (error ≤ this × the SoC range per interval).
_CONCAVE_TOL_GBP_PER_MWH = 1e-7


@pwl.compiled
def _compress(p_in: np.ndarray, w_in: np.ndarray, p: np.ndarray, w: np.ndarray) -> int:
    """Copy the points, dropping zero-width pieces (keeping the better value); the count.

    Every piece left is wider than ``_MIN_WIDTH_MWH``.
    """
    k = 0
    for j in range(p_in.shape[0]):
        if k > 0 and p_in[j] - p[k - 1] <= _MIN_WIDTH_MWH:
            w[k - 1] = max(w[k - 1], w_in[j])
            continue
        p[k] = p_in[j]
        w[k] = w_in[j]
        k += 1
    return k


@pwl.compiled
def _value_at(p: np.ndarray, w: np.ndarray, k1: int, d: float) -> float:
    """v(d) for the piecewise-linear function through the first k1 points (p, w)."""
    if d <= p[0]:
        return float(w[0])
    for j in range(k1 - 1):
        if d <= p[j + 1]:
            span = p[j + 1] - p[j]
            if span <= _MIN_WIDTH_MWH:
                return float(max(w[j], w[j + 1]))
            return float(w[j] + (w[j + 1] - w[j]) * (d - p[j]) / span)
    return float(w[k1 - 1])


@pwl.compiled
def _concave(x: np.ndarray, y: np.ndarray, n: int) -> bool:
    """Whether the polyline's slopes never rise (within ``_CONCAVE_TOL_GBP_PER_MWH``)."""
    last = 1e300
    for i in range(n - 1):
        slope = (y[i + 1] - y[i]) / (x[i + 1] - x[i])
        if slope > last + _CONCAVE_TOL_GBP_PER_MWH:
            return False
        last = slope
    return True


@pwl.compiled
def _step_concave(
    X: np.ndarray,
    Y: np.ndarray,
    n: int,
    p: np.ndarray,
    w: np.ndarray,
    k1: int,
    slo: float,
    shi: float,
    OX: np.ndarray,
    OY: np.ndarray,
) -> int:
    """V_t when both V_{t+1} and v_t are concave: their sup-convolution, in O(n + K).

    ``V_t(s) = max_y u(y) + V_{t+1}(s − y)`` with ``u(y) = v_t(−y)``; for concave functions
    this is the polyline that starts at the sum of the left ends and takes all pieces of
    both in order of falling slope, then is cut to ``[slo, shi]``.
    """
    dl, dr, ok = pwl.reachable_states(X, n, slo, shi, p[0], p[k1 - 1])
    if not ok:
        return 0
    x = X[0] - p[k1 - 1]
    y = Y[0] + w[k1 - 1]
    i = 0  # next piece of V_{t+1}
    j = k1 - 1  # next piece of u runs from -p[j] to -p[j-1]
    m = 0
    while i < n - 1 or j > 0:
        take_v = False
        if i < n - 1 and j > 0:
            sv = (Y[i + 1] - Y[i]) / (X[i + 1] - X[i])
            su = (w[j - 1] - w[j]) / (p[j] - p[j - 1])
            take_v = sv >= su
        else:
            take_v = i < n - 1
        if take_v:
            length = X[i + 1] - X[i]
            slope = (Y[i + 1] - Y[i]) / length
            i += 1
        else:
            length = p[j] - p[j - 1]
            slope = (w[j - 1] - w[j]) / length
            j -= 1
        nx = x + length
        ny = y + slope * length
        if m == 0 and x <= dl <= nx:  # the piece holding the cut's left end
            m = pwl.push(OX, OY, m, dl, y + slope * (dl - x))
        if nx > dl and x < dr:
            if nx >= dr:
                m = pwl.push(OX, OY, m, dr, y + slope * (dr - x))
                return m
            m = pwl.push(OX, OY, m, nx, ny)
        x = nx
        y = ny
    if m == 0:  # no pieces at all: a single point
        m = pwl.push(OX, OY, m, dl, y)
    return m


@pwl.compiled
def _step(
    X: np.ndarray,
    Y: np.ndarray,
    n: int,
    p: np.ndarray,
    w: np.ndarray,
    k1: int,
    slo: float,
    shi: float,
    OX: np.ndarray,
    OY: np.ndarray,
    G: np.ndarray,
    heads: np.ndarray,
    slopes: np.ndarray,
    icepts: np.ndarray,
    window: np.ndarray,
    follow: np.ndarray,
) -> int:
    """V_t from V_{t+1} = (X, Y, n) and the interval's first k1 points (p, w), none of zero
    width; writes into (OX, OY); returns its point count (0 = empty).

    Scratch reused across intervals: ``G`` (≥ n·K + 2); ``heads``/``window``/``follow`` (K);
    ``slopes``/``icepts`` (2K).
    """
    dl, dr, ok = pwl.reachable_states(X, n, slo, shi, p[0], p[k1 - 1])
    if not ok:
        return 0
    g = pwl.grid(X, n, p, k1, dl, dr, G, heads)
    if g == 1:
        s = dl
        best = pwl.NO_VALUE_GBP
        for k in range(n):
            d = X[k] - s
            if d >= p[0] - pwl.X_MERGE_MWH and d <= p[k1 - 1] + pwl.X_MERGE_MWH:
                best = max(best, Y[k] + _value_at(p, w, k1, d))
        for j in range(k1):
            x = s + p[j]
            if x >= X[0] and x <= X[n - 1]:
                best = max(best, w[j] + pwl.evaluate(X, Y, n, x))
        OX[0] = s
        OY[0] = best
        return 1
    for j in range(k1):
        window[j] = 0  # first X_k at or past mid + p[j], per piece
        follow[j] = 0  # segment of V_{t+1} holding mid + p[j]
    m = 0
    for c in range(g - 1):
        left = G[c]
        right = G[c + 1]
        mid = 0.5 * (left + right)
        lines = 0
        # Per piece, the best breakpoint reachable inside it; per point, the fixed move.
        for j in range(k1 - 1):
            sig = (w[j + 1] - w[j]) / (p[j + 1] - p[j])
            window[j], lines = pwl.add_piece_line(
                X, Y, n, window[j], mid, p[j], p[j + 1], sig, p[j], w[j], slopes, icepts, lines
            )
        for j in range(k1):
            follow[j], lines = pwl.add_follow_line(
                X, Y, n, follow[j], mid, p[j], w[j], slopes, icepts, lines
            )
        if lines == 0:
            return 0
        m = pwl.envelope(slopes, icepts, lines, left, right, OX, OY, m, c == g - 2)
    return m


@pwl.compiled
def _backward(
    vf: pwl.ValueFunctions, P: np.ndarray, W: np.ndarray, lo: np.ndarray, hi: np.ndarray, s0: float
) -> pwl.ValueFunctions:
    """V_{T-1} .. V_0 for K-point interval values, stored into ``vf`` (which holds V_T).

    An interval whose value and V_{t+1} are both concave takes the O(n + K) step.

    Returns:
        The storage. A step that finds no feasible state stores an empty V_t and the pass
        stops there, so V_0 is empty exactly when the horizon is infeasible.
    """
    k1 = P.shape[1]
    OX, OY, G = pwl.step_buffers(0)
    heads = np.zeros(k1, dtype=np.int64)
    window = np.zeros(k1, dtype=np.int64)
    follow = np.zeros(k1, dtype=np.int64)
    slopes = np.empty(2 * k1)
    icepts = np.empty(2 * k1)
    p = np.empty(k1)
    w = np.empty(k1)
    for t in range(P.shape[0] - 1, -1, -1):
        X, Y, n = pwl.value_function(vf, t + 1)
        if n == 0:
            break
        if 4 * k1 * n + 16 > OX.shape[0]:
            OX, OY, G = pwl.step_buffers(4 * k1 * n + 16)
        slo, shi = pwl.states_before(lo, hi, s0, t)
        k = _compress(P[t], W[t], p, w)
        if _concave(p, w, k) and _concave(X, Y, n):
            m = _step_concave(X, Y, n, p, w, k, slo, shi, OX, OY)
        else:
            m = _step(X, Y, n, p, w, k, slo, shi, OX, OY, G, heads, slopes, icepts, window, follow)
        vf = pwl.store_value_function(vf, t, OX, OY, m)
    return vf


@pwl.compiled
def _forward(
    P: np.ndarray, W: np.ndarray, s0: float, tie: float, vf: pwl.ValueFunctions
) -> tuple[np.ndarray, bool]:
    """The optimal path from s0 through the stored value functions.

    Each step evaluates the finite candidate set (breakpoints of V_{t+1} within reach of the
    interval's points, and the moves to each point); among values within ``tie`` of the best,
    the smallest move wins.
    """
    T, k1 = P.shape
    soc = np.zeros(T)
    s = s0
    for t in range(T):
        p = P[t]
        w = W[t]
        X, Y, n = pwl.value_function(vf, t + 1)
        best_v = pwl.NO_VALUE_GBP
        best_d = 0.0
        for q in range(n + k1):
            if q < n:
                d = X[q] - s
                if d < p[0] - pwl.X_MERGE_MWH or d > p[k1 - 1] + pwl.X_MERGE_MWH:
                    continue
                d = min(max(d, p[0]), p[k1 - 1])
                v = Y[q] + _value_at(p, w, k1, d)
            else:
                d = p[q - n]
                x = s + d
                if x < X[0] - pwl.X_MERGE_MWH or x > X[n - 1] + pwl.X_MERGE_MWH:
                    continue
                v = w[q - n] + pwl.evaluate(X, Y, n, x)
            if pwl.better_move(v, d, best_v, best_d, tie):
                best_v = max(v, best_v)
                best_d = d
        if best_v == pwl.NO_VALUE_GBP:
            return soc, False
        s = s + best_d
        soc[t] = s
    return soc, True


@pwl.compiled
def solve_segments(
    P: np.ndarray,
    W: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    s0: float,
    has_final: bool,
    s_final: float,
    tie: float,
) -> tuple[np.ndarray, float, bool]:
    """Exact optimal stored-energy path for piecewise-linear interval values.

    Args:
        P: Points of ``delta`` per interval, shape (T, K), ascending, ``P[t,0] ≤ 0 ≤ P[t,-1]``
            [MWh of stored energy].
        W: Value at each point, shape (T, K) [£].
        lo: Lowest stored energy after each interval [MWh].
        hi: Highest stored energy after each interval [MWh].
        s0: Stored energy at the start [MWh].
        has_final: Whether the stored energy after the last interval is fixed.
        s_final: That final stored energy [MWh].
        tie: Values within this of the best count as ties (the smallest move wins) [£].

    Returns:
        (stored energy after each interval [MWh], optimal objective [£], feasible flag).
    """
    T = P.shape[0]
    vf = pwl.terminal_value_functions(T, lo[T - 1], hi[T - 1], has_final, s_final)
    vf = _backward(vf, P, W, lo, hi, s0)
    if vf.n_points[0] == 0:
        return np.zeros(T), 0.0, False
    soc, ok = _forward(P, W, s0, tie, vf)
    if not ok:
        return soc, 0.0, False
    return soc, vf.value_gbp[vf.start[0]], True
