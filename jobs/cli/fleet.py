"""``gbess fleet``: the battery fleet leaderboard; ``gbess fleet volumes``: BM volumes (files)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from engine.settlement import to_date
from jobs.cli._common import add_csv_flag, add_json_flag, emit_csv, emit_json
from jobs.cli.ingest import make_client, make_session
from jobs.fleet import (
    FleetRequest,
    FleetVolumesRequest,
    ingest_battery_bod,
    run_fleet,
    run_fleet_volumes,
)
from jobs.settings import Settings


def register(sub: Any) -> None:
    """Add ``fleet`` (leaderboard) and ``fleet volumes`` (from Elexon CSV extracts)."""
    parser = sub.add_parser(
        "fleet", help="battery BM units by lead party, region and route, with BM volumes/cash"
    )
    parser.add_argument("--from", dest="first", help="first settlement date of BM figures")
    parser.add_argument("--to", dest="last", help="last settlement date (default: --from)")
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print one JSON document to stdout")
    add_csv_flag(output)
    parser.set_defaults(handler=handle_fleet)
    actions = parser.add_subparsers(title="actions", metavar="ACTION", required=False)
    volumes = actions.add_parser(
        "volumes", help="accepted bid/offer volume per settlement period from BOALF/PN files"
    )
    volumes.add_argument("--boalf", type=Path, required=True, help="Elexon BOALF CSV extract")
    volumes.add_argument("--pn", type=Path, required=True, help="Elexon PN CSV extract")
    volumes.add_argument("--bod", type=Path, help="Elexon BOD CSV extract (for cashflows)")
    add_json_flag(volumes)
    add_csv_flag(volumes)
    volumes.set_defaults(handler=handle_volumes)
    bod = actions.add_parser(
        "ingest-bod", help="load BOD of the registry's battery units only, day by day"
    )
    bod.add_argument("--from", dest="first", required=True, help="first settlement date")
    bod.add_argument("--to", dest="last", required=True, help="last settlement date")
    bod.add_argument("--force", action="store_true", help="reload days already loaded")
    add_json_flag(bod)
    bod.set_defaults(handler=handle_ingest_bod)


def _number(value: Any, places: int = 1) -> str:
    return "—" if value is None else f"{value:,.{places}f}"


def handle_fleet(args: argparse.Namespace, settings: Settings) -> int:
    """Print the leaderboard (units, lead parties, regions, routes)."""
    first = None if args.first is None else to_date(args.first, "from")
    last = None if args.last is None else to_date(args.last, "to")
    document = run_fleet(FleetRequest(first, last), settings)
    if args.json:
        emit_json(document)
        return 0
    if args.csv:
        return emit_csv(document["units"])
    period = document["period"]
    span = f" — BM {period['from']}..{period['to']}" if period else ""
    print(f"{document['registry']['units']} battery BM units{span}")
    print(f"{'unit':<14}{'MW':>8}{'share':>8}  {'lead party':<34}{'BM £':>12}  route")
    for u in document["units"]:
        share = "—" if u["fleet_share_frac"] is None else f"{u['fleet_share_frac']:.1%}"
        party = (u["lead_party_name"] or "—")[:33]
        print(
            f"{u['elexon_bm_unit']:<14}{_number(u['generation_capacity_mw']):>8}{share:>8}  "
            f"{party:<34}{_number(u['bm_cashflow_gbp'], 0):>12}  {u['route_to_market'] or '—'}"
        )
    for title, key, rows in (
        ("by lead party", "lead_party_name", document["by_lead_party"]),
        ("by route to market", "route_to_market", document["by_route"]),
        ("by region", "region", document["by_region"]),
    ):
        print(f"\n{title}:")
        for p in rows:
            mw = _number(p["generation_capacity_mw"])
            cash = _number(p["bm_cashflow_gbp"], 0)
            print(f"  {str(p[key])[:40]:<42}{p['units']:>3} units {mw:>8} MW  BM £ {cash:>10}")
    for warning in document["warnings"]:
        print(f"note: {warning}")
    return 0


def handle_volumes(args: argparse.Namespace, settings: Settings) -> int:
    """Print accepted offer/bid volume [MWh] per settlement period."""
    document = run_fleet_volumes(FleetVolumesRequest(args.boalf, args.pn, args.bod), settings)
    if args.json:
        emit_json(document)
        return 0
    if args.csv:
        return emit_csv(document["periods"])
    print("| unit | settlement date | SP | offer MWh | bid MWh | net MWh | cash £ |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for p in document["periods"]:
        print(
            f"| {p['elexon_bm_unit']} | {p['settlement_date'][:10]} | {p['settlement_period']} | "
            f"{_number(p['offer_volume_mwh'], 3)} | {_number(p['bid_volume_mwh'], 3)} | "
            f"{_number(p['net_volume_mwh'], 3)} | {_number(p['cashflow_gbp'], 2)} |"
        )
    totals = document["totals"]
    print(
        f"\n{totals['acceptances']} acceptances; offer {_number(totals['offer_volume_mwh'], 3)} "
        f"MWh, bid {_number(totals['bid_volume_mwh'], 3)} MWh"
    )
    for warning in document["warnings"]:
        print(f"note: {warning}")
    return 0


def handle_ingest_bod(args: argparse.Namespace, settings: Settings) -> int:
    """Load battery units' BOD; print the summary; exit 1 if a day failed."""
    client = make_client("elexon", make_session())
    summary = ingest_battery_bod(
        settings, client, to_date(args.first, "from"), to_date(args.last, "to"), force=args.force
    )
    if args.json:
        emit_json(summary.as_json())
    else:
        print(summary.line())
    return 1 if summary.failed_day else 0
