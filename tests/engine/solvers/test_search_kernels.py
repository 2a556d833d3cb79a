"""The revenue search's compiled steps: hand-worked cases, and identical to the bit to the numpy
arithmetic they replaced (kept here as the reference) on random inputs."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest

from engine.dispatch import optimise_soc_path
from engine.errors import InfeasibleDispatchError
from engine.solvers import block_holdings
from engine.solvers.holdings import holding_limits, schedule_flows, service_holdings
from engine.solvers.intraday import gate_closure_flows

FloatArray = npt.NDArray[np.float64]
ETA = 0.9
H = 0.5


def test_flows_of_a_path_worked_by_hand() -> None:
    # From 0.5 MWh: +0.45 MWh stored is 0.45 / (0.9 x 0.5) = 1 MW charged; then -0.5 MWh
    # stored is 0.5 x 0.9 / 0.5 = 0.9 MW discharged, capped at its 0.8 MW limit; a 1e-11 MWh
    # change is dust (idle).
    charge, discharge = schedule_flows(
        np.array([0.95, 0.45, 0.45 + 1e-11]),
        0.5,
        ETA * H,
        ETA,
        H,
        np.full(3, 2.0),
        np.array([2.0, 0.8, 2.0]),
    )
    np.testing.assert_allclose(charge, [1.0, 0.0, 0.0])
    np.testing.assert_allclose(discharge, [0.0, 0.8, 0.0])


def test_limits_worked_by_hand() -> None:
    # One block of two intervals, a low service (1 MW, 0.5 h) and a high one (0.5 MW, 1 h) of
    # a 2 MW / 4 MWh battery: charge limit 2 - 0.5, discharge 2 - 1 (0 where not tradable);
    # SoC bounds 0 + 1 x 0.5 / 0.9 and 4 - 0.5 x 1 x 0.9; rise 1.5 x 0.9 x 0.5 = 0.675,
    # fall 1 x 0.5 / 0.9.
    charge, discharge, lo, hi, rise, fall = holding_limits(
        np.zeros(2, dtype=np.int64),
        np.array([[1.0, 0.5]]),
        np.array([True, False]),
        np.array([0.5, 1.0]),
        np.full(2, 2.0),
        np.full(2, 2.0),
        np.array([True, False]),
        np.array([0.0, 4.0, ETA, ETA, H]),
    )
    np.testing.assert_allclose(charge, [1.5, 0.0])
    np.testing.assert_allclose(discharge, [1.0, 0.0])
    np.testing.assert_allclose(lo, [0.5 / ETA] * 2)
    np.testing.assert_allclose(hi, [4.0 - 0.45] * 2)
    np.testing.assert_allclose(rise, [0.675, 0.0])
    np.testing.assert_allclose(fall, [0.5 / ETA, 0.0])


def _blocks(rng: np.random.Generator, n_blocks: int) -> np.ndarray:
    return np.repeat(np.arange(n_blocks), rng.integers(1, 5, n_blocks)).astype(np.int64)


def _reference_holdings(
    blk: np.ndarray,
    soc: FloatArray,
    charge: FloatArray,
    discharge: FloatArray,
    limits: FloatArray,
    prices: FloatArray,
    low: np.ndarray,
    durations: FloatArray,
) -> FloatArray:
    """The numpy body of engine.revenue.search.best_holdings before it was compiled."""
    s0, p_dis, p_ch, soc_min, soc_max, eta_c, eta_d = limits
    n_blocks = prices.shape[0]
    starts = np.searchsorted(blk, np.arange(n_blocks + 1)).astype(np.int64)
    start = np.concatenate(([s0], soc[:-1]))
    net_export = discharge - charge
    out = np.zeros(prices.shape)
    for direction in ("low", "high"):
        ks = [k for k in range(low.size) if bool(low[k]) == (direction == "low")]
        if not ks:
            continue
        if direction == "low":
            power = p_dis - net_export
            energy_grid = (np.minimum(soc, start) - soc_min) * eta_d
        else:
            power = p_ch + net_export
            energy_grid = (soc_max - np.maximum(soc, start)) / eta_c
        rating = p_dis if direction == "low" else p_ch
        chosen = np.where(np.isnan(prices[:, ks]), -np.inf, prices[:, ks])
        out[:, ks] = block_holdings(
            starts, power, energy_grid, float(rating), chosen, durations[ks].astype(np.float64)
        )
    return np.maximum(out * (1.0 - 1e-12), 0.0)


def _reference_limits(
    blk: np.ndarray,
    service_mw: FloatArray,
    low: np.ndarray,
    durations: FloatArray,
    charge_limit: FloatArray,
    discharge_limit: FloatArray,
    tradable: np.ndarray,
    terms: FloatArray,
) -> tuple[FloatArray, ...]:
    """The numpy body of engine.revenue.search.energy_problem before it was compiled."""
    soc_min, soc_max, eta_c, eta_d, h = terms
    rows = service_mw.shape[0]
    low_mw = service_mw[:, low].sum(axis=1) if low.any() else np.zeros(rows)
    high_mw = service_mw[:, ~low].sum(axis=1) if (~low).any() else np.zeros(rows)
    res_low = (service_mw[:, low] * durations[low]).sum(axis=1) if low.any() else np.zeros(rows)
    res_high = (
        (service_mw[:, ~low] * durations[~low]).sum(axis=1) if (~low).any() else np.zeros(rows)
    )
    lo = soc_min + res_low[blk] / eta_d
    hi = soc_max - res_high[blk] * eta_c
    lo[:-1] = np.maximum(lo[:-1], lo[1:])
    hi[:-1] = np.minimum(hi[:-1], hi[1:])
    charge = np.maximum(charge_limit - high_mw[blk], 0.0) * tradable
    discharge = np.maximum(discharge_limit - low_mw[blk], 0.0) * tradable
    return charge, discharge, lo, hi, charge * eta_c * h, discharge * h / eta_d


@pytest.mark.parametrize("seed", range(40))
def test_holdings_and_limits_equal_the_numpy_arithmetic_to_the_bit(seed: int) -> None:
    rng = np.random.default_rng(seed)
    k = int(rng.integers(1, 7))
    blk = _blocks(rng, int(rng.integers(1, 13)))
    n, n_blocks = blk.size, int(blk[-1]) + 1
    low = rng.random(k) < 0.5
    durations = rng.choice([0.25, 0.5, 1.0, 1.3], k)
    p_dis, p_ch = rng.uniform(0.5, 60.0, 2)
    soc_max = float(rng.uniform(1.0, 120.0))
    soc = rng.uniform(0.0, soc_max, n)
    charge = np.where(rng.random(n) < 0.3, rng.uniform(0, p_ch, n), 0.0)
    discharge = np.where(charge == 0, rng.uniform(0, p_dis, n), 0.0)
    prices = np.where(rng.random((n_blocks, k)) < 0.2, np.nan, rng.uniform(-5, 40, (n_blocks, k)))
    limits = np.array([soc[0], p_dis, p_ch, 0.0, soc_max, 0.93, 0.94])
    got = service_holdings(
        np.searchsorted(blk, np.arange(n_blocks + 1)).astype(np.int64),
        soc,
        charge,
        discharge,
        limits,
        prices,
        low,
        durations,
    )
    want = _reference_holdings(blk, soc, charge, discharge, limits, prices, low, durations)
    assert np.array_equal(got, want)

    held = rng.uniform(0.0, 1.0, (n_blocks, k)) * (rng.random((n_blocks, k)) < 0.7) * p_dis / k
    tradable = rng.random(n) < 0.9
    args = (
        blk,
        held,
        low,
        durations,
        np.where(tradable, p_ch, 0.0),
        np.where(tradable, p_dis, 0.0),
        tradable,
        np.array([0.0, soc_max, 0.93, 0.94, H]),
    )
    for got_array, want_array in zip(holding_limits(*args), _reference_limits(*args), strict=True):
        assert np.array_equal(got_array, want_array)


def _reference_intraday(
    fc: FloatArray,
    decay: FloatArray,
    known_system: FloatArray,
    known_forecast: FloatArray,
    fee: FloatArray,
    credit: FloatArray,
    rise: FloatArray,
    fall: FloatArray,
    lo: FloatArray,
    hi: FloatArray,
    q: FloatArray,
    shift: FloatArray,
    terms: FloatArray,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """The Python gate-closure loop of engine.revenue.forecast_mode._intraday before it was
    compiled (with ``persistence ** ahead`` precomputed as ``decay``)."""
    s_shift, final, margin, wear, eta_c, eta_d, h, slack = (float(x) for x in terms)
    n = fc.size
    charge, discharge, soc = np.zeros(n), np.zeros(n), np.zeros(n)
    for p in range(n):
        error = known_system[p] - known_forecast[p]
        if not np.isfinite(error):
            error = 0.0
        expected = fc[p:] + error * decay[: n - p]
        usable = np.isfinite(expected)
        expected = np.where(usable, expected, 0.0)
        a = np.where(usable, -(expected + margin + fee[p:]) / eta_c, 0.0)
        b = np.where(usable, -(expected - margin - wear + credit[p:]) * eta_d, 0.0)
        try:
            path, _ = optimise_soc_path(
                a,
                b,
                np.where(usable, rise[p:], 0.0),
                np.where(usable, fall[p:], 0.0),
                lo[p:],
                hi[p:],
                s_shift,
                None,
            )
            move = float(path[0] - s_shift)
        except InfeasibleDispatchError:
            move = float(np.clip(np.clip(0.0, lo[p] - s_shift, hi[p] - s_shift), -fall[p], rise[p]))
        inner = 0.5 * slack
        landed = float(np.clip(s_shift + move, lo[p] + 1.5 * inner, hi[p] - 1.5 * inner))
        if p == n - 1 and abs(landed - final) <= 2 * slack:
            landed = final
        move = landed - s_shift
        if abs(move) < 1e-10:
            move = 0.0
        extra = -move * eta_d if move < 0 else -move / eta_c
        flow = q[p] + extra
        charge[p] = max(-flow, 0.0) / h
        discharge[p] = max(flow, 0.0) / h
        s_shift += move
        soc[p] = s_shift + shift[p]
    return charge, discharge, soc


@pytest.mark.parametrize("seed", range(12))
def test_gate_closure_loop_equals_the_python_loop_to_the_bit(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    n = int(rng.integers(2, 49))
    q = np.where(rng.random(n) < 0.4, rng.uniform(-0.5, 0.5, n), 0.0)
    shift = np.cumsum(np.where(q > 0, -q / ETA, -q * ETA))
    lo = 0.1 - shift - 1e-7
    hi = 1.9 - shift + 1e-7
    if seed % 4 == 3:  # a stretch no path can meet: the loop follows the position there
        hi[n // 2 :] = lo[n // 2 :] - 0.5
    final = 1.0 - float(shift[-1])
    lo[-1] = max(lo[-1], final - 1e-7)
    hi[-1] = min(hi[-1], final + 1e-7)
    fc = np.where(rng.random(n) < 0.1, np.nan, rng.uniform(-20, 150, n))
    known = np.where(rng.random(n) < 0.2, np.nan, rng.uniform(-20, 150, n))
    given = (
        fc,
        0.8 ** (np.arange(n) + 5),
        known,
        np.where(rng.random(n) < 0.2, np.nan, rng.uniform(-20, 150, n)),
        rng.uniform(0, 10, n),
        rng.uniform(0, 3, n),
        np.where(q > 0, 0.0, rng.uniform(0, 0.5, n)),
        np.where(q < 0, 0.0, rng.uniform(0, 0.5, n)),
        lo,
        hi,
        q,
        shift,
        np.array([1.0 - 0.0, final, 40.0, 2.0, ETA, ETA, H, 1e-7]),
    )
    arrays: tuple[FloatArray, ...] = tuple(np.asarray(x, dtype=np.float64) for x in given)
    got = gate_closure_flows(*arrays)
    want = _reference_intraday(*arrays)
    for got_array, want_array in zip(got, want, strict=True):
        assert np.array_equal(got_array, want_array)
