"""NPV over scenario paths and the fixed-price toll, by hand: a path valued year by year at
its own usable energy, the distribution's figures, the toll's split and its checks, and the
bound on grid points that decides whether a case fits a synchronous request."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine.errors import ValidationError
from engine.invest import (
    BOUND_CYCLES_PER_YEAR,
    Fade,
    FadeCurve,
    PathRevenue,
    Project,
    RevenueGrid,
    Toll,
    YearRevenue,
    invest_case,
    lowest_usable_frac,
    npv_distribution,
)
from engine.risk import FAST_POLICY_LABEL

#: No fade at all (the finance checks need flat years).
FLAT = Fade(FadeCurve(((0.0, 1.0),)), FadeCurve(((0.0, 1.0),)))


def _flat_path(gbp: float, years: int) -> PathRevenue:
    def value(_index: int, _usable_mwh: float) -> YearRevenue:
        return YearRevenue({"energy_apx": gbp}, 0.0, 0.0, None)

    return PathRevenue(value, tuple(f"s{k}" for k in range(years)), FAST_POLICY_LABEL)


def test_a_flat_path_discounts_to_the_hand_worked_npv() -> None:
    # £50k/MW/yr for 15 years at 8 %: 50,000 x 8.55948 = £427,974 per MW; capex £550k/MW.
    project = Project(1.0, 2.0, capex_gbp_per_kw=550.0, fade=FLAT)
    case = invest_case(project, _flat_path(50_000.0, 15))
    assert case.npv_gbp == pytest.approx(-122_026, abs=1)
    assert case.stacks_solved == 15  # each project year valued once, at its own energy
    assert case.cashflow["price_year"].iloc[1:].tolist() == [f"s{k}" for k in range(15)]
    assert case.upper_bound_npv_gbp is None  # no bound is computed for a scenario path
    assert any(FAST_POLICY_LABEL in a for a in case.assumptions)


def test_each_year_is_valued_at_its_faded_energy() -> None:
    seen: list[float] = []

    def value(_index: int, usable_mwh: float) -> YearRevenue:
        seen.append(usable_mwh)
        return YearRevenue({"energy_apx": 1000.0 * usable_mwh}, 0.0, 365.0 * 2.0, None)

    fade = Fade(FadeCurve(((0.0, 1.0), (3650.0, 0.5))))
    project = Project(1.0, 2.0, life_years=4, fade=fade)
    invest_case(project, PathRevenue(value, ("a", "b", "c", "d"), "test"))
    # 365 cycles a year lose 0.05 of nameplate a year: 2.0, 1.9, 1.8, 1.7 MWh.
    assert seen == pytest.approx([2.0, 1.9, 1.8, 1.7])


def test_the_distribution_by_hand() -> None:
    npvs = [-3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    spread = npv_distribution(npvs)
    assert spread["paths"] == 10
    assert spread["probability_npv_negative"] == pytest.approx(0.3)  # 0 is not below 0
    assert spread["p50_gbp"] == pytest.approx(1.5)
    assert spread["p10_gbp"] == pytest.approx(-2.1)  # numpy's linear percentile
    assert spread["p90_gbp"] == pytest.approx(5.1)
    assert spread["label"] == FAST_POLICY_LABEL
    histogram = spread["histogram"]
    assert sum(histogram["counts"]) == 10
    assert (histogram["edges_gbp"][0], histogram["edges_gbp"][-1]) == (-3.0, 6.0)


def test_a_toll_splits_revenue_by_share() -> None:
    toll = Toll(0.25, 80_000.0, 2.0)
    year = YearRevenue({"DRL": 100_000.0, "energy_apx": -4_000.0}, 500.0, 700.0, 200_000.0)
    tolled = toll.apply(year)
    # 0.25 x £80k/MW/yr x 2 MW = £40k; the merchant 0.75 keeps 0.75 of each stream.
    assert tolled.streams_gbp == {"DRL": 75_000.0, "energy_apx": -3_000.0, "toll": 40_000.0}
    assert tolled.revenue_gbp == pytest.approx(112_000.0)
    assert tolled.upper_bound_gbp == pytest.approx(190_000.0)
    # The battery is dispatched whole: charging cost and discharge are unchanged.
    assert (tolled.charging_cost_gbp, tolled.discharged_mwh) == (500.0, 700.0)


def test_a_whole_toll_is_a_fixed_annuity() -> None:
    project = Project(1.0, 2.0, capex_gbp_per_kw=550.0, fade=FLAT)
    case = invest_case(project, _flat_path(1e6, 15), toll=Toll(1.0, 50_000.0, 1.0))
    assert case.npv_gbp == pytest.approx(-122_026, abs=1)  # the merchant million is gone
    assert "toll_gbp" in case.cashflow.columns


@pytest.mark.parametrize(
    ("share", "price", "field"),
    [
        (1.5, 1.0, "toll_share_frac"),
        (-0.1, 1.0, "toll_share_frac"),
        (math.nan, 1.0, "toll_share_frac"),
        (0.5, -1.0, "toll_price_gbp_per_mw_per_year"),
        (0.5, math.inf, "toll_price_gbp_per_mw_per_year"),
    ],
)
def test_a_bad_toll_names_its_field(share: float, price: float, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Toll(share, price, 1.0)
    assert caught.value.field == field


def _points(project: Project, step: float) -> int:
    """Grid points a price year may need if the battery cycled twice a day (the bound)."""
    grid = RevenueGrid(root_valuer, ("a",), project.energy_mwh, step)
    lowest = lowest_usable_frac(project, BOUND_CYCLES_PER_YEAR) * project.energy_mwh
    return len(grid.nodes_for(project.energy_mwh, lowest))


def root_valuer(index: int, usable_mwh: float) -> YearRevenue:
    raise AssertionError("the bound values nothing")  # pragma: no cover - never called


def test_the_grid_points_bound() -> None:
    one_year = Project(1.0, 2.0, life_years=1)
    assert _points(one_year, 0.3) == 1  # only the nameplate point
    # Modo's curve at 730 cycles a year for 2 years: 0.905 of nameplate: points 1.0 and 0.7.
    assert _points(Project(1.0, 2.0, life_years=2), 0.3) == 2
    # Fifteen years fade to 0.6 without augmentation (1.0, 0.7, 0.4) ...
    assert _points(Project(1.0, 2.0, life_years=15), 0.3) == 3
    # ... and never below the threshold with it (1.0, 0.7).
    kept = Fade(augmentation_threshold_frac=0.8)
    assert _points(Project(1.0, 2.0, life_years=15, fade=kept), 0.3) == 2
    assert np.isfinite(_points(Project(1.0, 2.0, life_years=50), 0.05))
