"""``gbess risk``: scenario-years of the shipped history valued with the fast day-ahead
policy; VaR/CVaR, drawdowns, tail attribution and a mean-CVaR frontier.

Three ways to run it:

* ``gbess risk ... --json``: the whole run here (a process pool of ``--workers`` runs the
  shards, then the merge); progress on stderr.
* ``gbess risk --shard --run-id ID ...``: one shard, as a Cloud Run Jobs task
  (``CLOUD_RUN_TASK_INDEX`` / ``CLOUD_RUN_TASK_COUNT``, or ``--shard-index`` /
  ``--shard-count``; the run id defaults to ``CLOUD_RUN_EXECUTION``).
* ``gbess risk --merge --run-id ID``: the merge, once every shard has finished.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from engine.battery import DEFAULT_ROUND_TRIP_EFFICIENCY_FRAC
from engine.errors import ValidationError
from jobs.cli._common import (
    add_csv_flag,
    add_json_flag,
    add_registration_flag,
    add_site_flags,
    emit_csv,
    emit_json,
)
from jobs.risk import (
    RiskRequest,
    merge_run,
    registered_request,
    run_risk,
    run_shard,
    run_status,
)
from jobs.settings import Settings


def register(sub: Any) -> None:
    """Add the ``risk`` subcommand."""
    parser = sub.add_parser(
        "risk", help="revenue scenarios: P10/P50/P90, VaR/CVaR, drawdowns, mean-CVaR frontier"
    )
    parser.add_argument("--power-mw", type=float, default=1.0, help="inverter power [MW]")
    parser.add_argument("--energy-mwh", type=float, default=2.0, help="usable energy [MWh]")
    parser.add_argument(
        "--round-trip-efficiency",
        type=float,
        default=DEFAULT_ROUND_TRIP_EFFICIENCY_FRAC,
        help="0-1",
    )
    parser.add_argument("--degradation-gbp-per-mwh", type=float, default=15.0)
    parser.add_argument("--services", default="DCL,DCH,DML,DMH,DRL,DRH", help="'' for none")
    parser.add_argument("--energy-markets", default="apx,system", help="'' for none")
    parser.add_argument("--regime", default="2024-2026", help="years days are drawn from")
    parser.add_argument("--scenarios", type=int, default=200, help="bootstrap years (≤ 10000)")
    parser.add_argument("--no-replay", action="store_true", help="skip the historical years")
    parser.add_argument("--block-days", type=int, default=1, help="days per block (7 = weeks)")
    parser.add_argument(
        "--no-year-anchor", action="store_true", help="pool days of all years (narrower)"
    )
    parser.add_argument(
        "--no-merchant", action="store_true", help="skip the energy-only valuation (frontier)"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--confidence", default="0.9,0.95,0.99", help="VaR/CVaR levels")
    parser.add_argument("--threshold-gbp", type=float, default=None, help="e.g. debt service")
    parser.add_argument(
        "--toll-price-gbp-per-mw-per-year",
        type=float,
        default=None,
        help="fixed price of a toll the frontier may sell MW under",
    )
    parser.add_argument("--frontier-confidence", type=float, default=0.95)
    # The site's DUoS, named as ``gbess revenue`` names it.
    add_site_flags(parser)
    add_registration_flag(parser)
    parser.add_argument("--workers", type=int, default=2, help="local processes")
    parser.add_argument("--shards", type=int, default=None, help="local shards (default workers)")
    parser.add_argument(
        "--run-id", default=None, help="run id (default: new, or CLOUD_RUN_EXECUTION)"
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--shard", action="store_true", help="run one shard (a Cloud Run task)")
    mode.add_argument("--merge", action="store_true", help="merge a run's shards")
    mode.add_argument("--status", action="store_true", help="print a run's state")
    parser.add_argument("--shard-index", type=int, default=None)
    parser.add_argument("--shard-count", type=int, default=None)
    add_json_flag(parser)
    add_csv_flag(parser)  # the monthly fan: P10/P50/P90 and mean per calendar month
    parser.set_defaults(handler=handle)


def _request(args: argparse.Namespace) -> RiskRequest:
    try:
        levels = tuple(float(x) for x in args.confidence.split(",") if x.strip())
    except ValueError:
        raise ValidationError(
            f"confidence: expected levels such as 0.9,0.95, got {args.confidence!r}",
            field="confidence",
        ) from None
    return RiskRequest(
        power_mw=args.power_mw,
        energy_mwh=args.energy_mwh,
        round_trip_efficiency_frac=args.round_trip_efficiency,
        degradation_gbp_per_mwh=args.degradation_gbp_per_mwh,
        services=args.services,  # a comma list, split on creation
        energy_markets=args.energy_markets,
        regime=args.regime,
        scenarios=args.scenarios,
        replay=not args.no_replay,
        block_days=args.block_days,
        year_anchor=not args.no_year_anchor,
        merchant=not args.no_merchant,
        seed=args.seed,
        confidence=levels,
        threshold_gbp=args.threshold_gbp,
        toll_price_gbp_per_mw_per_year=args.toll_price_gbp_per_mw_per_year,
        frontier_confidence=args.frontier_confidence,
        distributor=args.distributor,
        import_tariff=args.import_tariff,
        export_tariff=args.export_tariff,
        registration=args.registration,
    )


def _progress(done: int, total: int) -> None:
    sys.stderr.write(f"\rgbess risk: {done}/{total} scenario-years")
    if done >= total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def _task(args: argparse.Namespace, name: str, environ: str) -> int:
    value = getattr(args, name)
    if value is not None:
        return int(value)
    text = os.environ.get(environ)
    field = name
    if text is None:
        raise ValidationError(
            f"{field}: pass --{field.replace('_', '-')} or set {environ}", field=field
        )
    try:
        return int(text)
    except ValueError:
        raise ValidationError(
            f"{field}: {environ}={text!r} is not a whole number", field=field
        ) from None


def handle(args: argparse.Namespace, settings: Settings) -> int:
    """Run, shard, merge or report; print JSON or a short summary."""
    run_id = args.run_id or (os.environ.get("CLOUD_RUN_EXECUTION") if args.shard else None)
    if args.status or args.merge:
        if not run_id:
            raise ValidationError("run_id: --run-id is required", field="run_id")
        if args.status:
            document: dict[str, Any] = run_status(settings, run_id)
        else:
            document = merge_run(registered_request(settings, run_id), settings, run_id)
    elif args.shard:
        if not run_id:
            raise ValidationError(
                "run_id: --run-id is required (or CLOUD_RUN_EXECUTION)", field="run_id"
            )
        index = _task(args, "shard_index", "CLOUD_RUN_TASK_INDEX")
        count = _task(args, "shard_count", "CLOUD_RUN_TASK_COUNT")
        written = run_shard(_request(args), settings, run_id, index, count, progress=_progress)
        document = {
            "run_id": run_id,
            "shard_index": index,
            "shard_count": count,
            "scenarios": written,
        }
    else:
        document = run_risk(
            _request(args),
            settings,
            workers=args.workers,
            shards=args.shards,
            run_id=run_id,
            progress=_progress,
        )
    if args.json:
        emit_json(document)
        return 0
    if args.csv and "monthly_fan" in document:
        return emit_csv(document["monthly_fan"])
    _summary(document)
    return 0


def _summary(document: dict[str, Any]) -> None:
    annual = document.get("annual")
    if annual is None:
        for key, value in document.items():
            if key != "result":
                print(f"{key}: {value}")
        return
    print(
        f"{document['label']} — {document['scenarios']['total']} scenario-years, "
        f"regime {document['regime']}"
    )
    site = document.get("site")
    if site:
        print(
            f"site DUoS: distributor {site['distributor']}, import '{site['import_tariff']}', "
            f"export '{site['export_tariff']}'"
        )
    if document.get("registration"):
        print(f"response energy registration: {document['registration']}")
    print(
        f"annual net: mean £{annual['mean_gbp']:,.0f}, P10 £{annual['p10_gbp']:,.0f}, "
        f"P50 £{annual['p50_gbp']:,.0f}, P90 £{annual['p90_gbp']:,.0f}"
    )
    for row in annual["var_cvar"]:
        print(
            f"  {100 * row['confidence']:g} %: VaR £{row['var_gbp']:,.0f}, "
            f"CVaR £{row['cvar_gbp']:,.0f}"
        )
    if "probability_below_threshold" in annual:
        print(
            f"P(net < £{annual['threshold_gbp']:,.0f}) = "
            f"{annual['probability_below_threshold']:.1%}"
        )
    for replayed in document["replays"]:
        print(f"  replay {replayed['year']}: £{replayed['net_gbp']:,.0f}")
    print(f"max drawdown of daily P&L: mean £{document['drawdown']['mean_gbp']:,.0f}")
    frontier = document["frontier"]
    print(f"frontier (CVaR {100 * frontier['confidence']:g} %):")
    for point in frontier["points"]:
        shares = ", ".join(f"{k} {v:.0%}" for k, v in point["strategy_share"].items())
        print(
            f"  λ={point['risk_aversion']:g}: mean £{point['mean_gbp']:,.0f}, "
            f"CVaR £{point['cvar_gbp']:,.0f}, toll {point['toll_share']:.0%}, {shares}"
        )
