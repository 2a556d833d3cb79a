"""Site-lookup results: the frozen result and failure rows shared by the CLI and HTTP API."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Literal


@dataclass(frozen=True)
class Candidate:
    """One licence area a postcode district may lie in.

    Attributes:
        gsp_group_id: "_A".."_P".
        gsp_group_name: e.g. "Southern".
        licence_area: e.g. "South England".
        distributor_id: The area's DNO id, e.g. "20".
        distributor_name: The DNO's MDD name.
        operator_group: e.g. "Scottish and Southern Electricity Networks".
    """

    gsp_group_id: str
    gsp_group_name: str
    licence_area: str
    distributor_id: str
    distributor_name: str
    operator_group: str

    def to_dict(self) -> dict[str, str]:
        """Plain JSON-ready dict."""
        return dict(self.__dict__)


@dataclass(frozen=True)
class LookupResult:
    """The answer to one query (field names are the JSON keys).

    Attributes:
        query: The query exactly as given.
        kind: "mpan", "postcode" or "mpan+postcode".
        distributor_id: Two-digit distributor id (the area's DNO for a postcode).
        distributor_name: MDD name of the distributor.
        distributor_type: "DNO", "IDNO" or "other" (asset metering networks 77-78).
        licence_area: Licence area name, e.g. "London"; None if not known.
        gsp_group_id: "_A".."_P"; None if not known.
        gsp_group_name: e.g. "London".
        operator_group: e.g. "UK Power Networks" (of the licence area's DNO).
        market_participant_id: MDD participant id of the distributor, e.g. "LOND".
        match: How the area was found: "mpan", "postcode_district" or "ambiguous".
        candidates: Every possible area when ``match == "ambiguous"``, else empty.
        warnings: Human sentences about anything the answer rests on or overrides.
        postcode: The normalised postcode, outward code or area, if one was given.
        mpan_core: The 13-digit core, if an MPAN was given.
        profile_class: "00".."08" from the top line.
        profile_class_description: MDD description of the profile class.
        meter_timeswitch_class: Three digits from the top line.
        meter_timeswitch_class_description: MDD meaning of the MTC.
        llfc: Line loss factor class, three characters.
        llfc_description: The DNO's MDD description of the LLFC in force on ``as_of``.
        duos_tariff_name: The DUoS tariff the LLFC is listed under for the charging year.
        duos_voltage_level: "LV", "LV_SUB" or "HV" of that tariff.
        duos_charging_year: The charging year of ``as_of`` used for the tariff, e.g.
            "2025/26" (set whenever an LLFC was decoded).
    """

    query: str
    kind: Literal["mpan", "postcode", "mpan+postcode"]
    distributor_id: str | None
    distributor_name: str | None
    distributor_type: str | None
    licence_area: str | None
    gsp_group_id: str | None
    gsp_group_name: str | None
    operator_group: str | None
    market_participant_id: str | None
    match: Literal["mpan", "postcode_district", "ambiguous"]
    candidates: tuple[Candidate, ...]
    warnings: tuple[str, ...]
    postcode: str | None
    mpan_core: str | None
    profile_class: str | None
    profile_class_description: str | None
    meter_timeswitch_class: str | None
    meter_timeswitch_class_description: str | None
    llfc: str | None
    llfc_description: str | None
    duos_tariff_name: str | None
    duos_voltage_level: str | None
    duos_charging_year: str | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict, keys in field order (used by the CLI and the HTTP API)."""
        out = dict(self.__dict__)
        out["candidates"] = [c.to_dict() for c in self.candidates]
        out["warnings"] = list(self.warnings)
        return out


@dataclass(frozen=True)
class LookupFailure:
    """A query that could not be answered, in the per-row error shape.

    Attributes:
        query: The query exactly as given (any JSON value).
        error_type: The error's stable ``type_slug``, e.g. "invalid-mpan".
        detail: What is wrong, in one sentence.
    """

    query: object
    error_type: str
    detail: str

    def to_dict(self) -> dict[str, Any]:
        """``{"query": ..., "error": {"type": ..., "detail": ...}}``."""
        return {"query": self.query, "error": {"type": self.error_type, "detail": self.detail}}


FIELD_NAMES = tuple(f.name for f in fields(LookupResult))
BLANK: dict[str, Any] = dict.fromkeys(FIELD_NAMES)
BLANK.update(candidates=(), warnings=())


def make_result(values: dict[str, Any]) -> LookupResult:
    # Every field is in ``values`` (templates start from _BLANK). A frozen dataclass's
    # __init__ pays one object.__setattr__ per field (~4 us for 24 fields); filling
    # __dict__ directly keeps the 10,000-query budget. The instance stays frozen.
    result = object.__new__(LookupResult)
    result.__dict__.update(values)
    return result
