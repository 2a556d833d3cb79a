"""The embedded warehouse: one DuckDB file (default ``var/gbess.duckdb``) shared by processes.

DuckDB lets one process hold a file read-write, or any number hold it read-only, never both
(https://duckdb.org/docs/current/connect/concurrency): a second process cannot even open a
file another holds for writing. So the file is shared under our own readers-writer lock,
taken with ``flock`` on ``<file>.lock`` (every thread takes it through its own file
descriptor, so threads of one process exclude each other as processes do):

* **reads** (queries, status, the seed check) take it shared, open the file **read-only**,
  run one statement and close it (~10 ms): many readers in many processes at once;
* **writes** (loads, creating tables, a whole seed) take it exclusive, open the file
  read-write and close it when done (the close checkpoints the WAL): one writer at a time,
  readers wait for it and it waits for them;
* a writer first takes ``<file>.gate`` exclusive and readers pass the gate shared on their
  way in, so a stream of short reads cannot starve a writer.

Whoever cannot have the lock within ``lock_timeout_s`` (``GBESS_WAREHOUSE_LOCK_TIMEOUT_S``,
default 10 s) gets :class:`engine.errors.WarehouseBusyError` (503 + ``Retry-After`` over
HTTP); a missing, unreadable or read-only file gets
:class:`engine.errors.StorageUnavailableError` (503 naming the setting, never the path).
A read-only ``var/`` still serves reads of a seeded file; only writes fail.

Timestamps are ``TIMESTAMPTZ`` read with the session time zone UTC; DuckDB's 128-bit
integer results (``SUM``/``COUNT_IF`` of integers) come back as ``int64`` like BigQuery's.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from engine.errors import (
    DataMissingError,
    StorageUnavailableError,
    ValidationError,
    WarehouseBusyError,
)
from jobs.warehouse.base import NeedsWriteError, Warehouse
from jobs.warehouse.dialect import to_duckdb
from jobs.warehouse.schema import DUCKDB_TYPES, TABLES, Table, duckdb_ddl

_INCOMING = "_gbess_incoming"
#: Longest a read or write waits for the warehouse lock by default [s].
DEFAULT_LOCK_TIMEOUT_S = 10.0
#: What a client is told to wait before retrying a busy warehouse [s] (a seed takes ~1 s).
RETRY_AFTER_S = 2
_MEMORY = ":memory:"
# Polling the lock: first wait and longest wait between attempts [s].
_FIRST_WAIT_S = 0.002
_LONGEST_WAIT_S = 0.05


class DuckDBWarehouse(Warehouse):
    """The DuckDB backend (see the module docstring for how processes share the file).

    Args:
        path: The database file (created with its directory on first write).
        read_only: Never write (queries and status only; the file must exist).
        lock_timeout_s: Longest wait for the warehouse lock [s] (0: try once).
        setting: The setting an operator fixes when the file cannot be used.
    """

    backend = "duckdb"

    def __init__(
        self,
        path: Path,
        *,
        read_only: bool = False,
        lock_timeout_s: float = DEFAULT_LOCK_TIMEOUT_S,
        setting: str = "GBESS_DUCKDB_PATH",
    ) -> None:
        self.path = Path(path)
        self.read_only = read_only
        self.lock_timeout_s = max(0.0, float(lock_timeout_s))
        self.setting = setting
        self._lock = threading.RLock()
        self._tables_checked = False
        self._writer: duckdb.DuckDBPyConnection | None = None
        self._write_depth = 0
        self._reads_only = False
        self._memory: duckdb.DuckDBPyConnection | None = None

    @property
    def location(self) -> str:
        """The database file path."""
        return str(self.path)

    def exists(self) -> bool:
        """Whether the database file exists."""
        return self._in_memory or self.path.is_file()

    @property
    def _in_memory(self) -> bool:
        return str(self.path) == _MEMORY

    # --- the lock --------------------------------------------------------------------

    @contextlib.contextmanager
    def writing(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """Hold the write lock and one read-write connection (re-entrant).

        Everything this warehouse does inside (queries included) uses that connection, so
        a check-then-write (a seed) is atomic against other writers.

        Raises:
            WarehouseBusyError: The lock could not be had within ``lock_timeout_s``.
            StorageUnavailableError: ``var/`` cannot be written (read-only, full, missing).
        """
        with self._lock:
            if self.read_only:
                raise ValidationError("warehouse opened read-only", field="table")
            if self._reads_only:
                raise NeedsWriteError
            if self._writer is not None:
                self._write_depth += 1
                try:
                    yield self._writer
                finally:
                    self._write_depth -= 1
                return
            with self._exclusive():
                self._writer = self._open(read_only=False)
                self._write_depth = 1
                try:
                    yield self._writer
                finally:
                    self._write_depth = 0
                    writer, self._writer = self._writer, None
                    if not self._in_memory:  # ":memory:" lives as long as its connection
                        writer.close()

    @contextlib.contextmanager
    def reads_only(self) -> Iterator[None]:
        """Inside, an operation that would write raises :class:`NeedsWriteError` instead."""
        with self._lock:
            before, self._reads_only = self._reads_only, not self._write_depth
            try:
                yield
            finally:
                self._reads_only = before

    @contextlib.contextmanager
    def _reading(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection to read with: the writer's inside :meth:`writing`, else read-only."""
        if self._writer is not None:
            yield self._writer
            return
        if self._in_memory:
            yield self._memory_connection()
            return
        if not self.path.is_file():
            raise StorageUnavailableError(
                f"warehouse file not found: {self.path} (run `gbess warehouse seed`; "
                f"check {self.setting})",
                check="file-missing",
                setting=self.setting,
            )
        with self._shared():
            connection = self._open(read_only=True)
            try:
                yield connection
            finally:
                connection.close()

    def _memory_connection(self) -> duckdb.DuckDBPyConnection:
        if self._memory is None:
            self._memory = duckdb.connect(_MEMORY)
            self._memory.execute("SET TimeZone = 'UTC'")
        return self._memory

    @contextlib.contextmanager
    def _shared(self) -> Iterator[None]:
        gate = self._lock_fd(".gate", create=False)
        data = self._lock_fd(".lock", create=False)
        try:
            if gate is not None:
                self._flock(gate, fcntl.LOCK_SH, "read")
            try:
                if data is not None:
                    self._flock(data, fcntl.LOCK_SH, "read")
            finally:
                if gate is not None:
                    fcntl.flock(gate, fcntl.LOCK_UN)
            yield
        finally:
            for fd in (data, gate):
                if fd is not None:
                    os.close(fd)  # closing releases the lock

    @contextlib.contextmanager
    def _exclusive(self) -> Iterator[None]:
        if self._in_memory:
            yield
            return
        gate = self._lock_fd(".gate", create=True)
        data = self._lock_fd(".lock", create=True)
        try:
            if gate is not None:
                self._flock(gate, fcntl.LOCK_EX, "write")
            if data is not None:
                self._flock(data, fcntl.LOCK_EX, "write")
            if gate is not None:
                fcntl.flock(gate, fcntl.LOCK_UN)  # readers queue on the data lock behind us
            yield
        finally:
            for fd in (data, gate):
                if fd is not None:
                    os.close(fd)

    def _lock_fd(self, suffix: str, *, create: bool) -> int | None:
        """A descriptor of ``<file><suffix>``; ``None`` for a reader that cannot create it.

        A reader in a read-only directory reads without our lock: no writer can work there
        either (DuckDB must create its WAL beside the file), and DuckDB's own lock still
        refuses a conflicting open, which is then retried like ours.
        """
        path = self.path.with_name(self.path.name + suffix)
        try:
            if create:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            return os.open(path, os.O_RDWR | os.O_CREAT, 0o664)
        except OSError as exc:
            with contextlib.suppress(OSError):
                return os.open(path, os.O_RDONLY)  # an existing lock file, read-only dir
            if create:
                raise self._not_writable(exc) from exc
            return None

    def _flock(self, fd: int, operation: int, purpose: str) -> None:
        deadline = time.monotonic() + self.lock_timeout_s
        wait_s = _FIRST_WAIT_S
        while True:
            try:
                fcntl.flock(fd, operation | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise WarehouseBusyError(
                        f"warehouse {self.path}: the {purpose} lock was not free within "
                        f"{self.lock_timeout_s:g} s (another gbess process is writing; "
                        f"try again in {RETRY_AFTER_S} s)",
                        retry_after_s=RETRY_AFTER_S,
                    ) from None
                time.sleep(wait_s)
                wait_s = min(2 * wait_s, _LONGEST_WAIT_S)

    def _open(self, *, read_only: bool) -> duckdb.DuckDBPyConnection:
        """Open the file; a DuckDB lock held by a process outside our lock is waited for."""
        if self._in_memory:
            return self._memory_connection()
        deadline = time.monotonic() + self.lock_timeout_s
        wait_s = _FIRST_WAIT_S
        while True:
            try:
                connection = duckdb.connect(str(self.path), read_only=read_only)
                connection.execute("SET TimeZone = 'UTC'")
                return connection
            except (duckdb.IOException, duckdb.ConnectionException) as exc:
                busy = _busy_check(exc)
                if busy is None:
                    raise self._cannot_open(exc, read_only=read_only) from exc
                if time.monotonic() >= deadline:
                    raise WarehouseBusyError(
                        f"warehouse {self.path} is held by another connection: {exc}",
                        retry_after_s=RETRY_AFTER_S,
                        check=busy,
                    ) from exc
                time.sleep(wait_s)
                wait_s = min(2 * wait_s, _LONGEST_WAIT_S)
            except (duckdb.Error, OSError) as exc:
                raise self._cannot_open(exc, read_only=read_only) from exc

    def _cannot_open(self, exc: BaseException, *, read_only: bool) -> StorageUnavailableError:
        if not read_only and _is_write_fault(exc):
            return self._not_writable(exc)
        return StorageUnavailableError(
            f"cannot open warehouse {self.path}: {exc} (check {self.setting})",
            check="unreadable",
            setting=self.setting,
        )

    def _not_writable(self, exc: BaseException) -> StorageUnavailableError:
        return StorageUnavailableError(
            f"cannot write the warehouse {self.path}: {exc} (GBESS_VAR_DIR must be a "
            "writable directory with free space)",
            check="not-writable",
        )

    # --- the backend primitives --------------------------------------------------------

    def ensure_tables(self) -> None:
        """Create every declared table that is missing (no-op when read-only).

        Checked with a read first, so a warehouse that has them takes no write lock.
        """
        with self._lock:
            if self._tables_checked or self.read_only:
                return
            if not self._write_depth and self._has_every_table():
                self._tables_checked = True
                return
            with self.writing() as connection:
                try:
                    for spec in TABLES.values():
                        connection.execute(duckdb_ddl(spec))
                except (duckdb.IOException, OSError) as exc:
                    raise self._not_writable(exc) from exc
            self._tables_checked = True

    def _has_every_table(self) -> bool:
        if not self.exists():
            return False
        with self._reading() as connection:
            names = connection.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
            ).fetchall()
        return set(TABLES) <= {name for (name,) in names}

    def close(self) -> None:
        """Release connections (reads and writes hold none between calls)."""
        with self._lock:
            if self._memory is not None and not self._write_depth:
                self._memory.close()
                self._memory = None
                self._tables_checked = False

    def _run(
        self, bigquery_sql: str, params: dict[str, Any], *, duckdb_sql: str | None
    ) -> pd.DataFrame:
        sql = duckdb_sql if duckdb_sql is not None else to_duckdb(bigquery_sql)
        with self._lock:
            self.ensure_tables()
            with self._reading() as connection:
                try:
                    cursor = connection.execute(sql, params or None)
                    frame = cursor.fetchdf()
                    wide = [d[0] for d in cursor.description or () if str(d[1]) == "HUGEINT"]
                except duckdb.CatalogException as exc:
                    # No path: this detail reaches HTTP clients (404), the name suffices.
                    raise DataMissingError(
                        f"the warehouse lacks a table: {exc} (run `gbess warehouse seed`)",
                        field="GBESS_DUCKDB_PATH",
                    ) from exc
                except duckdb.IOException as exc:
                    raise self._cannot_open(exc, read_only=True) from exc
                except duckdb.Error as exc:
                    raise ValidationError(f"query failed on DuckDB: {exc}", field="query") from exc
        for column in wide:
            if not frame[column].isna().any():
                frame[column] = frame[column].astype("int64")
        return frame

    def _upsert(self, spec: Table, frame: pd.DataFrame) -> None:
        if self.read_only:
            raise ValidationError(f"{spec.name}: warehouse opened read-only", field="table")
        match = " AND ".join(f"t.{k} IS NOT DISTINCT FROM i.{k}" for k in spec.key)
        columns = ", ".join(spec.column_names)
        casts = ", ".join(f"CAST({c.name} AS {DUCKDB_TYPES[c.type]})" for c in spec.columns)
        with self._lock, self.writing() as connection:
            self.ensure_tables()
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
                if isinstance(exc, duckdb.IOException) or _is_write_fault(exc):
                    raise self._not_writable(exc) from exc
                raise ValidationError(f"{spec.name}: load failed: {exc}", field="table") from exc
            finally:
                connection.unregister(_INCOMING)


def _busy_check(exc: BaseException) -> str | None:
    """``locked`` (another process holds DuckDB's lock), ``busy`` (this one, read-write)."""
    if isinstance(exc, duckdb.ConnectionException) and "different configuration" in str(exc):
        return "busy"
    if isinstance(exc, duckdb.IOException) and "lock" in str(exc).lower():
        return "locked"
    return None


def _is_write_fault(exc: BaseException) -> bool:
    """A read-only or full file system, or no permission to write."""
    if isinstance(exc, OSError) and exc.errno in {
        errno.EACCES,
        errno.EPERM,
        errno.EROFS,
        errno.ENOSPC,
        errno.EDQUOT,
    }:
        return True
    text = str(exc).lower()
    return any(
        words in text
        for words in ("permission denied", "read-only file system", "no space left", "quota")
    )
