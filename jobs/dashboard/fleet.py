"""The ``Fleet`` tab: battery BM units by lead party and GSP group, VLP vs direct units.

BM unit types follow the BSC: ``V`` units are registered by Virtual Lead Parties
(secondary BM units, P415/P344); every other type (``E`` embedded, ``T`` transmission,
``S`` supplier...) is registered directly. Capacities are Elexon's registered generation
and demand capacity; Elexon signs demand negative, shown here as a positive MW.
Transmission-connected units (type ``T``) have no GSP group and are grouped as such.
"""

from __future__ import annotations

import pandas as pd

from jobs.sheets.plan import Chart, Table, TabPlan

TAB = "Fleet"


def _summary(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    grouped = frame.groupby(keys, dropna=False)
    out = pd.DataFrame(
        {
            "bm_units": grouped.size(),
            "generation_capacity_mw": grouped["generation_capacity_mw"].sum(),
            "demand_capacity_mw": grouped["demand_capacity_mw"].sum(),
        }
    ).reset_index()
    return out.sort_values(
        ["generation_capacity_mw", keys[0]], ascending=[False, True]
    ).reset_index(drop=True)


def build_fleet_tab(units: pd.DataFrame, snapshot: pd.Timestamp) -> TabPlan:
    """The Fleet tab.

    Args:
        units: ``lead_party_name``, ``bm_unit_type``, ``gsp_group_id``, ``gsp_group_name``,
            ``generation_capacity_mw`` [MW], ``demand_capacity_mw`` [MW, Elexon sign].
        snapshot: When the registry snapshot was taken (UTC).

    Returns:
        Tables ``by_kind`` (VLP vs direct), ``by_gsp`` and ``by_party``.
    """
    if units.empty:
        return TabPlan(TAB, None, (), notes=("no battery BM units in the warehouse",))
    frame = units.assign(
        demand_capacity_mw=units["demand_capacity_mw"].abs(),
        unit_kind=units["bm_unit_type"].map(lambda t: "VLP (V)" if t == "V" else f"direct ({t})"),
        gsp_group_id=units["gsp_group_id"].fillna("—"),
        gsp_group_name=units["gsp_group_name"].fillna("transmission-connected"),
    )
    by_gsp = _summary(frame, ["gsp_group_id", "gsp_group_name"])
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
            Table("by_kind", "VLP vs direct", _summary(frame, ["unit_kind"])),
            Table("by_gsp", "By GSP group", by_gsp),
            Table("by_party", "By lead party", _summary(frame, ["lead_party_name"])),
        ),
        (chart,),
        (f"{len(frame)} battery BM units in the Elexon registry snapshot",),
    )
