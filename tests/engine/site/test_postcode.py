"""Postcode normalisation and validation, and outward code → GSP group(s)."""

from __future__ import annotations

import pytest

from engine.errors import InvalidPostcodeError, UnknownPostcodeError
from engine.reference import ReferenceData
from engine.site.lookup import load_lookup_tables
from engine.site.postcode import DistrictIndex, Postcode, parse_postcode
from engine.site.tables import LookupTables


@pytest.fixture(scope="module")
def districts(ref: ReferenceData) -> DistrictIndex:
    tables: LookupTables = load_lookup_tables(ref)
    return tables.districts


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("SW1A 1AA", Postcode("SW1A 1AA", "SW", "SW1A", "1AA")),
        ("sw1a1aa", Postcode("SW1A 1AA", "SW", "SW1A", "1AA")),
        ("  ec2v   7hh ", Postcode("EC2V 7HH", "EC", "EC2V", "7HH")),
        ("B1 2ND", Postcode("B1 2ND", "B", "B1", "2ND")),
        ("CF10 3RB", Postcode("CF10 3RB", "CF", "CF10", "3RB")),
        ("M2-3JL", Postcode("M2 3JL", "M", "M2", "3JL")),
        ("N1C 4AB", Postcode("N1C 4AB", "N", "N1C", "4AB")),
        ("GIR 0AA", Postcode("GIR 0AA", "GIR", "GIR", "0AA")),
        ("ec2v", Postcode("EC2V", "EC", "EC2V", None)),
        ("M1", Postcode("M1", "M", "M1", None)),
        ("AB10", Postcode("AB10", "AB", "AB10", None)),
        ("m", Postcode("M", "M", None, None)),
        ("NE", Postcode("NE", "NE", None, None)),
    ],
)
def test_normalise(written: str, expected: Postcode) -> None:
    assert parse_postcode(written) == expected


def test_kind() -> None:
    assert parse_postcode("SW1A 1AA").kind == "postcode"
    assert parse_postcode("SW1A").kind == "outward_code"
    assert parse_postcode("SW").kind == "area"


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("", "empty postcode"),
        ("   ", "empty postcode"),
        ("SW1A 1AAA", "has 8 characters without spaces; a UK postcode has at most 7"),
        ("SW1A 1AA 1", "has 8 characters"),
        ("SW1A 1CA", "inward code '1CA' must be a digit and two letters"),
        ("SW1A 1A1", "inward code '1A1'"),
        ("1W1A 1AA", "outward code '1W1A' is not of the form"),
        ("SWAA 1AA", "outward code 'SWAA'"),
        ("SW1A#1AA", "character '#' at position 5"),
        ("ABC", "is not a postcode, outward code or postcode area"),
        ("M1AB", "is not a postcode, outward code or postcode area"),
        ("BT1 1AA", "Northern Ireland, outside the GB electricity market"),
        ("bt7", "Northern Ireland"),
        ("GY1 1AA", "Guernsey"),
        ("JE2 3AB", "Jersey"),
        ("IM1 1AA", "Isle of Man"),
        ("BT", "Northern Ireland"),
        ("STHL 1ZZ", "Saint Helena, outside the GB electricity market"),
        ("GX11 1AA", "Gibraltar"),
        ("BFPO 1234", "British Forces"),
    ],
)
def test_errors(written: str, message: str) -> None:
    with pytest.raises(InvalidPostcodeError, match=message):
        parse_postcode(written)


# Real city-centre postcodes, one per GSP group; each was checked against
# postcode_district_gsp_group.csv (match_status "agree").
CITY_CENTRES = [
    ("NR2 1NH", "_A"),  # Norwich City Hall
    ("NG1 2DT", "_B"),  # Nottingham Council House
    ("EC2R 8AH", "_C"),  # Bank of England
    ("L1 1JD", "_D"),  # Liverpool Lime Street station
    ("B1 2ND", "_E"),  # Library of Birmingham
    ("NE1 5DL", "_F"),  # Newcastle Central station
    ("M2 3JL", "_G"),  # Manchester Art Gallery
    ("OX1 3BG", "_H"),  # Radcliffe Camera, Oxford
    ("BN1 1EE", "_J"),  # Royal Pavilion, Brighton
    ("CF10 3RB", "_K"),  # Cardiff Castle
    ("BS1 6QF", "_L"),  # Bristol Temple Meads
    ("LS1 4DY", "_M"),  # Leeds station
    ("G2 1DU", "_N"),  # Glasgow City Chambers
    ("EH1 2NG", "_N"),  # Edinburgh Castle
    ("AB10 1AB", "_P"),  # Marischal College, Aberdeen
]


@pytest.mark.parametrize(("written", "gsp_group_id"), CITY_CENTRES)
def test_city_centres(districts: DistrictIndex, written: str, gsp_group_id: str) -> None:
    district = districts.district(parse_postcode(written))
    assert district.status == "agree"
    assert district.gsp_group_ids == (gsp_group_id,)


def test_city_centres_cover_all_14_areas() -> None:
    assert len({gsp for _, gsp in CITY_CENTRES}) == 14


@pytest.mark.parametrize(
    ("outward", "candidates"),
    [("BA10", ("_H", "_L")), ("S40", ("_B", "_M")), ("WA11", ("_D", "_G")), ("KT2", ("_C", "_J"))],
)
def test_border_districts_keep_both_candidates(
    districts: DistrictIndex, outward: str, candidates: tuple[str, ...]
) -> None:
    district = districts.district(parse_postcode(outward))
    assert district.status == "disagree"
    assert district.gsp_group_ids == candidates


def test_sub_district_falls_back_to_district(districts: DistrictIndex) -> None:
    # EC2V is keyed by source A; EC2X is not in the table, EC2 (source B) is.
    assert districts.district(parse_postcode("EC2V 7HH")).outward_code == "EC2V"
    assert districts.district(parse_postcode("EC2X 1AA")).outward_code == "EC2"


def test_unknown_district_and_area(districts: DistrictIndex) -> None:
    with pytest.raises(UnknownPostcodeError, match="AB17 is not in the district table"):
        districts.district(parse_postcode("AB17 1AA"))
    with pytest.raises(InvalidPostcodeError, match="'QQ' is not a UK postcode area"):
        districts.district(parse_postcode("QQ1 1AA"))
    with pytest.raises(UnknownPostcodeError, match="Girobank"):
        districts.district(parse_postcode("GIR 0AA"))
    with pytest.raises(InvalidPostcodeError, match="is a postcode area, not a district"):
        districts.district(parse_postcode("M"))


def test_area_groups(districts: DistrictIndex) -> None:
    assert districts.area_groups(parse_postcode("AB")) == ("_P",)
    # BA holds BA1 (_L), BA9 (_H) and the disputed BA10-BA15 (_H or _L).
    assert districts.area_groups(parse_postcode("BA")) == ("_H", "_L")
    with pytest.raises(InvalidPostcodeError, match="not a UK postcode area"):
        districts.area_groups(parse_postcode("QQ"))


@pytest.mark.parametrize(
    "written", ["ＥＣ２Ｒ ８ＡＨ", "\ufeffEC2R 8AH", "EC2R\u200b8AH", "EC2R\u20138AH"]
)
def test_invisible_and_full_width_forms(written: str) -> None:
    # The same characters the MPAN reader drops (engine.site.mpan.compact), so a postcode beside
    # an MPAN and a postcode alone read alike.
    assert parse_postcode(written).text == "EC2R 8AH"
