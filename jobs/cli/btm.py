"""``gbess btm``: a behind-the-meter PPA site's margin and what its battery (and PV) adds."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any

from engine.battery import DEFAULT_ROUND_TRIP_EFFICIENCY_FRAC
from engine.btm import MODES, UPPER_BOUND_LABEL, parse_clearness, parse_levy_overrides
from jobs.btm import BtmRequest, run_btm, series_on_load
from jobs.cli._common import add_csv_flag, add_json_flag, emit_csv, emit_json
from jobs.inputs import (
    HalfHourlyProfile,
    named_by_flags,
    read_csv,
    read_profile_csv,
    request_from,
)
from jobs.settings import Settings

PRICE_HELP = (
    "system | apx (from the warehouse) | a flat £/MWh | a CSV (interval_start, price_gbp_per_mwh)"
)


def register(sub: Any) -> None:
    """Add the ``btm`` subcommand.

    Each flag's ``dest`` is the :class:`jobs.btm.BtmRequest` field it fills (the
    ``metavar`` keeps the help as the flag reads).
    """
    parser = sub.add_parser("btm", help="behind-the-meter PPA margin and battery value")
    site = parser.add_argument_group("site")
    site.add_argument(
        "--load",
        type=Path,
        required=True,
        help="CSV: interval_start (ISO with offset) or settlement_date+settlement_period; "
        "import_kwh (kWh per half-hour) or import_kw",
    )
    site.add_argument("--distributor", required=True, help="distributor id 10-23 or GSP group")
    site.add_argument("--tariff", help='demand DUoS tariff name (e.g. "HV Site Specific Band 1")')
    site.add_argument("--llfc", help="line loss factor class, instead of --tariff")
    site.add_argument(
        "--import-capacity-kva", type=float, help="agreed import capacity [kVA] (required)"
    )
    site.add_argument(
        "--capacity-kva", type=float, help="deprecated old name of --import-capacity-kva"
    )
    site.add_argument(
        "--import-limit-kva", type=float, help="physical import limit (default: capacity)"
    )
    site.add_argument("--export-limit-kw", type=float, default=0.0, help="export limit (default 0)")
    site.add_argument("--export-tariff", help="generation DUoS tariff of the export MPAN (credits)")
    site.add_argument(
        "--ppa-gbp-per-mwh", type=float, required=True, help="PPA price on consumption"
    )
    prices = parser.add_argument_group("prices and levies")
    prices.add_argument("--energy-price", default="system", help=PRICE_HELP + " (default system)")
    prices.add_argument(
        "--export-price", help=PRICE_HELP + " (default: the energy price if wholesale)"
    )
    levy = prices.add_mutually_exclusive_group()
    levy.add_argument("--no-levies", action="store_true", help="leave every levy out")
    levy.add_argument(
        "--levy",
        dest="levy_overrides",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a levy rate (£/MWh; £/site/day for TNUoS_TDR) replacing the published one",
    )
    prices.add_argument(
        "--without-levy",
        dest="without_levies",
        action="append",
        default=[],
        metavar="NAME",
        help="leave one levy out (repeatable); the others apply",
    )
    prices.add_argument("--tnuos-band", help="TNUoS demand residual band, e.g. HV1")
    prices.add_argument(
        "--require-levies",
        action="store_true",
        help="a levy with no published rate is an error (default: left out and listed)",
    )
    battery = parser.add_argument_group("battery")
    battery.add_argument(
        "--mode",
        choices=MODES,
        default="forecast",
        help="forecast (default): decided each day at D-1 on forecasts, settled on actual "
        f"prices, with the {UPPER_BOUND_LABEL} beside it; perfect_foresight: the upper bound "
        "alone",
    )
    battery.add_argument("--power-mw", type=float)
    battery.add_argument("--energy-mwh", type=float)
    for name, hint in (
        ("round_trip", f"0-1 (default {DEFAULT_ROUND_TRIP_EFFICIENCY_FRAC:g})"),
        ("charge", "0-1"),
        ("discharge", "0-1"),
    ):
        battery.add_argument(
            f"--{name.replace('_', '-')}-efficiency",
            dest=f"{name}_efficiency_frac",
            metavar=f"{name.upper()}_EFFICIENCY",
            type=float,
            help=hint,
        )
    battery.add_argument("--degradation-gbp-per-mwh", type=float, default=0.0)
    battery.add_argument("--initial-soc-mwh", type=float, default=0.0)
    battery.add_argument("--final-soc-mwh", type=float)
    pv = parser.add_argument_group("PV")
    pv.add_argument("--pv-file", type=Path, help="CSV: interval_start + pv_kwh (or pv_kw)")
    pv.add_argument("--pv-kwp", type=float, help="model PV with pvlib: DC capacity [kWp]")
    pv.add_argument(
        "--lat", dest="latitude_deg", metavar="LAT", type=float, help="site latitude [degrees]"
    )
    pv.add_argument(
        "--lon", dest="longitude_deg", metavar="LON", type=float, help="site longitude [degrees]"
    )
    pv.add_argument(
        "--tilt",
        dest="tilt_deg",
        metavar="TILT",
        type=float,
        default=30.0,
        help="panel tilt [degrees] (default 30)",
    )
    pv.add_argument(
        "--azimuth",
        dest="azimuth_deg",
        metavar="AZIMUTH",
        type=float,
        default=180.0,
        help="[degrees from north] (180)",
    )
    pv.add_argument("--inverter-kw", type=float, help="AC limit [kW]")
    pv.add_argument("--pv-clearness", help="12 monthly clearness factors 0-1, January first")
    add_json_flag(parser)
    add_csv_flag(parser)
    parser.set_defaults(handler=named_by_flags(handle, parser, pv_kwh="--pv-file", levy="--levy"))


def _price(value: str | None, load: HalfHourlyProfile, field: str) -> Any:
    """A price flag: a word or number as given, or a CSV file read onto the load."""
    if value is None:
        return None
    path = Path(value)
    if value.lower().endswith(".csv") or path.is_file():
        return series_on_load(read_csv(path, field), ("price_gbp_per_mwh",), load, field)
    return value


def handle(args: argparse.Namespace, settings: Settings) -> int:
    """Run the model and print the document (or a summary)."""
    load = read_profile_csv(args.load, "load")
    pv_kwh = None
    if args.pv_file is not None:
        pv_kwh = series_on_load(
            read_csv(args.pv_file, "pv_file"), ("pv_kwh", "pv_kw"), load, "pv_file"
        )
    request = request_from(
        BtmRequest,
        args,
        load=load,
        energy_price=_price(args.energy_price, load, "energy_price"),
        export_price=_price(args.export_price, load, "export_price"),
        pv_kwh=pv_kwh,
        pv_clearness=None if args.pv_clearness is None else parse_clearness(args.pv_clearness),
        levy_overrides=parse_levy_overrides(args.levy_overrides),
    )
    document = run_btm(request, settings)
    for notice in document["deprecations"]:
        # In the CLI's words: flags, not JSON keys.
        words = notice.replace("import_capacity_kva", "--import-capacity-kva")
        words = re.sub(r"(?<![-\w])capacity_kva", "--capacity-kva", words)
        print(f"gbess: deprecated: {words}", file=sys.stderr)
    if args.json:
        emit_json(document)
        return 0
    if args.csv:
        return emit_csv(document["by_month"])
    print(f"{document['tariff']['tariff_name']} ({document['tariff']['distributor_id']})")
    for key in ("without_battery", "with_battery"):
        print(f"  {key:<18} margin £{document[key]['margin_gbp']:>14,.2f}")
    value, label = document["battery_value_gbp"], document["battery_value_label"]
    print(f"  battery value      £{value:>14,.2f}  ({label})")
    upper = document["upper_bound"]
    if upper is not None:
        print(
            f"  {upper['label']}: £{upper['battery_value_gbp']:,.2f}, "
            f"{upper['equivalent_cycles']:.1f} equivalent cycles"
        )
    battery = document.get("battery")
    if battery is not None:
        print(f"  round trip         {battery['round_trip_efficiency_frac']:.0%}")
    coverage = document["red_coverage_frac"]
    if coverage is not None:
        print(f"  red coverage       {coverage:.1%}")
    print(f"  equivalent cycles  {document['equivalent_cycles']:.1f}")
    for note in document["assumptions"]:
        print(f"  note: {note}")
    return 0
