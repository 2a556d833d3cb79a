"""The LP relaxation: hand-solved objectives, holdings and the week-by-week proposal."""

from __future__ import annotations

import numpy as np
import pytest

from engine.revenue.model import ModelBattery, ModelInputs, propose_holdings, solve_relaxation

LOSSLESS = ModelBattery(1.0, 1.0, 1.0, 1.0, 0.0, 2.0, 1.0, None, 0.0, None)


def inputs(price: list[float], drl: list[float], blocks: list[int]) -> ModelInputs:
    n = len(price)
    arr = np.array(price, dtype=float)
    return ModelInputs(
        buy_price_gbp_per_mwh=arr,
        sell_price_gbp_per_mwh=arr,
        can_buy=np.ones(n, dtype=bool),
        can_sell=np.ones(n, dtype=bool),
        block_of_interval=np.array(blocks, dtype=np.int64),
        day_of_interval=np.zeros(n, dtype=np.int64),
        service_price_gbp_per_mw_per_h=np.array(drl, dtype=float).reshape(-1, 1),
        service_low=np.array([True]),
        service_duration_h=np.array([1.0]),
        interval_h=0.5,
    )


def test_arbitrage_only() -> None:
    # Start 1 MWh of 2, lossless 1 MW, prices [10, 100, 100]: sell 0.5 MWh in each £100
    # period from the stored 1 MWh (£100). Buying at £10 first adds energy that no period
    # is left to sell (0.5 MWh per half-hour at 1 MW), so it is not worth £10 x 0.5.
    result = solve_relaxation(inputs([10, 100, 100], [np.nan], [0, 0, 0]), LOSSLESS)
    assert result.objective_gbp == pytest.approx(100.0)
    assert result.service_mw[0, 0] == 0.0


def test_drl_is_held_when_it_beats_the_energy_it_displaces() -> None:
    # Flat £50 energy, DRL at £10/MW/h over a 2 h block (4 intervals), SoC starts at 1 MWh.
    result = solve_relaxation(inputs([50] * 4, [10.0], [0] * 4), LOSSLESS)
    # Selling x MWh at £50 lowers the SoC to 1 − x, which covers 1 − x MW of DRL for the
    # whole block: value 50x + 20(1 − x) is largest at x = 1: £50, 0 MW held.
    assert result.objective_gbp == pytest.approx(50.0)
    expensive = solve_relaxation(inputs([50] * 4, [30.0], [0] * 4), LOSSLESS)
    # At £30/MW/h the block pays £60 > £50: hold 1 MW, sell nothing.
    assert expensive.objective_gbp == pytest.approx(60.0)
    assert expensive.service_mw[0, 0] == pytest.approx(1.0)


def test_proposal_by_chunks_covers_every_block() -> None:
    rng = np.random.default_rng(3)
    n_blocks = 90
    blocks = np.repeat(np.arange(n_blocks), 8)
    price = list(50 + 20 * rng.standard_normal(blocks.size))
    drl = list(rng.uniform(0, 20, n_blocks))
    chunked = propose_holdings(inputs(price, drl, list(blocks)), LOSSLESS, blocks_per_chunk=42)
    assert chunked.shape == (n_blocks, 1)
    assert np.all((chunked >= 0) & (chunked <= 1.0 + 1e-9))
    # Blocks paying £20/MW/h (£80 over 4 h) beat any energy use of the backing 1 MWh only
    # sometimes; at least the dearest blocks are held.
    assert chunked[np.argmax(drl), 0] > 0


def test_a_kept_matrix_solves_as_a_freshly_built_one() -> None:
    # Windows of one shape share their constraint matrix (kept in column form): solving a
    # second window on the kept matrix gives exactly what building it again gives, and a
    # different battery efficiency (another matrix) is not served the kept one.
    from engine.revenue import model

    rng = np.random.default_rng(7)
    blocks = list(np.repeat(np.arange(3), 8))
    lossy = ModelBattery(1.0, 1.0, 0.9, 0.9, 0.0, 2.0, 1.0, None, 0.0, None)
    first = inputs(list(rng.uniform(0, 100, 24)), list(rng.uniform(0, 20, 3)), blocks)
    second = inputs(list(rng.uniform(0, 100, 24)), list(rng.uniform(0, 20, 3)), blocks)
    model._MATRICES.clear()
    fresh = [solve_relaxation(second, LOSSLESS), solve_relaxation(second, lossy)]
    model._MATRICES.clear()
    solve_relaxation(first, LOSSLESS)
    kept = [solve_relaxation(second, LOSSLESS), solve_relaxation(second, lossy)]
    assert len(model._MATRICES) == 2
    for a, b in zip(fresh, kept, strict=True):
        assert a.objective_gbp == b.objective_gbp
        assert np.array_equal(a.service_mw, b.service_mw)
        assert np.array_equal(a.soc_mwh, b.soc_mwh)
    assert fresh[0].objective_gbp != fresh[1].objective_gbp


def test_only_the_newest_matrices_are_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    from engine.revenue import model

    monkeypatch.setattr(model, "_MATRICES_KEPT", 2)
    model._MATRICES.clear()
    results = [solve_relaxation(inputs([10.0] * n, [30.0], [0] * n), LOSSLESS) for n in (2, 3, 4)]
    assert len(model._MATRICES) == 2
    assert [key[0] for key in model._MATRICES] == [3, 4]  # the oldest (2 intervals) left
    # From 1 MWh, holding x MW of £30/MW/h DRL over n half-hours earns 15 n x and needs x MWh
    # kept; selling the rest earns 10 (1 - x) at most: hold the full 1 MW.
    assert [r.service_mw[0, 0] for r in results] == pytest.approx([1.0, 1.0, 1.0])
