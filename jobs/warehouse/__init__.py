"""The warehouse: named BigQuery-dialect queries over DuckDB (embedded) or BigQuery.

Public entry points: :func:`open_warehouse`, :class:`Warehouse`, :func:`seed`,
:func:`seed_if_needed`, :func:`query_names`, ``SEEDED_TABLES``.
"""

from __future__ import annotations

from engine.errors import ValidationError
from jobs.settings import Settings
from jobs.warehouse.base import Warehouse
from jobs.warehouse.dialect import query_names
from jobs.warehouse.seed import SEEDED_TABLES, seed, seed_if_needed

__all__ = ["SEEDED_TABLES", "Warehouse", "open_warehouse", "query_names", "seed", "seed_if_needed"]


def open_warehouse(
    settings: Settings, *, backend: str | None = None, read_only: bool = False
) -> Warehouse:
    """The configured warehouse.

    Args:
        settings: Settings (``warehouse_backend``, ``duckdb_path``, ``GBESS_BQ_*`` in extra).
        backend: ``duckdb`` or ``bigquery`` to override ``settings.warehouse_backend``.
        read_only: DuckDB only: open the file read-only (it must exist).

    Returns:
        A :class:`Warehouse` with ``query(name, **params)``, ``load(table, df)``, ``status()``.
    """
    chosen = (backend or settings.warehouse_backend).lower()
    if chosen not in {"duckdb", "bigquery"}:
        raise ValidationError(
            f"warehouse: expected duckdb or bigquery, got {chosen!r}", field="warehouse"
        )
    if chosen == "bigquery":
        from jobs.warehouse.bigquery_backend import BigQueryWarehouse

        return BigQueryWarehouse.from_settings(settings)
    from jobs.warehouse.duckdb_backend import DuckDBWarehouse

    return DuckDBWarehouse(settings.duckdb_path, read_only=read_only)
