"""Will this battery pay back: the multi-year investment case (fade, augmentation, Capacity
Market agreements, NPV/IRR/payback/LCOS) and the sizing sweep, in real terms.

Entries: :func:`invest_case` (one project over a sequence of price years, :class:`RevenueGrid`)
and :func:`sizing_sweep` (durations at a fixed power); with scenario paths
(:class:`PathRevenue`, :func:`fast_valuer`) NPV is a distribution (:func:`npv_distribution`).
"""

from engine.invest.case import (
    FIXED_COLUMNS,
    CapacityMarket,
    InvestCase,
    check_capacity_market,
    invest_case,
)
from engine.invest.degradation import (
    DEFAULT_CYCLES_CURVE,
    DEFAULT_YEARS_CURVE,
    Fade,
    FadeCurve,
    curve_from_pairs,
)
from engine.invest.finance import (
    annuity_factor,
    check_discount_rate,
    discount_factors,
    irr_frac,
    lcos_gbp_per_mwh,
    npv_gbp,
    payback_year,
)
from engine.invest.project import MAX_LIFE_YEARS, Project
from engine.invest.revenue import (
    BOUND_CYCLES_PER_YEAR,
    DEFAULT_GRID_STEP_FRAC,
    BatchValuer,
    PathRevenue,
    PriceYear,
    RevenueGrid,
    RevenueSource,
    SizeShare,
    Toll,
    Valuer,
    YearRevenue,
    blend,
    lowest_usable_frac,
    stack_valuer,
)
from engine.invest.scenarios import (
    MAX_SCENARIO_PATHS,
    fast_valuer,
    npv_distribution,
    path_scenarios,
)
from engine.invest.sweep import (
    SWEEP_LIMITS_H,
    SizingSweep,
    distribution_sweep,
    sizing_sweep,
    sweep_durations_h,
)

__all__ = [
    "BOUND_CYCLES_PER_YEAR",
    "DEFAULT_CYCLES_CURVE",
    "DEFAULT_GRID_STEP_FRAC",
    "DEFAULT_YEARS_CURVE",
    "FIXED_COLUMNS",
    "MAX_LIFE_YEARS",
    "MAX_SCENARIO_PATHS",
    "SWEEP_LIMITS_H",
    "BatchValuer",
    "CapacityMarket",
    "Fade",
    "FadeCurve",
    "InvestCase",
    "PathRevenue",
    "PriceYear",
    "Project",
    "RevenueGrid",
    "RevenueSource",
    "SizeShare",
    "SizingSweep",
    "Toll",
    "Valuer",
    "YearRevenue",
    "annuity_factor",
    "blend",
    "check_capacity_market",
    "check_discount_rate",
    "curve_from_pairs",
    "discount_factors",
    "distribution_sweep",
    "fast_valuer",
    "invest_case",
    "irr_frac",
    "lcos_gbp_per_mwh",
    "lowest_usable_frac",
    "npv_distribution",
    "npv_gbp",
    "path_scenarios",
    "payback_year",
    "sizing_sweep",
    "stack_valuer",
    "sweep_durations_h",
]
