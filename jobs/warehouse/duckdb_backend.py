"""The embedded warehouse: one DuckDB file (default ``var/gbess.duckdb``).

One connection is opened on first use and kept until :meth:`DuckDBWarehouse.close` (use
the warehouse as a context manager): opening a file costs ~40 ms, a dashboard query a few.
DuckDB lets one process write a file at a time, so long-lived readers (the server) should
open it ``read_only`` and close it when done. Timestamps are ``TIMESTAMPTZ`` read with
the session time zone UTC; DuckDB's 128-bit integer results (``SUM``/``COUNT_IF`` of
integers) come back as ``int64`` like BigQuery's INT64.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from engine.errors import DataMissingError, ValidationError
from jobs.warehouse.base import Warehouse
from jobs.warehouse.dialect import to_duckdb
from jobs.warehouse.schema import DUCKDB_TYPES, TABLES, Table, duckdb_ddl

_INCOMING = "_gbess_incoming"


class DuckDBWarehouse(Warehouse):
    """The DuckDB backend.

    Args:
        path: The database file (created with its directory on first write).
        read_only: Open read-only (queries and status only; the file must exist).
    """

    backend = "duckdb"

    def __init__(self, path: Path, *, read_only: bool = False) -> None:
        self.path = Path(path)
        self.read_only = read_only
        self._lock = threading.Lock()
        self._tables_checked = False
        self._connection: duckdb.DuckDBPyConnection | None = None

    @property
    def location(self) -> str:
        """The database file path."""
        return str(self.path)

    def exists(self) -> bool:
        """Whether the database file exists."""
        return self.path.is_file()

    @contextlib.contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """The open connection (opened on first use, TimeZone UTC), used under a lock."""
        with self._lock:
            if self._connection is None:
                self._connection = self._open()
            yield self._connection

    def _open(self) -> duckdb.DuckDBPyConnection:
        if self.read_only and not self.exists():
            raise DataMissingError(
                f"warehouse file not found: {self.path} (run `gbess warehouse seed`; "
                "set GBESS_DUCKDB_PATH to use another file)",
                field="GBESS_DUCKDB_PATH",
            )
        try:
            if not self.read_only:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = duckdb.connect(str(self.path), read_only=self.read_only)
        except (duckdb.Error, OSError) as exc:
            raise DataMissingError(
                f"cannot open warehouse {self.path}: {exc}", field="GBESS_DUCKDB_PATH"
            ) from exc
        connection.execute("SET TimeZone = 'UTC'")
        return connection

    def ensure_tables(self) -> None:
        """Create every declared table that is missing (no-op when read-only)."""
        if self._tables_checked or self.read_only:
            return
        with self.connect() as connection:
            for spec in TABLES.values():
                connection.execute(duckdb_ddl(spec))
        self._tables_checked = True

    def close(self) -> None:
        """Close the connection (the next operation reopens it)."""
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

    def _run(
        self, bigquery_sql: str, params: dict[str, Any], *, duckdb_sql: str | None
    ) -> pd.DataFrame:
        self.ensure_tables()
        sql = duckdb_sql if duckdb_sql is not None else to_duckdb(bigquery_sql)
        with self.connect() as connection:
            try:
                cursor = connection.execute(sql, params or None)
                frame = cursor.fetchdf()
                wide = [d[0] for d in cursor.description or () if str(d[1]) == "HUGEINT"]
            except duckdb.CatalogException as exc:
                raise DataMissingError(
                    f"warehouse {self.path}: {exc} (run `gbess warehouse seed`)",
                    field="GBESS_DUCKDB_PATH",
                ) from exc
            except duckdb.Error as exc:
                raise ValidationError(f"query failed on DuckDB: {exc}", field="query") from exc
        for column in wide:
            if not frame[column].isna().any():
                frame[column] = frame[column].astype("int64")
        return frame

    def _upsert(self, spec: Table, frame: pd.DataFrame) -> None:
        if self.read_only:
            raise ValidationError(f"{spec.name}: warehouse opened read-only", field="table")
        self.ensure_tables()
        match = " AND ".join(f"t.{k} IS NOT DISTINCT FROM i.{k}" for k in spec.key)
        columns = ", ".join(spec.column_names)
        casts = ", ".join(f"CAST({c.name} AS {DUCKDB_TYPES[c.type]})" for c in spec.columns)
        with self.connect() as connection:
            connection.register(_INCOMING, frame)
            try:
                connection.execute("BEGIN TRANSACTION")
                connection.execute(
                    f"DELETE FROM {spec.name} t WHERE EXISTS "
                    f"(SELECT 1 FROM {_INCOMING} i WHERE {match})"
                )
                connection.execute(
                    f"INSERT INTO {spec.name} ({columns}) SELECT {casts} FROM {_INCOMING}"
                )
                connection.execute("COMMIT")
            except duckdb.Error as exc:
                connection.execute("ROLLBACK")
                raise ValidationError(f"{spec.name}: load failed: {exc}", field="table") from exc
            finally:
                connection.unregister(_INCOMING)
