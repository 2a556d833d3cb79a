"""The ``Fleet`` tab: battery BM units by lead party and GSP group, VLP vs direct units.

BM unit types follow the BSC: ``V`` units are registered by Virtual Lead Parties
(secondary BM units, P415/P344); every other type (``E`` embedded, ``T`` transmission,
``S`` supplier...) is registered directly. Capacities are Elexon's registered generation
capacity and demand capacity shown as a positive import (the warehouse's
``fleet_by_gsp_group`` and ``fleet_by_lead_party``). Transmission-connected units have no
GSP group (nor do some virtual units): they are grouped as "no GSP group".
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from jobs.sheets.plan import Chart, Table, TabPlan

TAB = "Fleet"
_COUNTS = ["units", "virtual_units", "direct_units", "generation_capacity_mw", "import_capacity_mw"]


def build_fleet_tab(
    units: pd.DataFrame, by_gsp: pd.DataFrame, by_party: pd.DataFrame, snapshot: pd.Timestamp
) -> TabPlan:
    """The Fleet tab.

    Args:
        units: ``bm_units`` rows (``bm_unit_type``, capacities [MW]).
        by_gsp: ``fleet_by_gsp_group``.
        by_party: ``fleet_by_lead_party``.
        snapshot: When the registry snapshot was taken (UTC), the "data as of" stamp.

    Returns:
        Tables ``by_kind`` (VLP vs direct), ``by_gsp`` and ``by_party``.
    """
    if units.empty:
        return TabPlan(TAB, None, (), notes=("no battery BM units in the warehouse",))
    kind = units["bm_unit_type"].map(lambda t: "VLP (V)" if t == "V" else f"direct ({t})")
    grouped = units.groupby(kind)
    by_kind = (
        pd.DataFrame(
            {
                "units": grouped.size(),
                "generation_capacity_mw": grouped["generation_capacity_mw"].sum(),
                "import_capacity_mw": -grouped["demand_capacity_mw"].sum(),
            }
        )
        .rename_axis("unit_kind")
        .reset_index()
    )
    gsp = by_gsp.assign(
        gsp_group_id=by_gsp["gsp_group_id"].fillna("—"),
        gsp_group_name=by_gsp["gsp_group_name"].fillna("no GSP group"),
    ).sort_values("generation_capacity_mw", ascending=False)
    chart = Chart(
        "Battery generation capacity by GSP group [MW]",
        "column",
        "by_gsp",
        "gsp_group_name",
        ("generation_capacity_mw",),
    )
    return TabPlan(
        TAB,
        snapshot.tz_convert("UTC").tz_localize(None).to_pydatetime(),
        (
            Table("by_kind", "VLP vs direct", by_kind),
            Table(
                "by_gsp",
                "By GSP group",
                gsp[["gsp_group_id", "gsp_group_name", *_COUNTS]].reset_index(drop=True),
            ),
            Table("by_party", "By lead party", by_party[["lead_party_name", *_COUNTS]]),
        ),
        (chart,),
        (f"{len(units)} battery BM units in the Elexon registry snapshot",),
    )


def fleet_job(warehouse: Any, snapshot: pd.Timestamp) -> TabPlan:
    """Query the warehouse and build the Fleet tab."""
    return build_fleet_tab(
        warehouse.query("bm_units"),
        warehouse.query("fleet_by_gsp_group"),
        warehouse.query("fleet_by_lead_party"),
        snapshot,
    )
