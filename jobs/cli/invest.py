"""``gbess invest``: will this battery pay back — the multi-year investment case (and
``--sweep``: NPV and IRR by duration at a fixed power)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from engine.battery import DEFAULT_ROUND_TRIP_EFFICIENCY_FRAC
from engine.invest import MAX_SCENARIO_PATHS
from jobs.cli._common import (
    add_csv_flag,
    add_json_flag,
    add_registration_flag,
    add_site_flags,
    emit_csv,
    emit_json,
)
from jobs.invest import DEFAULT_GRID_STEP_FRAC, DEFAULT_REGIME, InvestRequest, run_invest
from jobs.settings import Settings


def _years(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(y) for y in text.split(",") if y.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected years like 2023,2024, got {text!r}") from None


def register(sub: Any) -> None:
    """Add the ``invest`` subcommand."""
    p = sub.add_parser(
        "invest",
        help="multi-year investment case: fade, augmentation, CM, NPV/IRR/payback/LCOS (real)",
    )
    p.add_argument("--power-mw", type=float, required=True, help="connection power [MW]")
    p.add_argument("--energy-mwh", type=float, required=True, help="nameplate energy [MWh]")
    p.add_argument(
        "--round-trip-efficiency",
        type=float,
        default=DEFAULT_ROUND_TRIP_EFFICIENCY_FRAC,
        help="0-1",
    )
    p.add_argument("--capex-gbp-per-kw", type=float, default=0.0)
    p.add_argument("--capex-gbp-per-kwh", type=float, default=0.0)
    p.add_argument("--fixed-opex-gbp-per-mw-per-year", type=float, default=0.0)
    p.add_argument("--variable-opex-gbp-per-mwh", type=float, default=0.0)
    p.add_argument("--augmentation-gbp-per-kwh", type=float, default=0.0)
    p.add_argument(
        "--augmentation-threshold-frac", type=float, default=None, help="augment below this, 0-1"
    )
    p.add_argument("--augmentation-target-frac", type=float, default=1.0, help="restore to, 0-1")
    p.add_argument("--life-years", type=int, default=15, help="1-50")
    p.add_argument("--start-year", type=int, default=2026, help="first operating year")
    p.add_argument(
        "--discount-rate-real-frac", type=float, default=0.08, help="real, a fraction: 0.08"
    )
    p.add_argument("--decommissioning-gbp", type=float, default=0.0)
    p.add_argument(
        "--fade-cycles-curve", default=None, help="cycles:remaining pairs, e.g. 0:1,365:0.956"
    )
    p.add_argument(
        "--fade-years-curve", default=None, help="years:remaining pairs, e.g. 0:1,10:0.95"
    )
    p.add_argument(
        "--price-years", type=_years, default=None, help="years replayed: 2023,2024,2025 (default)"
    )
    p.add_argument("--services", default=None, help="e.g. DCL,DCH,DML,DMH,DRL,DRH ('' none)")
    p.add_argument("--energy-markets", default=None, help="apx,system ('' none)")
    p.add_argument(
        "--mode", default="forecast", help="forecast (default) or perfect_foresight (upper bound)"
    )
    p.add_argument("--forecast-method", default="naive", help="naive (default) or learned")
    p.add_argument(
        "--degradation-gbp-per-mwh", type=float, default=None, help="wear hurdle of the dispatch"
    )
    p.add_argument("--capacity-market", default="none", help="none, T-1 or T-4")
    p.add_argument("--cm-price-gbp-per-kw-per-year", type=float, default=None)
    p.add_argument("--cm-derating-factor", type=float, default=None, help="0-1")
    p.add_argument("--cm-first-delivery-year", default=None, help="e.g. 2027/28")
    p.add_argument("--cm-term-years", type=int, default=15, help="agreement term [years]")
    p.add_argument("--cm-cpi-index", default=None, help="index per delivery year: 2027/28=1.0,...")
    p.add_argument("--cm-rerate", action="store_true", help="re-rate on the faded energy")
    add_registration_flag(p)
    add_site_flags(p)
    p.add_argument(
        "--grid-step-frac",
        type=float,
        default=DEFAULT_GRID_STEP_FRAC,
        help=f"usable-energy grid, fraction of nameplate (default {DEFAULT_GRID_STEP_FRAC})",
    )
    p.add_argument("--sweep", action="store_true", help="value durations at this power")
    p.add_argument("--duration-from-h", type=float, default=1.0)
    p.add_argument("--duration-to-h", type=float, default=4.0)
    p.add_argument("--duration-step-h", type=float, default=0.5)
    p.add_argument(
        "--scenarios",
        type=int,
        default=0,
        help=f"scenario paths (1-{MAX_SCENARIO_PATHS}): NPV as a distribution, each year on a "
        "bootstrap scenario-year valued with the fast day-ahead policy",
    )
    p.add_argument(
        "--regime", default=DEFAULT_REGIME, help=f"years scenarios draw from ({DEFAULT_REGIME})"
    )
    p.add_argument("--seed", type=int, default=1, help="seed of the scenario paths")
    p.add_argument(
        "--toll-share-frac", type=float, default=0.0, help="share of MW under a fixed toll, 0-1"
    )
    p.add_argument(
        "--toll-price-gbp-per-mw-per-year", type=float, default=None, help="the toll's price"
    )
    add_json_flag(p)
    add_csv_flag(
        p
    )  # the cashflow by year (the median path's with --scenarios; the sizes with --sweep)
    p.set_defaults(handler=handle)


class _Progress:
    """Progress on stderr, one line rewritten: revenue stacks solved (of the most the case
    may need) or scenario paths valued."""

    def __init__(self, unit: str) -> None:
        self.unit = unit
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        sys.stderr.write(f"\rgbess invest: {done}/{total} {self.unit}")
        sys.stderr.flush()
        self.shown = True

    def end(self) -> None:
        if self.shown:
            sys.stderr.write("\n")
            sys.stderr.flush()


def _gbp(value: float) -> str:
    """Whole pounds with the sign before the £ (-£230,292)."""
    pounds = round(value)
    return f"{'-' if pounds < 0 else ''}£{abs(pounds):,}"


def handle(args: argparse.Namespace, settings: Settings) -> int:
    """Value the project; print JSON or a short summary."""
    inputs = {
        k: v for k, v in vars(args).items() if k not in {"handler", "json", "csv"} and v is not None
    }
    request = InvestRequest(**inputs)
    progress = _Progress("scenario paths valued" if request.scenarios else "revenue stacks solved")
    try:
        document = run_invest(request, settings, progress)
    finally:
        progress.end()
    if args.json:
        emit_json(document)
        return 0
    if args.csv:
        return emit_csv(document.get("sweep") or document["cashflow"])
    irr = document["irr_frac"]
    payback = document["payback_year"]
    lcos = document["lcos_gbp_per_mwh"]
    print(
        f"{document['label']}: {document['power_mw']:g} MW / {document['energy_mwh']:g} MWh, "
        f"{document['life_years']} years at {document['discount_rate_real_frac']:g} real"
    )
    print(f"  NPV      {_gbp(document['npv_gbp'])}")
    print(f"  IRR      {'none' if irr is None else f'{100 * irr:.2f} %'}")
    print(f"  payback  {'not within the life' if payback is None else f'year {payback}'}")
    print(f"  LCOS     {'none' if lcos is None else f'£{lcos:,.1f}/MWh'}")
    spread = document.get("npv_distribution")
    if spread is not None:
        print(
            f"  over {spread['paths']} scenario paths ({spread['label']}): NPV P10 "
            f"{_gbp(spread['p10_gbp'])}, P50 {_gbp(spread['p50_gbp'])}, P90 "
            f"{_gbp(spread['p90_gbp'])}; P(NPV < 0) "
            f"{100 * spread['probability_npv_negative']:.1f} %; the figures above are the "
            "median path's"
        )
    bound = document["upper_bound"]
    if document["mode"] != "perfect_foresight" and bound["npv_gbp"] is not None:
        print(f"  {bound['label']}: NPV {_gbp(bound['npv_gbp'])}")
    for row in document.get("sweep", []):
        mark = "  <- best" if row["best"] else ""
        irr_text = "none" if row["irr_frac"] is None else f"{100 * row['irr_frac']:.2f} %"
        if "npv_p10_gbp" in row:  # over scenario paths: the mean and the spread
            print(
                f"  {row['duration_h']:>4g} h  mean NPV {_gbp(row['npv_gbp']):>14}  P10 "
                f"{_gbp(row['npv_p10_gbp'])}  P90 {_gbp(row['npv_p90_gbp'])}  P(NPV < 0) "
                f"{100 * row['probability_npv_negative']:.0f} %{mark}"
            )
            continue
        print(f"  {row['duration_h']:>4g} h  NPV {_gbp(row['npv_gbp']):>14}  IRR {irr_text}{mark}")
    unit = "scenario-years valued" if spread is not None else "revenue stacks solved"
    reused = document.get("stacks_reused")
    kept = f" (+{reused} read from the stack store)" if reused else ""
    print(
        f"  {document['stacks_solved']} {unit}{kept} for "
        f"{document['project_years_valued']} project-years ({document['seconds']:.1f} s)"
    )
    return 0
