"""Site lookup as a use case: the CLI and ``POST /v1/lookup`` answer through here.

Loads (once per data directory) the lookup tables and answers a list of queries with one
JSON-ready row each, failures in place. The date the answer is for defaults to today in
the UK: the engine has no clock, so it is read here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from engine.reference import reference_data
from engine.settlement import UK_TZ
from engine.site import LookupTables, load_lookup_tables, lookup_many
from jobs.settings import Settings


@dataclass(frozen=True, kw_only=True)
class LookupRequest:
    """Queries to answer, and the day the answers are for.

    Attributes:
        queries: Each an MPAN (13-digit core or full 21-character MPAN), a postcode,
            outward code or area, or an MPAN and a postcode in one string; anything else
            (a number, ``None`` ...) is answered with an error row in its place.
        as_of: UK date the answers are for (LLFC records, DUoS charging year); ``None``
            is today in the UK.
    """

    queries: tuple[object, ...]
    as_of: dt.date | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.queries, tuple):  # a list from JSON: frozen means a tuple
            object.__setattr__(self, "queries", tuple(self.queries))


def uk_today() -> dt.date:
    """Today's date in the UK (Europe/London)."""
    return dt.datetime.now(ZoneInfo(UK_TZ)).date()


def lookup_tables(data_dir: Path) -> LookupTables:
    """The cached lookup tables of a data directory (loaded on first call)."""
    return load_lookup_tables(reference_data(data_dir))


def run_lookup(request: LookupRequest, settings: Settings) -> list[dict[str, Any]]:
    """Answer the queries in order, one JSON-ready row each.

    A row is a lookup result (:class:`engine.site.LookupResult` fields) or, for a query
    that cannot be answered, ``{"query": ..., "error": {"type": ..., "detail": ...}}``.

    Raises:
        DataMissingError: If the data directory lacks a lookup table.
    """
    tables = lookup_tables(settings.data_dir)
    rows = lookup_many(request.queries, tables, request.as_of or uk_today())
    return [row.to_dict() for row in rows]
