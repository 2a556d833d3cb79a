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
"""

from __future__ import annotations

import numpy as np

from engine.solvers.dp import (
    _X_MERGE_MWH,
    _compiled,
    _envelope,
    _eval,
    _push,
    _segment,
)

_NEG = -1e300
_MIN_WIDTH_MWH = 1e-12
# Slope rises below this count as concave (error ≤ this × the SoC range per interval).
_CONCAVE_TOL_GBP_PER_MWH = 1e-7


@_compiled
def _compress(
    p_in: np.ndarray, w_in: np.ndarray, p: np.ndarray, w: np.ndarray
) -> int:  # pragma: no cover
    """Copy the points, dropping zero-width pieces (keeping the better value); the count."""
    k = 0
    for j in range(p_in.shape[0]):
        if k > 0 and p_in[j] - p[k - 1] <= _MIN_WIDTH_MWH:
            w[k - 1] = max(w[k - 1], w_in[j])
            continue
        p[k] = p_in[j]
        w[k] = w_in[j]
        k += 1
    return k


@_compiled
def _value_at(p: np.ndarray, w: np.ndarray, k1: int, d: float) -> float:  # pragma: no cover
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


@_compiled
def _concave(x: np.ndarray, y: np.ndarray, n: int) -> bool:  # pragma: no cover
    """Whether the polyline's slopes never rise (within ``_CONCAVE_TOL_GBP_PER_MWH``)."""
    last = 1e300
    for i in range(n - 1):
        slope = (y[i + 1] - y[i]) / (x[i + 1] - x[i])
        if slope > last + _CONCAVE_TOL_GBP_PER_MWH:
            return False
        last = slope
    return True


@_compiled
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
) -> int:  # pragma: no cover
    """V_t when both V_{t+1} and v_t are concave: their sup-convolution, in O(n + K).

    ``V_t(s) = max_y u(y) + V_{t+1}(s − y)`` with ``u(y) = v_t(−y)``; for concave functions
    this is the polyline that starts at the sum of the left ends and takes all pieces of
    both in order of falling slope, then is cut to ``[slo, shi]``.
    """
    dl = max(slo, X[0] - p[k1 - 1])
    dr = min(shi, X[n - 1] - p[0])
    if dl > dr + 1e-9:
        return 0
    if dr < dl:
        dr = dl
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
            m = _push(OX, OY, m, dl, y + slope * (dl - x))
        if nx > dl and x < dr:
            if nx >= dr:
                m = _push(OX, OY, m, dr, y + slope * (dr - x))
                return m
            m = _push(OX, OY, m, nx, ny)
        x = nx
        y = ny
    if m == 0:  # no pieces at all: a single point
        m = _push(OX, OY, m, dl, y)
    return m


@_compiled
def _step(
    X: np.ndarray,
    Y: np.ndarray,
    n: int,
    p_in: np.ndarray,
    w_in: np.ndarray,
    slo: float,
    shi: float,
    OX: np.ndarray,
    OY: np.ndarray,
    G: np.ndarray,
    p: np.ndarray,
    w: np.ndarray,
    heads: np.ndarray,
    slopes: np.ndarray,
    icepts: np.ndarray,
    window: np.ndarray,
    follow: np.ndarray,
) -> int:  # pragma: no cover
    """V_t from V_{t+1} = (X, Y, n) and the interval's points (p, w); returns point count.

    Scratch buffers reused across intervals: ``G`` (≥ n·K + 2); ``p``/``w`` (K: the points
    without zero-width pieces); ``heads``/``window``/``follow`` (K); ``slopes``/``icepts``
    (2K).
    """
    k1 = _compress(p_in, w_in, p, w)
    dl = max(slo, X[0] - p[k1 - 1])
    dr = min(shi, X[n - 1] - p[0])
    if dl > dr + 1e-9:
        return 0
    if dr < dl:
        dr = dl
    # Grid: the K sorted runs X − p[j] (largest p first = smallest values), merged.
    for j in range(k1):
        heads[j] = 0
    g = 1
    G[0] = dl
    while True:
        best = 1e300
        which = -1
        for j in range(k1):
            if heads[j] < n:
                x = X[heads[j]] - p[j]
                if x < best:
                    best = x
                    which = j
        if which < 0 or best >= dr - _X_MERGE_MWH:
            break
        heads[which] += 1
        if best > dl + _X_MERGE_MWH and best > G[g - 1] + _X_MERGE_MWH:
            G[g] = best
            g += 1
    if dr > G[g - 1] + _X_MERGE_MWH:
        G[g] = dr
        g += 1
    if g == 1:
        s = dl
        best = _NEG
        for k in range(n):
            d = X[k] - s
            if d >= p[0] - _X_MERGE_MWH and d <= p[k1 - 1] + _X_MERGE_MWH:
                best = max(best, Y[k] + _value_at(p, w, k1, d))
        for j in range(k1):
            x = s + p[j]
            if x >= X[0] and x <= X[n - 1]:
                best = max(best, w[j] + _eval(X, Y, n, x))
        OX[0] = s
        OY[0] = best
        return 1
    for j in range(k1):
        window[j] = 0  # first X_k at or past mid + p[j], per piece
        follow[j] = 0  # segment of V_{t+1} holding mid + p[j]
    m = 0
    last = 0
    for c in range(g - 1):
        left = G[c]
        right = G[c + 1]
        mid = 0.5 * (left + right)
        lines = 0
        for j in range(k1 - 1):
            while window[j] < n and X[window[j]] < mid + p[j]:
                window[j] += 1
            width = p[j + 1] - p[j]
            if width <= _MIN_WIDTH_MWH:
                continue
            sig = (w[j + 1] - w[j]) / width
            best = _NEG
            k = window[j]
            while k < n and X[k] <= mid + p[j + 1]:
                best = max(best, Y[k] + sig * X[k])
                k += 1
            if best > _NEG:
                slopes[lines] = -sig
                icepts[lines] = best + w[j] - sig * p[j]
                lines += 1
        if n >= 2:
            for j in range(k1):
                x = mid + p[j]
                if x > X[0] and x < X[n - 1]:
                    follow[j] = _segment(X, Y, n, follow[j], x)
                    q = follow[j]
                    sig = (Y[q + 1] - Y[q]) / (X[q + 1] - X[q])
                    slopes[lines] = sig
                    icepts[lines] = w[j] + Y[q] + sig * (p[j] - X[q])
                    lines += 1
        if lines == 0:
            return 0
        m, cur = _envelope(slopes, icepts, lines, left, right, OX, OY, m)
        last = c
        slopes[0] = slopes[cur]
        icepts[0] = icepts[cur]
    right = G[last + 1]
    m = _push(OX, OY, m, right, slopes[0] * right + icepts[0])
    return m


@_compiled
def solve_segments(
    P: np.ndarray,
    W: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    s0: float,
    has_final: bool,
    s_final: float,
    tie: float,
) -> tuple[np.ndarray, float, bool]:  # pragma: no cover
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
    cap = 16 * (T + 1) + 64
    XS = np.empty(cap)
    YS = np.empty(cap)
    start = np.zeros(T + 1, dtype=np.int64)
    count = np.zeros(T + 1, dtype=np.int64)
    soc = np.zeros(T)
    if has_final:
        XS[0] = s_final
        YS[0] = 0.0
        count[T] = 1
    else:
        XS[0] = lo[T - 1]
        YS[0] = 0.0
        count[T] = 1
        if hi[T - 1] > lo[T - 1] + _X_MERGE_MWH:
            XS[1] = hi[T - 1]
            YS[1] = 0.0
            count[T] = 2
    used = count[T]
    k1 = P.shape[1]
    width = 64
    OX = np.empty(width)
    OY = np.empty(width)
    G = np.empty(width)
    heads = np.zeros(k1, dtype=np.int64)
    window = np.zeros(k1, dtype=np.int64)
    follow = np.zeros(k1, dtype=np.int64)
    slopes = np.empty(2 * k1)
    icepts = np.empty(2 * k1)
    pu = np.empty(k1)
    wu = np.empty(k1)
    for t in range(T - 1, -1, -1):
        n = count[t + 1]
        need = 4 * k1 * n + 16
        if need > width:
            width = 2 * need
            OX = np.empty(width)
            OY = np.empty(width)
            G = np.empty(width)
        s_lo = s0 if t == 0 else lo[t - 1]
        s_hi = s0 if t == 0 else hi[t - 1]
        st = start[t + 1]
        k = _compress(P[t], W[t], pu, wu)
        if _concave(pu, wu, k) and _concave(XS[st : st + n], YS[st : st + n], n):
            m = _step_concave(XS[st : st + n], YS[st : st + n], n, pu, wu, k, s_lo, s_hi, OX, OY)
        else:
            m = _step(
                XS[st : st + n],
                YS[st : st + n],
                n,
                P[t],
                W[t],
                s_lo,
                s_hi,
                OX,
                OY,
                G,
                pu,
                wu,
                heads,
                slopes,
                icepts,
                window,
                follow,
            )
        if m == 0:
            return soc, 0.0, False
        if used + m > cap:
            cap = 2 * (used + m)
            XS2 = np.empty(cap)
            YS2 = np.empty(cap)
            XS2[:used] = XS[:used]
            YS2[:used] = YS[:used]
            XS = XS2
            YS = YS2
        XS[used : used + m] = OX[:m]
        YS[used : used + m] = OY[:m]
        start[t] = used
        count[t] = m
        used += m
    s = s0
    for t in range(T):
        st = start[t + 1]
        n = count[t + 1]
        X = XS[st : st + n]
        Y = YS[st : st + n]
        p = P[t]
        w = W[t]
        best_v = _NEG
        best_d = 0.0
        for q in range(n + k1):
            if q < n:
                d = X[q] - s
                if d < p[0] - _X_MERGE_MWH or d > p[k1 - 1] + _X_MERGE_MWH:
                    continue
                d = min(max(d, p[0]), p[k1 - 1])
                v = Y[q] + _value_at(p, w, k1, d)
            else:
                d = p[q - n]
                x = s + d
                if x < X[0] - _X_MERGE_MWH or x > X[n - 1] + _X_MERGE_MWH:
                    continue
                v = w[q - n] + _eval(X, Y, n, x)
            if v > best_v + tie or (v >= best_v - tie and abs(d) < abs(best_d)):
                if v > best_v:
                    best_v = max(v, best_v)
                best_d = d
        if best_v == _NEG:
            return soc, 0.0, False
        s = s + best_d
        soc[t] = s
    return soc, YS[start[0]], True
