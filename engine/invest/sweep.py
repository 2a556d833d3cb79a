"""Sizing sweep: for a connection of fixed MW, the case at each duration, the best marked."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from engine.errors import ValidationError
from engine.invest.case import CapacityMarket, InvestCase, invest_case
from engine.invest.project import Project
from engine.invest.revenue import RevenueSource, Toll

#: Shortest and longest durations a sweep accepts [h].
SWEEP_LIMITS_H = (0.5, 8.0)


def sweep_durations_h(first_h: float, last_h: float, step_h: float) -> tuple[float, ...]:
    """Durations ``first, first + step, ..., last`` [h].

    Raises:
        ValidationError: Bounds outside 0.5-8 h, last before first, or a step ≤ 0 or
            giving more than 15 sizes (fields ``duration_from_h``, ``duration_to_h``,
            ``duration_step_h``).
    """
    low, high = SWEEP_LIMITS_H
    for name, value in (("duration_from_h", first_h), ("duration_to_h", last_h)):
        if not (math.isfinite(value) and low <= value <= high):
            raise ValidationError(
                f"{name}: a duration from {low:g} to {high:g} h, got {value:g}", field=name
            )
    if last_h < first_h:
        raise ValidationError(
            f"duration_to_h: {last_h:g} h is below duration_from_h {first_h:g} h",
            field="duration_to_h",
        )
    if not (math.isfinite(step_h) and step_h > 0):
        raise ValidationError(
            f"duration_step_h: must be above 0, got {step_h:g}", field="duration_step_h"
        )
    count = math.floor((last_h - first_h) / step_h + 1e-9) + 1
    if count > 15:
        raise ValidationError(
            f"duration_step_h: {count} sizes; at most 15 (widen the step)", field="duration_step_h"
        )
    return tuple(round(first_h + i * step_h, 9) for i in range(count))


@dataclass(frozen=True)
class SizingSweep:
    """The sweep's table and each size's case.

    Attributes:
        table: One row per duration: ``duration_h``, ``energy_mwh``, ``capex_gbp``,
            ``npv_gbp``, ``irr_frac`` (NaN when none), ``payback_year`` (NaN when never),
            ``lcos_gbp_per_mwh``, ``stacks_used`` (the revenue stacks its years rest on,
            shared with other sizes on one grid), ``best`` (the highest NPV).
        cases: The case per duration, in the table's order.
    """

    table: pd.DataFrame
    cases: tuple[InvestCase, ...]

    @property
    def best_duration_h(self) -> float:
        """The duration with the highest NPV [h]."""
        return float(self.table.loc[self.table["best"], "duration_h"].iloc[0])


def sizing_sweep(
    project: Project,
    durations_h: Sequence[float],
    revenue_for: Callable[[Project], RevenueSource],
    *,
    capacity_market: CapacityMarket | None = None,
    toll: Toll | None = None,
) -> SizingSweep:
    """The case of ``project`` resized to each duration at its power (capex per kW and per
    kWh, opex and fade as given).

    Args:
        project: The project; its ``energy_mwh`` is replaced by power x duration.
        durations_h: Durations to value [h].
        revenue_for: The revenue of a resized project: its own grid, or its share of one
            grid for every size (:class:`engine.invest.SizeShare`: a stack depends on the
            battery, not on which size asked, so sizes at one power share their stacks).
        capacity_market: The agreement, if any (de-rated by each size's duration class).
        toll: A fixed-price floor on a share of the MW, if any (the same for every size).
    """
    cases = []
    rows = []
    for duration in durations_h:
        sized = dataclasses.replace(project, energy_mwh=project.power_mw * duration)
        case = invest_case(sized, revenue_for(sized), capacity_market=capacity_market, toll=toll)
        cases.append(case)
        rows.append(_row(duration, sized, case))
    return _marked(pd.DataFrame(rows), "npv_gbp", tuple(cases))


def distribution_sweep(
    project: Project,
    durations_h: Sequence[float],
    cases_by_size: Sequence[Sequence[InvestCase]],
) -> SizingSweep:
    """The sweep over scenario paths: each size's NPV distribution over its paths (the same
    paths for every size), the best size the one of highest **mean** NPV (the expected
    value; P10 beside it shows the downside).

    Args:
        project: The project; its ``energy_mwh`` is replaced by power x duration.
        durations_h: Durations valued [h].
        cases_by_size: Each duration's cases, one per path.

    Returns:
        The table (``npv_gbp`` is the mean over paths; ``npv_p10_gbp``, ``npv_p50_gbp``,
        ``npv_p90_gbp``, ``probability_npv_negative`` beside it; IRR, payback and LCOS are
        the median path's) and, per size, the median path's case.
    """
    rows = []
    shown = []
    for duration, cases in zip(durations_h, cases_by_size, strict=True):
        sized = dataclasses.replace(project, energy_mwh=project.power_mw * duration)
        npvs = np.array([c.npv_gbp for c in cases])
        median = cases[int(np.argsort(npvs, kind="stable")[(len(npvs) - 1) // 2])]
        shown.append(median)
        p10, p50, p90 = np.quantile(npvs, (0.1, 0.5, 0.9))
        rows.append(
            {
                **_row(duration, sized, median),
                "npv_gbp": float(npvs.mean()),
                "npv_p10_gbp": float(p10),
                "npv_p50_gbp": float(p50),
                "npv_p90_gbp": float(p90),
                "probability_npv_negative": float((npvs < 0).mean()),
                "stacks_used": sum(c.stacks_solved for c in cases),
            }
        )
    return _marked(pd.DataFrame(rows), "npv_gbp", tuple(shown))


def _row(duration: float, sized: Project, case: InvestCase) -> dict[str, float]:
    return {
        "duration_h": duration,
        "energy_mwh": sized.energy_mwh,
        "capex_gbp": sized.capex_gbp,
        "npv_gbp": case.npv_gbp,
        "irr_frac": np.nan if case.irr_frac is None else case.irr_frac,
        "payback_year": np.nan if case.payback_year is None else case.payback_year,
        "lcos_gbp_per_mwh": np.nan if case.lcos_gbp_per_mwh is None else case.lcos_gbp_per_mwh,
        "stacks_used": case.stacks_solved,
    }


def _marked(table: pd.DataFrame, column: str, cases: tuple[InvestCase, ...]) -> SizingSweep:
    best = int(table[column].to_numpy().argmax())
    table["best"] = np.arange(len(table)) == best
    return SizingSweep(table, cases)
