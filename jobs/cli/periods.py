"""``gbess periods DATE``: the settlement periods and EFA blocks of one UK date."""

from __future__ import annotations

import argparse
from typing import Any

from engine.settlement import (
    check_supported_date,
    efa_date_block,
    half_hourly_index,
    iso_utc,
    settlement_date_period,
    to_date,
)
from jobs.cli._common import add_csv_flag, add_json_flag, emit_csv, emit_json
from jobs.settings import Settings


def register(sub: Any) -> None:
    """Add the ``periods`` subcommand."""
    parser = sub.add_parser("periods", help="settlement periods and EFA blocks of a UK date")
    parser.add_argument("date", help="UK local date, YYYY-MM-DD")
    add_json_flag(parser)
    add_csv_flag(parser)
    parser.set_defaults(handler=handle)


def periods_of_day(day: object) -> list[dict[str, Any]]:
    """One record per settlement period of a UK local date."""
    index = half_hourly_index(day, day)
    sp = settlement_date_period(index)
    efa = efa_date_block(index)
    return [
        {
            "settlement_period": int(period),
            "interval_start_utc": start,
            "efa_date": efa_day.date().isoformat(),
            "efa_block": int(block),
        }
        for period, start, efa_day, block in zip(
            sp["settlement_period"], iso_utc(index), efa["efa_date"], efa["efa_block"], strict=True
        )
    ]


def handle(args: argparse.Namespace, settings: Settings) -> int:
    """Print the periods as JSON or as a table."""
    rows = periods_of_day(check_supported_date(to_date(args.date, "DATE"), "DATE"))
    if args.json:
        emit_json(rows)
        return 0
    if args.csv:
        return emit_csv(rows)
    for row in rows:
        print(
            f"SP{row['settlement_period']:>2}  {row['interval_start_utc']}  "
            f"EFA {row['efa_date']} block {row['efa_block']}"
        )
    return 0
