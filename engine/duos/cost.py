"""The DUoS bill of a half-hourly site: unit, fixed, capacity, exceeded-capacity, reactive.

Charges follow the CDCM (DCUSA Schedule 16) as each DNO's LC14 charging statement applies
them to LV and HV half-hourly sites:

* unit charges: kWh in each band × that band's p/kWh (generation rates are negative:
  credits on exported kWh);
* fixed charge: p/MPAN/day × days the supply exists (a part day counts by its periods,
  1/46, 1/48 or 1/50 of a day each, so bills add up over any split);
* capacity charge: agreed capacity [kVA] × p/kVA/day × days;
* exceeded capacity: (the month's maximum kVA − agreed kVA, if positive) × p/kVA/day ×
  the month's days; maximum kVA of a half-hour = 2 × sqrt(kWh² + kVArh²), unless metered
  ``max_demand_kva`` is given;
* reactive power: per half-hour, chargeable kVArh = max(kVArh − sqrt(1/0.95² − 1) × kWh,
  0), i.e. reactive energy beyond 32.87% ("33%") of active energy, an average power factor
  below 0.95, × p/kVArh.

Each period is charged with its own charging year's rates and band windows, so a profile
crossing 1 April is billed at both years' rates. Per-period arrays come from
:func:`engine.duos.schedule.duos_schedule` (cached), so costing is a few numpy reductions and
many sites can be costed in one call over a 2-D array.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from engine.duos.profile import MAX_QUANTITY, profile_arrays
from engine.duos.schedule import N_BANDS, DuosSchedule, duos_schedule
from engine.duos.tariffs import RATE_FIELDS, DuosTariff
from engine.errors import ValidationError
from engine.units import (
    apparent_kva_from_half_hour,
    kwh_per_half_hour_to_kw,
    pence_to_gbp,
    reactive_per_active,
)

FloatArray = npt.NDArray[np.float64]
#: Reactive energy allowed free per kWh: tan(acos(0.95)) = 0.328684 (the statements' "33%").
FREE_KVARH_PER_KWH = float(reactive_per_active(0.95))
COMPONENT_KEYS = (
    "red_unit_gbp",
    "amber_unit_gbp",
    "green_unit_gbp",
    "fixed_gbp",
    "capacity_gbp",
    "exceeded_capacity_gbp",
    "reactive_gbp",
)
BREAKDOWN_COLUMNS = (
    "month",
    "charging_year",
    "component",
    "band",
    "quantity",
    "quantity_unit",
    "rate",
    "rate_unit",
    "cost_gbp",
    "source_doc_id",
    "tariff_name_as_published",
    "max_demand_kva",
)


@dataclass(frozen=True)
class DuosBill:
    """A site's DUoS bill.

    Attributes:
        tariff: The tariff billed.
        breakdown: Tidy rows, one per month × charge (× band for unit charges), columns
            ``month`` (YYYY-MM, UK local), ``charging_year``, ``component`` (``unit``,
            ``fixed``, ``capacity``, ``exceeded_capacity``, ``reactive``), ``band`` (unit
            rows only, else ""), ``quantity`` with ``quantity_unit`` (kWh, day, kVA·day,
            kVArh), ``rate`` with ``rate_unit`` (as published: p/kWh, p/MPAN/day,
            p/kVA/day, p/kVArh), ``cost_gbp`` [£] = quantity × rate / 100,
            ``source_doc_id``, ``tariff_name_as_published``, and on exceeded-capacity rows
            the month's ``max_demand_kva`` [kVA] (else NaN).
        total_gbp: Sum of ``cost_gbp`` [£] (negative for net generation credits).
        energy_kwh: Metered energy billed: import for demand, export for generation [kWh].
        assumptions: Statements of anything the bill had to assume (e.g. unity power factor).
    """

    tariff: DuosTariff
    breakdown: pd.DataFrame
    total_gbp: float
    energy_kwh: float
    assumptions: tuple[str, ...]

    @property
    def effective_p_per_kwh(self) -> float | None:
        """Total charge per metered kWh [p/kWh]; ``None`` when no energy flowed."""
        if self.energy_kwh == 0:
            return None
        return self.total_gbp * 100.0 / self.energy_kwh

    @property
    def charging_years(self) -> list[str]:
        """Charging years the bill spans, in order."""
        return sorted(self.breakdown["charging_year"].unique().tolist())

    def by_component(self) -> dict[str, float]:
        """Totals per component [£]: ``red/amber/green_unit_gbp`` (for unmetered tariffs
        also ``black``/``yellow``), ``fixed_gbp``, ``capacity_gbp``,
        ``exceeded_capacity_gbp``, ``reactive_gbp``; absent charges are 0."""
        return _component_totals(self.breakdown, self.tariff)

    def by_month(self) -> list[dict[str, object]]:
        """One record per month: ``month``, ``charging_year``, ``source_doc_id`` (of the
        rates), ``band_source_doc_id`` (of the band windows), ``energy_kwh``, the component
        totals and ``total_gbp`` [£]."""
        records: list[dict[str, object]] = []
        for (month, year), rows in self.breakdown.groupby(["month", "charging_year"], sort=True):
            unit = rows[rows["component"] == "unit"]
            record: dict[str, object] = {
                "month": month,
                "charging_year": year,
                "source_doc_id": rows["source_doc_id"].iloc[0],
                "band_source_doc_id": self.tariff.year(str(year)).band_source_doc_id,
                "energy_kwh": float(unit["quantity"].sum()),
            }
            record.update(_component_totals(rows, self.tariff))
            record["total_gbp"] = float(rows["cost_gbp"].sum())
            records.append(record)
        return records


def _component_totals(rows: pd.DataFrame, tariff: DuosTariff) -> dict[str, float]:
    totals = dict.fromkeys(COMPONENT_KEYS, 0.0)
    for band in tariff.band_names:
        totals[f"{band}_unit_gbp"] = 0.0
    for component, band, value in zip(
        rows["component"].tolist(), rows["band"].tolist(), rows["cost_gbp"].tolist(), strict=True
    ):
        key = f"{band}_unit_gbp" if component == "unit" else f"{component}_gbp"
        totals[key] += float(value)
    return totals


@dataclass(frozen=True)
class _Arrays:
    """Bill quantities for S sites over M months (all in the units of their names)."""

    unit_kwh: FloatArray  # (S, M, 3)
    max_kva: FloatArray  # (S, M)
    excess_kva: FloatArray  # (S, M)
    chargeable_kvarh: FloatArray  # (S, M)
    capacity_kva: FloatArray  # (S,)


def _charged_direction(tariff: DuosTariff) -> tuple[str, str]:
    return (
        ("export_kwh", "import_kwh")
        if tariff.direction == "generation"
        else ("import_kwh", "export_kwh")
    )


def _check_capacity(
    tariff: DuosTariff, schedule: DuosSchedule, capacity_kva: FloatArray, field: str
) -> None:
    if np.any(~np.isfinite(capacity_kva)) or np.any(capacity_kva < 0):
        raise ValidationError(f"{field}: must be a number ≥ 0 kVA", field=field)
    if np.any(capacity_kva > MAX_QUANTITY):
        raise ValidationError(
            f"{field}: more than {MAX_QUANTITY:.0e} kVA; check the units", field=field
        )
    rates = schedule.capacity_p_per_kva_per_day
    if np.any(rates > 0) and np.any(capacity_kva <= 0):
        year = schedule.month_years[int(np.argmax(rates > 0))]
        raise ValidationError(
            f"{field}: {tariff.tariff_name} charges capacity "
            f"({year.capacity_p_per_kva_per_day} p/kVA/day in {year.charging_year}); give the "
            "agreed capacity in kVA (> 0)",
            field=field,
        )


def _quantities(
    schedule: DuosSchedule,
    energy_kwh: FloatArray,
    reactive_kvarh: FloatArray | None,
    max_demand_kva: FloatArray | None,
    power_factor: float | None,
    capacity_kva: FloatArray,
) -> _Arrays:
    """Grouped quantities for S sites (rows of the 2-D arrays)."""
    n_sites, n_months = energy_kwh.shape[0], len(schedule.months)
    unit_kwh: FloatArray
    if n_sites == 1:
        unit_kwh = np.bincount(
            schedule.group, weights=energy_kwh[0], minlength=n_months * N_BANDS
        ).astype(np.float64)
        unit_kwh = unit_kwh.reshape(1, n_months, N_BANDS)
    else:
        unit_kwh = (energy_kwh @ schedule.group_matrix).reshape(n_sites, n_months, N_BANDS)
    if reactive_kvarh is None and power_factor is not None:
        reactive_kvarh = energy_kwh * reactive_per_active(power_factor)
    if max_demand_kva is not None:
        kva = max_demand_kva
    elif reactive_kvarh is not None:
        kva = apparent_kva_from_half_hour(energy_kwh, reactive_kvarh)
    else:
        kva = kwh_per_half_hour_to_kw(energy_kwh)  # unity power factor, stated in assumptions
    max_kva = np.maximum.reduceat(kva, schedule.month_starts, axis=1)
    chargeable: FloatArray
    if reactive_kvarh is None:
        chargeable = np.zeros((n_sites, n_months))
    else:
        excess = np.maximum(reactive_kvarh - FREE_KVARH_PER_KWH * energy_kwh, 0.0)
        if n_sites == 1:
            chargeable = (
                np.bincount(schedule.month_of_period, weights=excess[0], minlength=n_months)
                .astype(np.float64)
                .reshape(1, n_months)
            )
        else:
            chargeable = excess @ schedule.month_matrix
    excess_kva = np.maximum(max_kva - capacity_kva[:, None], 0.0)
    return _Arrays(unit_kwh, max_kva, excess_kva, chargeable, capacity_kva)


def _totals_gbp(schedule: DuosSchedule, q: _Arrays) -> dict[str, FloatArray]:
    """Component totals per site [£], each of shape (S,)."""
    unit = pence_to_gbp(np.einsum("smb,mb->sb", q.unit_kwh, schedule.unit_p_per_kwh))
    days = schedule.days
    fixed = pence_to_gbp(float(schedule.fixed_p_per_mpan_per_day @ days))
    capacity = pence_to_gbp(q.capacity_kva * float(schedule.capacity_p_per_kva_per_day @ days))
    exceeded = pence_to_gbp(q.excess_kva @ (schedule.exceeded_capacity_p_per_kva_per_day * days))
    reactive = pence_to_gbp(q.chargeable_kvarh @ schedule.reactive_power_p_per_kvarh)
    n_sites = unit.shape[0]
    return {
        "red_unit_gbp": unit[:, 0],
        "amber_unit_gbp": unit[:, 1],
        "green_unit_gbp": unit[:, 2],
        "fixed_gbp": np.full(n_sites, fixed),
        "capacity_gbp": capacity,
        "exceeded_capacity_gbp": exceeded,
        "reactive_gbp": reactive,
    }


def _assumptions(
    tariff: DuosTariff,
    schedule: DuosSchedule,
    has_reactive: bool,
    has_kva: bool,
    power_factor: float | None,
) -> tuple[str, ...]:
    notes = []
    charges_reactive = bool(np.any(schedule.reactive_power_p_per_kvarh > 0))
    charges_excess = bool(np.any(schedule.exceeded_capacity_p_per_kva_per_day > 0))
    if power_factor is not None and has_reactive:
        notes.append(f"power factor {power_factor} not used: the metered reactive_kvarh is")
    elif power_factor is not None and not has_reactive:
        notes.append(f"reactive energy from a power factor of {power_factor}")
    elif not has_reactive and (charges_reactive or (charges_excess and not has_kva)):
        notes.append(
            "no reactive_kvarh, max_demand_kva or power_factor given: unity power factor "
            "assumed (no reactive charge; maximum kVA = 2 × kWh per half-hour)"
        )
    return tuple(notes)


def _check_power_factor(power_factor: float | None) -> None:
    if power_factor is not None and not (0 < power_factor <= 1):
        raise ValidationError(
            f"power_factor: must be in (0, 1], got {power_factor}", field="power_factor"
        )


def duos_cost(
    profile: pd.DataFrame,
    tariff: DuosTariff,
    *,
    import_capacity_kva: float | None = None,
    export_capacity_kva: float | None = None,
    power_factor: float | None = None,
) -> DuosBill:
    """The DUoS bill of one MPAN's half-hourly profile under a tariff.

    Args:
        profile: Half-hourly profile (see :func:`engine.duos.profile.half_hourly_profile`):
            ``import_kwh`` for a demand tariff, ``export_kwh`` for a generation tariff
            [kWh]; optional ``reactive_kvarh`` [kVArh], ``max_demand_kva`` [kVA].
        tariff: The tariff, holding every charging year the profile touches.
        import_capacity_kva: Agreed import capacity (demand tariffs) [kVA].
        export_capacity_kva: Agreed export capacity (generation tariffs) [kVA].
        power_factor: Average power factor [-] used when no ``reactive_kvarh`` is given.

    Returns:
        The bill, itemised by month, component and band.

    Raises:
        ValidationError: For bad profile rows, a column of the other direction (export on a
            demand tariff, import on a generation tariff), a missing or zero capacity on a
            tariff that charges capacity, a bad power factor, or periods outside the
            charging years held.
    """
    start_ns, frame = profile_arrays(profile)
    charged, other = _charged_direction(tariff)
    if other in frame:
        kind = "demand" if tariff.direction == "demand" else "generation"
        raise ValidationError(
            f"{other}: {tariff.tariff_name} is a {kind} tariff and bills {charged} only; "
            f"{other.split('_')[0]} is billed on the site's other MPAN — cost it in its own call",
            field=other,
        )
    if charged not in frame:
        raise ValidationError(
            f"{charged}: {tariff.tariff_name} bills {charged}; the profile has none", field=charged
        )
    _check_power_factor(power_factor)
    field = "export_capacity_kva" if tariff.direction == "generation" else "import_capacity_kva"
    agreed = export_capacity_kva if tariff.direction == "generation" else import_capacity_kva
    capacity = np.array([0.0 if agreed is None else float(agreed)])
    schedule = duos_schedule(tariff, int(start_ns[0]), start_ns.shape[0])
    _check_capacity(tariff, schedule, capacity, field)
    energy = frame[charged][None, :]
    reactive = frame["reactive_kvarh"][None, :] if "reactive_kvarh" in frame else None
    kva = frame["max_demand_kva"][None, :] if "max_demand_kva" in frame else None
    q = _quantities(schedule, energy, reactive, kva, power_factor, capacity)
    breakdown = _breakdown(schedule, q)
    return DuosBill(
        tariff=tariff,
        breakdown=breakdown,
        total_gbp=float(breakdown["cost_gbp"].sum()),
        energy_kwh=float(energy.sum()),
        assumptions=_assumptions(
            tariff, schedule, reactive is not None, kva is not None, power_factor
        )
        + _unused_capacity(tariff, import_capacity_kva, export_capacity_kva),
    )


def _unused_capacity(
    tariff: DuosTariff, import_capacity_kva: float | None, export_capacity_kva: float | None
) -> tuple[str, ...]:
    """Say so when the capacity of the direction this tariff does not bill was given."""
    name, value = (
        ("import_capacity_kva", import_capacity_kva)
        if tariff.direction == "generation"
        else ("export_capacity_kva", export_capacity_kva)
    )
    if value is None:
        return ()
    return (f"{name} {value:g} kVA not used: {tariff.tariff_name} is a {tariff.direction} tariff",)


_ROW_COMPONENTS = ("unit", "unit", "unit", "fixed", "capacity", "exceeded_capacity", "reactive")
_ROW_QUANTITY_UNITS = ("kWh", "kWh", "kWh", "day", "kVA·day", "kVA·day", "kVArh")
_ROW_RATE_UNITS = ("p/kWh", "p/kWh", "p/kWh", "p/MPAN/day", "p/kVA/day", "p/kVA/day", "p/kVArh")


def _breakdown(schedule: DuosSchedule, q: _Arrays) -> pd.DataFrame:
    """Tidy rows: 7 charges per month, less those the statement does not have (vectorised)."""
    n_months = len(schedule.months)
    days = schedule.days
    quantity = np.column_stack(
        (
            q.unit_kwh[0],
            days,
            q.capacity_kva[0] * days,
            q.excess_kva[0] * days,
            q.chargeable_kvarh[0],
        )
    ).ravel()
    rates = np.array(
        [[_published(getattr(year, f)) for f in RATE_FIELDS] for year in schedule.month_years]
    ).ravel()
    keep = ~np.isnan(rates)
    month = np.repeat(np.arange(n_months), len(RATE_FIELDS))[keep]
    kind = np.tile(np.arange(len(RATE_FIELDS)), n_months)[keep]
    bands = np.array([*schedule.tariff.band_names, "", "", "", ""], dtype=object)
    years = schedule.month_years
    max_kva = np.where(kind == 5, q.max_kva[0][month], np.nan)
    frame = pd.DataFrame(
        {
            "month": np.array(schedule.months, dtype=object)[month],
            "charging_year": np.array([y.charging_year for y in years], dtype=object)[month],
            "component": np.array(_ROW_COMPONENTS, dtype=object)[kind],
            "band": bands[kind],
            "quantity": quantity[keep],
            "quantity_unit": np.array(_ROW_QUANTITY_UNITS, dtype=object)[kind],
            "rate": rates[keep],
            "rate_unit": np.array(_ROW_RATE_UNITS, dtype=object)[kind],
            "cost_gbp": pence_to_gbp(quantity[keep] * rates[keep]),
            "source_doc_id": np.array([y.source_doc_id for y in years], dtype=object)[month],
            "tariff_name_as_published": np.array(
                [y.tariff_name_as_published for y in years], dtype=object
            )[month],
            "max_demand_kva": max_kva,
        }
    )
    return frame


def _published(rate: float | None) -> float:
    return np.nan if rate is None else rate


def duos_cost_many(
    energy_kwh: FloatArray,
    first_interval_start: pd.Timestamp,
    tariff: DuosTariff,
    *,
    capacity_kva: FloatArray | float | None = None,
    power_factor: float | None = None,
    reactive_kvarh: FloatArray | None = None,
) -> pd.DataFrame:
    """Annual DUoS totals of many sites sharing a tariff and a consecutive half-hourly index.

    Args:
        energy_kwh: Metered energy, shape (sites, periods): import for a demand tariff,
            export for a generation tariff [kWh].
        first_interval_start: Tz-aware start of the first period.
        tariff: The tariff.
        capacity_kva: Agreed capacity per site (or one for all) [kVA].
        power_factor: Average power factor used when ``reactive_kvarh`` is not given [-].
        reactive_kvarh: Reactive energy, same shape as ``energy_kwh`` [kVArh].

    Returns:
        DataFrame, one row per site, with the :data:`COMPONENT_KEYS` columns, ``total_gbp``
        [£], ``energy_kwh`` [kWh] and ``effective_p_per_kwh`` [p/kWh].

    Raises:
        ValidationError: For negative or non-finite values (naming site and period), a bad
            capacity or power factor, or periods outside the charging years held.
    """
    energy = np.asarray(energy_kwh, dtype=np.float64)
    if energy.ndim != 2 or energy.shape[1] == 0:
        raise ValidationError(
            "energy_kwh: expected a 2-D array (sites, periods)", field="energy_kwh"
        )
    for name, values in (("energy_kwh", energy), ("reactive_kvarh", reactive_kvarh)):
        if values is None:
            continue
        bad = np.argwhere(~np.isfinite(values) | (values < 0) | (values > MAX_QUANTITY))
        if bad.size:
            site, period = (int(v) for v in bad[0])
            raise ValidationError(
                f"{name}: {len(bad)} value(s) negative, not finite or over {MAX_QUANTITY:.0e}, "
                f"first at site {site}, period {period}",
                field=name,
            )
    _check_power_factor(power_factor)
    start = pd.Timestamp(first_interval_start)
    if start.tzinfo is None:
        raise ValidationError(
            "first_interval_start: must carry a UTC offset", field="first_interval_start"
        )
    schedule = duos_schedule(tariff, int(start.tz_convert("UTC").value), energy.shape[1])
    agreed = np.broadcast_to(
        np.asarray(0.0 if capacity_kva is None else capacity_kva, dtype=np.float64),
        energy.shape[:1],
    )
    _check_capacity(tariff, schedule, agreed, "capacity_kva")
    q = _quantities(schedule, energy, reactive_kvarh, None, power_factor, agreed)
    totals = _totals_gbp(schedule, q)
    frame = pd.DataFrame(totals)
    frame["total_gbp"] = frame[list(COMPONENT_KEYS)].sum(axis=1)
    frame["energy_kwh"] = energy.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        frame["effective_p_per_kwh"] = np.where(
            frame["energy_kwh"] > 0, frame["total_gbp"] * 100.0 / frame["energy_kwh"], np.nan
        )
    return frame
