"""Piecewise-linear value functions of the stored energy, shared by both exact dispatch kernels.

A value function ``V_t`` is a continuous piecewise-linear function of the stored energy ``s``
after interval ``t - 1``, held as breakpoints ``X`` (ascending) [MWh] and values ``Y`` [£].
This module owns what both kernels (:mod:`engine.solvers.dp`, two pieces per interval, and
:mod:`engine.solvers.segments`, any number) do the same way:

- the primitives on one polyline: :func:`evaluate`, :func:`push` (append, merging collinear
  points), :func:`locate` (a monotone pointer), :func:`envelope` (upper envelope of lines);
- the pieces of one backward step: the states from which ``V_{t+1}`` can be reached
  (:func:`reachable_states`), the grid of cells on which every candidate move is affine in
  ``s`` (:func:`grid`), and the candidate lines on a cell (:func:`add_piece_line`,
  :func:`add_follow_line`);
- the storage of all ``V_T .. V_0`` back to back (:class:`ValueFunctions`,
  :func:`terminal_value_functions`, :func:`store_value_function`, :func:`value_function`),
  which the forward pass reads again, and its tie rule (:func:`better_move`).

What differs between the kernels is the value of a move within one interval, hence which
candidate lines a cell has and which moves the forward pass tries; that stays in each kernel.
Everything here is compiled with numba because the kernels call it from compiled loops.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple, TypeVar, cast

import numpy as np
from numba import njit

_F = TypeVar("_F", bound=Callable[..., Any])


def compiled(fn: _F) -> _F:
    """Compile with numba, caching the machine code beside the module (``cache=True``).

    The kernels touch only arrays and numbers, so they release the GIL (``nogil=True``): a
    year-long solve in one server thread does not stall the lookups other threads serve.
    numba checks only the timestamp of the caller's own file: a kernel compiled against an
    older version of this module keeps it, so ``make kernels`` clears
    ``engine/solvers/__pycache__/*.nb[ic]`` whenever any solver source changes.
    """
    return cast(_F, njit(cache=True, nogil=True)(fn))


def inlined(fn: _F) -> _F:
    """Like :func:`compiled`, and inlined into its callers (a helper of a hot loop).

    A compiled call that passes or returns arrays pays for their reference counts; once per
    interval of a year that was ~15 % of the solve, so the per-interval storage helpers and
    the envelope are inlined.
    """
    return cast(_F, njit(cache=True, nogil=True, inline="always")(fn))


X_MERGE_MWH = 1e-11
"""Breakpoints closer than this are one point [MWh]."""
COLLINEAR_GBP = 1e-9
"""A breakpoint within this of the line through its neighbours is dropped [£]."""
NO_VALUE_GBP = -1e300
"""The value of no candidate at all (below any real value) [£]."""
_EMPTY_GAP_MWH = 1e-9
_INITIAL_CAPACITY = 64


@compiled
def evaluate(X: np.ndarray, Y: np.ndarray, n: int, x: float) -> float:
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


@compiled
def push(OX: np.ndarray, OY: np.ndarray, m: int, x: float, y: float) -> int:
    """Append (x, y) to the output polyline, dropping collinear or duplicate points."""
    if m > 0 and x - OX[m - 1] <= X_MERGE_MWH:
        if y > OY[m - 1]:
            OY[m - 1] = y
        return m
    if m >= 2:
        x0 = OX[m - 2]
        y0 = OY[m - 2]
        x1 = OX[m - 1]
        y1 = OY[m - 1]
        interp = y0 + (y - y0) * (x1 - x0) / (x - x0)
        if abs(interp - y1) <= COLLINEAR_GBP + 1e-13 * abs(y1):
            OX[m - 1] = x
            OY[m - 1] = y
            return m
    OX[m] = x
    OY[m] = y
    return m + 1


@compiled
def locate(X: np.ndarray, n: int, i: int, x: float) -> int:
    """Advance index i so that X[i] <= x < X[i+1] (monotone pointer)."""
    while i + 2 < n and X[i + 1] <= x:
        i += 1
    return i


@inlined
def envelope(
    slopes: np.ndarray,
    icepts: np.ndarray,
    n_lines: int,
    left: float,
    right: float,
    OX: np.ndarray,
    OY: np.ndarray,
    m: int,
    closing: bool,
) -> int:
    """Push the upper envelope of ``n_lines`` lines on [left, right) to the output polyline.

    With ``closing`` (the last cell) also its point at ``right``. Returns the points in the
    output.
    """
    cur = 0
    cur_v = slopes[0] * left + icepts[0]
    for q in range(1, n_lines):
        v = slopes[q] * left + icepts[q]
        if v > cur_v + 1e-12 or (v >= cur_v - 1e-12 and slopes[q] > slopes[cur]):
            cur = q
            cur_v = v
    m = push(OX, OY, m, left, cur_v)
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
        m = push(OX, OY, m, x, slopes[cur] * x + icepts[cur])
    if closing:
        m = push(OX, OY, m, right, slopes[cur] * right + icepts[cur])
    return m


class ValueFunctions(NamedTuple):
    """``V_t`` for ``t = 0 .. T``, stored flat so that compiled code can grow and slice it.

    ``V_t`` is ``x_mwh[start[t] : start[t] + n_points[t]]`` (breakpoints [MWh]) with the values
    ``value_gbp`` at the same indices [£]. The backward pass fills ``t = T, T - 1, .. 0`` back
    to back; ``n_points[t]`` is 0 until ``V_t`` is stored, so an empty ``V_0`` after the
    backward pass means some interval had no feasible state before it.
    """

    x_mwh: np.ndarray
    value_gbp: np.ndarray
    start: np.ndarray
    n_points: np.ndarray


@compiled
def terminal_value_functions(
    T: int, lo_mwh: float, hi_mwh: float, has_final: bool, s_final_mwh: float
) -> ValueFunctions:
    """Storage for ``V_T .. V_0`` holding ``V_T``: zero on ``[lo, hi]``, or at ``s_final`` only.

    Args:
        T: Number of intervals.
        lo_mwh: Lowest stored energy after the last interval [MWh].
        hi_mwh: Highest stored energy after the last interval [MWh].
        has_final: Whether the stored energy after the last interval is fixed.
        s_final_mwh: That final stored energy [MWh].
    """
    cap = 16 * (T + 1) + _INITIAL_CAPACITY
    x = np.empty(cap)
    y = np.empty(cap)
    start = np.zeros(T + 1, dtype=np.int64)
    n_points = np.zeros(T + 1, dtype=np.int64)
    x[0] = s_final_mwh if has_final else lo_mwh
    y[0] = 0.0
    n_points[T] = 1
    if not has_final and hi_mwh > lo_mwh + X_MERGE_MWH:
        x[1] = hi_mwh
        y[1] = 0.0
        n_points[T] = 2
    return ValueFunctions(x, y, start, n_points)


@inlined
def value_function(vf: ValueFunctions, t: int) -> tuple[np.ndarray, np.ndarray, int]:
    """``V_t`` as (breakpoints [MWh], values [£], point count) — views into the storage."""
    st = vf.start[t]
    n = vf.n_points[t]
    return vf.x_mwh[st : st + n], vf.value_gbp[st : st + n], n


@inlined
def store_value_function(
    vf: ValueFunctions, t: int, OX: np.ndarray, OY: np.ndarray, m: int
) -> ValueFunctions:
    """Store the first ``m`` points of the step's output (OX, OY) as ``V_t`` (``V_{t+1}`` last).

    Returns:
        The storage, reallocated (twice the size needed) when it was full.
    """
    used = vf.start[t + 1] + vf.n_points[t + 1]
    x = vf.x_mwh
    y = vf.value_gbp
    if used + m > x.shape[0]:
        cap = 2 * (used + m)
        x = np.empty(cap)
        y = np.empty(cap)
        x[:used] = vf.x_mwh[:used]
        y[:used] = vf.value_gbp[:used]
    x[used : used + m] = OX[:m]
    y[used : used + m] = OY[:m]
    vf.start[t] = used
    vf.n_points[t] = m
    return ValueFunctions(x, y, vf.start, vf.n_points)


@compiled
def step_buffers(need: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Scratch for backward steps: V_t's breakpoints, its values, the grid (room for ``need``).

    Twice ``need`` wide, so that a growing value function reallocates rarely.
    """
    width = max(2 * need, _INITIAL_CAPACITY)
    return np.empty(width), np.empty(width), np.empty(width)


@inlined
def states_before(lo: np.ndarray, hi: np.ndarray, s0: float, t: int) -> tuple[float, float]:
    """Bounds on the stored energy before interval ``t`` (``s0`` exactly before the first) [MWh]."""
    if t == 0:
        return s0, s0
    return lo[t - 1], hi[t - 1]


@compiled
def reachable_states(
    X: np.ndarray, n: int, s_lo: float, s_hi: float, lowest_move: float, highest_move: float
) -> tuple[float, float, bool]:
    """States in [s_lo, s_hi] from which a move in [lowest, highest] reaches V_{t+1}'s domain.

    Returns:
        (left end [MWh], right end [MWh], whether there is any such state).
    """
    dl = max(s_lo, X[0] - highest_move)
    dr = min(s_hi, X[n - 1] - lowest_move)
    if dl > dr + _EMPTY_GAP_MWH:
        return dl, dr, False
    return dl, max(dl, dr), True


@compiled
def grid(
    X: np.ndarray,
    n: int,
    moves: np.ndarray,
    k: int,
    dl: float,
    dr: float,
    G: np.ndarray,
    heads: np.ndarray,
) -> int:
    """Cells of [dl, dr] on which every candidate is affine in the state; the point count.

    Writes to ``G`` the ends ``dl``, ``dr`` [MWh] and every ``X_i − moves[j]`` strictly between
    them (the ``k`` sorted runs merged, points within ``X_MERGE_MWH`` made one), where
    ``moves`` are the interval's fixed moves (kinks of its value) [MWh]; ``heads`` (≥ k) is
    scratch.
    """
    for j in range(k):
        heads[j] = 0
    g = 1
    G[0] = dl
    while True:
        best = 1e300
        which = -1
        for j in range(k):
            if heads[j] < n:
                x = X[heads[j]] - moves[j]
                if x < best:
                    best = x
                    which = j
        if which < 0 or best >= dr - X_MERGE_MWH:
            break
        heads[which] += 1
        if best > dl + X_MERGE_MWH and best > G[g - 1] + X_MERGE_MWH:
            G[g] = best
            g += 1
    if dr > G[g - 1] + X_MERGE_MWH:
        G[g] = dr
        g += 1
    return g


@compiled
def add_piece_line(
    X: np.ndarray,
    Y: np.ndarray,
    n: int,
    k: int,
    mid: float,
    move_from: float,
    move_to: float,
    slope: float,
    anchor_move: float,
    anchor_gbp: float,
    slopes: np.ndarray,
    icepts: np.ndarray,
    lines: int,
) -> tuple[int, int]:
    """The line "move to the best breakpoint of V_{t+1} within one linear piece of the value".

    The piece runs over moves [move_from, move_to] [MWh], valued ``anchor_gbp + slope ·
    (move − anchor_move)`` [£]. On the cell around ``mid`` the breakpoints ``X_i`` in
    ``mid + [move_from, move_to]`` are reachable; the best is an affine function of the
    state of slope ``−slope``, added as line ``lines`` when there is one.

    Args:
        k: First breakpoint at or past the previous cell's ``mid + move_from``.

    Returns:
        (first breakpoint at or past ``mid + move_from``, number of lines now).
    """
    while k < n and X[k] < mid + move_from:
        k += 1
    best = NO_VALUE_GBP
    i = k
    while i < n and X[i] <= mid + move_to:
        best = max(best, Y[i] + slope * X[i])
        i += 1
    if best > NO_VALUE_GBP:
        slopes[lines] = -slope
        icepts[lines] = best + anchor_gbp - slope * anchor_move
        lines += 1
    return k, lines


@compiled
def add_follow_line(
    X: np.ndarray,
    Y: np.ndarray,
    n: int,
    i: int,
    mid: float,
    move: float,
    move_gbp: float,
    slopes: np.ndarray,
    icepts: np.ndarray,
    lines: int,
) -> tuple[int, int]:
    """The line "move by exactly ``move``" (worth ``move_gbp``), following V_{t+1}(s + move).

    Added as line ``lines`` when ``mid + move`` is inside V_{t+1}'s domain.

    Args:
        i: Piece of V_{t+1} that held the previous cell's ``mid + move``.

    Returns:
        (piece of V_{t+1} holding ``mid + move``, number of lines now).
    """
    x = mid + move
    if n >= 2 and x > X[0] and x < X[n - 1]:
        i = locate(X, n, i, x)
        sig = (Y[i + 1] - Y[i]) / (X[i + 1] - X[i])
        slopes[lines] = sig
        icepts[lines] = move_gbp + Y[i] + sig * (move - X[i])
        lines += 1
    return i, lines


@compiled
def better_move(value: float, move: float, best_value: float, best_move: float, tie: float) -> bool:
    """Whether a candidate move [MWh] worth ``value`` [£] beats the best so far.

    It does when worth more, or as much (within ``tie`` [£]) with a smaller move: the
    forward pass then never cycles for nothing.
    """
    return value > best_value + tie or (value >= best_value - tie and abs(move) < abs(best_move))
