"""The ``Fleet`` tab: battery BM units by lead party and GSP group, VLP vs direct units, and the
leaderboard (per unit and by route to market, with BM volumes and cashflows of the month of the
latest settlement dates whose BOALF and PN are loaded; see docs/fleet.md).

BM unit types follow the BSC: ``V`` units are registered by Virtual Lead Parties
(secondary BM units, P415/P344); every other type (``E`` embedded, ``T`` transmission,
``S`` supplier...) is registered directly. Capacities are Elexon's registered generation
capacity and demand capacity shown as a positive import (the warehouse's
``fleet_by_gsp_group`` and ``fleet_by_lead_party``). Transmission-connected units have no
GSP group (nor do some virtual units): they are grouped as "no GSP group".
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from engine.fleet import Leaderboard
from jobs.fleet import latest_bm_day, leaderboard_from_warehouse
from jobs.ingest import loaded_days
from jobs.sheets.plan import Chart, Table, TabPlan

TAB = "Fleet"
_COUNTS = ["units", "virtual_units", "direct_units", "generation_capacity_mw", "import_capacity_mw"]
_BM = ["bm_offer_volume_mwh", "bm_bid_volume_mwh", "bm_cashflow_gbp", "bm_missing_reason"]
_UNIT_COLUMNS = ["elexon_bm_unit", "lead_party_name", "region", "route_to_market",
                 "generation_capacity_mw", "fleet_share_frac", *_BM]  # fmt: skip
_ROUTE_COLUMNS = ["route_to_market", "units", "generation_capacity_mw", "fleet_share_frac", *_BM]


def build_fleet_tab(
    units: pd.DataFrame,
    by_gsp: pd.DataFrame,
    by_party: pd.DataFrame,
    snapshot: pd.Timestamp,
    board: Leaderboard | None = None,
    board_notes: tuple[str, ...] = (),
) -> TabPlan:
    """The Fleet tab.

    Args:
        units: ``bm_units`` rows (``bm_unit_type``, capacities [MW]).
        by_gsp: ``fleet_by_gsp_group``.
        by_party: ``fleet_by_lead_party``.
        snapshot: When the registry snapshot was taken (UTC), the "data as of" stamp.
        board: The leaderboard (:func:`engine.fleet.fleet_leaderboard`), if built.
        board_notes: What the leaderboard's BM figures cover, or why they are absent.

    Returns:
        Tables ``by_kind`` (VLP vs direct), ``by_gsp`` and ``by_party``, then ``leaderboard``
        (per unit) and ``by_route`` when a leaderboard is given.
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
    tables = [
        Table("by_kind", "VLP vs direct", by_kind),
        Table(
            "by_gsp",
            "By GSP group",
            gsp[["gsp_group_id", "gsp_group_name", *_COUNTS]].reset_index(drop=True),
        ),
        Table("by_party", "By lead party", by_party[["lead_party_name", *_COUNTS]]),
    ]
    notes = [f"{len(units)} battery BM units in the Elexon registry snapshot"]
    if board is not None:
        tables.append(Table("leaderboard", "Leaderboard", board.units[_UNIT_COLUMNS]))
        tables.append(Table("by_route", "By route to market", board.by_route[_ROUTE_COLUMNS]))
        notes.extend(board_notes)
        notes.extend(board.warnings)
    return TabPlan(
        TAB,
        snapshot.tz_convert("UTC").tz_localize(None).to_pydatetime(),
        tuple(tables),
        (chart,),
        tuple(notes),
    )


def fleet_job(warehouse: Any, snapshot: pd.Timestamp) -> TabPlan:
    """Query the warehouse and build the Fleet tab.

    BM figures cover the latest settlement date with BOALF loaded and the days before it in
    its month that have BOALF and PN loaded without a gap (month to date when complete).
    """
    registry = warehouse.query("bm_units")
    last = latest_bm_day(warehouse)
    first = None
    if last is not None:
        held = loaded_days(warehouse, "bid_offer_acceptances") & loaded_days(
            warehouse, "physical_notifications"
        )
        first = last
        while first.day > 1 and first - dt.timedelta(days=1) in held:
            first -= dt.timedelta(days=1)
    board, notes = leaderboard_from_warehouse(warehouse, registry, first, last)
    span = (
        f"BM figures: settlement dates {first} to {last}"
        if first
        else "BM figures absent: no BOALF loaded (gbess ingest elexon boalf|pn|bod)"
    )
    return build_fleet_tab(
        registry,
        warehouse.query("fleet_by_gsp_group"),
        warehouse.query("fleet_by_lead_party"),
        snapshot,
        board,
        (span, *notes[:5]),
    )
