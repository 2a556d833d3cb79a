"""``gbess lookup``: MPANs and postcodes → distributor, licence area, GSP group, DUoS tariff."""

from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path
from typing import Any

from engine.errors import ValidationError
from engine.settlement import to_date
from jobs.cli._common import add_csv_flag, add_json_flag, emit_csv, emit_json
from jobs.lookup import LookupRequest, run_lookup
from jobs.settings import Settings


def register(sub: Any) -> None:
    """Add the ``lookup`` subcommand."""
    parser = sub.add_parser(
        "lookup",
        help="look up sites by MPAN and/or postcode",
        description=(
            "Each QUERY is an MPAN (13-digit core or 21-character full MPAN), a postcode, "
            "outward code or area, or an MPAN with a postcode before or after it. A query "
            "that fails is reported in its place; the others still answer. Exits 1 when "
            "any query failed (with a count on stderr) unless --allow-failures is given."
        ),
    )
    parser.add_argument("queries", nargs="*", metavar="QUERY", help="MPAN and/or postcode")
    parser.add_argument("--file", type=Path, help="CSV file whose column holds the queries")
    parser.add_argument("--column", help="column of --file holding the queries")
    parser.add_argument(
        "--as-of",
        help="UK date the answer is for (LLFC records, DUoS charging year); default today",
    )
    parser.add_argument(
        "--allow-failures",
        action="store_true",
        help="exit 0 even when some queries failed (for scripts that want partial results)",
    )
    add_json_flag(parser)
    add_csv_flag(parser)
    parser.set_defaults(handler=handle)


# Delimiters a spreadsheet's "save as CSV" may use (Excel in many European locales
# writes ";"; "Unicode text" exports are tab-separated UTF-16).
_DELIMITERS = (",", ";", "\t", "|")


def read_query_column(path: Path, column: str) -> list[str]:
    """The values of one column of a CSV file, one per data row, in row order.

    Every row between the header and the last non-blank row counts, blank lines and
    short rows included (as empty queries), so that answer *n* is data row *n* of the
    file. The delimiter is the first of ``,`` ``;`` tab ``|`` whose header has ``column``
    (header cells compared without surrounding spaces). UTF-8, with or without a
    byte-order mark, and UTF-16 with one are read.

    Raises:
        ValidationError: If the file cannot be read, has no such column, or has it twice.
    """
    try:
        raw = path.read_bytes()
        encoding = "utf-16" if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8-sig"
        text = raw.decode(encoding)
        delimiter = next((d for d in _DELIMITERS if column in _header(text, d)), _DELIMITERS[0])
        # strict: an unterminated quote is an error, not every later row in one cell.
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True))
    except (OSError, UnicodeError, csv.Error) as exc:
        raise ValidationError(f"--file: cannot read {path}: {exc}", field="file") from exc
    header = [cell.strip() for cell in rows[0]] if rows else []
    if column not in header:
        raise ValidationError(
            f"--column: {path} has no column {column!r} (columns: {', '.join(header)})",
            field="column",
        )
    if header.count(column) > 1:
        raise ValidationError(
            f"--column: {path} has {header.count(column)} columns named {column!r}; "
            f"rename all but one",
            field="column",
        )
    data = rows[1:]
    while data and not any(cell.strip() for cell in data[-1]):
        data.pop()  # trailing blank lines end the file; they are not empty queries
    index = header.index(column)
    return [row[index] if index < len(row) else "" for row in data]


def _header(text: str, delimiter: str) -> list[str]:
    first = next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), [])
    return [cell.strip() for cell in first]


def handle(args: argparse.Namespace, settings: Settings) -> int:
    """Answer every query in order; per-query failures are reported in place.

    Returns 1 when any query failed (a count on stderr, after every row is printed),
    unless ``--allow-failures``; 0 otherwise.
    """
    if args.file is not None and args.queries:
        raise ValidationError("give QUERY arguments or --file, not both", field="file")
    if args.file is not None:
        if not args.column:
            raise ValidationError("--file needs --column NAME", field="column")
        queries = read_query_column(args.file, args.column)
    elif args.column:
        raise ValidationError("--column needs --file", field="column")
    elif args.queries:
        queries = list(args.queries)
    else:
        raise ValidationError("give at least one QUERY, or --file and --column", field="query")
    as_of = to_date(args.as_of, "--as-of") if args.as_of else None
    rows = run_lookup(LookupRequest(queries=tuple(queries), as_of=as_of), settings)
    if args.json:
        emit_json(rows)
    elif args.csv:
        emit_csv(csv_rows(rows))
    else:
        for row in rows:
            print(summary_line(row))
    failed = sum(1 for row in rows if "error" in row)
    if failed:
        print(
            f"gbess lookup: {failed} of {len(rows)} queries failed"
            + (" (--allow-failures: exit 0)" if args.allow_failures else ""),
            file=sys.stderr,
        )
        if not args.allow_failures:
            return 1
    return 0


def csv_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Answer rows flattened for CSV: a failed query keeps its place, its error in
    ``error_type`` and ``error``; an ambiguous one names its candidates' GSP groups."""
    out = []
    for row in rows:
        flat = {k: v for k, v in row.items() if k not in ("error", "candidates")}
        if "error" in row:
            flat["error_type"] = row["error"]["type"]
            flat["error"] = row["error"]["detail"]
        if row.get("candidates"):
            flat["candidates"] = [c.get("gsp_group_id") for c in row["candidates"]]
        out.append(flat)
    return out


def summary_line(row: dict[str, Any]) -> str:
    """One human line per answer row (a result, or ``{"query", "error"}``)."""
    if "error" in row:
        return f"{row['query']}: error ({row['error']['type']}): {row['error']['detail']}"
    if row["match"] == "ambiguous":
        where = "ambiguous: " + " or ".join(
            f"{c['gsp_group_id']} {c['licence_area']} ({c['distributor_id']})"
            for c in row["candidates"]
        )
    else:
        where = f"{row['gsp_group_id'] or '?'} {row['licence_area'] or 'licence area unknown'}"
    line = (
        f"{row['query']}: {row['distributor_id'] or '-'} {row['distributor_name'] or ''} "
        f"[{row['distributor_type'] or '-'}] {where} (by {row['match']})"
    )
    if row["llfc"]:
        tariff = row["duos_tariff_name"] or "tariff not identified"
        line += f"; LLFC {row['llfc']} {row['llfc_description'] or ''} → {tariff}"
    for warning in row["warnings"]:
        line += f"\n    warning: {warning}"
    return line
