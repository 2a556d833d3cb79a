"""The mean-CVaR frontier LP: hand-worked decisions and its monotonicity."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from engine.errors import ValidationError
from engine.risk import mean_cvar_frontier


def test_risk_neutral_trades_and_risk_averse_tolls() -> None:
    # Merchant earns £0k or £200k (mean £100k); the toll pays £90k for sure.
    outcomes = np.array([[0.0], [200_000.0]] * 10)
    points = mean_cvar_frontier(outcomes, ["merchant"], 90_000.0, confidence=0.9)
    assert points[0].strategy_share["merchant"] == pytest.approx(1.0)
    assert points[0].mean_gbp == pytest.approx(100_000.0)
    assert points[-1].toll_share == pytest.approx(1.0)
    assert points[-1].cvar_gbp == pytest.approx(90_000.0)


def test_expected_revenue_never_rises_as_risk_aversion_rises() -> None:
    rng = np.random.default_rng(3)
    stack = rng.normal(100_000, 30_000, 300)
    merchant = 0.6 * stack + rng.normal(20_000, 25_000, 300)
    outcomes = np.c_[stack, merchant]
    points = mean_cvar_frontier(outcomes, ["stack", "merchant"], 70_000.0, confidence=0.95)
    means = [p.mean_gbp for p in points]
    cvars = [p.cvar_gbp for p in points]
    assert all(b <= a + 1e-6 * abs(a) for a, b in itertools.pairwise(means))
    assert all(b >= a - 1e-6 * abs(a) for a, b in itertools.pairwise(cvars))
    assert means[0] > means[-1]  # the frontier is not one point
    for p in points:
        assert p.toll_share + sum(p.strategy_share.values()) == pytest.approx(1.0)


def test_bad_frontier_inputs_name_their_field() -> None:
    outcomes = np.ones((4, 1))
    with pytest.raises(ValidationError) as error:
        mean_cvar_frontier(outcomes, ["stack"], -1.0)
    assert error.value.field == "toll_price_gbp_per_mw_per_year"
    with pytest.raises(ValidationError) as error:
        mean_cvar_frontier(outcomes, ["stack"], 1.0, confidence=1.0)
    assert error.value.field == "frontier_confidence"
