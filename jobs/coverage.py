"""The data range: the first and last day the warehouse holds, per market dataset.

One answer for every face that states the range: ``GET /v1/data/coverage``, ``gbess
warehouse coverage``, the sidebar's date fields, and the "outside the range" message of
every dated request (:func:`outside_range`). The figures come from the warehouse itself
(``MIN``/``MAX`` of each table's day and time columns), never from a list kept in code, so
an ingest of newer data moves them.

Days are UK local days: settlement days for half-hourly series, EFA days for the DC/DM/DR
blocks, target days for the demand forecast.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from engine.errors import DataMissingError, ValidationError
from jobs.settings import Settings
from jobs.warehouse import Warehouse, open_warehouse, seed_if_needed


@dataclass(frozen=True)
class Dataset:
    """A market dataset the warehouse holds, and how to read its range.

    Attributes:
        name: Warehouse table (``system_prices``).
        label: What a user calls it (``system prices``).
        day_column: Its UK day column.
        time_column: Its UTC interval start column.
        where: A filter on the rows that count (the APX provider of the market index).
    """

    name: str
    label: str
    day_column: str
    time_column: str
    where: str = ""


#: The datasets whose range is stated, in the order shown.
DATASETS: tuple[Dataset, ...] = (
    Dataset("system_prices", "system prices", "settlement_date", "interval_start"),
    Dataset(
        "market_index",
        "market index (APX)",
        "settlement_date",
        "interval_start",
        "TRIM(data_provider) = 'APXMIDP'",
    ),
    Dataset("dynamic_response_results", "DC/DM/DR clearing prices", "efa_date", "delivery_start"),
    Dataset(
        "quick_reserve_results",
        "Quick Reserve clearing prices",
        "settlement_date",
        "delivery_start",
    ),
    Dataset(
        "demand_forecast_day_ahead",
        "NESO day-ahead demand forecast",
        "target_date",
        "forecast_timestamp",
    ),
)
_BY_NAME = {dataset.name: dataset for dataset in DATASETS}

#: The separator of a range in every sentence that states one.
RANGE_SEPARATOR = " … "


@dataclass(frozen=True)
class CoverageRequest:
    """Which datasets' ranges to report.

    Attributes:
        datasets: Table names from :data:`DATASETS`; empty for all of them.
    """

    datasets: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        unknown = [name for name in self.datasets if name not in _BY_NAME]
        if unknown:
            raise ValidationError(
                f"datasets: unknown {', '.join(unknown)}; choose from {', '.join(_BY_NAME)}",
                field="datasets",
            )


def day_range(first: Any, last: Any) -> str:
    """``2019-01-01 … 2026-03-18`` (``none held`` when either end is missing)."""
    if _missing(first) or _missing(last):
        return "none held"
    return f"{_iso_day(first)}{RANGE_SEPARATOR}{_iso_day(last)}"


def _iso_day(value: Any) -> str:
    return str(pd.Timestamp(value).date().isoformat())


def _iso_instant(value: Any) -> str | None:
    if value is None or pd.isna(value):
        return None
    stamp = pd.Timestamp(value)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return str(stamp.strftime("%Y-%m-%dT%H:%M:%SZ"))


def dataset_coverage(warehouse: Warehouse, name: str) -> dict[str, Any]:
    """One dataset's range in an open warehouse.

    Args:
        warehouse: An open warehouse.
        name: A table of :data:`DATASETS`.

    Returns:
        ``dataset``, ``label``, ``rows``, ``first_day`` and ``last_day`` (UK days,
        YYYY-MM-DD), ``first_interval_start`` and ``last_interval_start`` (UTC, ISO 8601
        with Z), ``range`` (the sentence fragment); days and instants are ``None`` when
        the table holds no rows, and ``rows`` is ``None`` when the table does not exist.
    """
    spec = _BY_NAME[name]
    where = f" WHERE {spec.where}" if spec.where else ""
    # Names come from DATASETS only, never from a caller's text.
    sql = (
        f"SELECT COUNT(*) AS row_count, MIN({spec.day_column}) AS first_day, "
        f"MAX({spec.day_column}) AS last_day, MIN({spec.time_column}) AS first_start, "
        f"MAX({spec.time_column}) AS last_start FROM {spec.name}{where}"
    )
    entry: dict[str, Any] = {
        "dataset": spec.name,
        "label": spec.label,
        "rows": None,
        "first_day": None,
        "last_day": None,
        "first_interval_start": None,
        "last_interval_start": None,
    }
    try:
        row = warehouse.run_sql(sql).iloc[0]
    except DataMissingError:  # the table does not exist (a read-only, older warehouse)
        entry["range"] = day_range(None, None)
        return entry
    entry["rows"] = int(row["row_count"])
    if entry["rows"]:
        entry["first_day"] = _iso_day(row["first_day"])
        entry["last_day"] = _iso_day(row["last_day"])
        entry["first_interval_start"] = _iso_instant(row["first_start"])
        entry["last_interval_start"] = _iso_instant(row["last_start"])
    entry["range"] = day_range(entry["first_day"], entry["last_day"])
    return entry


def run_coverage(request: CoverageRequest, settings: Settings) -> dict[str, Any]:
    """The range of each market dataset, as a JSON document.

    A fresh clone's embedded warehouse (no DuckDB file yet) is seeded first, as every
    valuation does on first use; an existing one is only read.

    Returns:
        ``warehouse_backend``; ``market_data`` (``"market data 2019-01-01 … 2026-03-18"``,
        the system prices' range, which every battery valuation needs); ``summary`` (one
        line naming every dataset's range); ``datasets`` (see :func:`dataset_coverage`).
    """
    names = request.datasets or tuple(_BY_NAME)
    fresh = settings.warehouse_backend == "duckdb" and not settings.duckdb_path.is_file()
    with open_warehouse(settings, read_only=not fresh) as warehouse:
        if fresh:
            seed_if_needed(warehouse, settings)
        entries = [dataset_coverage(warehouse, name) for name in names]
    system = dataset_coverage_of(entries, "system_prices")
    return {
        "warehouse_backend": settings.warehouse_backend,
        "market_data": None
        if system is None
        else f"market data {day_range(system['first_day'], system['last_day'])}",
        "summary": "; ".join(f"{entry['label']} {entry['range']}" for entry in entries),
        "datasets": entries,
    }


def dataset_coverage_of(entries: list[dict[str, Any]], name: str) -> dict[str, Any] | None:
    """The entry of ``name`` in a coverage document's ``datasets`` (``None`` if absent)."""
    return next((entry for entry in entries if entry["dataset"] == name), None)


def outside_range(
    field: str,
    dataset: str,
    first: Any,
    last: Any,
    held_first: Any,
    held_last: Any,
    *,
    to_field: str | None = None,
) -> DataMissingError:
    """The one message for a request outside (or not wholly inside) the data held.

    ``from: the warehouse holds system prices for 2019-01-01 … 2026-03-18; 2027-01-01 …
    2027-01-07 is outside that range``.

    Args:
        field: The caller's field to name (``from``, ``energy_price`` ...).
        dataset: A table of :data:`DATASETS`.
        first: First day asked for.
        last: Last day asked for.
        held_first: First day held (``None`` or NaT: nothing held).
        held_last: Last day held.
        to_field: The field of the last day (``to``): named instead of ``field`` when the
            first day is held and only the end runs past the data.
    """
    label = _BY_NAME[dataset].label
    asked = day_range(first, last)
    if _missing(held_first) or _missing(held_last):
        return DataMissingError(
            f"{field}: the warehouse holds no {label} (run `gbess warehouse seed`)", field=field
        )
    lo, hi = _iso_day(held_first), _iso_day(held_last)
    whole = _iso_day(last) < lo or _iso_day(first) > hi
    if to_field is not None and lo <= _iso_day(first) <= hi:
        field = to_field
    where = "outside that range" if whole else "not wholly inside it"
    return DataMissingError(
        f"{field}: the warehouse holds {label} for {day_range(held_first, held_last)}; "
        f"{asked} is {where}",
        field=field,
    )


def _missing(value: Any) -> bool:
    return value is None or bool(pd.isna(value))
