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
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import numpy as np
from numba import njit

_F = TypeVar("_F", bound=Callable[..., Any])


def _compiled(fn: _F) -> _F:
    """Compile with numba, caching the machine code beside the module (``cache=True``)."""
    return cast(_F, njit(cache=True)(fn))


def _inlined(fn: _F) -> _F:
    """Like :func:`_compiled`, and inlined into its callers (a helper of a hot loop)."""
    return cast(_F, njit(cache=True, inline="always")(fn))


_X_MERGE_MWH = 1e-11
_COLLINEAR_GBP = 1e-9
_TIE_GBP = 1e-9
_NEG = -1e300


@_compiled
def _eval(X: np.ndarray, Y: np.ndarray, n: int, x: float) -> float:  # pragma: no cover
    """Value of the piecewise-linear function (X, Y) at x (x within its domain)."""
    if n == 1 or x <= X[0]:
        return float(Y[0])
    if x >= X[n - 1]:
        return float(Y[n - 1])
    lo = 0
    hi = n - 1
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if X[mid] <= x:
            lo = mid
        else:
            hi = mid
    span = X[hi] - X[lo]
    if span <= 0.0:
        return float(max(Y[lo], Y[hi]))
    return float(Y[lo] + (Y[hi] - Y[lo]) * (x - X[lo]) / span)


@_compiled
def _push(OX: np.ndarray, OY: np.ndarray, m: int, x: float, y: float) -> int:  # pragma: no cover
    """Append (x, y) to the output polyline, dropping collinear or duplicate points."""
    if m > 0 and x - OX[m - 1] <= _X_MERGE_MWH:
        if y > OY[m - 1]:
            OY[m - 1] = y
        return m
    if m >= 2:
        x0 = OX[m - 2]
        y0 = OY[m - 2]
        x1 = OX[m - 1]
        y1 = OY[m - 1]
        interp = y0 + (y - y0) * (x1 - x0) / (x - x0)
        if abs(interp - y1) <= _COLLINEAR_GBP + 1e-13 * abs(y1):
            OX[m - 1] = x
            OY[m - 1] = y
            return m
    OX[m] = x
    OY[m] = y
    return m + 1


@_compiled
def _segment(X: np.ndarray, Y: np.ndarray, n: int, i: int, x: float) -> int:  # pragma: no cover
    """Advance index i so that X[i] <= x < X[i+1] (monotone pointer)."""
    while i + 2 < n and X[i + 1] <= x:
        i += 1
    return i


@_inlined
def _envelope(
    slopes: np.ndarray,
    icepts: np.ndarray,
    n_lines: int,
    left: float,
    right: float,
    OX: np.ndarray,
    OY: np.ndarray,
    m: int,
) -> tuple[int, int]:  # pragma: no cover
    """Push the upper envelope of ``n_lines`` lines on [left, right) to the output polyline.

    Returns:
        (points in the output, index of the line on top at ``right``).
    """
    cur = 0
    cur_v = slopes[0] * left + icepts[0]
    for q in range(1, n_lines):
        v = slopes[q] * left + icepts[q]
        if v > cur_v + 1e-12 or (v >= cur_v - 1e-12 and slopes[q] > slopes[cur]):
            cur = q
            cur_v = v
    m = _push(OX, OY, m, left, cur_v)
    x = left
    while True:
        nxt = -1
        nx = right
        for q in range(n_lines):
            if slopes[q] > slopes[cur]:
                xc = (icepts[cur] - icepts[q]) / (slopes[q] - slopes[cur])
                if xc > x and (xc < nx or (xc == nx and nxt >= 0 and slopes[q] > slopes[nxt])):
                    nx = xc
                    nxt = q
        if nxt < 0 or nx >= right:
            break
        x = nx
        cur = nxt
        m = _push(OX, OY, m, x, slopes[cur] * x + icepts[cur])
    return m, cur


@_compiled
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
    slopes: np.ndarray,
    icepts: np.ndarray,
) -> int:  # pragma: no cover
    """V_t from V_{t+1} = (X, Y, n); writes into (OX, OY); returns its point count (0 = empty)."""
    dl = max(slo, X[0] - C)
    dr = min(shi, X[n - 1] + D)
    if dl > dr + 1e-9:
        return 0
    if dr < dl:
        dr = dl
    # Grid: domain ends plus X-C, X, X+D inside the domain (three sorted runs merged).
    g = 0
    G[g] = dl
    g += 1
    i0 = 0
    i1 = 0
    i2 = 0
    while i0 < n or i1 < n or i2 < n:
        best = 1e300
        which = -1
        if i0 < n and X[i0] - C < best:
            best = X[i0] - C
            which = 0
        if i1 < n and X[i1] < best:
            best = X[i1]
            which = 1
        if i2 < n and X[i2] + D < best:
            best = X[i2] + D
            which = 2
        if which == 0:
            i0 += 1
        elif which == 1:
            i1 += 1
        else:
            i2 += 1
        if best > dl + _X_MERGE_MWH and best < dr - _X_MERGE_MWH and best > G[g - 1] + _X_MERGE_MWH:
            G[g] = best
            g += 1
    if dr > G[g - 1] + _X_MERGE_MWH:
        G[g] = dr
        g += 1
    if g == 1:
        # A single state: evaluate the candidate moves directly.
        s = dl
        best_v = _NEG
        lo_x = max(X[0], s - D)
        hi_x = min(X[n - 1], s + C)
        for k in range(n):
            if X[k] >= lo_x - _X_MERGE_MWH and X[k] <= hi_x + _X_MERGE_MWH:
                d = X[k] - s
                v = Y[k] + (a * d if d >= 0 else b * d)
                best_v = max(best_v, v)
        for x in (lo_x, hi_x, s):
            if x >= X[0] and x <= X[n - 1] and x >= lo_x and x <= hi_x:
                d = x - s
                v = _eval(X, Y, n, x) + (a * d if d >= 0 else b * d)
                best_v = max(best_v, v)
        OX[0] = s
        OY[0] = best_v
        return 1
    m = 0
    p0 = 0
    pc = 0
    pd = 0
    kc = 0
    kd = 0
    last_slope = 0.0
    last_icept = 0.0
    for j in range(g - 1):
        left = G[j]
        right = G[j + 1]
        mid = 0.5 * (left + right)
        L = 0
        # Best breakpoint reachable by charging: X_k in [mid, mid + C].
        while kc < n and X[kc] < mid:
            kc += 1
        best = _NEG
        k = kc
        while k < n and X[k] <= mid + C:
            v = Y[k] + a * X[k]
            if v > best:
                best = v
            k += 1
        if best > _NEG:
            slopes[L] = -a
            icepts[L] = best
            L += 1
        # Best breakpoint reachable by discharging: X_k in [mid - D, mid].
        while kd < n and X[kd] < mid - D:
            kd += 1
        best = _NEG
        k = kd
        while k < n and X[k] <= mid:
            v = Y[k] + b * X[k]
            if v > best:
                best = v
            k += 1
        if best > _NEG:
            slopes[L] = -b
            icepts[L] = best
            L += 1
        if n >= 2:
            # Idle: follow V_{t+1} at s.
            if mid > X[0] and mid < X[n - 1]:
                p0 = _segment(X, Y, n, p0, mid)
                sig = (Y[p0 + 1] - Y[p0]) / (X[p0 + 1] - X[p0])
                slopes[L] = sig
                icepts[L] = Y[p0] - sig * X[p0]
                L += 1
            # Full charge: V_{t+1} at s + C.
            if mid + C > X[0] and mid + C < X[n - 1]:
                pc = _segment(X, Y, n, pc, mid + C)
                sig = (Y[pc + 1] - Y[pc]) / (X[pc + 1] - X[pc])
                slopes[L] = sig
                icepts[L] = a * C + Y[pc] + sig * (C - X[pc])
                L += 1
            # Full discharge: V_{t+1} at s - D.
            if mid - D > X[0] and mid - D < X[n - 1]:
                pd = _segment(X, Y, n, pd, mid - D)
                sig = (Y[pd + 1] - Y[pd]) / (X[pd + 1] - X[pd])
                slopes[L] = sig
                icepts[L] = -b * D + Y[pd] + sig * (-D - X[pd])
                L += 1
        m, cur = _envelope(slopes, icepts, L, left, right, OX, OY, m)
        last_slope = slopes[cur]
        last_icept = icepts[cur]
    right = G[g - 1]
    m = _push(OX, OY, m, right, last_slope * right + last_icept)
    return m


@_compiled
def _backward(
    a: np.ndarray,
    b: np.ndarray,
    cmax: np.ndarray,
    dmax: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    s0: float,
    has_final: bool,
    s_final: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, bool]:  # pragma: no cover
    """All value functions V_T .. V_0, stored flat: (XS, YS, start, count, feasible)."""
    T = a.shape[0]
    cap = 16 * (T + 1) + 64
    XS = np.empty(cap)
    YS = np.empty(cap)
    start = np.zeros(T + 1, dtype=np.int64)
    count = np.zeros(T + 1, dtype=np.int64)
    if has_final:
        XS[0] = s_final
        YS[0] = 0.0
        count[T] = 1
    else:
        XS[0] = lo[T - 1]
        YS[0] = 0.0
        if hi[T - 1] > lo[T - 1] + _X_MERGE_MWH:
            XS[1] = hi[T - 1]
            YS[1] = 0.0
            count[T] = 2
        else:
            count[T] = 1
    start[T] = 0
    used = count[T]
    width = 64
    OX = np.empty(width)
    OY = np.empty(width)
    G = np.empty(width)
    slopes = np.empty(5)
    icepts = np.empty(5)
    for t in range(T - 1, -1, -1):
        n = count[t + 1]
        need = 8 * n + 16
        if need > width:
            width = 2 * need
            OX = np.empty(width)
            OY = np.empty(width)
            G = np.empty(width)
        s_lo = s0 if t == 0 else lo[t - 1]
        s_hi = s0 if t == 0 else hi[t - 1]
        st = start[t + 1]
        m = _backward_step(
            XS[st : st + n],
            YS[st : st + n],
            n,
            a[t],
            b[t],
            cmax[t],
            dmax[t],
            s_lo,
            s_hi,
            OX,
            OY,
            G,
            slopes,
            icepts,
        )
        if m == 0:
            return XS, YS, start, count, False
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
    return XS, YS, start, count, True


@_compiled
def _forward(
    a: np.ndarray,
    b: np.ndarray,
    cmax: np.ndarray,
    dmax: np.ndarray,
    s0: float,
    XS: np.ndarray,
    YS: np.ndarray,
    start: np.ndarray,
    count: np.ndarray,
) -> tuple[np.ndarray, bool]:  # pragma: no cover
    """The optimal path from s0 through the stored value functions.

    Each step evaluates the finite candidate set (breakpoints of V_{t+1} within reach, the
    reach limits and idling); among values within ``_TIE_GBP`` of the best, the smallest
    move wins (no needless cycling).
    """
    T = a.shape[0]
    soc = np.zeros(T)
    s = s0
    for t in range(T):
        st = start[t + 1]
        n = count[t + 1]
        X = XS[st : st + n]
        Y = YS[st : st + n]
        C = cmax[t]
        D = dmax[t]
        lo_x = max(X[0], s - D)
        hi_x = min(X[n - 1], s + C)
        best_v = _NEG
        best_x = s
        for k in range(n + 3):
            if k < n:
                x = X[k]
                if x < lo_x - _X_MERGE_MWH or x > hi_x + _X_MERGE_MWH:
                    continue
                v = Y[k]
            else:
                x = lo_x if k == n else (hi_x if k == n + 1 else s)
                if x < lo_x or x > hi_x:
                    continue
                v = _eval(X, Y, n, x)
            d = x - s
            v += a[t] * d if d >= 0 else b[t] * d
            if v > best_v + _TIE_GBP or (v >= best_v - _TIE_GBP and abs(d) < abs(best_x - s)):
                best_v = max(best_v, v)
                best_x = x
        if best_v == _NEG:
            return soc, False
        s = min(max(best_x, s - D), s + C)
        soc[t] = s
    return soc, True


@_compiled
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
) -> tuple[np.ndarray, float, bool]:  # pragma: no cover
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
    XS, YS, start, count, ok = _backward(a, b, cmax, dmax, lo, hi, s0, has_final, s_final)
    if not ok:
        return np.zeros(T), 0.0, False
    soc, ok = _forward(a, b, cmax, dmax, s0, XS, YS, start, count)
    return soc, YS[start[0]], ok


@_compiled
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
) -> tuple[np.ndarray, bool]:  # pragma: no cover
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
