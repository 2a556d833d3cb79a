"""The revenue grid shared by a sizing sweep's sizes and solved up front in one batch: nodes,
interpolation between sizes, the batch, the bound, and a sweep that gives the same NPVs as a
grid per size on fewer stacks."""

from __future__ import annotations

import math
from collections.abc import Sequence

import pytest

from engine.errors import ValidationError
from engine.invest import (
    Fade,
    FadeCurve,
    Project,
    RevenueGrid,
    SizeShare,
    YearRevenue,
    lowest_usable_frac,
    sizing_sweep,
    sweep_durations_h,
)


def root(index: int, usable_mwh: float) -> YearRevenue:
    """Revenue rising with the square root of usable energy (concave, as real stacks are),
    a tenth more in price year 1; 300 cycles a year."""
    gbp = 1_000.0 * math.sqrt(usable_mwh) * (1.1 if index == 1 else 1.0)
    return YearRevenue({"energy_system": gbp}, 0.0, 300.0 * usable_mwh, 2 * gbp)


def test_sizes_share_nodes_and_interpolate_between_them() -> None:
    calls: list[tuple[int, float]] = []

    def value(index: int, usable_mwh: float) -> YearRevenue:
        calls.append((index, usable_mwh))
        return root(index, usable_mwh)

    grid = RevenueGrid(value, ("a", "b"), 20.0, 0.2, sizes_mwh=(10.0, 15.0))
    # Every size's nameplate, then below the smallest on 0.2 x its nameplate.
    assert grid.nodes_mwh == pytest.approx((20.0, 15.0, 10.0, 8.0, 6.0, 4.0, 2.0, 0.0))
    # 12 MWh of the 15 MWh size lies 2/5 of the way from the 10 MWh node to the 15 MWh one;
    # its upper bound is the 15 MWh nameplate's, not interpolated.
    got = grid.value(0, 12.0, nameplate_mwh=15.0)
    assert got.streams_gbp["energy_system"] == pytest.approx(
        1_000.0 * (0.6 * math.sqrt(10.0) + 0.4 * math.sqrt(15.0))
    )
    assert got.upper_bound_gbp == pytest.approx(2_000 * 15**0.5)
    assert sorted(calls) == [(0, 10.0), (0, 15.0)]
    # A size's nameplate is a node: exact, and no new solve for the 15 MWh size.
    assert grid.value(2, 15.0, nameplate_mwh=15.0).streams_gbp["energy_system"] == pytest.approx(
        1_000 * 15**0.5
    )
    assert grid.solves == 2
    # Below the smallest size: between its 0.2-step nodes (9 MWh: 10 and 8), bounded by
    # the 10 MWh nameplate.
    assert grid.value(0, 9.0, nameplate_mwh=10.0).upper_bound_gbp == pytest.approx(2_000 * 10**0.5)
    assert calls[-1] == (0, 8.0)
    assert grid.solves == 3
    # Without a size, the grid's own nameplate (20 MWh) bounds the year: solved for it.
    assert grid.value(0, 12.0).upper_bound_gbp == pytest.approx(2_000 * 20**0.5)
    assert calls[-1] == (0, 20.0)
    assert grid.bounded(20.0)
    assert grid.bounded(15.0)
    assert not grid.bounded(8.0)
    assert grid.nodes_for(15.0, 11.0) == [1, 2]
    assert grid.nodes_for(10.0, 7.0) == [2, 3, 4]


def test_presolve_runs_one_batch_and_the_grid_reuses_it() -> None:
    batches: list[list[tuple[int, float]]] = []

    def batch(points: Sequence[tuple[int, float]]) -> list[YearRevenue]:
        batches.append(list(points))
        return [root(i, e) for i, e in points]

    def never(index: int, usable_mwh: float) -> YearRevenue:
        raise AssertionError("solved one by one")

    grid = RevenueGrid(never, ("a", "b"), 10.0, 0.3, batch=batch)
    assert grid.presolve([0, 1], [0, 1]) == 4
    assert batches == [[(0, 10.0), (0, 7.0), (1, 10.0), (1, 7.0)]]
    # Everything between the nodes is now interpolated from the batch, nothing re-solved.
    assert grid.value(1, 8.5).streams_gbp["energy_system"] == pytest.approx(
        1_100.0 * (0.5 * math.sqrt(10.0) + 0.5 * math.sqrt(7.0))
    )
    assert grid.presolve([0, 1], [0, 1]) == 0
    assert grid.solves == 4
    # A node below the minimum energy is worth nothing and solves nothing.
    assert grid.presolve([0], [len(grid.nodes_mwh) - 1]) == 0
    assert grid.solves == 4


def test_presolve_refuses_a_batch_beyond_the_bound_before_solving() -> None:
    def batch(points: Sequence[tuple[int, float]]) -> list[YearRevenue]:
        raise AssertionError("nothing may be solved")

    grid = RevenueGrid(root, ("a", "b"), 10.0, 0.3, max_solves=3, batch=batch)
    with pytest.raises(ValidationError, match="more than 3 revenue stacks") as caught:
        grid.presolve([0, 1], [0, 1])
    assert caught.value.field == "price_years"
    assert grid.solves == 0


def test_a_shared_sweep_gives_each_sizes_npv_on_fewer_stacks() -> None:
    project = Project(
        10.0,
        10.0,
        capex_gbp_per_kw=50.0,
        capex_gbp_per_kwh=20.0,
        life_years=6,
        fade=Fade(FadeCurve(((0.0, 1.0), (2000.0, 0.8)))),
    )
    durations = sweep_durations_h(1.0, 3.0, 0.5)
    sizes = tuple(project.power_mw * d for d in durations)

    def linear(index: int, usable_mwh: float) -> YearRevenue:
        # Linear in energy: interpolation is exact, so the shared grid must match.
        return YearRevenue({"energy_system": 2_000.0 * usable_mwh}, 0.0, 300.0 * usable_mwh)

    def own(sized: Project) -> RevenueGrid:
        return RevenueGrid(linear, ("a", "b"), sized.energy_mwh, 0.3)

    apart = sizing_sweep(project, durations, own)
    shared = RevenueGrid(linear, ("a", "b"), max(sizes), 0.3, sizes_mwh=sizes)
    together = sizing_sweep(project, durations, lambda sized: SizeShare(shared, sized.energy_mwh))
    assert list(together.table["npv_gbp"]) == pytest.approx(list(apart.table["npv_gbp"]))
    assert together.best_duration_h == apart.best_duration_h
    # Each size rests on its nameplate and the node below it, in each price year...
    assert list(together.table["stacks_used"]) == [4] * len(durations)
    # ... and neighbouring sizes share them: 5 nameplates + 1 node below the smallest.
    assert shared.solves == 2 * (len(durations) + 1)
    assert shared.solves < int(apart.table["stacks_used"].sum())
    assert "at the 5 sizes' nameplates" in shared.note()
    assert "upper bound (perfect foresight) is that of the size's nameplate" in shared.note()


def test_the_lowest_usable_energy_at_a_cycling_rate() -> None:
    # 0.2 of nameplate lost per 2,000 cycles, 400 cycles a year: 0.04 a year, so after
    # nine years of fade the tenth year starts at 0.64; augmentation back to 1 below 0.8
    # keeps it at or above 0.8.
    fade = FadeCurve(((0.0, 1.0), (2000.0, 0.8)))
    flat = FadeCurve(((0.0, 1.0),))
    project = Project(1.0, 1.0, life_years=10, fade=Fade(fade, flat))
    assert lowest_usable_frac(project, 400.0) == pytest.approx(0.64)
    kept = Project(1.0, 1.0, life_years=10, fade=Fade(fade, flat, 0.8, 1.0))
    assert lowest_usable_frac(kept, 400.0) >= 0.8 - 1e-9
