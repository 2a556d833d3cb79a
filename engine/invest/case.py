"""The investment case of one battery: year-by-year fade, revenue, Capacity Market, costs and
the discounted cashflow, NPV, IRR, payback and LCOS.

Year 0 holds the capex; project year k (1..life) is calendar year ``start_year + k - 1``, its
flows at its end. Each year: augment if the usable fraction at its start is below the
threshold, value the year's prices on that usable energy (:class:`RevenueGrid`), add the
Capacity Market agreement's payments for the calendar year (de-rated by the duration class at
the meter: of the nameplate, or of the year's usable energy when re-rating), subtract fixed
and variable opex and augmentation, then fade by the year's calendar and cycle losses.
Nothing is returned until every year is computed: an error leaves no half-computed table.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from engine.invest.finance import (
    discount_factors,
    irr_frac,
    lcos_gbp_per_mwh,
    npv_gbp,
    payback_year,
)
from engine.invest.project import Project
from engine.invest.revenue import RevenueSource, Toll
from engine.revenue import (
    UPPER_BOUND_LABEL,
    CapacityAgreement,
    CapacityMarketTerm,
    capacity_agreement_payment,
    deliverable_duration_h,
)

#: Cashflow columns in order, after the per-stream revenue columns (all £ except where named).
FIXED_COLUMNS = (
    "capacity_market_gbp",
    "revenue_gbp",
    "fixed_opex_gbp",
    "variable_opex_gbp",
    "augmentation_gbp",
    "capex_gbp",
    "decommissioning_gbp",
    "net_cashflow_gbp",
    "discount_factor",
    "discounted_cashflow_gbp",
    "cumulative_cashflow_gbp",
)


@dataclass(frozen=True)
class CapacityMarket:
    """A Capacity Market agreement held by the project, and the published tables.

    Attributes:
        agreement: The agreement (auction, first delivery year, term, price, indexation).
        clearing_prices: ``cm_clearing_prices`` reference table (None: figures given).
        derating_factors: ``cm_derating_factors_storage`` reference table.
        rerate: Re-rate each year on the faded usable energy (else the nameplate's class).
    """

    agreement: CapacityAgreement
    clearing_prices: pd.DataFrame | None = None
    derating_factors: pd.DataFrame | None = None
    rerate: bool = False


@dataclass(frozen=True)
class InvestCase:
    """A computed case.

    Attributes:
        cashflow: One row per year 0..life: ``project_year``, ``calendar_year``,
            ``price_year``, ``usable_energy_mwh`` (start of year, after augmentation),
            ``usable_energy_frac``, ``augmented_mwh``, ``equivalent_cycles`` (÷ nameplate),
            ``discharged_mwh``, one ``<stream>_gbp`` column per revenue stream, then
            :data:`FIXED_COLUMNS` (costs negative) [£ unless named].
        npv_gbp: Net present value at the real discount rate [£].
        irr_frac: Internal rate of return (real), None if none exists [-].
        payback_year: First project year with cumulative cashflow ≥ 0, None if never.
        lcos_gbp_per_mwh: PV(capex, opex, augmentation, decommissioning, charging cost) ÷
            PV(energy discharged) [£/MWh]; None if nothing is discharged.
        upper_bound_npv_gbp: NPV with every year's revenue under perfect foresight
            (labelled upper bound), None when not computed [£].
        stacks_solved: Revenue stacks solved (the rest interpolated) [-].
        assumptions: Every simplification, as sentences.
    """

    cashflow: pd.DataFrame
    npv_gbp: float
    irr_frac: float | None
    payback_year: int | None
    lcos_gbp_per_mwh: float | None
    upper_bound_npv_gbp: float | None
    stacks_solved: int
    assumptions: tuple[str, ...]

    @property
    def upper_bound_label(self) -> str:
        """How the upper bound is labelled wherever it is shown."""
        return UPPER_BOUND_LABEL


def _cm_year(
    project: Project, cm: CapacityMarket, calendar_year: int, usable_mwh: float
) -> tuple[float, tuple[CapacityMarketTerm, ...]]:
    battery = project.battery(max(usable_mwh, 1e-3))
    energy = usable_mwh if cm.rerate else project.energy_mwh
    duration = deliverable_duration_h(energy, battery.discharge_efficiency_frac, project.power_mw)
    terms, _ = capacity_agreement_payment(
        dt.date(calendar_year, 1, 1),
        dt.date(calendar_year, 12, 31),
        project.power_mw,
        duration,
        cm.agreement,
        cm.clearing_prices,
        cm.derating_factors,
    )
    return float(sum(t.payment_gbp for t in terms)), terms


def _cm_note(cm: CapacityMarket, terms: Sequence[CapacityMarketTerm]) -> str:
    """The agreement's payments in one sentence: each de-rating class with its delivery years."""
    a = cm.agreement
    head = (
        f"Capacity Market agreement ({a.auction_type}, first delivery year "
        f"{a.first_delivery_year}, {a.term_years} years, "
        f"{'re-rated on the faded energy' if cm.rerate else 'de-rated on the nameplate'})"
    )
    if not terms:
        return f"{head}: no delivery year of its term falls in the project's life."
    groups: dict[tuple[float, float, float], list[str]] = {}
    for t in terms:
        key = (t.clearing_price_gbp_per_kw_per_year, t.derating_factor_frac, t.duration_class_h)
        years = groups.setdefault(key, [])
        if t.delivery_year not in years:
            years.append(t.delivery_year)
    parts = [
        f"£{price:g}/kW/yr x de-rating {factor:g} ({class_h:g} h class at the meter) in "
        f"{years[0]}" + (f" to {years[-1]}" if len(years) > 1 else "")
        for (price, factor, class_h), years in groups.items()
    ]
    indexed = (
        "indexed by the given index"
        if a.cpi_index
        else "not indexed (flat in the auction's base-year money)"
    )
    return f"{head}: " + "; ".join(parts) + f", pro rata by day, {indexed}."


def check_capacity_market(project: Project, cm: CapacityMarket) -> None:
    """Refuse a bad agreement before any revenue is solved (the first delivery year's terms,
    nameplate duration): an agreement outside the published auctions without a price names
    ``cm_price_gbp_per_kw_per_year``.

    Raises:
        ValidationError: From :func:`engine.revenue.capacity_agreement_payment`.
    """
    first = (
        int(cm.agreement.first_delivery_year[:4])
        if cm.agreement.first_delivery_year[:4].isdigit()
        else project.start_year
    )
    _cm_year(project, cm, first + 1, project.energy_mwh)


def invest_case(
    project: Project,
    revenue: RevenueSource,
    *,
    capacity_market: CapacityMarket | None = None,
    assumptions: Sequence[str] = (),
    toll: Toll | None = None,
) -> InvestCase:
    """Compute the case year by year (see the module docstring).

    Args:
        project: The project.
        revenue: Revenue by price year and usable energy (:class:`RevenueGrid` replays price
            years in turn; :class:`PathRevenue` values one scenario path).
        capacity_market: The project's CM agreement, if any.
        toll: A fixed-price floor on a share of the MW, if any.
        assumptions: Sentences to state first (the caller's inputs as read).

    Raises:
        ValidationError: A bad CM agreement (checked before any revenue is solved).
    """
    if capacity_market is not None:
        check_capacity_market(project, capacity_market)
    nameplate = project.energy_mwh
    rate = project.discount_rate_real_frac
    frac = 1.0
    cycles_done = 0.0
    rows: list[dict[str, float | int | str]] = []
    cm_terms: list[CapacityMarketTerm] = []
    bounds: list[float | None] = []
    costs = np.zeros(project.life_years + 1)
    discharged = np.zeros(project.life_years + 1)
    costs[0] = project.capex_gbp
    first_assumptions: tuple[str, ...] = ()
    for k in range(1, project.life_years + 1):
        added = project.fade.augmented(frac) if k > 1 else 0.0
        frac = min(1.0, frac + added)
        usable = frac * nameplate
        year = revenue.value(k - 1, usable)
        if toll is not None:
            year = toll.apply(year)
        first_assumptions = first_assumptions or year.assumptions
        calendar_year = project.start_year + k - 1
        cm_gbp = 0.0
        if capacity_market is not None:
            cm_gbp, terms = _cm_year(project, capacity_market, calendar_year, usable)
            cm_terms += terms
        fixed = project.fixed_opex_gbp_per_mw_per_year * project.power_mw
        variable = project.variable_opex_gbp_per_mwh * year.discharged_mwh
        augmentation = project.augmentation_gbp_per_kwh * 1000.0 * added * nameplate
        decommissioning = project.decommissioning_gbp if k == project.life_years else 0.0
        outgoings = fixed + variable + augmentation + decommissioning
        net = year.revenue_gbp + cm_gbp - outgoings
        row: dict[str, float | int | str] = {
            "project_year": k,
            "calendar_year": calendar_year,
            "price_year": revenue.label(k - 1),
            "usable_energy_mwh": usable,
            "usable_energy_frac": frac,
            "augmented_mwh": added * nameplate,
            "equivalent_cycles": year.discharged_mwh / nameplate,
            "discharged_mwh": year.discharged_mwh,
            **{f"{name}_gbp": value for name, value in year.streams_gbp.items()},
            "capacity_market_gbp": cm_gbp,
            "revenue_gbp": year.revenue_gbp + cm_gbp,
            "fixed_opex_gbp": -fixed,
            "variable_opex_gbp": -variable,
            "augmentation_gbp": -augmentation,
            "capex_gbp": 0.0,
            "decommissioning_gbp": -decommissioning,
            "net_cashflow_gbp": net,
        }
        rows.append(row)
        bounds.append(
            None if year.upper_bound_gbp is None else year.upper_bound_gbp + cm_gbp - outgoings
        )
        costs[k] = outgoings + year.charging_cost_gbp
        discharged[k] = year.discharged_mwh
        cycles = year.discharged_mwh / nameplate
        frac = max(0.0, frac - project.fade.year_loss_frac(k - 1, cycles_done, cycles))
        cycles_done += cycles
    year0: dict[str, float | int | str] = {
        "project_year": 0,
        "calendar_year": project.start_year - 1,
        "price_year": "",
        "usable_energy_mwh": nameplate,
        "usable_energy_frac": 1.0,
        "augmented_mwh": 0.0,
        "equivalent_cycles": 0.0,
        "discharged_mwh": 0.0,
        "capex_gbp": -project.capex_gbp,
        "net_cashflow_gbp": -project.capex_gbp,
    }
    table = pd.DataFrame([year0, *rows])
    streams = [c for c in table.columns if c.endswith("_gbp") and c not in FIXED_COLUMNS]
    money = [*streams, *FIXED_COLUMNS[:7]]
    for column in money:
        if column not in table.columns:
            table[column] = 0.0
    table[money] = table[money].fillna(0.0)
    table["discount_factor"] = discount_factors(rate, project.life_years)
    table["discounted_cashflow_gbp"] = table["net_cashflow_gbp"] * table["discount_factor"]
    table["cumulative_cashflow_gbp"] = table["net_cashflow_gbp"].cumsum()
    order = [
        "project_year",
        "calendar_year",
        "price_year",
        "usable_energy_mwh",
        "usable_energy_frac",
        "augmented_mwh",
        "equivalent_cycles",
        "discharged_mwh",
        *streams,
        *FIXED_COLUMNS,
    ]
    table = table[order]
    flows = table["net_cashflow_gbp"].to_numpy(dtype=float)
    upper = None
    if all(b is not None for b in bounds):
        upper = npv_gbp(rate, [-project.capex_gbp, *[float(b) for b in bounds if b is not None]])
    notes = [
        *assumptions,
        "All figures are real (constant money of the prices replayed), discounted at the real "
        f"rate {rate:g}; capex at year 0, every other flow at the end of its project year.",
        project.fade.describe(),
        "The dispatch's per-MWh wear cost is a hurdle only, not a cashflow: fade and "
        "augmentation carry the cost of wear.",
        revenue.note(),
        *([] if toll is None else [toll.note()]),
        "LCOS = PV(capex, opex, augmentation, decommissioning, charging cost) ÷ PV(MWh "
        "discharged).",
        (
            "Capacity Market not included (no agreement given)."
            if capacity_market is None
            else _cm_note(capacity_market, cm_terms)
        ),
        *first_assumptions,
    ]
    return InvestCase(
        cashflow=table.reset_index(drop=True),
        npv_gbp=npv_gbp(rate, flows),
        irr_frac=irr_frac(flows),
        payback_year=payback_year(flows),
        lcos_gbp_per_mwh=lcos_gbp_per_mwh(rate, costs, discharged),
        upper_bound_npv_gbp=upper,
        stacks_solved=revenue.solves,
        assumptions=tuple(notes),
    )
