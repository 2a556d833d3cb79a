"""The error hierarchy every layer raises and the server maps to problem+json.

Each class carries a stable ``type_slug`` (used for the RFC 9457 ``type`` URI) and, where
one input is to blame, the ``field`` that caused it. ``detail`` is for the operator (the CLI
prints it; it may name server paths); ``public_detail`` is what an HTTP client is shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class GbessError(Exception):
    """Base class for every error the product raises on purpose.

    Args:
        detail: A human sentence saying what is wrong and, where possible, what to do.
        field: The input field (request key, CLI option or column) at fault, if any.
        extensions: Machine-readable facts about the error (JSON values), sent as RFC 9457
            extension members so clients never parse ``detail``, e.g. ``missing_levies``.
    """

    type_slug = "gbess-error"

    def __init__(
        self,
        detail: str,
        *,
        field: str | None = None,
        extensions: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field
        self.extensions = dict(extensions or {})

    @property
    def public_detail(self) -> str:
        """The sentence an HTTP client is shown (``detail`` unless it names server paths)."""
        return self.detail


class ValidationError(GbessError, ValueError):
    """An input value is malformed or out of range."""

    type_slug = "validation-error"


class InvalidMpanError(ValidationError):
    """An MPAN (core or full) fails its format or check-digit rules."""

    type_slug = "invalid-mpan"


class InvalidPostcodeError(ValidationError):
    """A postcode is malformed, or lies outside the GB market."""

    type_slug = "invalid-postcode"


class UnknownPostcodeError(GbessError, LookupError):
    """A well-formed postcode district that the reference tables do not know."""

    type_slug = "unknown-postcode"


class TariffNotFoundError(GbessError, LookupError):
    """No DUoS tariff matches the request for that area and charging year."""

    type_slug = "tariff-not-found"


class InfeasibleDispatchError(GbessError):
    """A battery problem has no feasible schedule (e.g. an unreachable final SoC)."""

    type_slug = "infeasible-dispatch"


class DataMissingError(GbessError, LookupError):
    """A reference table, market series or published figure is not available."""

    type_slug = "data-missing"


class ReferenceDataError(DataMissingError):
    """A reference table the service reads from its data directory is missing or broken.

    A server fault, unlike its parent (data the caller asked for that does not exist): the
    operator fixes it by restoring the file under ``GBESS_DATA_DIR``. ``detail`` names the
    file and the setting (and may name the directory, for the CLI and the log);
    ``public_detail`` names the table and its file relative to the data directory only.

    Args:
        detail: Operator's sentence: what is wrong and which setting to check.
        check: What failed: ``data-dir-missing``, ``file-missing``, ``unreadable``,
            ``missing-columns``, ``bad-value``, ``empty-cell``, ``unknown-table`` (or
            ``unavailable`` when not said).
        table: Registered table name, e.g. ``distributors`` (``None``: the directory).
        file: The table's file relative to the data directory, e.g. ``distributors.csv``.
        field: The setting to fix (``GBESS_DATA_DIR``).
    """

    type_slug = "reference-data-unavailable"

    def __init__(
        self,
        detail: str,
        *,
        check: str = "unavailable",
        table: str | None = None,
        file: str | None = None,
        field: str | None = None,
    ) -> None:
        facts = {"check": check} | ({"table": table} if table else {})
        super().__init__(detail, field=field, extensions=facts)
        self.check = check
        self.table = table
        self.file = file

    @property
    def public_detail(self) -> str:
        """Which table failed which check, without the server's directory."""
        what = {
            "data-dir-missing": "the data directory is missing",
            "file-missing": "file missing",
            "unreadable": "file is not a readable UTF-8 CSV",
            "missing-columns": "required columns missing",
            "bad-value": "a value of the wrong type",
            "empty-cell": "a required cell is empty",
            "unknown-table": "no such table is registered",
        }.get(self.check, self.check)
        if self.table is None:
            return f"reference data unavailable on the server: {what}"
        source = f" ({self.file})" if self.file else ""
        return f"reference table {self.table}{source} unavailable on the server: {what}"


class SourceUnavailableError(GbessError):
    """An external source (Elexon, NESO, Google) failed after bounded retries."""

    type_slug = "source-unavailable"


class StorageUnavailableError(GbessError):
    """The server's own writable state (``GBESS_VAR_DIR``: the DuckDB warehouse, the
    dashboard files) is missing, unreadable, read-only or full.

    A server fault (503), not the caller's: the operator fixes the directory or the setting.
    ``detail`` may name the path (CLI, log); ``public_detail`` names the setting only.

    Args:
        detail: Operator's sentence: what failed, where, and what to do.
        check: ``file-missing``, ``unreadable``, ``not-writable``, ``locked``, ``busy``.
        setting: The setting to fix (``GBESS_VAR_DIR``, or ``GBESS_DUCKDB_PATH`` when set).
    """

    type_slug = "storage-unavailable"

    def __init__(self, detail: str, *, check: str, setting: str = "GBESS_VAR_DIR") -> None:
        super().__init__(detail, field=setting, extensions={"check": check})
        self.check = check
        self.setting = setting

    @property
    def public_detail(self) -> str:
        """What failed and which setting the operator checks, without a path or PID."""
        what = {
            "file-missing": "the warehouse file does not exist (run `gbess warehouse seed`)",
            "unreadable": "the warehouse file cannot be opened",
            "not-writable": "the server's state directory is read-only or full",
            "locked": "the warehouse is being written; try again shortly",
            "busy": "the warehouse is being written; try again shortly",
        }.get(self.check, "the server's state directory cannot be used")
        if self.check in {"locked", "busy"}:
            return what  # nothing for the operator to fix: a write is in progress
        return f"{what} (operator: check {self.setting})"


class WarehouseBusyError(StorageUnavailableError):
    """The warehouse lock could not be had in time: a writer holds it (503 + Retry-After).

    Args:
        detail: Operator's sentence.
        retry_after_s: When the client may try again [s] (sent as ``Retry-After``).
        check: ``locked`` (another process writes) or ``busy`` (this process writes).
    """

    type_slug = "warehouse-busy"

    def __init__(self, detail: str, *, retry_after_s: int, check: str = "locked") -> None:
        super().__init__(detail, check=check)
        self.retry_after_s = retry_after_s
        self.extensions["retry_after_s"] = retry_after_s
