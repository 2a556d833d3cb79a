"""Non-commodity levies on a site's supplied electricity, each on its own basis.

Levies modelled (name → basis → legal instrument / published source):

* ``BSUoS`` → £/MWh of final demand (flat fixed tariff since 1 April 2023, CUSC Section 14
  as amended by CMP308; NESO "BSUoS Fixed Tariff" statements).
* ``RO`` → £/MWh supplied: obligation level (ROC/MWh) × buy-out price (£/ROC), the usual
  supplier pass-through proxy (Renewables Obligation Order 2015; Ofgem annual levels).
* ``FiT`` → £/MWh supplied (Feed-in Tariffs Order 2012, levelisation). No published rate in
  the shipped data: must be supplied.
* ``CfD_ILR`` → £/MWh supplied, the CfD Interim Levy Rate (Contracts for Difference
  (Electricity Supplier Obligations) Regulations 2014; LCCC quarterly determinations).
* ``CfD_OCL`` → £/MWh supplied, the CfD Operational Costs Levy (same Regulations; LCCC).
* ``CCL`` → £/MWh supplied, Climate Change Levy main rate (Finance Act 2000 Sch. 6; HMRC),
  published in £/kWh and converted ×1,000.
* ``AAHEDC`` → £/MWh supplied (Assistance for Areas with High Electricity Distribution Costs,
  Energy Act 2004 s.184). No published rate in the shipped data: must be supplied.
* ``TNUoS_TDR`` → £/site/day, the TNUoS demand residual for the site's band (CUSC Section 14,
  CMP343 Targeted Charging Review). Needs the site's residual band (e.g. ``HV1``).

Simplifications: per-MWh levies apply to metered import at the meter (no line-loss uplift,
no energy-intensive-industry exemptions); the TNUoS locational triad charge is not a levy
here. A levy that has no rate for some period is never defaulted: the caller supplies an
override for it, leaves it out explicitly, lets it be left out for the whole run and listed
with the reason (``if_missing="leave_out"``, the BtM default), or gets
:class:`DataMissingError` listing every gap.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from engine.errors import DataMissingError, ValidationError
from engine.settlement import settlement_date_period

Basis = Literal["per_mwh", "per_site_per_day"]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class LevyDefinition:
    """Where one levy's rates live in ``gb_non_commodity_rates.csv`` and how they apply."""

    name: str
    basis: Basis
    charge: str
    component_prefix: str | None
    gbp_per_unit: float
    citation: str


LEVIES: dict[str, LevyDefinition] = {
    d.name: d
    for d in (
        LevyDefinition(
            "BSUoS",
            "per_mwh",
            "BSUoS",
            "fixed tariff",
            1.0,
            "CUSC Section 14 / CMP308; NESO BSUoS fixed tariff",
        ),
        LevyDefinition(
            "RO",
            "per_mwh",
            "RO",
            "obligation x buy-out",
            1.0,
            "Renewables Obligation Order 2015; Ofgem obligation level x buy-out",
        ),
        LevyDefinition("FiT", "per_mwh", "FiT", None, 1.0, "Feed-in Tariffs Order 2012"),
        LevyDefinition(
            "CfD_ILR",
            "per_mwh",
            "CfD",
            "interim levy rate",
            1.0,
            "CfD (Electricity Supplier Obligations) Regulations 2014; LCCC ILR",
        ),
        LevyDefinition(
            "CfD_OCL",
            "per_mwh",
            "CfD",
            "operational costs levy",
            1.0,
            "CfD (Electricity Supplier Obligations) Regulations 2014; LCCC OCL",
        ),
        LevyDefinition(
            "CCL",
            "per_mwh",
            "CCL",
            "main rate electricity",
            1000.0,
            "Finance Act 2000 Sch. 6; HMRC CCL main rate (GBP/kWh x 1,000)",
        ),
        LevyDefinition("AAHEDC", "per_mwh", "AAHEDC", None, 1.0, "Energy Act 2004 s.184"),
        LevyDefinition(
            "TNUoS_TDR",
            "per_site_per_day",
            "TNUoS",
            "demand residual (TDR) band",
            1.0,
            "CUSC Section 14 / CMP343; NESO TNUoS demand residual by band",
        ),
    )
}


@dataclass(frozen=True)
class LevySchedule:
    """Levies resolved onto a half-hourly index.

    Attributes:
        per_mwh_gbp_per_mwh: Sum of per-MWh levies in each interval [£/MWh].
        fixed_gbp: Per-site-per-day levies spread evenly over each day's periods [£].
        used: One record per levy applied: name, basis, unit, citation, and the rates
            (from, to, value, source) or the override.
        excluded: Levies left out at the caller's explicit request.
        left_out: Levies left out because the data has no published rate for some of the
            run (``if_missing="leave_out"``): ``{"name", "reason"}`` each.
    """

    per_mwh_gbp_per_mwh: FloatArray
    fixed_gbp: FloatArray
    used: tuple[dict[str, Any], ...]
    excluded: tuple[str, ...]
    left_out: tuple[dict[str, str], ...] = ()


def parse_levy_overrides(items: Sequence[str], field: str = "levy") -> dict[str, float]:
    """Parse ``NAME=VALUE`` strings (value in the levy's basis unit).

    Raises:
        ValidationError: For an unknown levy name or a non-numeric value.
    """
    out: dict[str, float] = {}
    for item in items:
        name, sep, value = item.partition("=")
        key = _canonical_name(name.strip(), field)
        try:
            number = float(value)
        except ValueError:
            number = float("nan")
        if not sep or not np.isfinite(number):
            raise ValidationError(
                f"{field}: expected NAME=VALUE with a number, got {item!r}", field=field
            )
        out[key] = number
    return out


def _canonical_name(name: str, field: str) -> str:
    for known in LEVIES:
        if known.lower() == name.lower():
            return known
    raise ValidationError(
        f"{field}: unknown levy {name!r}; known levies are {', '.join(LEVIES)}", field=field
    )


def resolve_levies(
    rates: pd.DataFrame,
    interval_start: Any,
    *,
    include: Sequence[str] | None = None,
    overrides: Mapping[str, float] | None = None,
    tnuos_band: str | None = None,
    if_missing: Literal["raise", "leave_out"] = "raise",
) -> LevySchedule:
    """Per-interval levy charges for a site, from published rates and explicit overrides.

    Args:
        rates: The ``non_commodity_rates`` reference table.
        interval_start: Tz-aware half-hour start times.
        include: Levy names to apply (default: all of :data:`LEVIES`); an empty list means
            "no levies" and is recorded as an explicit exclusion of every levy.
        overrides: Levy name → value in its basis unit [£/MWh, or £/site/day for
            ``TNUoS_TDR``], replacing published rates for the whole run.
        tnuos_band: The site's TNUoS demand residual band (e.g. ``"HV1"``, ``"LV_NoMIC_2"``).
        if_missing: ``raise`` (a levy without a rate for part of the run is an error) or
            ``leave_out`` (such a levy is left out for the whole run, never applied in part
            and never given an invented rate, and listed in ``left_out`` with the reason).

    Returns:
        The :class:`LevySchedule`.

    Raises:
        DataMissingError: If ``if_missing`` is ``raise`` and any included levy lacks a rate
            for some periods and has no override; the message lists every such levy and its
            uncovered date ranges.
    """
    names = list(LEVIES) if include is None else [_canonical_name(n, "levies") for n in include]
    overrides = {_canonical_name(k, "levy"): v for k, v in (overrides or {}).items()}
    calendar = settlement_date_period(interval_start)
    days = pd.DatetimeIndex(calendar["settlement_date"])
    day_values = days.to_numpy(dtype="datetime64[ns]")
    periods_per_day = pd.Series(day_values).map(pd.Series(day_values).value_counts()).to_numpy()
    n = len(days)
    per_mwh = np.zeros(n)
    fixed = np.zeros(n)
    used: list[dict[str, Any]] = []
    gaps: list[str] = []
    left_out: list[dict[str, str]] = []
    for name in names:
        levy = LEVIES[name]
        if name in overrides:
            value = np.full(n, overrides[name])
            record: dict[str, Any] = {
                "source": "supplied by the user",
                "rates": [{"from": None, "to": None, "value": overrides[name]}],
            }
        else:
            table = _published_rates(rates, levy, tnuos_band)
            value, covered = table.on_days(day_values)
            if not covered.all():
                gaps.append(f"{name} ({_describe_gaps(days, covered)})")
                band = "" if tnuos_band or levy.basis == "per_mwh" else "; it needs the site's band"
                left_out.append(
                    {
                        "name": name,
                        "reason": "no published rate in the data for "
                        f"{_describe_gaps(days, covered).replace('no rate at all', 'the run')}"
                        f"{band}",
                    }
                )
                continue
            record = {"source": "published", "rates": table.records(day_values)}
        if levy.basis == "per_mwh":
            per_mwh += value
        else:
            fixed += value / periods_per_day
        used.append(
            {
                "name": name,
                "basis": levy.basis,
                "unit": "GBP_per_MWh" if levy.basis == "per_mwh" else "GBP_per_site_per_day",
                "citation": levy.citation,
                **record,
            }
        )
    if gaps and if_missing == "raise":
        missing = [gap.split(" (", 1)[0] for gap in gaps]
        band_hint = "" if tnuos_band else " (TNUoS_TDR needs the site's residual band)"
        raise DataMissingError(
            "levies with no published rate for part of the period: "
            + "; ".join(gaps)
            + f"{band_hint}. Supply a rate for each (GBP/MWh; GBP/site/day for TNUoS_TDR: "
            "--levy NAME=VALUE, or 'levies' over HTTP), leave it out (--without-levy NAME, "
            "'without_levies'), or leave all levies out (--no-levies, 'no_levies').",
            field="levies",
            extensions={"missing_levies": missing},
        )
    excluded = tuple(n for n in LEVIES if n not in names)
    return LevySchedule(per_mwh, fixed, tuple(used), excluded, tuple(left_out))


@dataclass(frozen=True)
class _RateTable:
    """One levy's published rates: inclusive UK-date ranges and values in GBP per basis unit."""

    starts: npt.NDArray[np.datetime64]
    ends: npt.NDArray[np.datetime64]
    values: FloatArray
    sources: tuple[str, ...]

    def on_days(self, days: npt.NDArray[np.datetime64]) -> tuple[FloatArray, npt.NDArray[np.bool_]]:
        value = np.zeros(len(days))
        covered = np.zeros(len(days), dtype=bool)
        for start, end, rate in zip(self.starts, self.ends, self.values, strict=True):
            inside = (days >= start) & (days <= end)
            value[inside] = rate
            covered |= inside
        return value, covered

    def records(self, days: npt.NDArray[np.datetime64]) -> list[dict[str, Any]]:
        first, last = days.min(), days.max()
        return [
            {"from": str(start)[:10], "to": str(end)[:10], "value": float(rate), "source": source}
            for start, end, rate, source in zip(
                self.starts, self.ends, self.values, self.sources, strict=True
            )
            if start <= last and end >= first
        ]


def _published_rates(rates: pd.DataFrame, levy: LevyDefinition, band: str | None) -> _RateTable:
    rows = rates[rates["charge"] == levy.charge]
    component = rows["component"].str.lower()
    if levy.component_prefix is None or (levy.name == "TNUoS_TDR" and not band):
        rows = rows.iloc[0:0]
    elif levy.name == "TNUoS_TDR":
        rows = rows[component == f"{levy.component_prefix} {band}".lower()]
    else:
        rows = rows[component.str.startswith(levy.component_prefix)]
    rows = rows.sort_values("period_start")
    return _RateTable(
        starts=rows["period_start"].to_numpy(dtype="datetime64[ns]"),
        ends=rows["period_end"].to_numpy(dtype="datetime64[ns]"),
        values=rows["value"].to_numpy(dtype=float) * levy.gbp_per_unit,
        sources=tuple(str(x) for x in rows["source"]),
    )


def _describe_gaps(days: pd.DatetimeIndex, covered: npt.NDArray[np.bool_]) -> str:
    missing = pd.DatetimeIndex(days[~covered]).unique()
    if len(missing) == len(days.unique()):
        return "no rate at all"
    spans: list[tuple[dt.date, dt.date]] = []
    for day in missing:
        d = day.date()
        if spans and (d - spans[-1][1]).days == 1:
            spans[-1] = (spans[-1][0], d)
        else:
            spans.append((d, d))
    return ", ".join(f"{a.isoformat()}..{b.isoformat()}" for a, b in spans)
