"""One scenario of a behind-the-meter site (without or with the battery): flows, margin
lines, monthly charges, and the checks every result passes.

Per-interval lines (costs positive): PPA revenue on consumption, energy, DUoS unit charges,
per-MWh levies, export revenue, generation DUoS credits, degradation. Monthly charges: the
DUoS bill's fixed, capacity, exceeded-capacity and reactive charges (from
:func:`engine.duos.duos_cost` on the scenario's import profile, so exceeded capacity follows
the battery), an export tariff's non-unit charges, and per-day levies.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from engine.battery import BatterySpec
from engine.btm.levies import LevySchedule
from engine.btm.site import SiteFlows, SiteIntervals, site_flows
from engine.duos import DuosTariff, duos_cost
from engine.errors import InfeasibleDispatchError

FloatArray = npt.NDArray[np.float64]
INTERVAL_H = 0.5
_BALANCE_TOL_MWH = 1e-6
#: Per-interval margin lines, in the order they appear in documents [£].
LINE_KEYS = (
    "ppa_revenue_gbp",
    "energy_cost_gbp",
    "duos_unit_gbp",
    "levies_per_mwh_gbp",
    "export_revenue_gbp",
    "generation_credit_gbp",
    "degradation_gbp",
)
#: Monthly charges that are not per interval [£].
CHARGE_KEYS = (
    "duos_fixed_gbp",
    "duos_capacity_gbp",
    "duos_exceeded_capacity_gbp",
    "duos_reactive_gbp",
    "export_duos_charges_gbp",
    "levies_per_day_gbp",
)
_COSTS = {
    "energy_cost_gbp",
    "duos_unit_gbp",
    "levies_per_mwh_gbp",
    "degradation_gbp",
    *CHARGE_KEYS,
}


@dataclass(frozen=True)
class Scenario:
    """One run of the site (without or with the battery).

    Attributes:
        flows: Import, export and curtailment per interval [MWh].
        charge_mwh: Battery grid-side charge per interval [MWh].
        discharge_mwh: Battery grid-side discharge per interval [MWh].
        soc_mwh: Stored energy at each interval's end [MWh].
        lines: Per-interval margin lines (:data:`LINE_KEYS`), costs positive [£].
        charges: Monthly charges (:data:`CHARGE_KEYS`), shape (months,), costs positive [£].
    """

    flows: SiteFlows
    charge_mwh: FloatArray
    discharge_mwh: FloatArray
    soc_mwh: FloatArray
    lines: dict[str, FloatArray]
    charges: dict[str, FloatArray]

    def margin_gbp(self) -> float:
        """Supply margin over the whole run [£]."""
        total = 0.0
        for key, values in (*self.lines.items(), *self.charges.items()):
            total += -float(values.sum()) if key in _COSTS else float(values.sum())
        return total


def _profile_frame(index: pd.DatetimeIndex, column: str, kwh: FloatArray) -> pd.DataFrame:
    return pd.DataFrame({column: kwh}, index=index)


@dataclass(frozen=True)
class Prices:
    """Per-interval prices of a site [£/MWh]."""

    energy: FloatArray
    duos: FloatArray
    levies: FloatArray
    export: FloatArray
    credit: FloatArray


@dataclass(frozen=True)
class Costing:
    """What the monthly charges need: tariffs, index, capacities, levies, months."""

    tariff: DuosTariff
    export_tariff: DuosTariff | None
    index: pd.DatetimeIndex
    capacity_kva: float
    export_capacity_kva: float
    levies: LevySchedule
    month_of_period: npt.NDArray[np.int64]


def run_scenario(
    site: SiteIntervals,
    prices: Prices,
    costing: Costing,
    ppa: float,
    battery: BatterySpec | None,
    charge: FloatArray,
    discharge: FloatArray,
    soc: FloatArray,
) -> Scenario:
    """Flows, lines and charges of one schedule, checked (see :func:`_check_balance`).

    Args:
        site: The site.
        prices: Its prices.
        costing: What the monthly charges need.
        ppa: PPA price on consumption [£/MWh].
        battery: The battery, or None for the site alone.
        charge: Grid-side charge per interval [MWh].
        discharge: Grid-side discharge per interval [MWh].
        soc: Stored energy at each interval's end [MWh].

    Raises:
        InfeasibleDispatchError: If the schedule breaks a balance or a limit (naming which).
    """
    flows = site_flows(site, site.net_mwh + charge - discharge)
    _check_balance(site, flows, charge, discharge, battery, soc)
    deg = 0.0 if battery is None else battery.degradation_cost_gbp_per_mwh
    lines = {
        "ppa_revenue_gbp": ppa * site.load_mwh,
        "energy_cost_gbp": prices.energy * flows.import_mwh,
        "duos_unit_gbp": prices.duos * flows.import_mwh,
        "levies_per_mwh_gbp": prices.levies * flows.import_mwh,
        "export_revenue_gbp": prices.export * flows.export_mwh,
        "generation_credit_gbp": prices.credit * flows.export_mwh,
        "degradation_gbp": deg * discharge,
    }
    bill = duos_cost(
        _profile_frame(costing.index, "import_kwh", flows.import_mwh * 1000.0),
        costing.tariff,
        import_capacity_kva=costing.capacity_kva,
    )
    months = bill.by_month()
    charges = {
        "duos_fixed_gbp": np.array([m["fixed_gbp"] for m in months], dtype=float),
        "duos_capacity_gbp": np.array([m["capacity_gbp"] for m in months], dtype=float),
        "duos_exceeded_capacity_gbp": np.array(
            [m["exceeded_capacity_gbp"] for m in months], dtype=float
        ),
        "duos_reactive_gbp": np.array([m["reactive_gbp"] for m in months], dtype=float),
        "export_duos_charges_gbp": np.zeros(len(months)),
        "levies_per_day_gbp": np.bincount(
            costing.month_of_period, weights=costing.levies.fixed_gbp, minlength=len(months)
        ),
    }
    if costing.export_tariff is not None:
        export_bill = duos_cost(
            _profile_frame(costing.index, "export_kwh", flows.export_mwh * 1000.0),
            costing.export_tariff,
            export_capacity_kva=costing.export_capacity_kva,
        )
        charges["export_duos_charges_gbp"] = np.array(
            [_non_unit_gbp(m, costing.export_tariff.band_names) for m in export_bill.by_month()],
            dtype=float,
        )
    return Scenario(flows, charge, discharge, soc, lines, charges)


def _non_unit_gbp(month: dict[str, Any], bands: tuple[str, str, str]) -> float:
    """A month's bill less its unit charges (fixed, capacity, reactive) [£]."""
    return float(month["total_gbp"]) - sum(float(month[f"{b}_unit_gbp"]) for b in bands)


def _check_balance(
    site: SiteIntervals,
    flows: SiteFlows,
    charge: FloatArray,
    discharge: FloatArray,
    battery: BatterySpec | None,
    soc: FloatArray,
) -> None:
    """Energy balance and limits every half-hour, checked before any figure is returned."""
    supply = site.pv_mwh - flows.curtailed_mwh + discharge + flows.import_mwh
    use = site.load_mwh + charge + flows.export_mwh
    problems = {
        "energy balance": np.abs(supply - use) > _BALANCE_TOL_MWH,
        "import limit": flows.import_mwh > site.import_limit_mwh + _BALANCE_TOL_MWH,
        "export limit": flows.export_mwh > site.export_limit_mwh + _BALANCE_TOL_MWH,
        "curtailment above PV": flows.curtailed_mwh > site.pv_mwh + _BALANCE_TOL_MWH,
        "import and export together": (flows.import_mwh > 0) & (flows.export_mwh > 0),
        "charge and discharge together": (charge > 0) & (discharge > 0),
    }
    if battery is not None:
        h = INTERVAL_H
        previous = np.concatenate(([battery.initial_soc_mwh], soc[:-1]))
        stored = (
            charge * battery.charge_efficiency_frac - discharge / battery.discharge_efficiency_frac
        )
        problems["battery energy balance"] = np.abs(soc - previous - stored) > _BALANCE_TOL_MWH
        problems["state of charge"] = (soc < battery.soc_min_mwh - _BALANCE_TOL_MWH) | (
            soc > battery.soc_max_mwh + _BALANCE_TOL_MWH
        )
        problems["battery power"] = (charge > battery.charge_power_mw * h + _BALANCE_TOL_MWH) | (
            discharge > battery.discharge_power_mw * h + _BALANCE_TOL_MWH
        )
    for what, bad in problems.items():
        if bad.any():
            first = int(np.flatnonzero(bad)[0])
            raise InfeasibleDispatchError(
                f"btm result failed its check ({what}) at interval {first}", field="schedule"
            )
