"""The distributor registry: DNO licence areas and IDNOs by MPAN distributor id.

Sources: ``distributors.csv`` (every MDD 377 participant with the Distributor role, IDNOs
included) and ``dno_licence_areas.csv`` (the 14 licence areas: distributor ids 10-23,
GSP groups ``_A``.. ``_P``, operator groups). An IDNO's MPAN does not identify a region:
IDNOs operate in every GSP group, so the host licence area has to come from the site's
postcode (or the IDNO's LLFC, whose lists are not in the data).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from engine.errors import DataMissingError, InvalidMpanError
from engine.reference import date_values, required_text_values


@dataclass(frozen=True)
class LicenceArea:
    """One of the 14 DNO licence areas.

    Attributes:
        distributor_id: "10".."23".
        market_participant_id: The DNO's MDD participant id, e.g. "LOND".
        licence_area: Area name, e.g. "London".
        gsp_group_id: "_A".."_P".
        gsp_group_name: MDD GSP group name, e.g. "London".
        operator_group: Operator group name, e.g. "UK Power Networks".
        licensee_name: Licensee, e.g. "London Power Networks plc".
    """

    distributor_id: str
    market_participant_id: str
    licence_area: str
    gsp_group_id: str
    gsp_group_name: str
    operator_group: str
    licensee_name: str


@dataclass(frozen=True)
class Distributor:
    """A distributor as identified by the first two digits of an MPAN core.

    Attributes:
        distributor_id: Two digits, e.g. "12" or "27".
        distributor_name: MDD name, e.g. "London Power Networks".
        distributor_type: "DNO" (10-23), "IDNO" (24-76), "other" (asset metering
            networks 77-78) or "test" (RECCo 97-99).
        market_participant_id: MDD participant id, e.g. "LOND", "ETCL".
        effective_from: First day of the distributor role.
        effective_to: Last day, or None while current.
        area: The licence area for a DNO; None for every other type.
    """

    distributor_id: str
    distributor_name: str
    distributor_type: str
    market_participant_id: str
    effective_from: dt.date
    effective_to: dt.date | None
    area: LicenceArea | None


class NetworkRegistry:
    """Distributors by id and licence areas by GSP group.

    Args:
        distributors: Every distributor by its two-digit id.
    """

    def __init__(self, distributors: Mapping[str, Distributor]) -> None:
        self.distributors = dict(distributors)
        self.areas_by_gsp: dict[str, LicenceArea] = {
            d.area.gsp_group_id: d.area for d in self.distributors.values() if d.area is not None
        }

    def distributor(self, distributor_id: str) -> Distributor:
        """The distributor with this id (the first two digits of an MPAN core).

        Raises:
            InvalidMpanError: If no distributor has the id, or it is a RECCo test id.
        """
        found = self.distributors.get(distributor_id)
        if found is None:
            raise InvalidMpanError(
                f"unknown distributor {distributor_id}: the first two digits of an MPAN "
                f"core must be a distributor id in Market Domain Data (10-23 licence-area "
                f"DNOs, 24 and up IDNOs)",
                field="mpan_core",
            )
        if found.distributor_type == "test":
            raise InvalidMpanError(
                f"distributor {distributor_id} ({found.market_participant_id}) is a "
                f"RECCo test id, not a network",
                field="mpan_core",
            )
        return found

    def area(self, gsp_group_id: str) -> LicenceArea:
        """The licence area of a GSP group.

        Raises:
            DataMissingError: If the licence-area table has no such GSP group.
        """
        found = self.areas_by_gsp.get(gsp_group_id)
        if found is None:
            raise DataMissingError(f"no licence area for GSP group {gsp_group_id!r}")
        return found


def _texts(frame: pd.DataFrame, column: str) -> list[str]:
    return required_text_values(frame[column])


def build_network_registry(
    distributors: pd.DataFrame, licence_areas: pd.DataFrame
) -> NetworkRegistry:
    """Build the registry from the ``distributors`` and ``dno_licence_areas`` tables.

    Raises:
        DataMissingError: If a licence-area row names a distributor the distributor
            table lacks.
    """
    areas: dict[str, LicenceArea] = {}
    for values in zip(
        *(
            _texts(licence_areas, column)
            for column in (
                "distributor_id",
                "market_participant_id",
                "licence_area_name",
                "gsp_group_id",
                "gsp_group_name",
                "operator_group_name",
                "licensee_name",
            )
        ),
        strict=True,
    ):
        areas[values[0]] = LicenceArea(*values)
    registry: dict[str, Distributor] = {}
    starts = date_values(distributors["effective_from"])
    ends = date_values(distributors["effective_to"])
    for distributor_id, name, kind_text, mpid, start, end in zip(
        _texts(distributors, "distributor_id"),
        _texts(distributors, "mdd_distributor_name"),
        _texts(distributors, "distributor_type"),
        _texts(distributors, "market_participant_id"),
        starts,
        ends,
        strict=True,
    ):
        kind = kind_text.split(" ")[0]
        if start is None:
            raise DataMissingError(f"distributors.csv: {distributor_id} has no effective_from")
        registry[distributor_id] = Distributor(
            distributor_id=distributor_id,
            distributor_name=name,
            distributor_type=kind,
            market_participant_id=mpid,
            effective_from=start,
            effective_to=end,
            area=areas.get(distributor_id) if kind == "DNO" else None,
        )
    missing = sorted(set(areas) - set(registry))
    if missing:
        raise DataMissingError(
            f"dno_licence_areas.csv names distributor(s) {', '.join(missing)} that "
            f"distributors.csv lacks"
        )
    no_area = sorted(k for k, d in registry.items() if d.distributor_type == "DNO" and not d.area)
    if no_area:
        raise DataMissingError(
            f"distributors.csv DNO(s) {', '.join(no_area)} have no licence area row"
        )
    return NetworkRegistry(registry)
