"""``gbess backtest``: monthly £/MW/yr of 1 h and 2 h batteries, forecast beside the ceiling."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from engine.battery import DEFAULT_ROUND_TRIP_EFFICIENCY_FRAC
from engine.errors import ValidationError
from jobs.backtest import DEFAULT_DURATIONS_H, BacktestRequest, backtest_frame, run_backtest
from jobs.cli._common import add_json_flag, emit_json
from jobs.dashboard.backtest import save_backtest
from jobs.settings import Settings


def register(sub: Any) -> None:
    """Add the ``backtest`` subcommand."""
    parser = sub.add_parser(
        "backtest",
        help="monthly revenue backtest: forecast mode beside the upper bound (perfect foresight)",
    )
    parser.add_argument("--from", dest="from_month", default="2023-01", help="first month YYYY-MM")
    parser.add_argument(
        "--to", dest="to_month", default=None, help="last month YYYY-MM (default: last full)"
    )
    parser.add_argument(
        "--durations",
        default=",".join(f"{d:g}" for d in DEFAULT_DURATIONS_H),
        help="battery durations at 1 MW [h], comma-separated",
    )
    parser.add_argument(
        "--round-trip-efficiency",
        type=float,
        default=DEFAULT_ROUND_TRIP_EFFICIENCY_FRAC,
        help="0-1",
    )
    parser.add_argument("--degradation-gbp-per-mwh", type=float, default=0.0)
    parser.add_argument("--csv", action="store_true", help="print the rows as CSV")
    add_json_flag(parser)
    parser.set_defaults(handler=handle)


def _durations(text: str) -> tuple[float, ...]:
    try:
        return tuple(float(x) for x in text.split(",") if x.strip())
    except ValueError:
        raise ValidationError(
            f"durations: expected hours like 1,2, got {text!r}", field="durations"
        ) from None


def handle(args: argparse.Namespace, settings: Settings) -> int:
    """Run the backtest; print a table, CSV or JSON."""
    request = BacktestRequest(
        from_month=args.from_month,
        to_month=args.to_month,
        durations_h=_durations(args.durations),
        round_trip_efficiency_frac=args.round_trip_efficiency,
        degradation_gbp_per_mwh=args.degradation_gbp_per_mwh,
    )
    document = run_backtest(request, settings)
    save_backtest(document, settings)  # the dashboard's Backtest tab shows the last one
    if args.json:
        emit_json(document)
        return 0
    frame = backtest_frame(document)
    if args.csv:
        frame.to_csv(sys.stdout, index=False, float_format="%.2f")
        return 0
    print(f"£/MW/yr by month; forecast beside {document['upper_bound_label']}")
    print(f"{'month':<8} {'h':>4} {'forecast':>10} {'upper bound':>12} {'ratio':>6} {'cycles':>7}")
    for row in document["rows"]:
        ratio = row["capture_ratio"]
        print(
            f"{row['month']:<8} {row['duration_h']:>4g} "
            f"{row['forecast_gbp_per_mw_per_year']:>10,.0f} "
            f"{row['upper_bound_gbp_per_mw_per_year']:>12,.0f} "
            f"{'' if ratio is None else f'{ratio:.2f}':>6} "
            f"{row['forecast_equivalent_cycles']:>7.1f}"
        )
    return 0
