"""The per-block service holdings of :func:`engine.revenue.search.best_holdings`, compiled,
and the search's other per-step arithmetic (:func:`schedule_flows`).

The search calls it ~11,000 times a forecast-mode year on windows of a few dozen blocks, where
numpy's per-call overhead dominated (0.3 ms a call, half the year's time). These kernels do
the same arithmetic in the same order (so their results are identical to the bit): per block
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


@compiled
def service_holdings(
    starts: IntArray,
    soc_mwh: FloatArray,
    charge_mw: FloatArray,
    discharge_mw: FloatArray,
    limits: FloatArray,
    prices: FloatArray,
    low: npt.NDArray[np.bool_],
    durations_h: FloatArray,
) -> FloatArray:
    """Both directions' optimal holdings for a fixed energy schedule (the whole of
    :func:`engine.revenue.search.best_holdings` after its checks).

    Per interval, low services: power headroom ``P_dis - (discharge - charge)`` and energy
    ``(min(SoC at both ends) - SoC_min) x eta_d``; high services: ``P_ch + (discharge -
    charge)`` and ``(SoC_max - max(SoC at both ends)) / eta_c``; then
    :func:`block_holdings` per direction and ``max(out x (1 - 1e-12), 0)`` (float dust from
    the min/max must not breach the constraints checked later).

    Args:
        starts: ``(B + 1,)`` block starts (see :func:`block_holdings`).
        soc_mwh: Stored energy at each interval's end [MWh].
        charge_mw: Grid import per interval [MW].
        discharge_mw: Grid export per interval [MW].
        limits: ``[initial SoC, P_dis, P_ch, SoC_min, SoC_max, eta_c, eta_d]``.
        prices: ``(B, K)`` clearing prices, NaN where a service has none [£/MW/h].
        low: ``(K,)`` True for low (export) services.
        durations_h: ``(K,)`` full-delivery durations [h].

    Returns:
        ``(B, K)`` holdings [MW].
    """
    s0 = limits[0]
    p_dis = limits[1]
    p_ch = limits[2]
    soc_min = limits[3]
    soc_max = limits[4]
    eta_c = limits[5]
    eta_d = limits[6]
    n = soc_mwh.shape[0]
    n_blocks = starts.shape[0] - 1
    k_count = durations_h.shape[0]
    out = np.zeros((n_blocks, k_count))
    power = np.empty(n)
    energy = np.empty(n)
    for direction in range(2):
        is_low = direction == 0
        count = 0
        for k in range(k_count):
            if low[k] == is_low:
                count += 1
        if count == 0:
            continue
        ks = np.empty(count, dtype=np.int64)
        count = 0
        for k in range(k_count):
            if low[k] == is_low:
                ks[count] = k
                count += 1
        for t in range(n):
            start = s0 if t == 0 else soc_mwh[t - 1]
            net_export = discharge_mw[t] - charge_mw[t]
            if is_low:
                power[t] = p_dis - net_export
                energy[t] = (min(soc_mwh[t], start) - soc_min) * eta_d
            else:
                power[t] = p_ch + net_export
                energy[t] = (soc_max - max(soc_mwh[t], start)) / eta_c
        chosen = np.empty((n_blocks, ks.shape[0]))
        durs = np.empty(ks.shape[0])
        for j in range(ks.shape[0]):
            durs[j] = durations_h[ks[j]]
            for b in range(n_blocks):
                p = prices[b, ks[j]]
                chosen[b, j] = -np.inf if np.isnan(p) else p
        held = block_holdings(starts, power, energy, p_dis if is_low else p_ch, chosen, durs)
        for j in range(ks.shape[0]):
            for b in range(n_blocks):
                out[b, ks[j]] = held[b, j]
    for b in range(n_blocks):
        for k in range(k_count):
            x = out[b, k] * (1.0 - 1e-12)
            out[b, k] = x if x >= 0.0 else 0.0
    return out


@compiled
def schedule_flows(
    soc_mwh: FloatArray,
    s0: float,
    charge_per_mwh: float,
    eta_d: float,
    interval_h: float,
    charge_limit_mw: FloatArray,
    discharge_limit_mw: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """Grid flows of a stored-energy path (the revenue search's ``_flows``).

    Per interval ``delta = SoC - previous SoC`` (0 below 1e-10 MWh); charge
    ``delta / (eta_c x h)``, discharge ``-delta x eta_d / h``, each clipped to its limit.

    Args:
        soc_mwh: Stored energy at each interval's end [MWh].
        s0: Stored energy before the first interval [MWh].
        charge_per_mwh: ``eta_c x h`` [h].
        eta_d: Discharge efficiency [0-1].
        interval_h: Interval length [h].
        charge_limit_mw: Largest charge power per interval [MW].
        discharge_limit_mw: Largest discharge power per interval [MW].

    Returns:
        (charge [MW], discharge [MW]).
    """
    n = soc_mwh.shape[0]
    charge = np.empty(n)
    discharge = np.empty(n)
    previous = s0
    for t in range(n):
        delta = soc_mwh[t] - previous
        previous = soc_mwh[t]
        if abs(delta) < 1e-10:
            delta = 0.0
        c = delta / charge_per_mwh if delta > 0 else 0.0
        d = -delta * eta_d / interval_h if delta < 0 else 0.0
        charge[t] = min(c, charge_limit_mw[t])
        discharge[t] = min(d, discharge_limit_mw[t])
    return charge, discharge


@compiled
def holding_limits(
    block_of_interval: IntArray,
    service_mw: FloatArray,
    low: npt.NDArray[np.bool_],
    durations_h: FloatArray,
    charge_limit_mw: FloatArray,
    discharge_limit_mw: FloatArray,
    tradable: npt.NDArray[np.bool_],
    terms: FloatArray,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    """The energy problem's limits once holdings are fixed (the revenue search's
    ``energy_problem``; the model is stated there).

    Per block, each direction's MW and reserve ``sum MW x duration`` are summed over its
    services in column order (as numpy sums a row of up to six). Per interval: charge limit
    ``max(P_ch - high MW, 0)`` and discharge limit ``max(P_dis - low MW, 0)`` where tradable
    (else 0); SoC bounds ``SoC_min + low reserve / eta_d`` and ``SoC_max - high reserve x
    eta_c``, each tightened by the next interval's (a block boundary starts the next block);
    the largest SoC rise ``charge limit x eta_c x h`` and fall ``discharge limit x h / eta_d``.

    Args:
        block_of_interval: Block of each interval.
        service_mw: ``(B, K)`` holdings [MW].
        low: ``(K,)`` True for low (export) services.
        durations_h: ``(K,)`` full-delivery durations [h].
        charge_limit_mw: Charge limit before holdings [MW].
        discharge_limit_mw: Discharge limit before holdings [MW].
        tradable: Where the battery may trade.
        terms: ``[SoC_min, SoC_max, eta_c, eta_d, h]``.

    Returns:
        (charge limit [MW], discharge limit [MW], SoC low bound [MWh], SoC high bound [MWh],
        largest SoC rise [MWh], largest SoC fall [MWh]).
    """
    soc_min = terms[0]
    soc_max = terms[1]
    eta_c = terms[2]
    eta_d = terms[3]
    h = terms[4]
    n_blocks, k_count = service_mw.shape
    block_low = np.zeros(n_blocks)
    block_high = np.zeros(n_blocks)
    reserve_low = np.zeros(n_blocks)
    reserve_high = np.zeros(n_blocks)
    for b in range(n_blocks):
        seen_low = False
        seen_high = False
        for k in range(k_count):
            mw = service_mw[b, k]
            energy = mw * durations_h[k]
            if low[k]:
                if seen_low:
                    block_low[b] += mw
                    reserve_low[b] += energy
                else:
                    block_low[b] = mw
                    reserve_low[b] = energy
                    seen_low = True
            else:
                if seen_high:
                    block_high[b] += mw
                    reserve_high[b] += energy
                else:
                    block_high[b] = mw
                    reserve_high[b] = energy
                    seen_high = True
    n = block_of_interval.shape[0]
    charge = np.empty(n)
    discharge = np.empty(n)
    lo_own = np.empty(n)
    hi_own = np.empty(n)
    for t in range(n):
        b = block_of_interval[t]
        lo_own[t] = soc_min + reserve_low[b] / eta_d
        hi_own[t] = soc_max - reserve_high[b] * eta_c
        c = charge_limit_mw[t] - block_high[b]
        d = discharge_limit_mw[t] - block_low[b]
        c = c if c >= 0.0 else 0.0
        d = d if d >= 0.0 else 0.0
        charge[t] = c * (1.0 if tradable[t] else 0.0)
        discharge[t] = d * (1.0 if tradable[t] else 0.0)
    lo = lo_own.copy()
    hi = hi_own.copy()
    for t in range(n - 1):
        lo[t] = lo_own[t] if lo_own[t] >= lo_own[t + 1] else lo_own[t + 1]
        hi[t] = hi_own[t] if hi_own[t] <= hi_own[t + 1] else hi_own[t + 1]
    rise = np.empty(n)
    fall = np.empty(n)
    for t in range(n):
        rise[t] = charge[t] * eta_c * h
        fall[t] = discharge[t] * h / eta_d
    return charge, discharge, lo, hi, rise, fall
