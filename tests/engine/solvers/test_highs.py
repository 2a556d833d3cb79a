"""The HiGHS plumbing on hand-solvable models: triplets in any order, LP vs MILP, statuses."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from engine.solvers.highs import (
    ColumnModel,
    WarmStarts,
    column_form,
    solve_columns,
    solve_sparse,
)


def _model(integer: bool) -> dict[str, Any]:
    # max x + y  s.t.  x + 2y <= 4,  0 <= x <= 3,  0 <= y <= 10.
    # LP: x = 3, y = 0.5 -> 3.5.  With y integer: y = 0 (x = 3) or y = 1 (x = 2) -> 3.
    # Triplets deliberately not in column order.
    return {
        "cost": np.array([1.0, 1.0]),
        "col_lower": np.zeros(2),
        "col_upper": np.array([3.0, 10.0]),
        "rows": np.array([0, 0]),
        "cols": np.array([1, 0]),
        "values": np.array([2.0, 1.0]),
        "row_lower": np.array([-np.inf]),
        "row_upper": np.array([4.0]),
        "maximise": True,
        "integer": np.array([False, True]) if integer else None,
    }


def test_lp_and_milp_optima_by_hand() -> None:
    lp = solve_sparse(**_model(integer=False))
    assert lp.optimal
    assert lp.x.tolist() == pytest.approx([3.0, 0.5])
    assert lp.objective == pytest.approx(3.5)
    milp = solve_sparse(**_model(integer=True))
    assert milp.optimal
    assert milp.objective == pytest.approx(3.0)
    assert milp.x[1] == pytest.approx(round(milp.x[1]))


def test_infeasible_is_reported_not_raised() -> None:
    model = _model(integer=False)
    model["row_lower"] = np.array([100.0])  # x + 2y >= 100 cannot hold with x <= 3, y <= 10
    result = solve_sparse(**model)
    assert not result.optimal
    assert result.infeasible
    assert result.x.size == 0
    assert np.isnan(result.objective)


def _warm_model(cost: list[float], cap: float, floor: float = -np.inf) -> ColumnModel:
    """max c·(x, y) s.t. floor <= x + 2y <= cap, 0 <= x <= 3, 0 <= y <= 10, in column form."""
    start, index, value = column_form(np.array([0, 0]), np.array([0, 1]), np.array([1.0, 2.0]), 2)
    return ColumnModel(
        np.array(cost),
        np.zeros(2),
        np.array([3.0, 10.0]),
        start,
        index,
        value,
        np.array([floor]),
        np.array([cap]),
        maximise=True,
    )


def test_warm_starts_solve_a_sequence_as_cold_solves_do() -> None:
    # By hand: (1, 1), cap 4 -> x 3, y 0.5, 3.5; (1, 3), cap 4 -> y 2 (x 0) gives 6 vs
    # x 3, y 0.5 gives 4.5 -> 6; (2, 1), cap 8 -> x 3, y 2.5 -> 8.5; then infeasible (x + 2y
    # >= 30 cannot hold); then the first again.
    sequence = [([1.0, 1.0], 4.0), ([1.0, 3.0], 4.0), ([2.0, 1.0], 8.0)]
    warm = WarmStarts()
    for (cost, cap), want in zip(sequence, (3.5, 6.0, 8.5), strict=True):
        got = warm.solve("one matrix", _warm_model(cost, cap))
        cold = solve_columns(_warm_model(cost, cap))
        assert got.optimal
        assert got.objective == pytest.approx(want)
        assert got.x.tolist() == pytest.approx(cold.x.tolist())
    result = warm.solve("one matrix", _warm_model([1.0, 1.0], 40.0, floor=30.0))
    assert result.infeasible
    assert not result.optimal
    assert result.x.size == 0
    again = warm.solve("one matrix", _warm_model([1.0, 1.0], 4.0))
    assert again.optimal
    assert again.x.tolist() == pytest.approx([3.0, 0.5])


def test_warm_starts_keep_a_bounded_number_of_solvers() -> None:
    warm = WarmStarts(kept=2)
    for key in ("a", "b", "c", "a"):
        assert warm.solve(key, _warm_model([1.0, 1.0], 4.0)).objective == pytest.approx(3.5)
    assert list(warm._solvers) == ["c", "a"]  # "a" was dropped for "c", then rebuilt
