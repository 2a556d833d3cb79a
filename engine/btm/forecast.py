"""Forecast mode behind the meter: the battery decides each UK day at D-1 on forecasts only.

The decision process (the default; issue 14 "BtM gets the same ``forecast`` default"):

* **D-1 10:00 UK time, for each UK day D in order** (the revenue stack's timeline,
  :mod:`engine.revenue.forecasts`: the N2EX GB day-ahead auction publishes by 10:00). The
  battery's stored-energy path for day D is chosen by the exact site DP
  (:func:`engine.btm.ppa.optimise_site`) over day D plus one day of look-ahead, valuing
  energy at the *forecast* wholesale price: :func:`engine.revenue.forecasts.day_ahead_forecasts`,
  the mean of the same half-hour on D-2 .. D-8, all published before D-1 10:00. The
  look-ahead day repeats day D's forecasts (a forecast of D+1 made at D-1 10:00 is all one
  may use). Parts of the import cost known in advance (the DUoS unit rate of the period's
  band and the per-MWh levies, from published tariffs and rates; a contract price given as a
  flat figure or a series) are used as they are. The plan charges wear plus
  :data:`engine.revenue.forecast_mode.DEFAULT_PLAN_MARGIN_GBP_PER_MWH` per MWh discharged,
  the same forecast-error margin the front-of-meter forecast mode uses, so a cycle is
  planned only when its forecast spread beats both. Day D's path is committed and day D+1
  is planned from the state of charge it reaches.
* **Settlement on actuals.** The committed path is run through the same scenario as the
  upper bound (:func:`engine.btm.scenario.run_scenario`): import at the actual price, DUoS
  and levies, exports at the actual export price.
* **What is known.** The site's load and PV are taken as known a day ahead (the site's own
  schedule); only prices are forecast. No intraday re-optimisation: the D-1 plan is followed
  (a conservative choice; the front-of-meter mode trades imbalance intraday, a site's
  supply contract does not).

**Upper bound (perfect foresight)**: the same DP over the whole period on actual prices. The
forecast path is one feasible path of that problem (same site, same battery limits), so the
upper bound's per-interval objective is ≥ the forecast path's, exactly.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import numpy.typing as npt
import pandas as pd

from engine.battery import BatterySpec
from engine.btm.scenario import INTERVAL_H
from engine.btm.site import FloatArray, SiteIntervals, value_points
from engine.errors import InfeasibleDispatchError, ValidationError
from engine.revenue.forecast_mode import DEFAULT_PLAN_MARGIN_GBP_PER_MWH
from engine.revenue.forecasts import NAIVE_HISTORY_DAYS, day_ahead_forecasts
from engine.settlement import UK_TZ
from engine.solvers import solve_segments

MODES = ("forecast", "perfect_foresight")
UPPER_BOUND_LABEL = "upper bound (perfect foresight)"
LOOKAHEAD_DAYS = 1
PLAN_MARGIN_GBP_PER_MWH = DEFAULT_PLAN_MARGIN_GBP_PER_MWH
PERFECT_FORESIGHT_NOTE = (
    "perfect_foresight is an upper bound: every price is known in advance; no operator earns it."
)


def check_mode(mode: str, field: str = "mode") -> str:
    """``forecast`` or ``perfect_foresight``.

    Raises:
        ValidationError: On any other name.
    """
    if mode not in MODES:
        raise ValidationError(
            f"{field}: expected one of {', '.join(MODES)}, got {mode!r}", field=field
        )
    return mode


def forecast_note(margin_gbp_per_mwh: float = PLAN_MARGIN_GBP_PER_MWH) -> str:
    """The decision process in one sentence (for ``assumptions``)."""
    return (
        "forecast: the battery's schedule for each UK day is decided at D-1 10:00 on forecasts "
        "only (wholesale prices: the mean of the same half-hour on D-2..D-8; DUoS, levies and "
        "contract prices as published), a cycle must beat wear + "
        f"£{margin_gbp_per_mwh:g}/MWh; settled on actual prices. The site's load and PV are "
        "taken as known a day ahead."
    )


def day_starts(index: pd.DatetimeIndex) -> npt.NDArray[np.int64]:
    """Positions where each UK day of a UTC half-hourly index starts."""
    dates = np.asarray(index.tz_convert(UK_TZ).date)
    if dates.size == 0:
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(np.r_[True, dates[1:] != dates[:-1]]).astype(np.int64)


def wholesale_forecast(
    prices_gbp_per_mwh: pd.Series, index: pd.DatetimeIndex, field: str
) -> FloatArray:
    """Day-ahead forecast of a wholesale price on ``index``, leak-free (module docstring).

    Args:
        prices_gbp_per_mwh: The price on a UTC half-hourly index, covering at least
            :data:`NAIVE_HISTORY_DAYS` days before the first UK day of ``index`` (it may
            cover the period itself: nothing published after D-1 10:00 enters day D).
        index: UTC half-hours to forecast.
        field: The caller's field (errors name it).

    Raises:
        ValidationError: Too little history (saying how much exists and what is needed), or
            a UK day with no price at all in the seven days it is forecast from.
    """
    local = index.tz_convert(UK_TZ)
    first: dt.date = local[0].date()
    last: dt.date = local[-1].date()
    energy = pd.DataFrame({"price": prices_gbp_per_mwh.to_numpy(dtype=float)})
    energy.index = pd.DatetimeIndex(prices_gbp_per_mwh.index)
    no_services = pd.DataFrame(
        index=pd.MultiIndex.from_arrays(
            [pd.DatetimeIndex([]), pd.Index([], dtype=int)], names=["efa_date", "efa_block"]
        )
    )
    try:
        made = day_ahead_forecasts(energy, no_services, first, last)
    except ValidationError as error:
        raise ValidationError(
            f"{field}: {error.detail.removeprefix('from: ')} (mode perfect_foresight "
            "gives the upper bound alone)",
            field=field,
        ) from None
    forecast = made.energy["price"].reindex(index)
    gaps = int(forecast.isna().sum())
    if gaps == len(index):
        raise ValidationError(
            f"{field}: no price in the {NAIVE_HISTORY_DAYS} days before the load to forecast from",
            field=field,
        )
    # A half-hour with no price on any of D-2..D-8 takes the forecast just before it.
    return np.asarray(forecast.ffill().bfill().to_numpy(dtype=float), dtype=np.float64)


def optimise_site_forecast(
    site: SiteIntervals,
    battery: BatterySpec,
    known_import_gbp_per_mwh: FloatArray,
    energy_fc_gbp_per_mwh: FloatArray,
    known_export_gbp_per_mwh: FloatArray,
    export_fc_gbp_per_mwh: FloatArray,
    starts: npt.NDArray[np.int64],
    plan_margin_gbp_per_mwh: float = PLAN_MARGIN_GBP_PER_MWH,
) -> FloatArray:
    """The committed stored-energy path: each day planned at D-1 on forecasts (module doc).

    Args:
        site: The site with its *actual* prices (its load, PV and limits are used).
        battery: The battery.
        known_import_gbp_per_mwh: The import cost known in advance: DUoS unit rate and
            per-MWh levies [£/MWh].
        energy_fc_gbp_per_mwh: The energy price as forecast at each day's decision [£/MWh].
        known_export_gbp_per_mwh: The export value known in advance: generation credit
            [£/MWh].
        export_fc_gbp_per_mwh: The export price as forecast at each day's decision [£/MWh].
        starts: First interval of each decision day (:func:`day_starts`).
        plan_margin_gbp_per_mwh: Forecast-error margin on top of wear [£/MWh discharged].

    Returns:
        Stored energy at each interval's end [MWh].

    Raises:
        InfeasibleDispatchError: If the final state of charge cannot be reached.
    """
    from engine.btm.ppa import TIE_GBP, refuse_unmodelled  # ppa imports this module

    refuse_unmodelled(battery)
    n = site.load_mwh.shape[0]
    ends = np.r_[starts[1:], n]
    plan = dataclasses.replace(
        battery,
        degradation_cost_gbp_per_mwh=battery.degradation_cost_gbp_per_mwh + plan_margin_gbp_per_mwh,
    )
    # Each half-hour is priced two ways: as part of its own day (its own forecast) and as
    # the look-ahead of the day before (that day's forecast at the same position; the
    # published DUoS, levies and credits of its own). Both value functions are built once.
    lookahead = np.arange(n)
    for i in range(1, len(starts)):
        first, stop = int(starts[i]), int(ends[i])
        before = int(ends[i - 1]) - int(starts[i - 1])
        lookahead[first:stop] = int(starts[i - 1]) + np.arange(stop - first) % before
    points = []
    for source in (np.arange(n), lookahead):
        priced = dataclasses.replace(
            site,
            import_cost_gbp_per_mwh=known_import_gbp_per_mwh + energy_fc_gbp_per_mwh[source],
            export_value_gbp_per_mwh=known_export_gbp_per_mwh + export_fc_gbp_per_mwh[source],
        )
        points.append(value_points(priced, plan, INTERVAL_H))
    (own_p, own_w), (ahead_p, ahead_w) = points
    lo = np.full(n, battery.soc_min_mwh)
    hi = np.full(n, battery.soc_max_mwh)
    soc = np.zeros(n)
    s = battery.initial_soc_mwh
    for i, (first, stop) in enumerate(zip(starts, ends, strict=True)):
        first, stop = int(first), int(stop)
        end = int(ends[min(i + LOOKAHEAD_DAYS, len(starts) - 1)])
        keep = stop - first
        final = battery.final_soc_mwh if end == n else None
        path, _, ok = solve_segments(
            np.ascontiguousarray(np.vstack((own_p[first:stop], ahead_p[stop:end]))),
            np.ascontiguousarray(np.vstack((own_w[first:stop], ahead_w[stop:end]))),
            lo[first:end],
            hi[first:end],
            s,
            final is not None,
            0.0 if final is None else float(final),
            TIE_GBP,
        )
        if not ok:
            raise InfeasibleDispatchError(
                "final_soc_mwh: no schedule reaches the final state of charge within the "
                "site's limits",
                field="final_soc_mwh",
            )
        soc[first:stop] = path[:keep]
        s = float(np.clip(path[keep - 1], battery.soc_min_mwh, battery.soc_max_mwh))
    return soc
