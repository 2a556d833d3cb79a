"""Behind-the-meter PPA: a site's supply margin, and what an on-site battery really adds.

The model (DESIGN.md "BtM PPA", "Efficiency"; issue 7). An operator supplies a site at a
fixed PPA price per MWh of the site's consumption and owns an on-site battery (and may see
on-site PV). Per half-hour, in MWh: load ``L``, PV after the inverter ``G``, net
``N = L − G``; the battery charges ``c`` or discharges ``d`` (grid side, never both); the
residual ``R = N + c − d`` is imported (``R ≥ 0``) or is a surplus exported up to the export
limit, the rest of the PV curtailed (see :mod:`engine.btm.site` for the exact rules,
including negative export values, where PV is curtailed rather than exported at a loss).

* Import cost per MWh = energy price + the DUoS unit rate of the period's band (p/kWh × 10,
  :mod:`engine.units`) + the per-MWh levies (:mod:`engine.btm.levies`).
* Export value per MWh = export price + the generation DUoS credit when an export tariff is
  given.
* Margin = PPA price × consumption − import cost − DUoS fixed, capacity and exceeded-capacity
  charges − per-day levies + export revenue (− battery degradation with the battery). The
  site pays the PPA price on all its consumption whether or not the battery runs, so the
  PPA price never changes the battery's value.
* Mode ``forecast`` (the default, :mod:`engine.btm.forecast`): the battery decides each UK
  day at D-1 10:00 on day-ahead forecasts of the wholesale prices and is settled on the
  actual ones; perfect foresight is run beside it as the labelled upper bound. Mode
  ``perfect_foresight``: the upper bound alone.
* Perfect foresight maximises the margin's per-interval part exactly
  (:mod:`engine.solvers.segments`): discharging first displaces import (worth
  the full import cost), then exports (worth the export value); charging first soaks up
  curtailed PV (free), then PV that would have been exported (the export value forgone),
  then imports (the import cost), within the import limit. Exceeded-capacity charges (the
  month's maximum kVA over the agreed capacity) are recomputed from the optimised import
  profile by :func:`engine.duos.duos_cost`, so the battery can change them; the optimiser
  does not target them (a monthly maximum is not a per-interval value). Fixed charges and
  per-day levies do not change with the battery.
* The battery's value = margin with − margin without, attributed exactly to avoided energy
  cost, avoided DUoS unit charges by band, avoided per-MWh levies, the change in export
  revenue, the change in capacity charges, and degradation. Red coverage = battery energy
  delivered into red-band site demand ÷ red-band net demand, where delivered energy in a
  half-hour is ``min(d, max(N, 0))``.

Power and apparent power: limits given in kVA are taken at unity power factor (1 kVA =
1 kW), as is the maximum kVA of the DUoS bill (``engine.duos`` states the same assumption).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from engine.battery import BatterySpec
from engine.btm.forecast import (
    PERFECT_FORESIGHT_NOTE,
    check_mode,
    day_starts,
    forecast_note,
    optimise_site_forecast,
)
from engine.btm.levies import LevySchedule
from engine.btm.scenario import INTERVAL_H, Costing, Prices, Scenario, run_scenario
from engine.btm.site import SiteIntervals, value_points
from engine.duos import DuosTariff, duos_schedule, profile_arrays
from engine.errors import InfeasibleDispatchError, ValidationError
from engine.series import listed_intervals
from engine.solvers import solve_segments
from engine.units import kw_to_kwh_per_half_hour, kwh_to_mwh, p_per_kwh_to_gbp_per_mwh

FloatArray = npt.NDArray[np.float64]
#: Values within this of the best are ties (the smallest move wins) [£].
TIE_GBP = 1e-9


@dataclass(frozen=True)
class BtmResult:
    """The outcome of :func:`btm_ppa` (see :meth:`document` for the JSON form)."""

    index: pd.DatetimeIndex
    months: tuple[str, ...]
    band_names: tuple[str, str, str]
    month_of_period: npt.NDArray[np.int64]
    band_code: npt.NDArray[np.int8]
    site: SiteIntervals
    without: Scenario
    with_battery: Scenario
    battery: BatterySpec | None
    assumptions: tuple[str, ...]
    levies_used: tuple[dict[str, Any], ...] = field(default=())
    levies_excluded: tuple[str, ...] = field(default=())
    mode: str = "forecast"
    upper_bound: Scenario | None = None
    levies_left_out: tuple[dict[str, str], ...] = field(default=())

    @property
    def upper_bound_value_gbp(self) -> float | None:
        """Battery value with perfect foresight (forecast mode only) [£]."""
        if self.upper_bound is None:
            return None
        return self.upper_bound.margin_gbp() - self.without.margin_gbp()

    @property
    def battery_value_gbp(self) -> float:
        """Margin with the battery − margin without [£]."""
        return self.with_battery.margin_gbp() - self.without.margin_gbp()

    def value_by_component(self) -> dict[str, Any]:
        """The battery's value split into components that sum to it exactly [£]."""
        w, b = self.without, self.with_battery

        def saved(key: str, mask: npt.NDArray[np.bool_] | None = None) -> float:
            before, after = w.lines[key], b.lines[key]
            if mask is not None:
                before, after = before[mask], after[mask]
            return float(before.sum() - after.sum())

        def charge_saved(key: str) -> float:
            return float(w.charges[key].sum() - b.charges[key].sum())

        duos_by_band = {
            name: saved("duos_unit_gbp", self.band_code == i)
            for i, name in enumerate(self.band_names)
        }
        parts = {
            "avoided_energy_gbp": saved("energy_cost_gbp"),
            "avoided_duos_unit_gbp": duos_by_band,
            "avoided_levies_gbp": saved("levies_per_mwh_gbp"),
            "export_revenue_change_gbp": -saved("export_revenue_gbp")
            - saved("generation_credit_gbp"),
            "avoided_capacity_charges_gbp": charge_saved("duos_exceeded_capacity_gbp")
            + charge_saved("duos_reactive_gbp")
            + charge_saved("export_duos_charges_gbp"),
            "degradation_gbp": saved("degradation_gbp"),  # ≤ 0: a cost of running
        }
        return parts

    def red_coverage(self) -> tuple[float | None, FloatArray]:
        """(Red coverage over the run [0-1] or None, energy delivered into red demand per
        interval [MWh])."""
        demand = np.maximum(self.site.net_mwh, 0.0)
        delivered = np.minimum(self.with_battery.discharge_mwh, demand)
        red = self.band_code == 0
        denominator = float(demand[red].sum())
        if denominator <= 0:
            return None, np.where(red, delivered, 0.0)
        return float(delivered[red].sum()) / denominator, np.where(red, delivered, 0.0)

    def equivalent_cycles(self, scenario: Scenario | None = None) -> float:
        """Battery discharged grid energy ÷ usable capacity [cycles] (of ``with_battery``
        unless another scenario is given)."""
        if self.battery is None:
            return 0.0
        run = self.with_battery if scenario is None else scenario
        return float(run.discharge_mwh.sum()) / self.battery.usable_energy_mwh


def _series(values: Any, n: int, field: str) -> FloatArray:
    """A per-interval array from a scalar or a length-n sequence, checked finite."""
    array = np.asarray(values, dtype=np.float64)
    if array.ndim == 0:
        array = np.full(n, float(array))
    if array.shape != (n,):
        raise ValidationError(
            f"{field}: expected one value per half-hour ({n}), got {array.shape[0]}", field=field
        )
    bad = np.flatnonzero(~np.isfinite(array))
    if bad.size:
        listed = ", ".join(str(int(i)) for i in bad[:10])
        raise ValidationError(
            f"{field}: {bad.size} value(s) missing or not numbers, at rows {listed}", field=field
        )
    return array


def _check_load(
    load_kwh: FloatArray,
    net_mwh: FloatArray,
    limit_mwh: float,
    limit_kva: float,
    index: pd.DatetimeIndex,
    limit_field: str,
) -> None:
    """Reject a load in kW labelled kWh, and net demand the connection cannot import."""
    over = np.flatnonzero(net_mwh > limit_mwh + 1e-9)
    if not over.size:
        return
    peak = int(np.argmax(load_kwh))
    peak_kwh = float(load_kwh[peak])
    if peak_kwh <= limit_kva < 2.0 * peak_kwh:
        raise ValidationError(
            f"import_kwh: {over.size} half-hour(s) exceed the import limit of {limit_kva:g} kVA; "
            f"the largest, {peak_kwh:g} kWh at {index[peak].isoformat()}, is an average of "
            f"{2 * peak_kwh:g} kW, but read as kW it would fit. The column looks like average "
            "kW: name it import_kw (or halve it). If the site really draws this much, give "
            "its physical import limit (import_limit_kva).",
            field="import_kwh",
        )
    raise InfeasibleDispatchError(
        f"{limit_field}: net demand exceeds the import limit of {limit_kva:g} kVA in "
        f"{over.size} half-hour(s): {listed_intervals(index, over)}; demand is never "
        "dropped — raise the import limit or reduce the load",
        field=limit_field,
    )


def btm_ppa(
    load: pd.DataFrame,
    battery: BatterySpec | None,
    tariff: DuosTariff,
    ppa_price_gbp_per_mwh: float,
    energy_prices_gbp_per_mwh: Any,
    levies: LevySchedule,
    *,
    capacity_kva: float,
    pv_kwh: Any = None,
    import_limit_kva: float | None = None,
    export_limit_kw: float = 0.0,
    export_prices_gbp_per_mwh: Any = None,
    export_tariff: DuosTariff | None = None,
    assumptions: tuple[str, ...] = (),
    mode: str = "forecast",
    energy_forecast_gbp_per_mwh: Any = None,
    export_forecast_gbp_per_mwh: Any = None,
) -> BtmResult:
    """The site's supply margin without and with the battery, and the battery's value.

    Args:
        load: Half-hourly load profile (``engine.duos.half_hourly_profile`` format:
            ``interval_start`` or settlement date/period, ``import_kwh`` or ``import_kw``).
        battery: The operator's battery, or None for the site alone.
        tariff: The site's demand DUoS tariff (all charging years the load touches).
        ppa_price_gbp_per_mwh: PPA price on consumption, ≥ 0 [£/MWh].
        energy_prices_gbp_per_mwh: Energy price of imports, one per half-hour or flat
            [£/MWh].
        levies: Levies resolved on the load's index (:func:`engine.btm.levies.resolve_levies`).
        capacity_kva: Agreed import capacity (DUoS capacity charges) [kVA].
        pv_kwh: PV output after the inverter per half-hour, or None [kWh].
        import_limit_kva: Physical import limit; default the agreed capacity [kVA].
        export_limit_kw: Export limit; default 0 (no export) [kW].
        export_prices_gbp_per_mwh: Export price per half-hour or flat [£/MWh]; required
            when the export limit is above 0.
        export_tariff: Generation DUoS tariff of the export MPAN (credits), or None.
        assumptions: Statements made by the caller (price sources, PV model) to carry.
        mode: ``forecast`` (default: decided on forecasts, settled on actuals, with the
            perfect-foresight upper bound beside it) or ``perfect_foresight`` (the upper
            bound alone).
        energy_forecast_gbp_per_mwh: Forecast mode: the energy price as forecast at each
            day's decision (:func:`engine.btm.forecast.wholesale_forecast`); None when the
            price is known in advance (a contract) [£/MWh].
        export_forecast_gbp_per_mwh: The same for the export price [£/MWh].

    Returns:
        The :class:`BtmResult`.

    Raises:
        ValidationError: Bad inputs, naming the field (and rows).
        InfeasibleDispatchError: Net demand above the import limit (naming the periods).
    """
    mode = check_mode(mode)
    start_ns, columns = profile_arrays(load)
    if "import_kwh" not in columns:
        raise ValidationError("import_kwh: the load needs import_kwh (or import_kw)", field="load")
    n = start_ns.shape[0]
    schedule = duos_schedule(tariff, int(start_ns[0]), n)
    index = schedule.index
    notes = list(assumptions)
    if tariff.direction != "demand":
        raise ValidationError(
            f"tariff: {tariff.tariff_name} is a generation tariff; give the site's demand "
            "tariff (and the export tariff separately)",
            field="tariff",
        )
    ppa = float(ppa_price_gbp_per_mwh)
    if not np.isfinite(ppa) or ppa < 0:
        raise ValidationError(
            f"ppa_gbp_per_mwh: must be a price ≥ 0 £/MWh, got {ppa_price_gbp_per_mwh!r}",
            field="ppa_gbp_per_mwh",
        )
    if ppa == 0:
        notes.append(
            "PPA price is 0 £/MWh: margins are the negated supply cost; the battery's value "
            "does not depend on the PPA price"
        )
    for name, value in (("capacity_kva", capacity_kva), ("export_limit_kw", export_limit_kw)):
        if not np.isfinite(value) or value < 0:
            raise ValidationError(f"{name}: must be a number ≥ 0, got {value!r}", field=name)
    limit_kva = float(capacity_kva if import_limit_kva is None else import_limit_kva)
    if not np.isfinite(limit_kva) or limit_kva <= 0:
        raise ValidationError(
            "import_limit_kva: give the import limit (or the agreed capacity) in kVA, > 0",
            field="import_limit_kva",
        )
    if import_limit_kva is None:
        notes.append(f"import limit = the agreed capacity, {limit_kva:g} kVA (unity power factor)")
    load_kwh = columns["import_kwh"]
    if "import_kw" in load.columns:
        notes.append("load given as average kW (import_kw): kWh per half-hour = kW ÷ 2")
    load_mwh = kwh_to_mwh(load_kwh)
    pv_mwh = np.zeros(n) if pv_kwh is None else kwh_to_mwh(_series(pv_kwh, n, "pv_kwh"))
    if np.any(pv_mwh < 0):
        raise ValidationError("pv_kwh: PV output cannot be negative", field="pv_kwh")
    limit_mwh = kwh_to_mwh(kw_to_kwh_per_half_hour(limit_kva))
    _check_load(load_kwh, load_mwh - pv_mwh, limit_mwh, limit_kva, index, "import_limit_kva")
    energy = _series(energy_prices_gbp_per_mwh, n, "energy_price")
    if export_limit_kw > 0 and export_prices_gbp_per_mwh is None:
        raise ValidationError(
            "export_price: an export limit is set, so give an export price (a wholesale "
            "series, or a flat £/MWh)",
            field="export_price",
        )
    export_price = (
        np.zeros(n)
        if export_prices_gbp_per_mwh is None
        else _series(export_prices_gbp_per_mwh, n, "export_price")
    )
    if export_limit_kw == 0:
        notes.append("export limit 0 kW: no export; any PV surplus is curtailed")
    if levies.per_mwh_gbp_per_mwh.shape != (n,):
        raise ValidationError("levies: resolved on a different index than the load", field="levies")
    duos_gbp_per_mwh = p_per_kwh_to_gbp_per_mwh(
        schedule.unit_p_per_kwh[schedule.month_of_period, schedule.band_code]
    )
    credit = np.zeros(n)
    if export_tariff is not None:
        if export_tariff.direction != "generation":
            raise ValidationError(
                f"export_tariff: {export_tariff.tariff_name} is a demand tariff",
                field="export_tariff",
            )
        gen = duos_schedule(export_tariff, int(start_ns[0]), n)
        credit = -p_per_kwh_to_gbp_per_mwh(gen.unit_p_per_kwh[gen.month_of_period, gen.band_code])
    site = SiteIntervals(
        load_mwh=load_mwh,
        pv_mwh=pv_mwh,
        import_cost_gbp_per_mwh=energy + duos_gbp_per_mwh + levies.per_mwh_gbp_per_mwh,
        export_value_gbp_per_mwh=export_price + credit,
        import_limit_mwh=np.full(n, limit_mwh),
        export_limit_mwh=np.full(n, kwh_to_mwh(kw_to_kwh_per_half_hour(float(export_limit_kw)))),
    )
    prices = Prices(energy, duos_gbp_per_mwh, levies.per_mwh_gbp_per_mwh, export_price, credit)
    costing = Costing(
        tariff,
        export_tariff,
        index,
        capacity_kva,
        float(export_limit_kw),
        levies,
        schedule.month_of_period,
    )
    zeros = np.zeros(n)
    without = run_scenario(site, prices, costing, ppa, None, zeros, zeros, zeros)
    upper: Scenario | None = None
    if battery is None:
        with_battery = without
    else:

        def settle(soc: FloatArray) -> Scenario:
            delta = np.diff(soc, prepend=battery.initial_soc_mwh)
            delta[np.abs(delta) < 1e-10] = 0.0
            charge = np.maximum(delta, 0.0) / battery.charge_efficiency_frac
            discharge = np.maximum(-delta, 0.0) * battery.discharge_efficiency_frac
            return run_scenario(site, prices, costing, ppa, battery, charge, discharge, soc)

        with_battery = settle(optimise_site(site, battery))
        if mode == "forecast":
            upper = with_battery
            known_import = duos_gbp_per_mwh + levies.per_mwh_gbp_per_mwh
            energy_fc = zeros
            if energy_forecast_gbp_per_mwh is None:
                known_import = known_import + energy
            else:
                energy_fc = _series(energy_forecast_gbp_per_mwh, n, "energy_price")
            known_export = credit
            export_fc = zeros
            if export_forecast_gbp_per_mwh is None:
                known_export = credit + export_price
            else:
                export_fc = _series(export_forecast_gbp_per_mwh, n, "export_price")
            soc = optimise_site_forecast(
                site,
                battery,
                known_import,
                energy_fc,
                known_export,
                export_fc,
                day_starts(index),
            )
            with_battery = settle(soc)
    if battery is not None:
        notes.append(forecast_note() if mode == "forecast" else PERFECT_FORESIGHT_NOTE)
    curtailed = float(without.flows.curtailed_mwh.sum())
    if curtailed > 0:
        notes.append(f"without the battery {curtailed:.3f} MWh of PV is curtailed")
    return BtmResult(
        index=index,
        months=schedule.months,
        band_names=tariff.band_names,
        month_of_period=schedule.month_of_period,
        band_code=schedule.band_code,
        site=site,
        without=without,
        with_battery=with_battery,
        battery=battery,
        assumptions=tuple(notes),
        levies_used=levies.used,
        levies_excluded=levies.excluded,
        mode=mode,
        upper_bound=upper,
        levies_left_out=levies.left_out,
    )


def refuse_unmodelled(battery: BatterySpec) -> None:
    """Refuse battery features the behind-the-meter model does not cover (naming them)."""
    if battery.max_cycles_per_day is not None:
        raise ValidationError(
            "max_cycles_per_day: a daily cycle cap is not modelled behind the meter yet; "
            "use degradation_cost_gbp_per_mwh to discourage cycling",
            field="max_cycles_per_day",
        )
    if battery.auxiliary_load_mw:
        raise ValidationError(
            "auxiliary_load_mw: not modelled behind the meter (add it to the site load)",
            field="auxiliary_load_mw",
        )


def optimise_site(site: SiteIntervals, battery: BatterySpec) -> FloatArray:
    """The exact margin-maximising stored-energy path of the battery on the site.

    Raises:
        ValidationError: For battery features this model does not cover.
        InfeasibleDispatchError: If the final SoC cannot be reached.
    """
    refuse_unmodelled(battery)
    P, W = value_points(site, battery, INTERVAL_H)
    n = P.shape[0]
    lo = np.full(n, battery.soc_min_mwh)
    hi = np.full(n, battery.soc_max_mwh)
    final = battery.final_soc_mwh
    soc, _, ok = solve_segments(
        P,
        W,
        lo,
        hi,
        battery.initial_soc_mwh,
        final is not None,
        0.0 if final is None else float(final),
        TIE_GBP,
    )
    if not ok:
        raise InfeasibleDispatchError(
            "final_soc_mwh: no schedule reaches the final state of charge within the site's limits",
            field="final_soc_mwh",
        )
    return np.asarray(soc, dtype=np.float64)
