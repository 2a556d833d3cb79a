"""``gbess revenue``: the co-optimised BESS revenue stack over a period of the warehouse."""

from __future__ import annotations

import argparse
from typing import Any

from engine.battery import DEFAULT_ROUND_TRIP_EFFICIENCY_FRAC
from jobs.cli._common import (
    add_csv_flag,
    add_json_flag,
    add_registration_flag,
    add_site_flags,
    emit_csv,
    emit_json,
)
from jobs.revenue import RevenueRequest, run_revenue
from jobs.settings import Settings


def register(sub: Any) -> None:
    """Add the ``revenue`` subcommand."""
    parser = sub.add_parser(
        "revenue", help="co-optimised revenue stack: energy (APX, imbalance) and DC/DM/DR"
    )
    parser.add_argument("--from", dest="from_date", required=True, help="first UK day")
    parser.add_argument("--to", dest="to_date", required=True, help="last UK day (inclusive)")
    parser.add_argument("--power-mw", type=float, required=True, help="inverter power [MW]")
    parser.add_argument("--energy-mwh", required=True, help="usable energy [MWh] (not hours)")
    parser.add_argument(
        "--round-trip-efficiency",
        type=float,
        default=DEFAULT_ROUND_TRIP_EFFICIENCY_FRAC,
        help="0-1",
    )
    parser.add_argument("--services", default=None, help="e.g. DCL,DCH,DML,DMH,DRL,DRH ('' none)")
    parser.add_argument("--energy-markets", default=None, help="apx,system ('' none)")
    parser.add_argument(
        "--mode",
        default="forecast",
        help="forecast (default: decisions on forecasts, settled on actuals; day_ahead is an "
        "alias) or perfect_foresight (the upper bound alone)",
    )
    parser.add_argument(
        "--forecast-method",
        default=None,
        help="naive (default: mean of D-2..D-8) or learned (walk-forward models)",
    )
    parser.add_argument(
        "--degradation-gbp-per-mwh",
        type=float,
        default=None,
        help="wear cost per MWh discharged (default £15/MWh, see docs/revenue.md)",
    )
    parser.add_argument("--max-cycles-per-day", type=float, default=None)
    parser.add_argument(
        "--max-cycles-per-year", type=float, default=None, help="annual throughput cap [cycles]"
    )
    parser.add_argument(
        "--capacity-market", default="none", help="none, T-1 or T-4 (published figures)"
    )
    parser.add_argument("--cm-price-gbp-per-kw-per-year", type=float, default=None)
    parser.add_argument("--cm-derating-factor", type=float, default=None, help="0-1")
    parser.add_argument(
        "--cm-first-delivery-year", default=None, help="agreement's first delivery year, 2024/25"
    )
    parser.add_argument("--cm-term-years", type=int, default=None, help="agreement term [years]")
    parser.add_argument(
        "--cm-cpi-index", default=None, help="CPI index per delivery year: 2024/25=133.9,..."
    )
    parser.add_argument("--min-service-mw", type=float, default=0.0)
    add_registration_flag(parser)
    add_site_flags(parser)
    add_json_flag(parser)
    add_csv_flag(parser)
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace, settings: Settings) -> int:
    """Run the stack; print JSON or a short summary."""
    # Flags are named as the request's inputs (what POST /v1/bess/revenue calls them too).
    inputs = {k: v for k, v in vars(args).items() if k not in {"handler", "json", "csv"}}
    document = run_revenue(RevenueRequest.from_inputs(**inputs), settings)
    if args.json:
        emit_json(document)
        return 0
    if args.csv:
        return emit_csv(document["by_month"], unit="gbp", keys=("month",))
    print(
        f"{document['label']}: net £{document['net_revenue_gbp']:,.0f} "
        f"(£{document['gbp_per_mw_per_year']:,.0f}/MW/yr), "
        f"{document['equivalent_cycles']:.0f} equivalent cycles"
    )
    for name, value in document["streams"].items():
        print(f"  {name:<16} £{round(value):>12,}")  # whole pounds as an int: never "-0"
    bound = document.get("upper_bound")
    if bound is not None and document["mode"] != "perfect_foresight":
        print(
            f"{bound['label']}: net £{bound['net_revenue_gbp']:,.0f} "
            f"(£{bound['gbp_per_mw_per_year']:,.0f}/MW/yr), "
            f"{bound['equivalent_cycles']:.0f} equivalent cycles"
        )
    if document.get("capture_ratio") is not None:
        print(f"forecast ÷ upper bound: {document['capture_ratio']:.2f}")
    return 0
