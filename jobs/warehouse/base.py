"""What every warehouse backend shares: named queries, typed loads, status and gaps.

A backend (DuckDB or BigQuery) supplies three primitives: run BigQuery-dialect SQL with
parameters, upsert a typed frame by key, and create missing tables. Everything else (which
query a name means, parameter checks, the exact dtypes of results, the freshness report)
lives here, so both backends return the same DataFrames.
"""

from __future__ import annotations

import abc
import contextlib
import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd

from engine.errors import DataMissingError, ValidationError
from jobs.warehouse.dialect import check_parameters, named_query
from jobs.warehouse.schema import TABLES, Table, table

MAX_GAPS_LISTED = 20


class NeedsWriteError(Exception):
    """Raised inside :meth:`Warehouse.reads_only` by an operation that would write."""


class Warehouse(abc.ABC):
    """A warehouse: named queries in, pandas DataFrames out; idempotent loads.

    Results use the house dtypes whatever the backend: TIMESTAMP columns are tz-aware UTC
    ``datetime64[ns, UTC]``, DATE columns naive midnight ``datetime64[ns]``, INT64
    ``int64`` (``Int64`` when NULLs occur), FLOAT64 ``float64``, STRING ``object``.
    """

    backend: str = ""

    def query(self, name: str, **params: Any) -> pd.DataFrame:
        """Run the named query ``jobs/warehouse/sql/<name>.sql`` with its parameters.

        Args:
            name: Query name (file stem).
            **params: Exactly the query's ``@`` parameters (dates as ``datetime.date``).

        Returns:
            The result with house dtypes (see the class docstring).

        Raises:
            ValidationError: Unknown query, missing/unknown parameter, bad parameter type.
        """
        named = named_query(name)
        checked = check_parameters(named, params)
        return normalise_result(self._run(named.bigquery_sql, checked, duckdb_sql=named.duckdb_sql))

    def load(self, table_name: str, frame: pd.DataFrame) -> int:
        """Idempotent upsert: rows replace stored rows with the same key, atomically.

        Args:
            table_name: A table declared in :mod:`jobs.warehouse.schema`.
            frame: Rows with the table's columns (missing non-key columns become NULL).

        Returns:
            Number of rows written.

        Raises:
            ValidationError: Unknown table/column, NULL or duplicated key, or a value that
                does not convert to its column's type (nothing is written).
        """
        spec = table(table_name)
        typed = prepare_frame(spec, frame)
        if typed.empty:
            return 0
        self._upsert(spec, typed)
        return len(typed)

    def record_load(
        self,
        dataset: str,
        first: dt.date,
        last: dt.date,
        rows: int,
        loaded_at: dt.datetime,
        source: str,
    ) -> None:
        """Record a load in ``load_log`` (one row per dataset and day range; replaces).

        Args:
            dataset: Table loaded.
            first: First UK day loaded.
            last: Last UK day loaded (inclusive).
            rows: Rows written.
            loaded_at: When [UTC].
            source: Where from (endpoint, file fingerprint).
        """
        self.load(
            "load_log",
            pd.DataFrame(
                {
                    "dataset": [dataset],
                    "range_start": [first],
                    "range_end": [last],
                    "rows": [rows],
                    "loaded_at": [pd.Timestamp(loaded_at)],
                    "source": [source],
                }
            ),
        )

    def status(self) -> dict[str, Any]:
        """Per table: rows, first/last interval start and gaps (missing intervals).

        Returns:
            ``{"backend", "location", "tables": [{"table", "rows", "first_interval_start",
            "last_interval_start", "gap_count", "missing_periods", "gaps": [...]}, ...]}``
            with ISO 8601 UTC strings; ``missing_periods`` counts missing half-hours
            (15 s samples for ``system_frequency``); gaps list at most 20 entries. A table
            a read-only warehouse does not have is ``{"table", "rows": None}``.
        """
        self.ensure_tables()
        return {
            "backend": self.backend,
            "location": self.location,
            "tables": [self._table_status_or_absent(spec) for spec in TABLES.values()],
        }

    def _table_status_or_absent(self, spec: Table) -> dict[str, Any]:
        try:
            return self._table_status(spec)
        except DataMissingError:
            return {"table": spec.name, "rows": None}

    def row_counts(self, table_names: Sequence[str]) -> dict[str, int | None]:
        """Rows held by each named table, ``None`` where the table does not exist.

        One query of ``COUNT(*)`` per table (no bytes scanned on BigQuery); when a table is
        missing, each is then counted alone to say which. Unlike :meth:`status` it computes
        no gaps, and on a read-only DuckDB file or on BigQuery it creates nothing, so it is
        cheap enough for a health probe.

        Args:
            table_names: Tables declared in :mod:`jobs.warehouse.schema`.

        Raises:
            ValidationError: A name that is not a declared table.
            DataMissingError: The warehouse itself cannot be reached: the DuckDB file cannot
                be opened, or the BigQuery dataset does not exist.
            SourceUnavailableError: BigQuery could not be reached.
        """
        names = [table(name).name for name in table_names]
        if not names:
            return {}
        # Names come from the schema declaration only, never from a caller's text.
        counts = " UNION ALL ".join(
            f"SELECT '{name}' AS table_name, COUNT(*) AS row_count FROM {name}" for name in names
        )
        try:
            frame = self.run_sql(counts)
        except DataMissingError:
            # A missing table, or no warehouse at all: this raises in the second case.
            self.run_sql("SELECT 1 AS reachable")
            return {name: self._row_count_or_none(name) for name in names}
        held = dict(zip(frame["table_name"], frame["row_count"], strict=True))
        return {name: int(held[name]) for name in names}

    def _row_count_or_none(self, name: str) -> int | None:
        try:
            frame = self.run_sql(f"SELECT COUNT(*) AS row_count FROM {name}")
        except DataMissingError:
            return None
        return int(frame["row_count"].iloc[0])

    def run_sql(self, bigquery_sql: str, **params: Any) -> pd.DataFrame:
        """Run trusted, package-defined BigQuery SQL (not for user text) with parameters."""
        return normalise_result(self._run(bigquery_sql, params, duckdb_sql=None))

    @property
    @abc.abstractmethod
    def location(self) -> str:
        """Where the data lives (file path or project.dataset)."""

    @abc.abstractmethod
    def ensure_tables(self) -> None:
        """Create every declared table that does not exist yet."""

    @abc.abstractmethod
    def close(self) -> None:
        """Release connections."""

    @abc.abstractmethod
    def _run(
        self, bigquery_sql: str, params: dict[str, Any], *, duckdb_sql: str | None
    ) -> pd.DataFrame:
        """Run BigQuery-dialect SQL (``duckdb_sql``: a cached translation, if any)."""

    @abc.abstractmethod
    def _upsert(self, spec: Table, frame: pd.DataFrame) -> None:
        """Replace rows with the frame's keys and insert the frame, atomically."""

    @contextlib.contextmanager
    def writing(self) -> Iterator[object]:
        """Hold the warehouse's write lock across several loads (a seed, a day of ingest).

        A no-op where the backend serialises writes itself (BigQuery); DuckDB takes its
        file lock (see :mod:`jobs.warehouse.duckdb_backend`).
        """
        yield None

    @contextlib.contextmanager
    def reads_only(self) -> Iterator[None]:
        """Inside, an operation that would write raises :class:`NeedsWriteError` (DuckDB).

        Lets a check-then-write (:func:`jobs.warehouse.seed_if_needed`) do its check
        without the write lock and take the lock only when there is something to write.
        """
        yield

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _table_status(self, spec: Table) -> dict[str, Any]:
        entry: dict[str, Any] = {"table": spec.name}
        if spec.time_column is None:
            counts = self.run_sql(f"SELECT COUNT(*) AS row_count FROM {spec.name}")
            entry["rows"] = int(counts["row_count"].iloc[0])
            return entry
        stats = self.run_sql(
            f"SELECT COUNT(*) AS row_count, MIN({spec.time_column}) AS first_start, "
            f"MAX({spec.time_column}) AS last_start FROM {spec.name}"
        )
        entry["rows"] = int(stats["row_count"].iloc[0])
        entry["first_interval_start"] = _iso(stats["first_start"].iloc[0])
        entry["last_interval_start"] = _iso(stats["last_start"].iloc[0])
        if not (spec.end_column or spec.step_seconds):
            return entry  # event data (acceptances, bids, notifications): no regular grid
        gaps = self.run_sql(gap_sql(spec)) if entry["rows"] else pd.DataFrame()
        step = spec.step_seconds or 1800
        entry["gap_count"] = len(gaps)
        entry["missing_periods"] = (
            round(float(gaps["missing_seconds"].sum()) / step) if len(gaps) else 0
        )
        entry["gaps"] = [
            {
                **{column: row[column] for column in spec.series},
                "gap_start": _iso(row["gap_start"]),
                "gap_end": _iso(row["gap_end"]),
                "missing_periods": round(float(row["missing_seconds"]) / step),
            }
            for _, row in gaps.head(MAX_GAPS_LISTED).iterrows()
        ]
        return entry


def gap_sql(spec: Table) -> str:
    """BigQuery SQL listing the gaps of a table's time series (schema-defined names only).

    A gap is a start time later than the end of the previous interval of the same series.

    Returns:
        SQL returning ``<series columns>, gap_start, gap_end, missing_seconds``.
    """
    if spec.time_column is None:
        raise ValidationError(f"{spec.name}: has no time column to check", field="table")
    start = spec.time_column
    if spec.end_column:
        end = spec.end_column
    else:
        end = f"TIMESTAMP_ADD({start}, INTERVAL {int(spec.step_seconds or 1800)} SECOND)"
    series = "".join(f"{column}, " for column in spec.series)
    partition = f"PARTITION BY {', '.join(spec.series)} " if spec.series else ""
    # Gaps at the same instant in several series (all six services) come back in one order.
    tie_break = "".join(f", {column}" for column in spec.series)
    return (
        f"SELECT {series}prev_end AS gap_start, start_at AS gap_end, "
        f"TIMESTAMP_DIFF(start_at, prev_end, SECOND) AS missing_seconds FROM ("
        f"SELECT {series}start_at, LAG(end_at) OVER ({partition}ORDER BY start_at) AS prev_end "
        f"FROM (SELECT DISTINCT {series}{start} AS start_at, {end} AS end_at FROM {spec.name})"
        f") WHERE start_at > prev_end ORDER BY gap_start{tie_break}"
    )


def _iso(value: Any) -> str | None:
    if value is None or pd.isna(value):
        return None
    stamp = pd.Timestamp(value)
    if stamp.tzinfo is None:
        stamp = stamp.tz_localize("UTC")
    return str(stamp.tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%SZ"))


def prepare_frame(spec: Table, frame: pd.DataFrame) -> pd.DataFrame:
    """Check and convert a frame to a table's columns and types (a copy, in column order).

    Raises:
        ValidationError: Unknown column, NULL or duplicated key, unconvertible value.
    """
    unknown = [column for column in frame.columns if column not in spec.column_names]
    if unknown:
        raise ValidationError(
            f"{spec.name}: unknown column(s) {', '.join(map(str, unknown))}", field=str(unknown[0])
        )
    frame = frame.reset_index(drop=True)
    out = pd.DataFrame(index=frame.index)
    for column in spec.columns:
        if column.name in frame.columns:
            out[column.name] = _convert(frame[column.name], column.type, spec.name, column.name)
        elif column.required or column.name in spec.key:
            raise ValidationError(
                f"{spec.name}: missing key column {column.name}", field=column.name
            )
        else:
            out[column.name] = _convert(
                pd.Series([None] * len(frame), dtype=object), column.type, spec.name, column.name
            )
    keys = list(spec.key)
    null_key = out[keys].isna().any(axis=1)
    if null_key.any():
        row = int(np.flatnonzero(null_key.to_numpy())[0])
        missing = next(c for c in keys if pd.isna(out[c].iloc[row]))
        raise ValidationError(f"{spec.name}: row {row} has no {missing}", field=missing)
    duplicated = out.duplicated(keys)
    if duplicated.any():
        row = int(np.flatnonzero(duplicated.to_numpy())[0])
        described = ", ".join(f"{c}={out[c].iloc[row]}" for c in keys)
        raise ValidationError(
            f"{spec.name}: duplicated key ({described}), row {row}", field=keys[0]
        )
    return out


def _convert(values: pd.Series, type_: str, table_name: str, column: str) -> pd.Series:
    where = f"{table_name}.{column}"
    try:
        if type_ == "TIMESTAMP":
            if values.isna().all():
                return pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns, UTC]")
            if pd.api.types.is_datetime64_any_dtype(values):
                parsed = values
            else:
                parsed = pd.to_datetime(values, format="ISO8601")
            if getattr(parsed.dt, "tz", None) is None:
                raise ValidationError(
                    f"{where}: timestamps must be timezone-aware (UTC)", field=column
                )
            utc: pd.Series = parsed.dt.tz_convert("UTC").astype("datetime64[ns, UTC]")
            return utc
        if type_ == "DATE":
            parsed = pd.to_datetime(values)
            if getattr(parsed.dt, "tz", None) is not None:
                raise ValidationError(f"{where}: dates must be calendar dates", field=column)
            return parsed.dt.normalize().astype("datetime64[ns]")
        if type_ == "INT64":
            numbers = pd.to_numeric(values)
            if (numbers.dropna() % 1 != 0).any():
                raise ValidationError(f"{where}: expected whole numbers", field=column)
            return numbers.astype("Int64")
        if type_ == "FLOAT64":
            return pd.to_numeric(values).astype("float64")
        if type_ == "BOOL":
            return values.map(_to_bool, na_action="ignore").astype("boolean")
        text = values.astype(object)
        if pd.api.types.infer_dtype(text, skipna=True) not in {"string", "empty"}:
            text = text.map(lambda v: v if v is None or pd.isna(v) else str(v), na_action=None)
        cleaned: pd.Series = text.astype(object).mask(text.isna(), None)
        return cleaned
    except (ValueError, TypeError) as exc:
        raise ValidationError(f"{where}: cannot convert to {type_}: {exc}", field=column) from exc


def _to_bool(value: Any) -> bool:
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    text = str(value).strip().lower()
    if text in {"true", "1", "t", "y", "yes"}:
        return True
    if text in {"false", "0", "f", "n", "no"}:
        return False
    raise ValueError(f"not a boolean: {value!r}")


def normalise_result(frame: pd.DataFrame) -> pd.DataFrame:
    """Give a backend's result the house dtypes (see :class:`Warehouse`)."""
    out = frame.copy()
    for column in out.columns:
        series = out[column]
        dtype = series.dtype
        if isinstance(dtype, pd.DatetimeTZDtype):
            out[column] = series.dt.tz_convert("UTC").astype("datetime64[ns, UTC]")
        elif pd.api.types.is_datetime64_dtype(dtype):
            out[column] = pd.to_datetime(series).astype("datetime64[ns]")
        elif pd.api.types.is_integer_dtype(dtype):
            out[column] = (
                series.astype("int64") if not series.isna().any() else series.astype("Int64")
            )
        elif str(dtype) == "boolean" and not series.isna().any():
            out[column] = series.astype(bool)
        elif str(dtype) in {"Float64", "float32"}:
            out[column] = series.astype("float64")
    return out
