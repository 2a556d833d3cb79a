"""Risk figures against hand-worked values (the issue's examples)."""

from __future__ import annotations

import numpy as np
import pytest

from engine.errors import ValidationError
from engine.risk import max_drawdown, risk_figures, tail_attribution, var_cvar

TWENTY = np.arange(20_000.0, 115_001.0, 5_000.0)


def test_twenty_revenues_cvar_90_is_the_mean_of_the_two_worst() -> None:
    assert TWENTY.size == 20
    var, cvar = var_cvar(TWENTY, 0.90)
    assert cvar == pytest.approx(22_500.0)
    assert var == pytest.approx(30_000.0)  # 18 of 20 losses are ≤ −£30k: 2 scenarios below


def test_cvar_95_of_twenty_is_the_worst_and_weights_a_partial_tail() -> None:
    assert var_cvar(TWENTY, 0.95)[1] == pytest.approx(20_000.0)
    # α = 0.925: the tail is 1.5 scenarios: all of £20k and half of £25k.
    assert var_cvar(TWENTY, 0.925)[1] == pytest.approx((20_000 + 0.5 * 25_000) / 1.5)


def test_drawdown_of_the_issue_example_is_nine() -> None:
    assert max_drawdown([10, -4, -3, 8, -9]) == pytest.approx(9.0)
    assert max_drawdown([-5, 2]) == pytest.approx(5.0)  # the peak starts at 0
    assert max_drawdown([1, 2, 3]) == 0.0


def test_figures_percentiles_and_threshold() -> None:
    out = risk_figures(TWENTY, threshold_gbp=40_000)
    assert out["mean_gbp"] == pytest.approx(67_500.0)
    assert out["p50_gbp"] == pytest.approx(67_500.0)
    assert out["p10_gbp"] == pytest.approx(29_500.0)  # 20k + 1.9 × 5k
    assert out["probability_below_threshold"] == pytest.approx(4 / 20)  # 20, 25, 30, 35k
    rows = out["var_cvar"]
    assert isinstance(rows, list)
    assert [r["confidence"] for r in rows] == [0.9, 0.95, 0.99]


@pytest.mark.parametrize("alpha", [0.0, 1.0, -0.1, 1.5, float("nan")])
def test_confidence_outside_open_unit_interval_is_refused(alpha: float) -> None:
    with pytest.raises(ValidationError) as error:
        risk_figures(TWENTY, confidence=[alpha])
    assert error.value.field == "confidence"


@pytest.mark.parametrize("threshold", [-1.0, float("inf"), float("nan")])
def test_bad_threshold_is_refused(threshold: float) -> None:
    with pytest.raises(ValidationError) as error:
        risk_figures(TWENTY, threshold_gbp=threshold)
    assert error.value.field == "threshold_gbp"


def test_tail_attribution_names_the_stream_that_makes_bad_years_bad() -> None:
    # Ten scenarios; services fall in the two worst, energy is flat.
    services = np.array([10.0, 12, 50, 50, 50, 50, 50, 50, 50, 50])
    energy = np.full(10, 20.0)
    revenue = services + energy
    rows = tail_attribution(revenue, np.c_[services, energy], ["services", "energy"], 0.2)
    assert rows[0]["name"] == "services"
    assert rows[0]["gap_gbp"] == pytest.approx(11.0 - 42.2)
    assert rows[1]["gap_gbp"] == pytest.approx(0.0)
    assert rows[0]["share_of_gap"] == pytest.approx(1.0)
