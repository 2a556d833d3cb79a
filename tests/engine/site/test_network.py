"""The distributor registry: licence-area DNOs, IDNOs, and ids that are not networks."""

from __future__ import annotations

import datetime as dt

import pytest

from engine.errors import DataMissingError, InvalidMpanError
from engine.reference import ReferenceData
from engine.site.lookup import load_lookup_tables
from engine.site.network import NetworkRegistry, build_network_registry


@pytest.fixture(scope="module")
def network(ref: ReferenceData) -> NetworkRegistry:
    return load_lookup_tables(ref).network


@pytest.mark.parametrize(
    ("distributor_id", "mpid", "gsp", "area", "operator"),
    [
        ("10", "EELC", "_A", "East England", "UK Power Networks"),
        ("12", "LOND", "_C", "London", "UK Power Networks"),
        ("17", "HYDE", "_P", "North Scotland", "Scottish and Southern Electricity Networks"),
        ("18", "SPOW", "_N", "South Scotland", "SP Energy Networks"),
        ("23", "YELG", "_M", "Yorkshire", "Northern Powergrid"),
    ],
)
def test_dno_resolves_to_its_licence_area(
    network: NetworkRegistry, distributor_id: str, mpid: str, gsp: str, area: str, operator: str
) -> None:
    dno = network.distributor(distributor_id)
    assert dno.distributor_type == "DNO"
    assert dno.market_participant_id == mpid
    assert dno.area is not None
    assert (dno.area.gsp_group_id, dno.area.licence_area, dno.area.operator_group) == (
        gsp,
        area,
        operator,
    )
    assert network.area(gsp) is dno.area


def test_fourteen_areas_fourteen_gsp_groups(network: NetworkRegistry) -> None:
    assert sorted(network.areas_by_gsp) == [f"_{c}" for c in "ABCDEFGHJKLMNP"]
    assert {a.distributor_id for a in network.areas_by_gsp.values()} == {
        str(i) for i in range(10, 24)
    }


def test_idno_has_no_area(network: NetworkRegistry) -> None:
    idno = network.distributor("27")
    assert (idno.distributor_type, idno.market_participant_id, idno.area) == ("IDNO", "ETCL", None)
    assert idno.distributor_name == "The Electricity Network Company Ltd"


def test_ended_idno_keeps_its_dates(network: NetworkRegistry) -> None:
    edfi = network.distributor("28")
    assert edfi.effective_to == dt.date(2014, 12, 17)


def test_asset_metering_network_is_other(network: NetworkRegistry) -> None:
    assert network.distributor("77").distributor_type == "other"


@pytest.mark.parametrize("distributor_id", ["00", "09", "41", "44", "53", "96"])
def test_unknown_distributor(network: NetworkRegistry, distributor_id: str) -> None:
    with pytest.raises(InvalidMpanError, match=f"unknown distributor {distributor_id}"):
        network.distributor(distributor_id)


def test_test_ids_are_not_networks(network: NetworkRegistry) -> None:
    with pytest.raises(InvalidMpanError, match=r"98 \(CIDB\) is a RECCo test id"):
        network.distributor("98")


def test_unknown_gsp_group(network: NetworkRegistry) -> None:
    with pytest.raises(DataMissingError, match="_Z"):
        network.area("_Z")


def test_licence_area_without_distributor_row_is_reported(ref: ReferenceData) -> None:
    distributors = ref.table("distributors")
    with pytest.raises(DataMissingError, match=r"names distributor\(s\) 12"):
        build_network_registry(
            distributors[distributors["distributor_id"] != "12"], ref.table("dno_licence_areas")
        )
