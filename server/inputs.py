"""Request pieces shared by the DUoS and BtM endpoints, on the wire: a tariff choice and a
half-hourly profile, and their translation into :mod:`jobs.inputs`.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator
from pydantic import ValidationError as PydanticValidationError
from pydantic_core import PydanticCustomError

from jobs.inputs import HalfHourlyProfile, fields_named
from server.errors import ProblemError
from server.validation import ApiModel

#: Longest profile accepted: two years of half-hours, both leap years (2 × 366 × 48).
MAX_PROFILE_PERIODS = 2 * 366 * 48
Distributor = int | str | dict[str, Any]


class TariffChoice(ApiModel):
    """Where and which: a licence area and one way of naming the tariff."""

    distributor: Distributor = Field(
        description="Distributor id 10-23, GSP group (_A-_P), or a /v1/lookup result"
    )
    tariff: str | None = Field(None, description="Tariff name, any case or year's wording")
    llfc: str | None = Field(None, description="Line loss factor class, instead of tariff")

    @field_validator("distributor", mode="wrap")
    @classmethod
    def _one_distributor_error(cls, value: Any, handler: Any) -> Any:
        # One message for the field, not one per member of the union ("distributor.int").
        try:
            return handler(value)
        except PydanticValidationError:
            raise PydanticCustomError(
                "distributor",
                "give a distributor id 10-23, a GSP group (_A-_P) or a /v1/lookup result",
            ) from None


class DuosProfile(ApiModel):
    """Half-hourly columns as parallel arrays (at most two years of half-hours)."""

    interval_start: list[str] | None = Field(None, description="ISO 8601 with UTC offset")
    settlement_date: list[str] | None = None
    settlement_period: list[int] | None = None
    import_kwh: list[float] | None = None
    import_kw: list[float] | None = None
    export_kwh: list[float] | None = None
    export_kw: list[float] | None = None
    reactive_kvarh: list[float] | None = None
    reactive_kvar: list[float] | None = None
    reactive_import_kvarh: list[float] | None = None
    reactive_export_kvarh: list[float] | None = None
    max_demand_kva: list[float] | None = None


def profile_of(wire: DuosProfile, field: str = "profile") -> HalfHourlyProfile:
    """The profile of a request body.

    Args:
        wire: The profile as sent.
        field: Its key in the body (``profile``; BtM's is ``load``), named by errors.

    Raises:
        ProblemError: 413 past two years of half-hours (the bills are additive: split it).
        ValidationError: If the arrays differ in length (naming ``field``).
    """
    columns = wire.model_dump(exclude_none=True)
    longest = max((len(values) for values in columns.values()), default=0)
    if longest > MAX_PROFILE_PERIODS:
        raise ProblemError(
            413,
            f"{field}: {longest} half-hours; at most {MAX_PROFILE_PERIODS} (two years) per "
            "request — split the profile and add the bills (they are additive)",
            field=field,
        )
    with fields_named({"profile": field}):
        return HalfHourlyProfile(**columns)
