"""The revenue stack in one call: lay the period out, optimise, check and attribute.

Perfect foresight (every price known in advance) is always run: it is the upper bound and
the denominator of the day-ahead capture ratio. Day-ahead (decide each EFA day on
forecasts, settle on actuals; :mod:`engine.revenue.day_ahead`) is run when asked. Each
schedule is checked (:func:`engine.revenue.search.check_stack`) before it is attributed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from engine.battery import BatterySpec
from engine.revenue.attribution import RevenueResult, attribute
from engine.revenue.day_ahead import optimise_day_ahead
from engine.revenue.layout import MarketData, layout, trade_markets
from engine.revenue.markets import CapacityMarketTerm, ServiceSpec
from engine.revenue.search import check_stack, optimise_perfect_foresight

PERFECT_FORESIGHT_NOTE = "perfect_foresight is an upper bound: every price is known in advance."
DAY_AHEAD_NOTE = (
    "day_ahead: service MW per EFA day from the previous EFA day's clearing prices; "
    "energy on a rolling horizon (commit one EFA day, look ahead one) on the "
    "same-period-last-week forecast, in the market the forecast favoured, settled at "
    "actual prices."
)


@dataclass(frozen=True)
class RevenueStack:
    """The stack of one battery over one period.

    Attributes:
        perfect_foresight: The upper bound: every price known in advance.
        day_ahead: Decided on forecasts and settled on actuals, when asked; else None.
    """

    perfect_foresight: RevenueResult
    day_ahead: RevenueResult | None = None

    @property
    def capture_ratio(self) -> float | None:
        """Day-ahead net ÷ perfect-foresight net [-]; None without a day-ahead run or when
        perfect foresight earns nothing (the ratio would mean nothing)."""
        if self.day_ahead is None or self.perfect_foresight.net_revenue_gbp <= 0:
            return None
        return self.day_ahead.net_revenue_gbp / self.perfect_foresight.net_revenue_gbp


def revenue_stack(
    data: MarketData,
    battery: BatterySpec,
    services: tuple[ServiceSpec, ...],
    energy_markets: tuple[str, ...],
    *,
    cm_terms: Sequence[CapacityMarketTerm] = (),
    day_ahead: bool = False,
    assumptions: Sequence[str] = (),
) -> RevenueStack:
    """Co-optimise energy trading and DC/DM/DR holdings for one battery and attribute the cash.

    Args:
        data: The period's actual prices (energy per half-hour, services per EFA block).
        battery: The battery.
        services: Services the battery may hold (already judged eligible by the caller).
        energy_markets: Energy markets it may trade (subset of ``apx``, ``system``).
        cm_terms: Capacity Market terms falling in the period (paid as a stream) [£].
        day_ahead: Also run the day-ahead mode.
        assumptions: Sentences stated on every result; each mode adds its own last.

    Returns:
        The perfect-foresight result and, with ``day_ahead``, the day-ahead one.

    Raises:
        ValidationError: A market or service without prices, or a non-contiguous period.
        InfeasibleDispatchError: A schedule failed its check (a bug, never expected).
    """
    lay = layout(data, services, energy_markets)
    schedule = optimise_perfect_foresight(lay, battery)
    check_stack(lay, battery, schedule)
    buy, sell = trade_markets(lay.energy)
    pf = attribute(
        lay,
        battery,
        schedule,
        buy,
        sell,
        cm_terms,
        "perfect_foresight",
        None,
        [*assumptions, PERFECT_FORESIGHT_NOTE],
    )
    if not day_ahead:
        return RevenueStack(pf)
    da_schedule, buy, sell = optimise_day_ahead(lay, battery)
    da = attribute(
        lay,
        battery,
        da_schedule,
        buy,
        sell,
        cm_terms,
        "day_ahead",
        None,
        [*assumptions, DAY_AHEAD_NOTE],
    )
    return RevenueStack(pf, da)
