"""The investment case over synthetic revenue: the issue's hand-worked figures, fade,
augmentation, the revenue grid and the Capacity Market."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.errors import ValidationError
from engine.invest import (
    CapacityMarket,
    Fade,
    FadeCurve,
    Project,
    RevenueGrid,
    Valuer,
    YearRevenue,
    invest_case,
)
from engine.reference import reference_data
from engine.revenue import CapacityAgreement
from tests.engine.revenue.real_data import DATA_DIR

NO_FADE = Fade(FadeCurve(((0.0, 1.0),)))
# 0.1 of nameplate lost per 1000 equivalent cycles, no calendar fade.
LINEAR_FADE = FadeCurve(((0.0, 1.0), (1000.0, 0.9)))


def flat(gbp: float) -> YearRevenue:
    return YearRevenue({"energy_system": gbp}, 0.0, 0.0, gbp)


def cycling(gbp_per_mwh_usable: float, cycles_per_year: float = 365.0) -> Valuer:
    """A valuer earning in proportion to usable energy, cycling it ``cycles_per_year``."""

    def value(index: int, usable_mwh: float) -> YearRevenue:
        return YearRevenue(
            {"energy_system": gbp_per_mwh_usable * usable_mwh},
            10.0 * usable_mwh,
            cycles_per_year * usable_mwh,
            2 * gbp_per_mwh_usable * usable_mwh,
        )

    return value


def test_the_issues_flat_case() -> None:
    # £50k/MW/yr for 15 years at 8 % against £550k/MW: NPV -£122,026, IRR 4.15 %.
    project = Project(1.0, 2.0, capex_gbp_per_kw=550.0, life_years=15, fade=NO_FADE)
    grid = RevenueGrid(lambda i, e: flat(50_000.0), ("2024",), 2.0)
    case = invest_case(project, grid)
    assert case.npv_gbp == pytest.approx(-122_026, abs=0.5)
    assert case.irr_frac == pytest.approx(0.0415, abs=5e-5)
    assert case.payback_year == 11  # 11 x 50k = 550k
    table = case.cashflow
    assert list(table["project_year"]) == list(range(16))
    assert table["capex_gbp"].iloc[0] == -550_000
    assert table["discounted_cashflow_gbp"].sum() == pytest.approx(case.npv_gbp)
    assert table["net_cashflow_gbp"].iloc[1] == 50_000
    # Identical years: one stack solved, fourteen reused.
    assert case.stacks_solved == 1


def test_opex_and_decommissioning_by_hand() -> None:
    # 10 MW / 20 MWh; £100/kW + £200/kWh = £1m + £4m; fixed £5k/MW/yr = £50k; variable
    # £2/MWh on 7,300 MWh = £14.6k; decommissioning £300k in year 2.
    project = Project(
        10.0,
        20.0,
        capex_gbp_per_kw=100.0,
        capex_gbp_per_kwh=200.0,
        fixed_opex_gbp_per_mw_per_year=5_000.0,
        variable_opex_gbp_per_mwh=2.0,
        decommissioning_gbp=300_000.0,
        life_years=2,
        discount_rate_real_frac=0.0,
        fade=NO_FADE,
    )
    grid = RevenueGrid(cycling(100.0), ("2024",), 20.0)
    case = invest_case(project, grid)
    table = case.cashflow.set_index("project_year")
    assert table.loc[0, "capex_gbp"] == -5_000_000
    assert table.loc[1, "variable_opex_gbp"] == pytest.approx(-14_600)
    assert table.loc[1, "net_cashflow_gbp"] == pytest.approx(2_000 - 50_000 - 14_600)
    assert table.loc[2, "decommissioning_gbp"] == -300_000
    assert case.npv_gbp == pytest.approx(-5_000_000 + 2 * (2_000 - 64_600) - 300_000)
    # LCOS at 0 %: (capex + 2 x (50k + 14.6k) + 300k + 2 x £10/MWh x 20 MWh charging) / 14,600.
    assert case.lcos_gbp_per_mwh == pytest.approx(
        (5_000_000 + 2 * 64_600 + 300_000 + 2 * 200) / 14_600
    )
    # The upper bound (twice the revenue here) is computed and labelled.
    assert case.upper_bound_npv_gbp == pytest.approx(case.npv_gbp + 2 * 2_000)
    assert case.upper_bound_label == "upper bound (perfect foresight)"


def test_fade_by_hand_and_the_augmentation_year() -> None:
    # 365 cycles of usable energy a year on the linear curve: each year keeps 1 - 0.0365 of
    # what it had: 1, 0.9635, 0.92833, 0.89445 < 0.9 -> augmented to 1.0 at the start of
    # year 4, adding 0.10555 x 10 MWh = 1.0555 MWh at £100/kWh = £105,552.
    fade = Fade(LINEAR_FADE, augmentation_threshold_frac=0.9, augmentation_target_frac=1.0)
    project = Project(5.0, 10.0, augmentation_gbp_per_kwh=100.0, life_years=6, fade=fade)
    grid = RevenueGrid(cycling(1_000.0), ("2024",), 10.0, grid_step_frac=0.05)
    table = invest_case(project, grid).cashflow.set_index("project_year")
    frac = table["usable_energy_frac"]
    assert frac.loc[2] == pytest.approx(0.9635)
    assert frac.loc[3] == pytest.approx(0.9635**2)
    assert frac.loc[4] == 1.0
    added = 1.0 - 0.9635**3
    assert table.loc[4, "augmented_mwh"] == pytest.approx(10 * added)
    assert table.loc[4, "augmentation_gbp"] == pytest.approx(-100 * 1000 * 10 * added)
    assert (table.loc[[1, 2, 3, 5, 6], "augmentation_gbp"] == 0).all()
    revenue = table["energy_system_gbp"]
    # Non-increasing with age, recovering in the augmentation year; never above nameplate.
    assert revenue.loc[1] > revenue.loc[2] > revenue.loc[3] < revenue.loc[4]
    assert revenue.loc[4] == pytest.approx(revenue.loc[1])
    assert revenue.loc[4] > revenue.loc[5] > revenue.loc[6]
    assert (table["usable_energy_mwh"] <= 10.0 + 1e-12).all()


def test_without_augmentation_revenue_never_rises_with_age() -> None:
    project = Project(5.0, 10.0, life_years=20, fade=Fade(LINEAR_FADE))
    grid = RevenueGrid(cycling(1_000.0), ("2023", "2024", "2025"), 10.0)
    table = invest_case(project, grid).cashflow
    # Identical prices each year (the valuer ignores the price year).
    revenue = table["energy_system_gbp"].iloc[1:].to_numpy()
    assert (revenue[1:] <= revenue[:-1] + 1e-6).all()
    assert list(table["price_year"].iloc[1:5]) == ["2023", "2024", "2025", "2023"]


def test_the_grid_solves_each_point_once_and_interpolates() -> None:
    calls: list[tuple[int, float]] = []

    def value(index: int, usable_mwh: float) -> YearRevenue:
        calls.append((index, usable_mwh))
        return YearRevenue({"x": usable_mwh**2}, 0.0, 0.0)

    grid = RevenueGrid(value, ("a", "b"), 10.0, grid_step_frac=0.2)
    assert grid.value(0, 10.0).streams_gbp["x"] == 100.0
    # 9 MWh lies halfway between the 10 and 8 MWh points: (100 + 64) / 2.
    assert grid.value(2, 9.0).streams_gbp["x"] == pytest.approx(82.0)
    # Project year 4 replays price year 0 again: both its points are already solved.
    assert grid.value(4, 8.0).streams_gbp["x"] == pytest.approx(64.0)
    assert sorted(calls) == [(0, 8.0), (0, 10.0)]
    assert grid.value(1, 10.0).streams_gbp["x"] == 100.0
    assert grid.solves == 3
    # Never above nameplate: more energy than it is valued at the nameplate point.
    assert grid.value(0, 10.5).streams_gbp["x"] == 100.0
    assert grid.solves == 3


def test_the_grid_refuses_work_beyond_its_bound() -> None:
    grid = RevenueGrid(lambda i, e: flat(e), ("a", "b"), 10.0, max_solves=1)
    grid.value(0, 10.0)
    with pytest.raises(ValidationError, match="more than 1 revenue stacks") as caught:
        grid.value(1, 10.0)
    assert caught.value.field == "price_years"


def _tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    ref = reference_data(DATA_DIR)
    return ref.table("cm_clearing_prices"), ref.table("cm_derating_factors_storage")


def test_capacity_market_with_given_figures_by_hand() -> None:
    # £30/kW/yr x 0.5 de-rating x 1,000 kW = £15,000 a delivery year. Calendar 2028 holds
    # 274 of the 366 days of 2027/28 and 92 of the 365 of 2028/29.
    agreement = CapacityAgreement("input", "2027/28", 15, 30.0, 0.5)
    project = Project(1.0, 2.0, life_years=3, start_year=2027, fade=NO_FADE)
    grid = RevenueGrid(lambda i, e: flat(0.0), ("2024",), 2.0)
    case = invest_case(project, grid, capacity_market=CapacityMarket(agreement))
    cm = case.cashflow.set_index("calendar_year")["capacity_market_gbp"]
    assert cm.loc[2027] == pytest.approx(15_000 * 92 / 366)
    assert cm.loc[2028] == pytest.approx(15_000 * 274 / 366 + 15_000 * 92 / 365)
    indexed = CapacityAgreement(
        "input",
        "2027/28",
        15,
        30.0,
        0.5,
        (("2027/28", 100.0), ("2028/29", 103.0), ("2029/30", 105.0)),
    )
    case = invest_case(project, grid, capacity_market=CapacityMarket(indexed))
    cm = case.cashflow.set_index("calendar_year")["capacity_market_gbp"]
    assert cm.loc[2028] == pytest.approx(15_000 * 274 / 366 + 15_000 * 1.03 * 92 / 365)


def test_an_agreement_outside_published_auctions_without_a_price_fails_first() -> None:
    def never(index: int, usable_mwh: float) -> YearRevenue:
        raise AssertionError("no revenue may be solved before the agreement is checked")

    prices, factors = _tables()
    agreement = CapacityAgreement("T-4", "2035/36", 15)
    project = Project(1.0, 2.0, start_year=2035, fade=NO_FADE)
    with pytest.raises(ValidationError, match="no published T-4 auction") as caught:
        invest_case(
            project,
            RevenueGrid(never, ("2024",), 2.0),
            capacity_market=CapacityMarket(agreement, prices, factors),
        )
    assert caught.value.field == "cm_price_gbp_per_kw_per_year"


def test_re_rating_follows_the_fade() -> None:
    # 1 MW / 2.2 MWh, round trip 0.88: 2.064 h at the meter (2 h class); faded below
    # 2 / 0.938 = 2.132 MWh ... the 1.5 h class pays less when re-rated.
    prices, factors = _tables()
    agreement = CapacityAgreement("T-4", "2024/25", 15)
    project = Project(1.0, 2.2, life_years=6, start_year=2025, fade=Fade(LINEAR_FADE))
    grid = RevenueGrid(cycling(0.0), ("2024",), 2.2)
    held = invest_case(project, grid, capacity_market=CapacityMarket(agreement, prices, factors))
    rerated = invest_case(
        project,
        RevenueGrid(cycling(0.0), ("2024",), 2.2),
        capacity_market=CapacityMarket(agreement, prices, factors, rerate=True),
    )
    flat_cm = held.cashflow["capacity_market_gbp"].iloc[1:].to_numpy()
    faded_cm = rerated.cashflow["capacity_market_gbp"].iloc[1:].to_numpy()
    # Held on the nameplate's 2 h class (0.4862) all along; re-rated, the faded battery
    # drops to the 1.5 h class (0.3697) by the last year.
    assert faded_cm[0] == pytest.approx(flat_cm[0])
    assert faded_cm[-1] == pytest.approx(flat_cm[-1] * 0.3697 / 0.4862)
    assert (faded_cm <= flat_cm + 1e-9).all()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"life_years": 0}, "life_years"),
        ({"life_years": 51}, "life_years"),
        ({"capex_gbp_per_kw": -1.0}, "capex_gbp_per_kw"),
        ({"capex_gbp_per_kwh": -5.0}, "capex_gbp_per_kwh"),
        ({"discount_rate_real_frac": 8.0}, "discount_rate_real_frac"),
        ({"fixed_opex_gbp_per_mw_per_year": -1.0}, "fixed_opex_gbp_per_mw_per_year"),
    ],
)
def test_bad_projects_name_the_field(kwargs: dict[str, float], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Project(1.0, 2.0, **kwargs)  # type: ignore[arg-type]  # each case sets one field
    assert caught.value.field == field


@given(
    drops=st.lists(st.floats(0.0, 0.2), min_size=1, max_size=4),
    threshold=st.one_of(st.none(), st.floats(0.5, 0.95)),
    cycles=st.floats(50.0, 700.0),
    life=st.integers(1, 25),
)
@settings(max_examples=40, deadline=None)
def test_fade_properties(
    drops: list[float], threshold: float | None, cycles: float, life: int
) -> None:
    # Any falling curve, any augmentation rule: usable energy never exceeds nameplate, revenue
    # never rises with age under identical prices except in an augmentation year, and the
    # discounted rows sum to the NPV.
    points, remaining = [(0.0, 1.0)], 1.0
    for i, drop in enumerate(drops, start=1):
        remaining = max(0.0, remaining - drop)
        points.append((1000.0 * i, remaining))
    fade = Fade(FadeCurve(tuple(points)), augmentation_threshold_frac=threshold)
    project = Project(5.0, 10.0, life_years=life, augmentation_gbp_per_kwh=10.0, fade=fade)
    grid = RevenueGrid(cycling(1_000.0, cycles), ("2024",), 10.0, grid_step_frac=0.1)
    case = invest_case(project, grid)
    table = case.cashflow.iloc[1:]
    assert (table["usable_energy_mwh"] <= 10.0 + 1e-9).all()
    revenue = table["energy_system_gbp"].to_numpy()
    augmented = table["augmented_mwh"].to_numpy() > 0
    for k in range(1, len(revenue)):
        if not augmented[k]:
            assert revenue[k] <= revenue[k - 1] + 1e-6
    assert case.cashflow["discounted_cashflow_gbp"].sum() == pytest.approx(case.npv_gbp, abs=1e-3)
