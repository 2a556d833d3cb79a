"""Site lookup as a use case: the CLI and ``POST /v1/lookup`` answer through here.

Loads (once per data directory) the lookup tables and answers a list of queries with one
JSON-ready row each, failures in place. The date the answer is for defaults to today in
the UK: the engine has no clock, so it is read here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from engine.reference import reference_data
from engine.settlement import UK_TZ
from engine.site import LookupFailure, LookupResult, LookupTables, load_lookup_tables, lookup_many


def uk_today() -> dt.date:
    """Today's date in the UK (Europe/London)."""
    return dt.datetime.now(ZoneInfo(UK_TZ)).date()


def lookup_tables(data_dir: Path) -> LookupTables:
    """The cached lookup tables of a data directory (loaded on first call)."""
    return load_lookup_tables(reference_data(data_dir))


def lookup_results(
    queries: Sequence[object], data_dir: Path, as_of: dt.date | None = None
) -> list[LookupResult | LookupFailure]:
    """Answer ``queries`` in order (``as_of`` defaults to :func:`uk_today`)."""
    return lookup_many(queries, lookup_tables(data_dir), as_of or uk_today())


def lookup_rows(
    queries: Sequence[object], data_dir: Path, as_of: dt.date | None = None
) -> list[dict[str, Any]]:
    """Answer ``queries`` as JSON-ready rows: a result, or ``{"query", "error"}``."""
    return [row.to_dict() for row in lookup_results(queries, data_dir, as_of)]
