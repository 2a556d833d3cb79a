"""The warehouse: named BigQuery-dialect queries over DuckDB (embedded) or BigQuery.

Public entry points: :func:`open_warehouse`, :class:`Warehouse`, :func:`seed`,
:func:`seed_if_needed`, :func:`query_names`, ``SEEDED_TABLES``, ``LOCK_TIMEOUT_SETTING``.
"""

from __future__ import annotations

from typing import Any

from engine.errors import ValidationError
from jobs.settings import Settings
from jobs.warehouse import seed as _seed
from jobs.warehouse.base import NeedsWriteError, Warehouse
from jobs.warehouse.dialect import query_names
from jobs.warehouse.seed import SEEDED_TABLES

__all__ = [
    "LOCK_TIMEOUT_SETTING",
    "SEEDED_TABLES",
    "Warehouse",
    "open_warehouse",
    "query_names",
    "seed",
    "seed_if_needed",
]

#: Longest a DuckDB read or write waits for the warehouse lock [s] (default 10).
LOCK_TIMEOUT_SETTING = "GBESS_WAREHOUSE_LOCK_TIMEOUT_S"


def open_warehouse(
    settings: Settings,
    *,
    backend: str | None = None,
    read_only: bool = False,
    lock_timeout_s: float | None = None,
) -> Warehouse:
    """The configured warehouse.

    With DuckDB nothing is opened here: each read opens the file read-only under a shared
    lock and each write (or :meth:`Warehouse.writing` block) read-write under the exclusive
    lock, so any number of processes may hold a warehouse object at once.

    Args:
        settings: Settings (``warehouse_backend``, ``duckdb_path``, ``GBESS_BQ_*`` and
            ``GBESS_WAREHOUSE_LOCK_TIMEOUT_S`` in extra).
        backend: ``duckdb`` or ``bigquery`` to override ``settings.warehouse_backend``.
        read_only: DuckDB only: never write (the file must exist; nothing is created).
        lock_timeout_s: DuckDB only: longest wait for the lock [s] (default the setting).

    Returns:
        A :class:`Warehouse` with ``query(name, **params)``, ``load(table, df)``, ``status()``.

    Raises:
        ValidationError: Unknown backend, or a lock timeout setting that is not a number.
    """
    chosen = (backend or settings.warehouse_backend).lower()
    if chosen not in {"duckdb", "bigquery"}:
        raise ValidationError(
            f"warehouse: expected duckdb or bigquery, got {chosen!r}", field="warehouse"
        )
    if chosen == "bigquery":
        from jobs.warehouse.bigquery_backend import BigQueryWarehouse

        return BigQueryWarehouse.from_settings(settings)
    from jobs.warehouse.duckdb_backend import DEFAULT_LOCK_TIMEOUT_S, DuckDBWarehouse

    if lock_timeout_s is None:
        lock_timeout_s = _lock_timeout_s(settings, DEFAULT_LOCK_TIMEOUT_S)
    setting = "GBESS_DUCKDB_PATH" if settings.extra.get("GBESS_DUCKDB_PATH") else "GBESS_VAR_DIR"
    return DuckDBWarehouse(
        settings.duckdb_path, read_only=read_only, lock_timeout_s=lock_timeout_s, setting=setting
    )


def _lock_timeout_s(settings: Settings, default_s: float) -> float:
    text = settings.extra.get(LOCK_TIMEOUT_SETTING, "").strip()
    if not text:
        return default_s
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 600:
        raise ValidationError(
            f"{LOCK_TIMEOUT_SETTING}: expected seconds between 0 and 600, got {text!r}",
            field=LOCK_TIMEOUT_SETTING,
        )
    return value


def seed(warehouse: Warehouse, settings: Settings, **kwargs: Any) -> list[dict[str, Any]]:
    """Load every shipped market file (:func:`jobs.warehouse.seed.seed`) under the write lock.

    Holding the lock for the whole seed makes it one write: readers see the warehouse
    before or after it, and a second seeder waits instead of loading the same files again.
    """
    with warehouse.writing():
        return _seed.seed(warehouse, settings, **kwargs)


def seed_if_needed(warehouse: Warehouse, settings: Settings) -> list[dict[str, Any]]:
    """Seed unless ``load_log`` already records every shipped file as it is now.

    The check runs with reads only (no write lock, so a read-only ``var/`` still serves a
    seeded file); only when something must be written is the write lock taken, and the
    check repeated under it, so concurrent first requests seed once.

    Returns:
        What was loaded, or an empty list when nothing was needed.
    """
    try:
        with warehouse.reads_only():
            return _seed.seed_if_needed(warehouse, settings)
    except NeedsWriteError:
        pass
    with warehouse.writing():
        return _seed.seed_if_needed(warehouse, settings)
