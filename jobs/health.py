"""Readiness: whether every reference table loads and the warehouse opens and holds data.

:func:`check_health` is what ``GET /health`` renders (and what an operator can call from a
shell). It checks, in order:

* **reference data**: every table registered in :mod:`engine.reference` loads with its
  declared columns and types, and the site-lookup tables build from them. A directory that
  passed once is not read again (the files are read-only and the tables stay cached); a
  failure is checked afresh each time, so a restored file is noticed.
* **warehouse**: it opens and each table the shipped files fill (``SEEDED_TABLES``) holds
  rows. DuckDB is opened **read-only** under the shared lock with no wait, so a probe
  never takes the write lock and a file being written is reported at once (``locked`` /
  ``busy``) rather than waited for. BigQuery is asked one ``COUNT(*)`` query (no bytes
  scanned) with a short timeout.
* **state directory** (``GBESS_VAR_DIR``): it exists, is on a writable file system with at
  least :data:`MIN_FREE_BYTES` free, and a file can be created in it (and is removed at
  once). A read-only or full ``var/`` is ``degraded``: valuations over a seeded DuckDB
  file still answer (reads need no write), but seeding, ingest, refreshes and the
  dashboard files fail with 503 naming ``GBESS_VAR_DIR``.

Each problem names the component, the table or file, and the check that failed, in words
fit for an unauthenticated caller: no filesystem path, project id, PID or secret. The full
detail, paths included, is kept in ``log_detail`` for the server's log.
"""

from __future__ import annotations

import dataclasses
import errno
import os
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from engine.errors import (
    DataMissingError,
    GbessError,
    ReferenceDataError,
    SourceUnavailableError,
    StorageUnavailableError,
    ValidationError,
)
from engine.reference import reference_data
from engine.site import load_lookup_tables
from jobs.settings import Settings
from jobs.warehouse import SEEDED_TABLES, Warehouse, open_warehouse

#: Longest a BigQuery health query may take [s] (the configured timeout, if shorter, wins).
BIGQUERY_TIMEOUT_S = 5.0
#: Least free space in ``GBESS_VAR_DIR`` before it counts as full [bytes] (a seed of the
#: shipped files writes ~20 MB; a refresh's workbook a few MB).
MIN_FREE_BYTES = 64 * 1024 * 1024

_SEED_HINT = "run `gbess warehouse seed` (or the ingest jobs)"

Component = Literal["reference", "warehouse"]


@dataclass(frozen=True)
class HealthProblem:
    """One thing that keeps the service from answering correctly.

    Attributes:
        component: ``reference`` (the data directory) or ``warehouse``.
        name: What failed: a reference table (``distributors``), ``data_dir``,
            ``lookup_tables``, a warehouse table (``system_prices``) or ``warehouse``.
        check: Which check failed, e.g. ``file-missing``, ``no-rows``, ``locked``.
        detail: A sentence for any caller: no paths, PIDs, project ids or secrets.
        log_detail: The operator's sentence for the log (may name paths).
    """

    component: Component
    name: str
    check: str
    detail: str
    log_detail: str = field(default="", repr=False, compare=False)

    def as_json(self) -> dict[str, str]:
        """The public members (``log_detail`` stays on the server)."""
        return {
            "component": self.component,
            "name": self.name,
            "check": self.check,
            "detail": self.detail,
        }


@dataclass(frozen=True)
class HealthReport:
    """The outcome of :func:`check_health`.

    Attributes:
        warehouse_backend: ``duckdb`` or ``bigquery``.
        problems: Every problem found, reference data first; empty when healthy.
    """

    warehouse_backend: str
    problems: tuple[HealthProblem, ...] = ()

    @property
    def ok(self) -> bool:
        """Whether nothing is wrong."""
        return not self.problems

    @property
    def status(self) -> str:
        """``ok`` or ``degraded``."""
        return "ok" if self.ok else "degraded"


def open_for_probe(settings: Settings) -> Warehouse:
    """The configured warehouse as a probe opens it: DuckDB read-only without waiting for
    the lock, BigQuery with a timeout of at most :data:`BIGQUERY_TIMEOUT_S`."""
    return open_warehouse(probe_settings(settings), read_only=True, lock_timeout_s=0)


def check_health(
    settings: Settings, *, opener: Callable[[Settings], Warehouse] = open_for_probe
) -> HealthReport:
    """Check the reference data and the warehouse (see the module docstring).

    Args:
        settings: Data directory and warehouse settings.
        opener: Opens the warehouse to probe (tests pass one over a fake BigQuery).

    Returns:
        The report; never raises for a problem it can name.
    """
    problems = [
        *check_reference(settings.data_dir),
        *check_warehouse(settings, opener=opener),
        *check_var_dir(settings.var_dir),
    ]
    return HealthReport(settings.warehouse_backend, tuple(problems))


# Data directories whose every table loaded and whose lookup tables built. The files are
# read-only, so a directory that passed once stays good for the life of the process.
_REFERENCE_OK: set[Path] = set()
_REFERENCE_LOCK = threading.Lock()


def check_reference(data_dir: Path) -> list[HealthProblem]:
    """Problems with the reference tables of ``data_dir`` (empty when all load).

    Args:
        data_dir: The data directory (``GBESS_DATA_DIR``).
    """
    if data_dir in _REFERENCE_OK:
        return []
    # The same cached instances the lookups use (keyed by the path as configured), so a
    # healthy check loads nothing twice.
    ref = reference_data(data_dir)
    problems = [_reference_problem(error, "data_dir") for error in ref.check_all()]
    if not problems:
        try:
            load_lookup_tables(ref)
        except ReferenceDataError as exc:
            problems.append(_reference_problem(exc, "lookup_tables"))
        except GbessError as exc:
            # Tables that load but do not fit together (a licence area naming an unknown
            # distributor ...): the start-up load of the lookup tables failed the same way.
            problems.append(
                HealthProblem(
                    "reference",
                    "lookup_tables",
                    "build",
                    f"the site-lookup tables do not build from the reference data "
                    f"({type(exc).__name__}); see the server log",
                    exc.detail,
                )
            )
    if not problems:
        with _REFERENCE_LOCK:
            _REFERENCE_OK.add(data_dir)
    return problems


def _reference_problem(error: ReferenceDataError, name_if_no_table: str) -> HealthProblem:
    return HealthProblem(
        "reference",
        error.table or name_if_no_table,
        error.check,
        error.public_detail,
        error.detail,
    )


def check_warehouse(
    settings: Settings, *, opener: Callable[[Settings], Warehouse] = open_for_probe
) -> list[HealthProblem]:
    """Problems with the configured warehouse (empty when it opens and holds data).

    Args:
        settings: Warehouse settings (``warehouse_backend``, ``duckdb_path``, ``GBESS_BQ_*``).
        opener: Opens the warehouse to probe (default :func:`open_for_probe`).
    """
    if settings.warehouse_backend == "duckdb":
        missing = _duckdb_file_problem(settings.duckdb_path)
        if missing is not None:
            return [missing]
    try:
        with opener(settings) as warehouse:
            counts = warehouse.row_counts(SEEDED_TABLES)
    except StorageUnavailableError as exc:
        return [_storage_problem(exc)]
    except DataMissingError as exc:
        return [_unreachable(settings.warehouse_backend, exc)]
    except (SourceUnavailableError, ValidationError) as exc:
        return [
            _warehouse_problem(
                "unreachable",
                f"the {settings.warehouse_backend} warehouse could not be queried "
                f"({type(exc).__name__}); see the server log",
                exc,
            )
        ]
    return _holdings_problems(counts)


def _duckdb_file_problem(path: Path) -> HealthProblem | None:
    if not path.is_file():
        return HealthProblem(
            "warehouse",
            "warehouse",
            "file-missing",
            f"the DuckDB warehouse file does not exist; {_SEED_HINT}",
            f"warehouse file not found: {path} (GBESS_DUCKDB_PATH)",
        )
    if path.stat().st_size == 0:
        return HealthProblem(
            "warehouse",
            "warehouse",
            "empty-file",
            f"the DuckDB warehouse file is empty (0 bytes), not a database; {_SEED_HINT}",
            f"warehouse file is empty: {path} (GBESS_DUCKDB_PATH)",
        )
    return None


def probe_settings(settings: Settings) -> Settings:
    """The settings with BigQuery's timeout cut to :data:`BIGQUERY_TIMEOUT_S` for a probe."""
    if settings.warehouse_backend != "bigquery":
        return settings
    configured = settings.extra.get("GBESS_BQ_TIMEOUT_S", "").strip()
    try:
        timeout_s = min(float(configured), BIGQUERY_TIMEOUT_S)
    except ValueError:
        timeout_s = BIGQUERY_TIMEOUT_S
    extra = {**settings.extra, "GBESS_BQ_TIMEOUT_S": str(max(1, int(timeout_s)))}
    return dataclasses.replace(settings, extra=extra)


def _unreachable(backend: str, exc: DataMissingError) -> HealthProblem:
    """The warehouse itself is missing: the BigQuery dataset (DuckDB's open failures,
    locks included, come as :class:`StorageUnavailableError`, see :func:`_storage_problem`)."""
    if backend == "duckdb":
        return _warehouse_problem(
            "unreadable",
            "the DuckDB warehouse file cannot be opened read-only (not a DuckDB database?)",
            exc,
        )
    return _warehouse_problem(
        "dataset-missing", f"the BigQuery dataset does not exist; {_SEED_HINT}", exc
    )


def _storage_problem(exc: StorageUnavailableError) -> HealthProblem:
    details = {
        "locked": "the DuckDB warehouse file is being written by another process; "
        "it answers again when the write finishes",
        "busy": "this process has the DuckDB warehouse open for writing, so it cannot also be "
        "opened read-only until that finishes",
        "unreadable": "the DuckDB warehouse file cannot be opened read-only "
        "(not a DuckDB database?)",
        "file-missing": f"the DuckDB warehouse file does not exist; {_SEED_HINT}",
    }
    detail = details.get(exc.check, exc.public_detail)
    return _warehouse_problem(exc.check, detail, exc)


def check_var_dir(var_dir: Path) -> list[HealthProblem]:
    """Problems with the state directory (empty when a file can be written there).

    Args:
        var_dir: ``GBESS_VAR_DIR``.
    """
    # A var/ not made yet is made by the first write: then its nearest parent must take it.
    probe = var_dir
    while not probe.exists() and probe.parent != probe:
        probe = probe.parent
    if not probe.is_dir():
        return [_var_problem("not-a-directory", "is not a directory", var_dir)]
    try:
        stats = os.statvfs(probe)
        if stats.f_flag & os.ST_RDONLY:
            return [_var_problem("read-only", "is on a read-only file system", var_dir)]
        if stats.f_bavail * stats.f_frsize < MIN_FREE_BYTES:
            free_mb = stats.f_bavail * stats.f_frsize // 2**20
            return [_var_problem("full", f"has {free_mb} MB free (fewer than 64 MB)", var_dir)]
        with tempfile.NamedTemporaryFile(dir=probe, prefix=".gbess-health-"):
            pass  # created and removed: the directory accepts new files
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            return [_var_problem("full", "is full", var_dir, exc)]
        return [_var_problem("not-writable", "does not accept new files", var_dir, exc)]
    return []


def _var_problem(check: str, what: str, var_dir: Path, exc: OSError | None = None) -> HealthProblem:
    cause = f": {exc.strerror}" if exc is not None else ""
    return HealthProblem(
        "warehouse",
        "var_dir",
        check,
        f"the state directory (GBESS_VAR_DIR) {what}: valuations over a seeded warehouse "
        "still answer, but seeding, ingest, refreshes and dashboard files fail until it is "
        "writable",
        f"GBESS_VAR_DIR {var_dir} {what}{cause}",
    )


def _warehouse_problem(check: str, detail: str, exc: GbessError) -> HealthProblem:
    return HealthProblem("warehouse", "warehouse", check, detail, exc.detail)


def _holdings_problems(counts: dict[str, int | None]) -> list[HealthProblem]:
    absent = [name for name, rows in counts.items() if rows is None]
    if absent and len(absent) == len(counts):
        return [
            HealthProblem(
                "warehouse",
                "warehouse",
                "no-tables",
                f"the warehouse holds none of its tables; {_SEED_HINT}",
                f"warehouse has none of {', '.join(absent)}",
            )
        ]
    problems = []
    for name, rows in counts.items():
        if rows is None:
            problems.append(
                HealthProblem(
                    "warehouse",
                    name,
                    "table-missing",
                    f"warehouse table {name} does not exist; {_SEED_HINT}",
                    f"warehouse table {name} does not exist",
                )
            )
        elif rows == 0:
            problems.append(
                HealthProblem(
                    "warehouse",
                    name,
                    "no-rows",
                    f"warehouse table {name} holds no rows; {_SEED_HINT}",
                    f"warehouse table {name} holds no rows",
                )
            )
    return problems
