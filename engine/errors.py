"""The error hierarchy every layer raises and the server maps to problem+json.

Each class carries a stable ``type_slug`` (used for the RFC 9457 ``type`` URI) and, where
one input is to blame, the ``field`` that caused it.
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


class SourceUnavailableError(GbessError):
    """An external source (Elexon, NESO, Google) failed after bounded retries."""

    type_slug = "source-unavailable"
