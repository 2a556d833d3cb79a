"""NPV as a distribution: each project year of each scenario path valued on its own
scenario-year (:mod:`engine.risk.scenarios`) with the fast day-ahead policy
(:func:`engine.risk.value_scenario`) at that year's usable energy.

A path of a ``life_years`` project is ``life_years`` independent bootstrap scenario-years:
path ``p`` (0-based) takes bootstrap scenario ids ``p * life_years + k`` for k = 0..life-1,
so a seed and a path number give the same path whoever computes it. The fast policy is an
approximation of the forecast mode (``docs/risk.md``: it earns 0.92-1.06 x the forecast mode
without response energy on the same months and 0.97-1.08 x with it in both, always below
the perfect-foresight upper bound); every figure of a scenario run carries
:data:`engine.risk.FAST_POLICY_LABEL`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from engine.invest.project import Project
from engine.invest.revenue import NON_CASH_STREAMS, Valuer, YearRevenue
from engine.revenue import NetworkCharges, ServiceSpec
from engine.risk import (
    FAST_POLICY_LABEL,
    BootstrapPlan,
    DayBank,
    Scenario,
    ScenarioCalendar,
    ScenarioResponse,
    bootstrap,
    risk_figures,
    soc_grid,
    value_scenario,
)

#: Most scenario paths one case may ask for (a 15-year case over 1,000 paths is 15,000
#: scenario-years, about ten minutes here).
MAX_SCENARIO_PATHS = 1000
#: Bins of the NPV histogram (fewer when there are few paths).
HISTOGRAM_BINS = 20


def path_scenarios(plan: BootstrapPlan, seed: int, path: int, life_years: int) -> list[Scenario]:
    """The bootstrap scenario-years of path ``path`` (ids ``path * life_years + k``)."""
    return [bootstrap(plan, seed, path * life_years + k) for k in range(life_years)]


def fast_valuer(
    bank: DayBank,
    calendar: ScenarioCalendar,
    scenarios: Sequence[Scenario],
    project: Project,
    services: tuple[ServiceSpec, ...],
    energy_markets: tuple[str, ...],
    plan_margin_gbp_per_mwh: float = 5.0,
    network: NetworkCharges | None = None,
    response: ScenarioResponse | None = None,
) -> Valuer:
    """Values year ``index`` of a path (``scenarios[index]``) for ``project`` at a usable
    energy with the fast day-ahead policy; the wear hurdle is not cash (left out).

    ``network``: the site's DUoS charges on ``calendar``'s year (its ``interval_start``), or
    None; they are cash streams (``duos_import``, ``duos_generation_credit``).
    ``response``: the held services' response energy on ``calendar``
    (:func:`engine.risk.scenario_response`, e.g. :func:`jobs.risk.calendar_response`), priced
    on each year's own drawn days; cash streams ``response_energy_<service>``; None = not
    modelled."""

    def value(index: int, usable_mwh: float) -> YearRevenue:
        battery = project.battery(usable_mwh)
        result = value_scenario(
            bank,
            calendar,
            scenarios[index],
            battery,
            services,
            energy_markets,
            plan_margin_gbp_per_mwh,
            soc_grid(battery),
            network,
            response,
        )
        cash = {k: v for k, v in result.streams_gbp.items() if k not in NON_CASH_STREAMS}
        return YearRevenue(cash, result.charging_cost_gbp, result.discharged_mwh, None)

    return value


def npv_distribution(npvs_gbp: Sequence[float]) -> dict[str, Any]:
    """P10/P50/P90, mean, min, max of the paths' NPVs, the probability that NPV < 0 and a
    histogram (``edges_gbp``, ``counts``); labelled with the fast policy."""
    values = np.asarray(npvs_gbp, dtype=float)
    figures = risk_figures(values, (0.9,), None)
    counts, edges = np.histogram(values, bins=min(HISTOGRAM_BINS, max(5, values.size // 5)))
    return {
        "label": FAST_POLICY_LABEL,
        "paths": int(values.size),
        "mean_gbp": figures["mean_gbp"],
        "p10_gbp": figures["p10_gbp"],
        "p50_gbp": figures["p50_gbp"],
        "p90_gbp": figures["p90_gbp"],
        "min_gbp": figures["min_gbp"],
        "max_gbp": figures["max_gbp"],
        "probability_npv_negative": float((values < 0.0).mean()),
        "histogram": {
            "edges_gbp": [float(e) for e in edges],
            "counts": [int(c) for c in counts],
        },
    }
