"""The per-block service holdings of :func:`engine.revenue.search.best_holdings`, compiled.

The search calls it ~11,000 times a forecast-mode year on windows of a few dozen blocks, where
numpy's per-call overhead dominated (0.3 ms a call, half the year's time). This kernel does
the same arithmetic in the same order (so its holdings are identical to the bit): per block
the power headroom ``a`` and the energy headroom ``e`` are the tightest interval's, and the
two-constraint LP ``max sum p_k m_k`` s.t. ``sum m_k <= a``, ``sum dur_k m_k <= e`` is solved
by enumerating its vertices — one service alone, or two with both constraints tight — keeping
the first strictly better (by more than 1e-12 £) in that order.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from engine.solvers.pwl import compiled

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@compiled
def block_holdings(
    starts: IntArray,
    power_mw: FloatArray,
    energy_grid_mwh: FloatArray,
    rating_mw: float,
    prices: FloatArray,
    durations_h: FloatArray,
) -> FloatArray:
    """Each block's optimal holdings of one direction's services.

    Args:
        starts: ``(B + 1,)`` first interval of each block, then the interval count (blocks
            contiguous and in time order, none empty).
        power_mw: Power headroom per interval [MW].
        energy_grid_mwh: Energy headroom per interval, grid side [MWh].
        rating_mw: The inverter rating of this direction [MW].
        prices: ``(B, K)`` clearing prices, ``-inf`` where a service has none [£/MW/h].
        durations_h: ``(K,)`` full-delivery durations [h].

    Returns:
        ``(B, K)`` holdings [MW].
    """
    n_blocks = starts.shape[0] - 1
    k_count = durations_h.shape[0]
    out = np.zeros((n_blocks, k_count))
    for b in range(n_blocks):
        a = np.inf
        e = np.inf
        for t in range(starts[b], starts[b + 1]):
            a = min(a, power_mw[t])
            e = min(e, energy_grid_mwh[t])
        a = min(max(a, 0.0), rating_mw)
        e = max(e, 0.0)
        best = 0.0
        best_i = -1
        best_j = -1
        best_mi = 0.0
        best_mj = 0.0
        for i in range(k_count):
            m = min(a, e / durations_h[i])
            value = prices[b, i] * m if m > 0 else 0.0
            if value > best + 1e-12:
                best, best_i, best_j, best_mi, best_mj = value, i, -1, m, 0.0
            for j in range(i + 1, k_count):
                if durations_h[i] == durations_h[j]:
                    continue
                mj = (e - durations_h[i] * a) / (durations_h[j] - durations_h[i])
                mi = a - mj
                if not (mi >= 0 and mj >= 0):
                    mi = 0.0
                    mj = 0.0
                value = (prices[b, i] * mi if mi > 0 else 0.0) + (
                    prices[b, j] * mj if mj > 0 else 0.0
                )
                if value > best + 1e-12:
                    best, best_i, best_j, best_mi, best_mj = value, i, j, mi, mj
        if best_i >= 0:
            out[b, best_i] = best_mi
            if best_j >= 0:
                out[b, best_j] = best_mj
    return out
