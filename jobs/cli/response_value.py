"""``gbess response-value``: what a held service's response energy is worth per MW."""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path
from typing import Any

from engine.response import DEFAULT_EFFICIENCY_FRAC, METHODS, RESALE_MARKETS
from engine.revenue import DYNAMIC_SERVICES
from jobs.cli._common import add_json_flag, emit_json
from jobs.frequency import load_frequency_file
from jobs.response import ResponseValueRequest, run_response_value
from jobs.settings import Settings
from jobs.warehouse import open_warehouse


def register(sub: Any) -> None:
    """Add ``response-value`` (also ``response_value``)."""
    parser = sub.add_parser(
        "response-value",
        aliases=["response_value"],
        help="value per MW of a held service's response energy (e.g. DR-High resold later)",
    )
    parser.add_argument("--service", default="DRH", choices=DYNAMIC_SERVICES)
    parser.add_argument("--from", dest="first", help="first UK day, YYYY-MM-DD")
    parser.add_argument("--to", dest="last", help="last UK day (inclusive)")
    parser.add_argument("--resale", default="imbalance", choices=RESALE_MARKETS)
    parser.add_argument(
        "--lag-periods", default="3", help="settlement periods before resale (3: BM unit)"
    )
    parser.add_argument("--efficiency", default=str(DEFAULT_EFFICIENCY_FRAC))
    parser.add_argument("--method", default="model", choices=METHODS)
    parser.add_argument("--registration", default="bm", help="bm (default) or non_bm: ABSVD")
    parser.add_argument(
        "--utilisation", dest="utilisation_frac", help="expected utilisation 0-1 without frequency"
    )
    parser.add_argument(
        "--energy-h", help="model: store per MW held [MWh/MW] (2.0: 1 MW / 2 MWh held alone)"
    )
    parser.add_argument(
        "--soc-start", help="model: state of charge the store is held at [0-1] (0.5)"
    )
    parser.add_argument(
        "--load-frequency",
        type=Path,
        metavar="FILE",
        help="first load a NESO 1-second System Frequency Data monthly CSV into the warehouse",
    )
    output = parser.add_mutually_exclusive_group()
    add_json_flag(output)
    output.add_argument("--csv", action="store_true", help="print the per-period rows as CSV")
    parser.set_defaults(handler=handle)


def _money(value: float | None) -> str:
    return "—" if value is None else f"£{value:,.4f}"


def handle(args: argparse.Namespace, settings: Settings) -> int:
    """Load frequency if asked, then print the report (table, ``--json`` or ``--csv``)."""
    if args.load_frequency is not None:
        with open_warehouse(settings) as warehouse:
            rows, days = load_frequency_file(warehouse, args.load_frequency)
        print(f"system_frequency: {rows} samples loaded for {len(days)} UK day(s)", file=sys.stderr)
        if args.first is None and args.last is None:
            return 0
    request = ResponseValueRequest.from_inputs(
        {
            "service": args.service,
            "from": args.first,
            "to": args.last if args.last is not None else args.first,
            "resale": args.resale,
            "lag_periods": args.lag_periods,
            "efficiency": args.efficiency,
            "method": args.method,
            "registration": args.registration,
            "utilisation_frac": args.utilisation_frac,
            "energy_h": args.energy_h,
            "soc_start": args.soc_start,
        }
    )
    document = run_response_value(request, settings)
    if args.json:
        emit_json(document)
        return 0
    if args.csv:
        rows = document["periods"]
        writer = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
        return 0
    req, per_mw = document["request"], document["per_mw"]
    print(
        f"{req['service']} {req['from']}..{req['to']} — method {req['method']}, resale "
        f"{req['resale']} +{req['lag_periods']} SP, efficiency {req['efficiency_frac']}, "
        f"{req['registration']}"
    )
    print(
        f"per MW held: {_money(per_mw['gbp_per_mw_per_period'])} per settlement period, "
        f"{_money(per_mw['gbp_per_mw_per_h'])} per hour, "
        f"{_money(per_mw['gbp_per_mw_per_efa_block'])} per EFA block "
        f"({per_mw['periods']} periods, {per_mw['periods_missing']} without a figure)"
    )
    print("\n| EFA block | £/MW per SP | £/MW/h | periods |\n|---:|---:|---:|---:|")
    for b in per_mw["by_efa_block"]:
        print(
            f"| {b['efa_block']} | {_money(b['gbp_per_mw_per_period'])} | "
            f"{_money(b['gbp_per_mw_per_h'])} | {b['periods']} |"
        )
    print("\n| month | £/MW per SP | £/MW/h | total £/MW |\n|---|---:|---:|---:|")
    for m in per_mw["by_month"]:
        print(
            f"| {m['month']} | {_money(m['gbp_per_mw_per_period'])} | "
            f"{_money(m['gbp_per_mw_per_h'])} | {_money(m['total_gbp_per_mw'])} |"
        )
    for note in document["assumptions"]:
        print(f"note: {note}")
    return 0
