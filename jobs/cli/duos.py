"""``gbess duos rates|cost``: DUoS tariffs with their sources, and a site's network bill."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from engine.errors import ValidationError
from jobs.cli._common import add_csv_flag, add_json_flag, emit_csv, emit_json
from jobs.duos import DuosCostRequest, DuosRatesRequest, run_duos_cost, run_duos_rates
from jobs.inputs import named_by_flags, read_profile_csv, request_from
from jobs.settings import Settings


def _add_area_and_tariff(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--distributor", required=True, help="distributor id 10-23 or GSP group (_A-_P)"
    )
    parser.add_argument("--tariff", help='tariff name, any case (e.g. "HV Site Specific Band 1")')
    parser.add_argument("--llfc", help="line loss factor class, instead of --tariff")


def register(sub: Any) -> None:
    """Add the ``duos`` subcommand with ``rates`` and ``cost``.

    Each flag's ``dest`` is the request field it fills (:func:`jobs.inputs.request_from`).
    """
    parser = sub.add_parser("duos", help="DUoS tariffs, time bands and site bills")
    actions = parser.add_subparsers(title="actions", metavar="ACTION", required=True)

    rates = actions.add_parser("rates", help="published charges, band windows and sources")
    _add_area_and_tariff(rates)
    rates.add_argument("--voltage-level", choices=["LV", "LV_SUB", "HV"])
    rates.add_argument("--tariff-group", help="e.g. site_specific, non_domestic_aggregated")
    rates.add_argument("--residual-band", help="e.g. band_1, no_residual")
    rates.add_argument("--direction", choices=["demand", "generation"])
    when = rates.add_mutually_exclusive_group()
    when.add_argument("--date", help="UK date YYYY-MM-DD: that charging year only")
    when.add_argument("--charging-year", help='e.g. "2025/26"; default: every year held')
    add_json_flag(rates)
    add_csv_flag(rates)
    rates.set_defaults(handler=named_by_flags(handle_rates, rates))

    cost = actions.add_parser("cost", help="the DUoS bill of a half-hourly profile")
    _add_area_and_tariff(cost)
    source = cost.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--profile",
        type=Path,
        help="CSV: interval_start (ISO with offset) or settlement_date+settlement_period; "
        "import_kwh|import_kw, export_kwh|export_kw, reactive_kvarh, max_demand_kva",
    )
    source.add_argument("--shape", help="Elexon profile class 1-8, scaled by --annual-kwh")
    cost.add_argument("--annual-kwh", type=float, help="with --shape: energy over the year [kWh]")
    cost.add_argument("--year", help='with --shape: calendar year or charging year "2025/26"')
    # One name for the same thing on both faces: POST /v1/duos/cost's import_capacity_kva.
    cost.add_argument("--import-capacity-kva", type=float, help="agreed import capacity [kVA]")
    cost.add_argument(
        "--capacity-kva",
        dest="old_capacity_kva",
        type=float,
        help="deprecated: the old name of --import-capacity-kva",
    )
    cost.add_argument("--export-capacity-kva", type=float, help="agreed export capacity [kVA]")
    cost.add_argument("--power-factor", type=float, help="average power factor if no kVArh")
    add_json_flag(cost)
    add_csv_flag(cost)
    cost.set_defaults(handler=named_by_flags(handle_cost, cost))


#: Said on stderr when the old flag is used (it still works for one release).
DEPRECATED_CAPACITY = (
    "gbess: note: --capacity-kva is deprecated; use --import-capacity-kva "
    "(the HTTP field is import_capacity_kva)"
)


def handle_rates(args: argparse.Namespace, settings: Settings) -> int:
    """Print the tariff's charges per charging year."""
    document = run_duos_rates(request_from(DuosRatesRequest, args), settings)
    if args.json:
        emit_json(document)
        return 0
    if args.csv:
        return emit_csv(
            {
                "charging_year": year["charging_year"],
                "valid_from": year["valid_from"],
                "valid_to": year["valid_to"],
                **year["rates"],
                "source_doc_id": year["source_doc_id"],
            }
            for year in document["years"]
        )
    print(f"{document['tariff_name']} — {document['gsp_group_id']} ({document['distributor_id']})")
    for year in document["years"]:
        rates = ", ".join(f"{k} {v}" for k, v in year["rates"].items() if v is not None)
        print(f"  {year['charging_year']} [{year['source_doc_id']}]: {rates}")
    return 0


def handle_cost(args: argparse.Namespace, settings: Settings) -> int:
    """Cost the profile and print the bill."""
    if args.old_capacity_kva is not None:
        if args.import_capacity_kva is not None:
            raise ValidationError(
                "--capacity-kva: give --import-capacity-kva only (--capacity-kva is its old name)",
                field="import_capacity_kva",
            )
        args.import_capacity_kva = args.old_capacity_kva
        print(DEPRECATED_CAPACITY, file=sys.stderr)
    profile = None if args.profile is None else read_profile_csv(args.profile)
    document = run_duos_cost(request_from(DuosCostRequest, args, profile=profile), settings)
    if args.json:
        emit_json(document)
        return 0
    if args.csv:
        return emit_csv(document["by_month"])
    print(f"{document['tariff_name']} — {document['gsp_group_id']}")
    for key, value in document["by_component"].items():
        print(f"  {key:<24} £{value:>14,.2f}")
    print(f"  {'total_gbp':<24} £{document['total_gbp']:>14,.2f}")
    effective = document["effective_p_per_kwh"]
    if effective is not None:
        print(f"  effective {effective:.3f} p/kWh over {document['energy_kwh']:,.0f} kWh")
    for note in document["assumptions"]:
        print(f"  note: {note}")
    return 0
