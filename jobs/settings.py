"""Settings shared by the CLI and the server: read from the environment once, then passed down."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from engine.errors import ValidationError

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA_DIR = REPO_ROOT.parent / "shared" / "data"
DEFAULT_VAR_DIR = REPO_ROOT / "var"


@dataclass(frozen=True)
class Settings:
    """Where data lives and which backends to use.

    Attributes:
        data_dir: Read-only reference and market data (``GBESS_DATA_DIR``).
        var_dir: Writable state: the DuckDB file, workbooks (``GBESS_VAR_DIR``).
        warehouse_backend: ``duckdb`` (embedded default) or ``bigquery`` (``GBESS_WAREHOUSE``).
        duckdb_path: DuckDB file (``GBESS_DUCKDB_PATH``; default ``var/gbess.duckdb``).
        dashboard_backend: ``local`` (xlsx + HTML, default) or ``google`` (``GBESS_DASHBOARD``).
        extra: Any other ``GBESS_*`` variables, for feature settings read by their owners.
    """

    data_dir: Path = DEFAULT_DATA_DIR
    var_dir: Path = DEFAULT_VAR_DIR
    warehouse_backend: str = "duckdb"
    duckdb_path: Path = DEFAULT_VAR_DIR / "gbess.duckdb"
    dashboard_backend: str = "local"
    # Not in repr: it can hold secrets (GBESS_HMAC_SECRET).
    extra: Mapping[str, str] = field(default_factory=dict, repr=False)

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Settings:
        """Build settings from environment variables (only ``GBESS_*`` are read)."""
        data_dir = Path(environ.get("GBESS_DATA_DIR") or DEFAULT_DATA_DIR)
        var_dir = Path(environ.get("GBESS_VAR_DIR") or DEFAULT_VAR_DIR)
        warehouse = environ.get("GBESS_WAREHOUSE", "duckdb").strip().lower()
        if warehouse not in {"duckdb", "bigquery"}:
            raise ValidationError(
                f"GBESS_WAREHOUSE: expected duckdb or bigquery, got {warehouse!r}",
                field="GBESS_WAREHOUSE",
            )
        dashboard = environ.get("GBESS_DASHBOARD", "local").strip().lower()
        if dashboard not in {"local", "google"}:
            raise ValidationError(
                f"GBESS_DASHBOARD: expected local or google, got {dashboard!r}",
                field="GBESS_DASHBOARD",
            )
        duckdb_path = Path(environ.get("GBESS_DUCKDB_PATH") or var_dir / "gbess.duckdb")
        extra = {k: v for k, v in environ.items() if k.startswith("GBESS_")}
        return cls(
            data_dir=data_dir.resolve(),
            var_dir=var_dir.resolve(),
            warehouse_backend=warehouse,
            duckdb_path=duckdb_path.resolve(),
            dashboard_backend=dashboard,
            extra=extra,
        )
