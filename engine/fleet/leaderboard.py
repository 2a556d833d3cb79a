"""The battery fleet leaderboard: per unit, per lead party, by region and by route to market.

Capacity comes from the BM unit registry (generation capacity [MW]; demand capacity shown as a
positive import [MW]); BM volumes and cashflows from :mod:`engine.fleet.cashflows`, summed per
unit and month by the caller. A figure that cannot be computed is NaN with a reason column
beside it — never 0. Only a unit known to have had no acceptance gets a real 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from engine.fleet.registry import registration_meaning, route_to_market

NO_GSP_REGION = "transmission-connected (no GSP group)"
UNCLASSIFIED = "unclassified (no source checked)"
BM_VALUES = ("bm_offer_volume_mwh", "bm_bid_volume_mwh", "bm_cashflow_gbp")
MONTHLY_COLUMNS = ("elexon_bm_unit", "month", *BM_VALUES, "bm_missing_reason")


@dataclass(frozen=True)
class Leaderboard:
    """Fleet tables.

    Attributes:
        units: One row per battery unit, largest first.
        by_party, by_region, by_route: The same summed per lead party, region and route.
        monthly: BM figures per unit and month (as given).
        warnings: Units with BM data but not in the registry, and other absences.
    """

    units: pd.DataFrame
    by_party: pd.DataFrame
    by_region: pd.DataFrame
    by_route: pd.DataFrame
    monthly: pd.DataFrame
    warnings: tuple[str, ...]


def _unit_table(registry: pd.DataFrame) -> pd.DataFrame:
    routes = [
        route_to_market(p, n, u)
        for p, n, u in zip(
            registry["lead_party_id"], registry["lead_party_name"], registry["bm_unit_name"],
            strict=True,
        )
    ]  # fmt: skip
    generation = pd.to_numeric(registry["generation_capacity_mw"]).astype(float)
    total = float(generation.sum())
    return pd.DataFrame(
        {
            "elexon_bm_unit": registry["elexon_bm_unit"].astype(str),
            "bm_unit_name": registry["bm_unit_name"],
            "lead_party_name": registry["lead_party_name"],
            "lead_party_id": registry["lead_party_id"],
            "bm_unit_type": registry["bm_unit_type"],
            "registration": [registration_meaning(t) for t in registry["bm_unit_type"]],
            "gsp_group_id": registry["gsp_group_id"],
            "region": registry["gsp_group_name"].where(
                registry["gsp_group_name"].notna() & (registry["gsp_group_name"] != ""),
                NO_GSP_REGION,
            ),
            "generation_capacity_mw": generation,
            "import_capacity_mw": -pd.to_numeric(registry["demand_capacity_mw"]).astype(float),
            "fleet_share_frac": generation / total if total > 0 else np.nan,
            "route_to_market": [r for r, _ in routes],
            "route_source": [s for _, s in routes],
        }
    )


def _bm_per_unit(
    units: pd.DataFrame, monthly: pd.DataFrame, bm_absent_reason: str | None
) -> pd.DataFrame:
    if monthly.empty:
        sums = pd.DataFrame(columns=["elexon_bm_unit", *BM_VALUES, "bm_missing_reason"])
    else:
        grouped = monthly.groupby("elexon_bm_unit")
        sums = pd.DataFrame({v: grouped[v].sum(min_count=1) for v in BM_VALUES}).reset_index()
        reasons = grouped["bm_missing_reason"].apply(
            lambda r: "; ".join(sorted(set(r.dropna().astype(str)))) or None
        )
        sums["bm_missing_reason"] = sums["elexon_bm_unit"].map(reasons)
        for value in BM_VALUES:  # a month that could not be computed leaves the sum absent
            gaps = grouped[value].apply(lambda s: bool(s.isna().any()))
            sums.loc[sums["elexon_bm_unit"].map(gaps).astype(bool), value] = np.nan
    out = units.merge(sums, on="elexon_bm_unit", how="left")
    quiet = ~out["elexon_bm_unit"].isin(sums["elexon_bm_unit"])
    if bm_absent_reason is None:
        out.loc[quiet, list(BM_VALUES)] = 0.0  # BOALF loaded for the period: no acceptance
    else:
        out.loc[quiet, "bm_missing_reason"] = bm_absent_reason
    for value in BM_VALUES:
        out[value] = out[value].astype(float)
    capacity = out["generation_capacity_mw"].where(out["generation_capacity_mw"] > 0)
    out["bm_cashflow_gbp_per_mw"] = out["bm_cashflow_gbp"] / capacity
    return out


def _grouped(units: pd.DataFrame, key: str, absent_label: str) -> pd.DataFrame:
    keyed = units.assign(**{key: units[key].fillna(absent_label)})
    grouped = keyed.groupby(key, sort=False)
    table = pd.DataFrame(
        {
            "units": grouped.size(),
            "generation_capacity_mw": grouped["generation_capacity_mw"].sum(),
            "import_capacity_mw": grouped["import_capacity_mw"].sum(),
            "fleet_share_frac": grouped["fleet_share_frac"].sum(),
            **{v: grouped[v].sum(min_count=1) for v in BM_VALUES},
        }
    )
    for value in BM_VALUES:
        gaps = grouped[value].apply(lambda s: int(s.isna().sum()))
        table.loc[gaps.reindex(table.index) > 0, value] = np.nan
    missing = grouped["bm_cashflow_gbp"].apply(lambda s: int(s.isna().sum()))
    table["bm_missing_reason"] = [
        f"{n} unit(s) without BM cashflow" if n else None for n in missing.reindex(table.index)
    ]
    capacity = table["generation_capacity_mw"].where(table["generation_capacity_mw"] > 0)
    table["bm_cashflow_gbp_per_mw"] = table["bm_cashflow_gbp"] / capacity
    return (
        table.reset_index()
        .sort_values(["generation_capacity_mw", key], ascending=[False, True])
        .reset_index(drop=True)
    )


def fleet_leaderboard(
    registry: pd.DataFrame,
    bm_monthly: pd.DataFrame | None = None,
    *,
    bm_absent_reason: str | None = "no BM acceptances loaded",
) -> Leaderboard:
    """The fleet leaderboard.

    Args:
        registry: ``bm_units`` rows of the battery units.
        bm_monthly: Per unit and month ``bm_offer_volume_mwh, bm_bid_volume_mwh,
            bm_cashflow_gbp, bm_missing_reason`` (cash NaN where it could not be priced).
        bm_absent_reason: Why a unit without rows has no BM figures; ``None`` when the
            acceptances of the whole period are loaded, so a unit without rows had none (0).

    Returns:
        :class:`Leaderboard`.
    """
    monthly = pd.DataFrame(columns=list(MONTHLY_COLUMNS)) if bm_monthly is None else bm_monthly
    units = _unit_table(registry)
    warnings: list[str] = []
    strangers = sorted(set(monthly["elexon_bm_unit"]) - set(units["elexon_bm_unit"]))
    for unit in strangers:
        warnings.append(
            f"{unit}: has BM data but is not in the BM unit registry; shown without capacity, "
            "lead party or region"
        )
    if strangers:
        units = pd.concat(
            [
                units,
                pd.DataFrame(
                    {
                        "elexon_bm_unit": strangers,
                        "registration": "not in the registry",
                        "route_source": "not in the registry",
                        "generation_capacity_mw": np.nan,
                        "import_capacity_mw": np.nan,
                        "fleet_share_frac": np.nan,
                    }
                ),
            ],
            ignore_index=True,
        )
    units = _bm_per_unit(units, monthly, bm_absent_reason)
    units = units.sort_values(
        ["generation_capacity_mw", "elexon_bm_unit"], ascending=[False, True], na_position="last"
    ).reset_index(drop=True)
    return Leaderboard(
        units=units,
        by_party=_grouped(units, "lead_party_name", "not in the registry"),
        by_region=_grouped(units, "region", "not in the registry"),
        by_route=_grouped(units, "route_to_market", UNCLASSIFIED),
        monthly=monthly.reset_index(drop=True),
        warnings=tuple(warnings),
    )


def bm_monthly(
    volumes: pd.DataFrame, cashflows: pd.DataFrame | None, cash_absent_reason: str
) -> pd.DataFrame:
    """Per unit and calendar month (of the settlement date) BM volumes and cashflows.

    Args:
        volumes: :attr:`AcceptedVolumes.by_period`.
        cashflows: :attr:`BmCashflows.by_period`, or ``None`` when no BOD was available.
        cash_absent_reason: Why cash is absent when ``cashflows`` is ``None``.

    Returns:
        ``MONTHLY_COLUMNS``; a month with any period that could not be computed is NaN, with
        the reasons joined.
    """
    if volumes.empty:
        return pd.DataFrame(columns=list(MONTHLY_COLUMNS))
    month = pd.DatetimeIndex(volumes["settlement_date"]).strftime("%Y-%m")
    frame = volumes.assign(month=month)
    keys = ["elexon_bm_unit", "month"]
    grouped = frame.groupby(keys)
    out = pd.DataFrame(
        {
            "bm_offer_volume_mwh": grouped["offer_volume_mwh"].sum(min_count=1),
            "bm_bid_volume_mwh": grouped["bid_volume_mwh"].sum(min_count=1),
        }
    )
    reasons: pd.Series = grouped["missing_reason"].apply(
        lambda r: "; ".join(sorted(set(r.dropna().astype(str)))) or None
    )
    gaps = grouped["offer_volume_mwh"].apply(lambda s: bool(s.isna().any()))
    out.loc[gaps, ["bm_offer_volume_mwh", "bm_bid_volume_mwh"]] = np.nan
    if cashflows is None:
        out["bm_cashflow_gbp"] = np.nan
        reasons = reasons.fillna(cash_absent_reason)
    else:
        cash = cashflows.assign(
            month=pd.DatetimeIndex(cashflows["settlement_date"]).strftime("%Y-%m")
        ).groupby(keys)
        out["bm_cashflow_gbp"] = cash["cashflow_gbp"].sum(min_count=1)
        cash_gaps = cash["cashflow_gbp"].apply(lambda s: bool(s.isna().any()))
        out.loc[cash_gaps.reindex(out.index, fill_value=False), "bm_cashflow_gbp"] = np.nan
        cash_reasons = cash["missing_reason"].apply(
            lambda r: "; ".join(sorted(set(r.dropna().astype(str)))) or None
        )
        reasons = reasons.combine(
            cash_reasons.reindex(reasons.index),
            lambda a, b: "; ".join(x for x in (a, b) if isinstance(x, str)) or None,
        )
    out["bm_missing_reason"] = reasons.reindex(out.index)
    return out.reset_index()[list(MONTHLY_COLUMNS)]
