"""The forecast mode's within-day loop (:func:`engine.revenue.forecast_mode._intraday`), compiled.

At each of a day's 48 gate closures the rest of the day is re-optimised exactly (the DP of
:mod:`engine.solvers.dp`) on the newest imbalance-price forecast and only the first interval
is committed. In Python the loop's own array arithmetic cost as much as its 48 DPs (~17,600
a year); here it is one compiled call a day. The arithmetic is the Python loop's, operation
for operation and in the same order, so the committed flows are identical to the bit; the
model is stated in :mod:`engine.revenue.forecast_mode`.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from engine.solvers.dp import solve_dp
from engine.solvers.pwl import compiled

FloatArray = npt.NDArray[np.float64]


@compiled
def _larger(a: float, b: float) -> float:
    """Python's ``max(a, b)``: ``b`` only if it is strictly larger (keeps the sign of 0)."""
    return b if b > a else a


@compiled
def _clipped(x: float, lo: float, hi: float) -> float:
    """``numpy.clip(x, lo, hi)`` on numbers (not NaN), as numpy takes it: ``max`` then ``min``,
    each keeping its first argument unless the second is strictly beyond it."""
    y = x if x > lo else lo
    return y if y < hi else hi


@compiled
def gate_closure_flows(
    fc: FloatArray,
    decay: FloatArray,
    known_system: FloatArray,
    known_forecast: FloatArray,
    charge_fee: FloatArray,
    credit: FloatArray,
    rise: FloatArray,
    fall: FloatArray,
    lo: FloatArray,
    hi: FloatArray,
    position_mwh: FloatArray,
    shift: FloatArray,
    terms: FloatArray,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """A day's committed flows, one gate closure at a time.

    At interval ``p`` the expected price of interval ``s ≥ p`` is ``fc[s] + error x
    decay[s - p]`` (``error`` = ``known_system[p] - known_forecast[p]``, 0 when unknown);
    charging is valued at ``-(expected + margin + fee) / eta_c`` and discharging at
    ``-(expected - margin - wear + credit) x eta_d`` per MWh of stored energy (0 and no
    movement where the expectation is unknown). The DP's first move is committed, kept
    ``0.75 x slack`` inside this interval's bounds; on the last interval a landing within
    ``2 x slack`` of the target is the target. With no feasible path the position is
    followed, kept inside this interval's bounds.

    Args:
        fc: D-1 imbalance forecast per interval (NaN unknown) [£/MWh].
        decay: ``persistence ** (j + lag)`` for ``j = 0 .. n-1`` [-].
        known_system: Latest published system price at each gate closure [£/MWh].
        known_forecast: Its D-1 forecast [£/MWh].
        charge_fee: Import charge per interval [£/MWh].
        credit: Export credit per interval [£/MWh].
        rise: Largest deviation upwards of stored energy per interval [MWh].
        fall: Largest deviation downwards per interval [MWh].
        lo: Lowest deviation path per interval (slack and the end target included) [MWh].
        hi: Highest deviation path per interval [MWh].
        position_mwh: The day-ahead position per interval, export + [MWh].
        shift: Stored energy the position alone moves, cumulated [MWh].
        terms: ``[s0 of the deviation path, target, margin, wear, eta_c, eta_d, h, slack]``.

    Returns:
        (charge [MW], discharge [MW], stored energy at each interval's end [MWh]).
    """
    s_shift = terms[0]
    final = terms[1]
    margin = terms[2]
    wear = terms[3]
    eta_c = terms[4]
    eta_d = terms[5]
    h = terms[6]
    slack = terms[7]
    n = fc.shape[0]
    charge = np.zeros(n)
    discharge = np.zeros(n)
    soc = np.zeros(n)
    for p in range(n):
        error = known_system[p] - known_forecast[p]
        if not np.isfinite(error):
            error = 0.0
        m = n - p
        a = np.empty(m)
        b = np.empty(m)
        up = np.empty(m)
        down = np.empty(m)
        for j in range(m):
            s = p + j
            expected = fc[s] + error * decay[j]
            if np.isfinite(expected):
                a[j] = -(expected + margin + charge_fee[s]) / eta_c
                b[j] = -(expected - margin - wear + credit[s]) * eta_d
                up[j] = rise[s]
                down[j] = fall[s]
            else:
                a[j] = 0.0
                b[j] = 0.0
                up[j] = 0.0
                down[j] = 0.0
        path, _, ok = solve_dp(a, b, up, down, lo[p:], hi[p:], s_shift, False, 0.0)
        if ok:
            move = path[0] - s_shift
        else:  # follow the position, kept inside this interval's bounds (never expected)
            move = _clipped(_clipped(0.0, lo[p] - s_shift, hi[p] - s_shift), -fall[p], rise[p])
        inner = 0.5 * slack
        landed = _clipped(s_shift + move, lo[p] + 1.5 * inner, hi[p] - 1.5 * inner)
        if p == n - 1 and abs(landed - final) <= 2 * slack:
            landed = final
        move = landed - s_shift
        if abs(move) < 1e-10:
            move = 0.0
        extra = -move * eta_d if move < 0 else -move / eta_c
        flow = position_mwh[p] + extra
        charge[p] = _larger(-flow, 0.0) / h
        discharge[p] = _larger(flow, 0.0) / h
        s_shift += move
        soc[p] = s_shift + shift[p]
    return charge, discharge, soc
