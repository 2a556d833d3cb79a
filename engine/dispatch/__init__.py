"""Battery dispatch against prices: the exact optimum, the rolling non-anticipative policy and
the forecasts it decides on.

The HiGHS MILP used for certified cycle caps is :mod:`engine.dispatch.milp` (loaded on demand).
"""

from engine.dispatch.forecast import (
    HALF_HOURS_PER_WEEK,
    naive_forecast,
    naive_forecast_from_history,
)
from engine.dispatch.optimise import (
    DispatchResult,
    optimise_dispatch,
    optimise_soc_path,
    solve_problem,
)
from engine.dispatch.problem import DispatchProblem, build_problem
from engine.dispatch.rolling import optimise_rolling, warm_up

__all__ = [
    "HALF_HOURS_PER_WEEK",
    "DispatchProblem",
    "DispatchResult",
    "build_problem",
    "naive_forecast",
    "naive_forecast_from_history",
    "optimise_dispatch",
    "optimise_rolling",
    "optimise_soc_path",
    "solve_problem",
    "warm_up",
]
