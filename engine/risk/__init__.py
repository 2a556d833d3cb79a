"""How bad can it get: scenario-years built from published history, valued with a fast
day-ahead policy, and their risk figures (VaR/CVaR, drawdowns, tail attribution) and a
mean-CVaR frontier of a decision taken before the scenario is known.

Pure: the day bank is built from :class:`engine.revenue.MarketData` the caller read.
"""

from engine.risk.fast_policy import FAST_POLICY_LABEL, FastResult, SocGrid, fast_policy, soc_grid
from engine.risk.figures import (
    DEFAULT_CONFIDENCE,
    check_confidence,
    check_threshold,
    max_drawdown,
    risk_figures,
    tail_attribution,
    var_cvar,
)
from engine.risk.frontier import DEFAULT_RISK_AVERSION, FrontierPoint, mean_cvar_frontier
from engine.risk.response import (
    ScenarioResponse,
    block_response_value,
    calendar_index,
    scenario_response,
)
from engine.risk.scenarios import (
    BOOTSTRAP_TARGET_YEAR,
    WARMUP_DAYS,
    BootstrapPlan,
    DayBank,
    Regime,
    Scenario,
    bootstrap,
    bootstrap_plan,
    calendar_days,
    day_bank,
    replay,
    replay_years,
    scenario_market_data,
)
from engine.risk.valuation import (
    ScenarioCalendar,
    ScenarioValue,
    naive_energy_forecast,
    scenario_calendar,
    scenario_forecasts,
    scenario_prices,
    settle,
    value_scenario,
)

__all__ = [
    "BOOTSTRAP_TARGET_YEAR",
    "DEFAULT_CONFIDENCE",
    "DEFAULT_RISK_AVERSION",
    "FAST_POLICY_LABEL",
    "WARMUP_DAYS",
    "BootstrapPlan",
    "DayBank",
    "FastResult",
    "FrontierPoint",
    "Regime",
    "Scenario",
    "ScenarioCalendar",
    "ScenarioResponse",
    "ScenarioValue",
    "SocGrid",
    "block_response_value",
    "bootstrap",
    "bootstrap_plan",
    "calendar_days",
    "calendar_index",
    "check_confidence",
    "check_threshold",
    "day_bank",
    "fast_policy",
    "max_drawdown",
    "mean_cvar_frontier",
    "naive_energy_forecast",
    "replay",
    "replay_years",
    "risk_figures",
    "scenario_calendar",
    "scenario_forecasts",
    "scenario_market_data",
    "scenario_prices",
    "scenario_response",
    "settle",
    "soc_grid",
    "tail_attribution",
    "value_scenario",
    "var_cvar",
]
