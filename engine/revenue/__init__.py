"""The BESS revenue stack: energy markets (APX, imbalance), DC/DM/DR held per EFA block and the
Capacity Market, co-optimised for one battery and attributed to streams.

One entry: :func:`revenue_stack` (layout, optimise, check, attribute); the default mode is
``forecast`` (:mod:`engine.revenue.forecast_mode`), perfect foresight its labelled upper bound.
"""

from engine.revenue.attribution import RevenueResult, attribute
from engine.revenue.day_ahead import optimise_day_ahead
from engine.revenue.forecast_mode import ForecastPolicy, optimise_forecast
from engine.revenue.forecasts import Forecasts, day_ahead_forecasts, decision_time
from engine.revenue.layout import Layout, MarketData, layout, trade_markets
from engine.revenue.markets import (
    DYNAMIC_SERVICES,
    ENERGY_MARKETS,
    CapacityAgreement,
    CapacityMarketTerm,
    ServiceSpec,
    capacity_agreement_payment,
    capacity_market_payment,
    deliverable_duration_h,
    parse_energy_markets,
    parse_services,
    service_specs,
)
from engine.revenue.network import NetworkCharges, network_charges
from engine.revenue.search import Schedule, check_stack, optimise_perfect_foresight
from engine.revenue.stack import (
    MODES,
    UPPER_BOUND_LABEL,
    RevenueStack,
    canonical_mode,
    revenue_stack,
)

__all__ = [
    "DYNAMIC_SERVICES",
    "ENERGY_MARKETS",
    "MODES",
    "UPPER_BOUND_LABEL",
    "CapacityAgreement",
    "CapacityMarketTerm",
    "ForecastPolicy",
    "Forecasts",
    "Layout",
    "MarketData",
    "NetworkCharges",
    "RevenueResult",
    "RevenueStack",
    "Schedule",
    "ServiceSpec",
    "attribute",
    "canonical_mode",
    "capacity_agreement_payment",
    "capacity_market_payment",
    "check_stack",
    "day_ahead_forecasts",
    "decision_time",
    "deliverable_duration_h",
    "layout",
    "network_charges",
    "optimise_day_ahead",
    "optimise_forecast",
    "optimise_perfect_foresight",
    "parse_energy_markets",
    "parse_services",
    "revenue_stack",
    "service_specs",
    "trade_markets",
]
