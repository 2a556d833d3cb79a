"""``gbess dispatch``: the exact optimal schedule of one battery against a price series."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from engine.battery import DEFAULT_ROUND_TRIP_EFFICIENCY_FRAC
from jobs.cli._common import add_csv_flag, add_json_flag, emit_csv, emit_json
from jobs.dispatch import WAREHOUSE_SERIES, DispatchRequest, read_price_csv, run_dispatch
from jobs.settings import Settings


def register(sub: Any) -> None:
    """Add the ``dispatch`` subcommand."""
    parser = sub.add_parser("dispatch", help="exact optimal battery dispatch against prices")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--prices",
        type=Path,
        help="CSV: interval_start (ISO with offset) or settlement_date+settlement_period, and "
        "price_gbp_per_mwh (or buy_price_gbp_per_mwh and sell_price_gbp_per_mwh)",
    )
    source.add_argument(
        "--prices-from-warehouse",
        choices=WAREHOUSE_SERIES,
        help="system imbalance prices, or the APX market index (no-trade periods not traded)",
    )
    parser.add_argument("--from", dest="from_date", help="with the warehouse: first UK day")
    parser.add_argument("--to", dest="to_date", help="with the warehouse: last UK day")
    parser.add_argument("--power-mw", type=float, required=True, help="charge/discharge [MW]")
    parser.add_argument("--energy-mwh", type=float, required=True, help="capacity [MWh]")
    parser.add_argument(
        "--round-trip-efficiency",
        type=float,
        help=f"0 < x ≤ 1, split as its square root each way (default "
        f"{DEFAULT_ROUND_TRIP_EFFICIENCY_FRAC:g} when no efficiency is given)",
    )
    parser.add_argument("--charge-efficiency", type=float, help="0 < x ≤ 1, instead")
    parser.add_argument("--discharge-efficiency", type=float, help="0 < x ≤ 1, instead")
    parser.add_argument("--initial-soc-mwh", type=float, default=0.0)
    parser.add_argument("--final-soc-mwh", type=float, default=None)
    parser.add_argument("--degradation-gbp-per-mwh", type=float, default=0.0)
    parser.add_argument("--max-cycles-per-day", type=float, default=None)
    parser.add_argument("--schedule", type=Path, help="write the per-interval schedule CSV here")
    add_json_flag(parser)
    add_csv_flag(parser)
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace, settings: Settings) -> int:
    """Optimise and print the totals (JSON with ``--json``)."""
    # Flags are named as the request's inputs; only the price file is read here.
    inputs = {k: v for k, v in vars(args).items() if k not in {"handler", "json", "csv"}}
    if args.prices is not None:
        inputs["prices"] = read_price_csv(args.prices)
    document = run_dispatch(DispatchRequest.from_inputs(**inputs), settings)
    if args.json:
        emit_json(document)
        return 0
    if args.csv:
        return emit_csv([document])
    for key, value in document.items():
        print(f"{key:>22}  {value:,.2f}" if isinstance(value, float) else f"{key:>22}  {value}")
    return 0
