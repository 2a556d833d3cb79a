"""Which licence area's tariffs apply: a distributor id, a GSP group or a site lookup result.

An IDNO's network sits inside a host area whose all-the-way tariffs it mirrors (SOURCES.md),
so a lookup result is resolved by its GSP group when it has one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from engine.errors import ValidationError
from engine.reference import ReferenceData
from engine.site import LicenceArea, LookupResult, NetworkRegistry, load_lookup_tables


def _registry(ref: ReferenceData) -> NetworkRegistry:
    return load_lookup_tables(ref).network


def resolve_distributor(ref: ReferenceData, distributor: object) -> LicenceArea:
    """The licence area of a distributor given as id 10-23, GSP group or lookup result.

    Args:
        ref: Reference data.
        distributor: ``14`` / ``"14"``, ``"_E"`` / ``"E"``, a
            :class:`~engine.site.result.LookupResult` or a mapping holding
            ``gsp_group_id`` and/or ``distributor_id`` (e.g. its JSON). An IDNO's network
            sits inside a host area whose all-the-way tariffs it mirrors (SOURCES.md), so a
            lookup result is resolved by its GSP group when it has one.

    Raises:
        ValidationError: If the value names no licence area (an IDNO id alone, an
            ambiguous postcode lookup, an unknown id or group).
    """
    registry = _registry(ref)
    if isinstance(distributor, LookupResult):
        distributor = distributor.to_dict()
    if isinstance(distributor, Mapping):
        gsp = distributor.get("gsp_group_id")
        if gsp:
            return resolve_distributor(ref, gsp)
        candidates = distributor.get("candidates") or []
        if candidates:
            groups = ", ".join(str(c.get("gsp_group_id")) for c in candidates)
            raise ValidationError(
                f"distributor: the lookup is ambiguous between GSP groups {groups}; choose one",
                field="distributor",
            )
        did = distributor.get("distributor_id")
        host = registry.distributors.get(str(did)) if did is not None else None
        if host is not None and host.area is None:
            raise ValidationError(
                f"distributor: the lookup found {host.distributor_type} {did} "
                f"({host.market_participant_id}) but not its host licence area; look the "
                "site up with its postcode as well, or give the GSP group",
                field="distributor",
            )
        if did is not None:
            return resolve_distributor(ref, did)
        raise ValidationError(
            "distributor: the lookup result has neither gsp_group_id nor distributor_id",
            field="distributor",
        )
    text = str(distributor).strip().upper() if distributor is not None else ""
    if re.fullmatch(r"_?[A-P]", text) and "_" + text[-1] in registry.areas_by_gsp:
        return registry.area("_" + text[-1])
    found = registry.distributors.get(text)
    if found is not None and found.area is not None:
        return found.area
    hint = (
        f" ({found.distributor_type} {found.market_participant_id} works in every region: "
        "give the GSP group or the site lookup result)"
        if found is not None
        else ""
    )
    raise ValidationError(
        f"distributor: {distributor!r} is not a licence area{hint}; give a distributor id "
        "10-23 or a GSP group _A-_P",
        field="distributor",
    )
