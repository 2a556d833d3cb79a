"""Response energy in the fast day-ahead policy (issue 20 on scenario-years): the same terms the
revenue stack uses (:mod:`engine.response.stack_terms`), priced on each scenario's own days.

The revenue stack values the response energy of a held service per MW and EFA block with
:func:`engine.response.response_value_by_block` (the model method of
:func:`engine.response.model_value_gbp_per_mw`: energy taken in is resold ``lag`` periods
later at x efficiency, energy given out is bought back at ÷ efficiency, plus its settlement,
0 with ABSVD and −net import x imbalance price without). Resale and imbalance are both at the
system price. For a fixed response energy per period (the expected utilisation of
:func:`engine.response.expected_response_energy`) and a fixed calendar that value is **linear
in the system price**: per period, ``resale_coef(t) x price(t + lag) + settlement_coef(t) x
price(t)`` (0 where ABSVD applies). :func:`scenario_response` takes both coefficients from
:func:`engine.response.model_value_gbp_per_mw` itself (unit prices, once per calendar) and
:func:`block_response_value` prices them on a scenario's drawn days' system prices and averages
each EFA block, as :func:`engine.response.response_value_by_block` does — the same figures
(``tests/engine/risk/test_response.py`` checks them against it) at a fraction of the cost, so
a scenario-year still takes milliseconds.

**ABSVD by the target calendar's date**, not the drawn day's: ABSVD is a settlement rule
(BSC Q6.4, NESO's ABSVD methodology) applied to the settlement date on which the unit
delivers, and a scenario-year is the target calendar's year with prices drawn from other days
(the drawn day supplies market outcomes, not the rules in force; a site's DUoS bands follow the
target calendar for the same reason). A replayed year's target date is its own date, so the
two agree there. With ``non_bm`` on the bootstrap calendar (2025) energy is settled at the
imbalance price up to 2 September and corrected out by ABSVD from 3 September
(:data:`engine.response.NON_BM_ABSVD_FROM`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import pandas as pd

from engine.errors import ValidationError
from engine.response import (
    DEFAULT_EFFICIENCY_FRAC,
    Registration,
    check_efficiency,
    check_lag,
    model_value_gbp_per_mw,
    response_cash_gbp,
    response_terms,
)
from engine.risk.scenarios import calendar_days
from engine.settlement import efa_date_block, half_hourly_index, settlement_date_period

if TYPE_CHECKING:
    from engine.risk.valuation import ScenarioCalendar

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class ScenarioResponse:
    """Response energy on one scenario calendar, ready to be priced on any scenario of it.

    Attributes:
        year: The calendar's year.
        services: Service codes, one per column of the coefficients.
        registration: ``bm`` or ``non_bm``.
        resale_coef: ``(T_all, K)`` value per MW held per £/MWh of the system price ``lag``
            periods later (net import x efficiency, or ÷ efficiency for an export); NaN where
            the resale falls after the calendar [£/MW per £/MWh].
        settlement_coef: ``(T_all, K)`` value per MW held per £/MWh of the period's system
            price where ABSVD does not apply (−net import) [£/MW per £/MWh].
        absvd: ``(T_all,)`` True where ABSVD corrects the energy out of imbalance (by the
            target calendar's settlement date).
        block_key: ``(T_all,)`` calendar day x 6 + EFA block − 1 of each half-hour (the key of
            :attr:`ScenarioCalendar.block_source`), −1 after the calendar.
        keys: Number of block keys (calendar days x 6).
        drift_h: Service → expected state-of-charge drift before resale [h]
            (:func:`engine.response.response_terms`).
        lag_periods: Resale delay [settlement periods].
        interval_h: Interval length [h].
        notes: Where the response energy came from (for ``assumptions``).
    """

    year: int
    services: tuple[str, ...]
    registration: Registration
    resale_coef: FloatArray
    settlement_coef: FloatArray
    absvd: BoolArray
    block_key: IntArray
    keys: int
    drift_h: Mapping[str, float]
    lag_periods: int
    interval_h: float
    notes: tuple[str, ...] = ()


def calendar_index(calendar: ScenarioCalendar) -> pd.DatetimeIndex:
    """UTC starts of every half-hour of the calendar's warm-up and year (``T_all``)."""
    days = calendar_days(calendar.year)
    return half_hourly_index(days[0].date(), days[-1].date())


def scenario_response(
    calendar: ScenarioCalendar,
    net_import_mwh_per_mw: pd.DataFrame,
    registration: Registration,
    lag_periods: int = 3,
    efficiency_frac: float = DEFAULT_EFFICIENCY_FRAC,
    interval_h: float = 0.5,
    notes: tuple[str, ...] = (),
) -> ScenarioResponse:
    """The response terms of a calendar (its ``T_all`` half-hours, :func:`calendar_index`).

    Args:
        calendar: The scenario calendar.
        net_import_mwh_per_mw: Index :func:`calendar_index`, one column per service:
            response energy per period (+ import) [MWh per MW held], e.g. the expected
            utilisation (:func:`engine.response.expected_response_energy`).
        registration: ``bm`` or ``non_bm`` (ABSVD by the calendar's settlement dates).
        lag_periods: Resale delay [settlement periods].
        efficiency_frac: Efficiency of resold energy [0-1].
        interval_h: Interval length [h].
        notes: Where the energy came from.

    Raises:
        ValidationError: The energy is not laid on the calendar's half-hours (field
            ``net_import_mwh_per_mw``), or a bad lag or efficiency.
    """
    index = calendar_index(calendar)
    if not pd.DatetimeIndex(net_import_mwh_per_mw.index).equals(index):
        raise ValidationError(
            f"net_import_mwh_per_mw: must cover the {len(index)} half-hours of the "
            f"{calendar.year} calendar (warm-up included)",
            field="net_import_mwh_per_mw",
        )
    lag = check_lag(lag_periods)
    eff = check_efficiency(efficiency_frac)
    ones = pd.Series(np.ones(len(index)), index=index)
    resale, settlement = [], []
    for service in net_import_mwh_per_mw.columns:
        energy = pd.Series(net_import_mwh_per_mw[service].to_numpy(dtype=float), index=index)
        unit = model_value_gbp_per_mw(energy, ones, ones, registration, lag, eff)
        resale.append(unit["resale_gbp_per_mw"].to_numpy(dtype=float))
        settlement.append(unit["settlement_gbp_per_mw"].to_numpy(dtype=float))
    dates = settlement_date_period(index)["settlement_date"]
    # 0 where ABSVD applies, NaN (−energy x a missing price) where it does not.
    absvd = ~np.isnan(
        response_cash_gbp(np.ones(len(index)), np.full(len(index), np.nan), dates, registration)
    )
    efa = efa_date_block(index)
    days = calendar_days(calendar.year)
    day = days.get_indexer(pd.DatetimeIndex(efa["efa_date"]))
    key = np.where(day >= 0, day * 6 + efa["efa_block"].to_numpy(dtype=np.int64) - 1, -1)
    drift = response_terms(
        index, ones, ones, net_import_mwh_per_mw, registration, lag, eff, interval_h
    ).drift_h
    k = len(net_import_mwh_per_mw.columns)
    return ScenarioResponse(
        calendar.year,
        tuple(str(s) for s in net_import_mwh_per_mw.columns),
        registration,
        np.column_stack(resale) if k else np.zeros((len(index), 0)),
        np.column_stack(settlement) if k else np.zeros((len(index), 0)),
        np.asarray(absvd, dtype=np.bool_),
        np.asarray(key, dtype=np.int64),
        len(days) * 6,
        dict(drift),
        lag,
        interval_h,
        notes,
    )


def block_response_value(response: ScenarioResponse, system_gbp_per_mwh: FloatArray) -> FloatArray:
    """``(keys, K)`` expected response-energy value per MW held of every EFA block of the
    calendar, priced on one scenario's system prices (resale and imbalance) [£/MW/h]; a block
    whose periods all lack a figure is 0, as :func:`engine.response.response_value_by_block`.

    Args:
        response: The calendar's terms (:func:`scenario_response`).
        system_gbp_per_mwh: ``(T_all,)`` the scenario's system price [£/MWh].
    """
    price = np.asarray(system_gbp_per_mwh, dtype=np.float64)
    lag = response.lag_periods
    later = np.r_[price[lag:], np.full(min(lag, price.size), np.nan)]
    value = response.resale_coef * later[:, None] + np.where(
        response.absvd[:, None], 0.0, response.settlement_coef * price[:, None]
    )
    ok = np.isfinite(value) & (response.block_key >= 0)[:, None]
    key = np.maximum(response.block_key, 0)
    out = np.zeros((response.keys, value.shape[1]))
    for k in range(value.shape[1]):
        sums = np.bincount(key, np.where(ok[:, k], value[:, k], 0.0), response.keys)
        counts = np.bincount(key, ok[:, k].astype(np.float64), response.keys)
        out[:, k] = np.where(counts > 0, sums / np.maximum(counts, 1.0), 0.0)
    return out / response.interval_h
