"""The JSON document of a behind-the-meter run: margins by month and band, the battery's value.

Keys (issue 7): ``without_battery``, ``with_battery`` (each: ``margin_gbp``, ``totals``,
energies in MWh and ``by_month`` with per-band lines), ``battery_value_gbp``,
``battery_value_by_component``, ``red_coverage_frac``, ``equivalent_cycles``, ``by_month``
(the two margins, the value, coverage and cycles per month), ``assumptions`` and ``levies``;
``mode`` (``forecast`` or ``perfect_foresight``: which decisions ``with_battery`` holds),
``upper_bound`` (forecast mode: the perfect-foresight margin, value and cycles, labelled
"upper bound (perfect foresight)"; None otherwise) and ``levies_left_out`` (levies with no
published rate, left out, each with its reason).
Costs are positive numbers under cost names; ``margin_gbp`` is revenue − costs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from engine.btm import UPPER_BOUND_LABEL

if TYPE_CHECKING:
    from engine.btm import BtmResult, Scenario

FloatArray = npt.NDArray[np.float64]
_REVENUES = ("ppa_revenue_gbp", "export_revenue_gbp", "generation_credit_gbp")


def _band_margin(lines: dict[str, float]) -> float:
    return sum(v if k in _REVENUES else -v for k, v in lines.items())


def _grouped(values: FloatArray, group: npt.NDArray[np.int64], n: int) -> FloatArray:
    out: FloatArray = np.bincount(group, weights=values, minlength=n).astype(np.float64)
    return out


def scenario_document(result: BtmResult, scenario: Scenario) -> dict[str, Any]:
    """One scenario's margin, totals, energies and monthly/band breakdown."""
    n_months = len(result.months)
    group = result.month_of_period * 3 + result.band_code.astype(np.int64)
    size = n_months * 3
    energies = {
        "consumption_mwh": result.site.load_mwh,
        "import_mwh": scenario.flows.import_mwh,
        "export_mwh": scenario.flows.export_mwh,
        "curtailed_mwh": scenario.flows.curtailed_mwh,
        "battery_charge_mwh": scenario.charge_mwh,
        "battery_discharge_mwh": scenario.discharge_mwh,
    }
    by_group = {k: _grouped(v, group, size) for k, v in scenario.lines.items()}
    energy_groups = {k: _grouped(v, group, size) for k, v in energies.items()}
    months = []
    for m, month in enumerate(result.months):
        bands = {}
        for b, band in enumerate(result.band_names):
            g = m * 3 + b
            lines = {k: float(v[g]) for k, v in by_group.items()}
            bands[band] = {
                **{k: float(v[g]) for k, v in energy_groups.items()},
                **lines,
                "margin_gbp": _band_margin(lines),
            }
        charges = {k: float(v[m]) for k, v in scenario.charges.items()}
        months.append(
            {
                "month": month,
                "margin_gbp": sum(b["margin_gbp"] for b in bands.values()) - sum(charges.values()),
                "charges": charges,
                "bands": bands,
            }
        )
    totals = {k: float(v.sum()) for k, v in (*scenario.lines.items(), *scenario.charges.items())}
    return {
        "margin_gbp": scenario.margin_gbp(),
        "totals": totals,
        **{k: float(v.sum()) for k, v in energies.items()},
        "pv_mwh": float(result.site.pv_mwh.sum()),
        "by_month": months,
    }


def result_document(result: BtmResult) -> dict[str, Any]:
    """The whole result as JSON-ready data (keys in the module docstring)."""
    without = scenario_document(result, result.without)
    with_battery = scenario_document(result, result.with_battery)
    coverage, delivered = result.red_coverage()
    n_months = len(result.months)
    red_demand = np.where(result.band_code == 0, np.maximum(result.site.net_mwh, 0.0), 0.0)
    red_by_month = _grouped(red_demand, result.month_of_period, n_months)
    delivered_by_month = _grouped(delivered, result.month_of_period, n_months)
    discharged = _grouped(result.with_battery.discharge_mwh, result.month_of_period, n_months)
    usable = result.battery.usable_energy_mwh if result.battery is not None else None
    by_month = []
    for m, month in enumerate(result.months):
        before = without["by_month"][m]["margin_gbp"]
        after = with_battery["by_month"][m]["margin_gbp"]
        by_month.append(
            {
                "month": month,
                "without_battery_margin_gbp": before,
                "with_battery_margin_gbp": after,
                "battery_value_gbp": after - before,
                "red_coverage_frac": float(delivered_by_month[m] / red_by_month[m])
                if red_by_month[m] > 0
                else None,
                "equivalent_cycles": float(discharged[m] / usable) if usable else 0.0,
            }
        )
    upper = None
    if result.upper_bound is not None:
        upper = {
            "label": UPPER_BOUND_LABEL,
            "with_battery_margin_gbp": result.upper_bound.margin_gbp(),
            "battery_value_gbp": result.upper_bound_value_gbp,
            "equivalent_cycles": result.equivalent_cycles(result.upper_bound),
        }
    return {
        "mode": result.mode,
        "battery_value_label": UPPER_BOUND_LABEL
        if result.mode == "perfect_foresight" and result.battery is not None
        else result.mode,
        "upper_bound": upper,
        "without_battery": without,
        "with_battery": with_battery,
        "battery_value_gbp": result.battery_value_gbp,
        "battery_value_by_component": result.value_by_component(),
        "red_coverage_frac": coverage,
        "red_band_name": result.band_names[0],
        "equivalent_cycles": result.equivalent_cycles(),
        "by_month": by_month,
        "assumptions": list(result.assumptions),
        "levies": {"used": list(result.levies_used), "excluded": list(result.levies_excluded)},
        "levies_left_out": [dict(item) for item in result.levies_left_out],
    }
