"""Shared CLI plumbing: one-line usage errors, JSON and CSV output, errors on stderr."""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NoReturn


class CliParser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are one line on stderr and exit code 2."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        raise SystemExit(2)


def add_json_flag(parser: argparse.ArgumentParser) -> None:
    """Add ``--json``: print one JSON document to stdout instead of a human summary."""
    parser.add_argument("--json", action="store_true", help="print one JSON document to stdout")


def emit_json(document: Any) -> None:
    """Print one JSON document (UTF-8, no NaN) to stdout."""
    sys.stdout.write(json.dumps(document, ensure_ascii=False, allow_nan=False, default=str))
    sys.stdout.write("\n")


#: Decimal places of numbers in ``--csv`` output.
CSV_DECIMALS = 4


def add_csv_flag(parser: Any) -> None:
    """Add ``--csv`` to a parser or an argument group: print the command's table as CSV
    (paste into a sheet, or read with any CSV reader). The header names each column as the
    JSON does, unit in the name (``cost_gbp``, ``price_gbp_per_mwh``)."""
    parser.add_argument(
        "--csv",
        action="store_true",
        help="print the table as CSV (header: column names with their units)",
    )


def emit_csv(
    rows: Iterable[Mapping[str, Any]],
    columns: Sequence[str] | None = None,
    *,
    unit: str | None = None,
    keys: Sequence[str] = (),
) -> int:
    """Print rows as CSV on stdout: one header line, then one line per row.

    Missing values (``None``, NaN) are empty cells, never 0; numbers are rounded to
    :data:`CSV_DECIMALS` places (``-0.0`` shown as ``0.0``); lists are joined with
    ``"; "``; nested objects are JSON text. Returns 0, the command's exit code.

    Args:
        rows: The table, one mapping per row.
        columns: Column names in order (default: the first row's keys, then any new key
            of a later row in order of appearance).
        unit: For tables whose figures share one unit but whose names do not say it
            (revenue by month: ``DCL``, ``energy_apx``): appended as ``_<unit>`` to every
            column but ``keys`` that does not already end with it.
        keys: Columns that identify a row (``month``) and take no unit.
    """
    table = [dict(row) for row in rows]
    names = (
        list(columns) if columns is not None else list(dict.fromkeys(k for r in table for k in r))
    )
    headers = [_with_unit(name, unit, keys) for name in names]
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(headers or ["rows"])
    for row in table:
        writer.writerow([_cell(row.get(name)) for name in names])
    return 0


def _with_unit(name: str, unit: str | None, keys: Sequence[str]) -> str:
    if unit is None or name in keys or name.endswith(f"_{unit}"):
        return name
    return f"{name}_{unit}"


def _cell(value: Any) -> Any:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return ""
    if isinstance(value, float):
        # Four decimals is finer than any figure means (pennies, kWh, 0.01 %), and keeps
        # solver noise (-9.6e-07) and -0.0 out of a pasted sheet.
        return round(value, CSV_DECIMALS) + 0.0
    if isinstance(value, list | tuple):
        return "; ".join(str(_cell(item)) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, default=str)
    return value


def print_error(detail: str) -> None:
    """One line on stderr, prefixed ``gbess: error:``."""
    sys.stderr.write(f"gbess: error: {' '.join(detail.split())}\n")


def add_site_flags(parser: Any) -> None:
    """``--distributor``, ``--import-tariff``, ``--export-tariff``: a battery's site DUoS
    (all three or none; jobs/revenue.py:site_network_charges resolves them)."""
    parser.add_argument(
        "--distributor", default=None, help="site licence area (10-23 or GSP group) for DUoS"
    )
    parser.add_argument("--import-tariff", default=None, help="DUoS demand tariff name or LLFC")
    parser.add_argument("--export-tariff", default=None, help="DUoS generation tariff name or LLFC")


def add_registration_flag(parser: Any) -> None:
    """``--registration``: who owns held services' response energy (issue 20)."""
    parser.add_argument(
        "--registration",
        choices=("bm", "non_bm", "none"),
        default="bm",
        help="who owns held services' response energy: bm (ABSVD), non_bm, none (not modelled)",
    )
