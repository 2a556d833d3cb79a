"""The sizing sweep on the real revenue stack at fixed prices, and its duration grid."""

from __future__ import annotations

import numpy as np
import pytest

from engine.errors import ValidationError
from engine.invest import (
    Fade,
    FadeCurve,
    PriceYear,
    Project,
    RevenueGrid,
    sizing_sweep,
    stack_valuer,
    sweep_durations_h,
)
from tests.engine.revenue.test_search import market

# Four days of fixed prices with two peaks a day (long batteries can use more of each).
_DAY = np.array([30.0] * 12 + [90.0] * 4 + [40.0] * 16 + [140.0] * 8 + [60.0] * 8)
PRICES = market(np.tile(_DAY, 4), np.tile(_DAY, 4))
YEARS = (PriceYear("fixed", PRICES),)


def _grid(project: Project) -> RevenueGrid:
    valuer = stack_valuer(project, YEARS, (), ("system",), mode="perfect_foresight")
    return RevenueGrid(valuer, ("fixed",), project.energy_mwh)


def test_npv_never_falls_with_duration_at_zero_capex_per_kwh() -> None:
    project = Project(
        10.0,
        10.0,
        capex_gbp_per_kw=50.0,
        capex_gbp_per_kwh=0.0,
        life_years=5,
        fade=Fade(FadeCurve(((0.0, 1.0), (1000.0, 0.9)))),
    )
    sweep = sizing_sweep(project, sweep_durations_h(1.0, 4.0, 0.5), _grid)
    npv = sweep.table["npv_gbp"].to_numpy()
    assert list(sweep.table["duration_h"]) == [1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0]
    assert (np.diff(npv) >= -1e-6).all()
    assert npv[-1] > npv[0]
    assert int(sweep.table["best"].sum()) == 1
    assert sweep.best_duration_h == sweep.table.loc[sweep.table["npv_gbp"].idxmax(), "duration_h"]
    # Each size valued on its own stacks; the (fixed) wear stream is left out of the cash.
    assert all(case.stacks_solved >= 1 for case in sweep.cases)
    assert "degradation_gbp" not in sweep.cases[0].cashflow.columns


def test_the_stack_valuer_counts_discharge_at_the_grid() -> None:
    project = Project(1.0, 2.0, round_trip_efficiency_frac=1.0)
    year = stack_valuer(project, YEARS, (), ("system",), mode="perfect_foresight")(0, 2.0)
    # Lossless 1 MW / 2 MWh over four identical days: a whole number of 2 MWh cycles a day
    # or less; revenue positive, charging cost below revenue plus cost.
    assert year.discharged_mwh > 0
    assert year.revenue_gbp > 0
    assert year.upper_bound_gbp == pytest.approx(year.revenue_gbp)


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ((0.2, 4.0, 0.5), "duration_from_h"),
        ((1.0, 9.0, 0.5), "duration_to_h"),
        ((3.0, 2.0, 0.5), "duration_to_h"),
        ((1.0, 4.0, 0.0), "duration_step_h"),
        ((1.0, 8.0, 0.1), "duration_step_h"),
    ],
)
def test_bad_sweeps_name_the_field(args: tuple[float, float, float], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        sweep_durations_h(*args)
    assert caught.value.field == field
