"""``GET /health``: liveness plus whether the data directory and warehouse are in place."""

from __future__ import annotations

from importlib import metadata

from server.api import ApiBlueprint
from server.config import server_config
from server.validation import ApiModel

bp = ApiBlueprint("health", __name__, url_prefix="")


class Health(ApiModel):
    """What ``/health`` reports (no paths or secrets: the route is unauthenticated).

    Attributes:
        status: ``ok`` when data and warehouse are present, else ``degraded``.
        version: Installed gbess version.
        data_dir_present: Whether the reference data directory exists.
        warehouse_backend: ``duckdb`` or ``bigquery``.
        warehouse_present: Whether the DuckDB file exists (``None`` for BigQuery, which
            is not probed here).
        auth_mode: ``both``, ``hmac``, ``oidc`` or ``off``.
    """

    status: str
    version: str
    data_dir_present: bool
    warehouse_backend: str
    warehouse_present: bool | None
    auth_mode: str


def gbess_version() -> str:
    """The installed package version (``0+unknown`` when run from an uninstalled tree)."""
    try:
        return metadata.version("gbess")
    except metadata.PackageNotFoundError:
        return "0+unknown"


@bp.operation(
    "GET",
    "/health",
    response=Health,
    public=True,
    summary="Liveness, version, and whether data and warehouse are present",
)
def health() -> Health:
    """Always 200 while the process serves; ``status`` says whether it is fully usable."""
    config = server_config()
    settings = config.settings
    data_ok = settings.data_dir.is_dir()
    warehouse_ok = (
        settings.duckdb_path.is_file() if settings.warehouse_backend == "duckdb" else None
    )
    return Health(
        status="ok" if data_ok and warehouse_ok is not False else "degraded",
        version=gbess_version(),
        data_dir_present=data_ok,
        warehouse_backend=settings.warehouse_backend,
        warehouse_present=warehouse_ok,
        auth_mode=config.auth_mode,
    )
