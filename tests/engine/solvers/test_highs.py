"""The HiGHS plumbing on hand-solvable models: triplets in any order, LP vs MILP, statuses."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from engine.solvers.highs import solve_sparse


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
