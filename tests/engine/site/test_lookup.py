"""Site lookup end to end: MPAN authority, postcode districts, ambiguity, per-row errors."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.errors import (
    InvalidMpanError,
    InvalidPostcodeError,
    UnknownPostcodeError,
    ValidationError,
)
from engine.reference import ReferenceData
from engine.site.lookup import load_lookup_tables, lookup_many, lookup_site
from engine.site.mpan import check_digit
from engine.site.result import FIELD_NAMES, LookupFailure, LookupResult
from engine.site.tables import LookupTables

AS_OF = dt.date(2025, 6, 1)  # charging year 2025/26


@pytest.fixture(scope="module")
def tables(ref: ReferenceData) -> LookupTables:
    return load_lookup_tables(ref)


def core(distributor_id: str, body: str = "0001234567") -> str:
    first12 = distributor_id + body
    return first12 + check_digit(first12)


def look(tables: LookupTables, query: str, as_of: dt.date = AS_OF) -> LookupResult:
    return lookup_site(query, tables, as_of)


ISSUE_FIELDS = [
    "query",
    "kind",
    "distributor_id",
    "distributor_name",
    "distributor_type",
    "licence_area",
    "gsp_group_id",
    "gsp_group_name",
    "operator_group",
    "market_participant_id",
    "match",
    "candidates",
    "warnings",
    "mpan_core",
    "profile_class",
    "meter_timeswitch_class",
    "llfc",
    "llfc_description",
    "duos_tariff_name",
]


def test_result_has_every_field_the_issue_names(tables: LookupTables) -> None:
    result = look(tables, "SW1A 1AA")
    assert set(ISSUE_FIELDS) <= set(FIELD_NAMES)
    assert list(result.to_dict()) == list(FIELD_NAMES)
    for name in ISSUE_FIELDS:
        assert hasattr(result, name)


def test_result_is_frozen_and_json_ready(tables: LookupTables) -> None:
    result = look(tables, "BA10 0AA")
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.match = "mpan"  # type: ignore[misc]  # frozen: the assignment is the error tested
    document = json.loads(json.dumps(result.to_dict()))
    assert document["candidates"][0]["gsp_group_id"] == "_H"
    assert dataclasses.asdict(result)["query"] == "BA10 0AA"
    assert result == look(tables, "BA10 0AA")


# --- MPAN ---------------------------------------------------------------------------------


def test_dno_core(tables: LookupTables) -> None:
    result = look(tables, "12 0001 2345 679")
    assert (result.kind, result.match, result.mpan_core) == ("mpan", "mpan", "1200012345679")
    assert (result.distributor_id, result.distributor_type, result.market_participant_id) == (
        "12",
        "DNO",
        "LOND",
    )
    assert (result.gsp_group_id, result.gsp_group_name, result.licence_area) == (
        "_C",
        "London",
        "London",
    )
    assert result.operator_group == "UK Power Networks"
    assert result.warnings == ()
    assert result.llfc is None
    assert result.duos_tariff_name is None


def test_idno_core_says_postcode_needed(tables: LookupTables) -> None:
    result = look(tables, core("27"))
    assert (result.distributor_type, result.distributor_name) == (
        "IDNO",
        "The Electricity Network Company Ltd",
    )
    assert result.gsp_group_id is None
    assert result.licence_area is None
    assert result.match == "mpan"
    assert "add the site postcode" in result.warnings[0]


def test_full_mpan_decodes_top_line_and_tariff(tables: LookupTables) -> None:
    result = look(tables, "S 01 801 001\n" + core("12"))
    assert (result.profile_class, result.profile_class_description) == (
        "01",
        "Domestic Unrestricted",
    )
    assert result.meter_timeswitch_class == "801"
    assert (
        result.meter_timeswitch_class_description == "NHH Unrestricted 1-rate Non-Prog Credit Meter"
    )
    assert (result.llfc, result.llfc_description) == ("001", "Domestic Aggregated w/Residual")
    assert result.duos_tariff_name == "Domestic Aggregated or CT with Residual"
    assert (result.duos_voltage_level, result.duos_charging_year) == ("LV", "2025/26")
    assert result.warnings == ()


def test_tariff_follows_the_charging_year_of_as_of(tables: LookupTables) -> None:
    # LOND 2023/24 lists 965 (closed, in the "964965" cell) under the related-MPAN tariff;
    # the MDD record of 965 ended 2019-04-30, so a warning says it is not in force.
    result = look(tables, "00 845 965 " + core("12"), dt.date(2024, 3, 31))
    assert result.duos_charging_year == "2023/24"
    assert result.duos_tariff_name == "Non-Domestic Aggregated (related MPAN)"
    assert result.llfc_description == "Small Non Domestic Off Peak"
    assert any("not in force" in w and "2019-04-30" in w for w in result.warnings)


def test_llfc_without_lists_in_that_year_warns(tables: LookupTables) -> None:
    result = look(tables, "01 801 001 " + core("11"))
    assert result.llfc_description == "Domestic Single Rate"
    assert result.duos_tariff_name is None
    assert any("no LLFC lists for distributor 11" in w for w in result.warnings)


@pytest.mark.parametrize(
    ("as_of", "year"), [(dt.date(2022, 3, 31), "2021/22"), (dt.date(2028, 4, 1), "2028/29")]
)
def test_charging_year_outside_the_duos_data_says_so(
    tables: LookupTables, as_of: dt.date, year: str
) -> None:
    # The DUoS table covers 2022/23-2027/28; LOND (12) has LLFC lists in 2025/26, so a
    # year outside the table must not be blamed on missing lists ("IDNO statements").
    result = look(tables, "01 801 001 " + core("12"), as_of)
    assert (result.duos_charging_year, result.duos_tariff_name) == (year, None)
    assert result.llfc_description == "Domestic Aggregated w/Residual"
    assert result.warnings == (
        f"the DUoS data covers 2022/23 to 2027/28; {year} (the charging year of "
        f"{as_of.isoformat()}) is outside it, so the tariff is not identified",
    )


def test_llfc_listed_twice_is_not_silently_picked(tables: LookupTables) -> None:
    result = look(tables, "00 845 581 " + core("22"))
    assert result.duos_tariff_name is None
    assert result.duos_voltage_level == "LV"
    assert any("listed under 2 tariffs" in w for w in result.warnings)


def test_idno_llfc_not_decoded(tables: LookupTables) -> None:
    result = look(tables, "00 845 A01 " + core("27"))
    assert result.llfc == "A01"
    assert result.llfc_description is None
    assert any("IDNO LLFCs are not in the" in w for w in result.warnings)


@pytest.mark.parametrize(
    ("query", "error", "message"),
    [
        ("00 845 ZZZ " + core("12"), InvalidMpanError, "unknown LLFC ZZZ: distributor 12 .LOND."),
        ("09 845 001 " + core("12"), InvalidMpanError, "profile class 09"),
        ("00 159 001 " + core("12"), InvalidMpanError, "meter timeswitch class 159"),
        (core("44"), InvalidMpanError, "unknown distributor 44"),
        (core("98"), InvalidMpanError, "RECCo test id"),
        ("120001234567", InvalidMpanError, "has 12 digits"),
        ("12000123456790", InvalidMpanError, "has 14 digits"),
        ("12000X2345679", InvalidMpanError, "non-digit 'X' at position 6"),
        ("1200012345670", InvalidMpanError, "check digit expected 9, got 0"),
    ],
)
def test_mpan_errors(
    tables: LookupTables, query: str, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        look(tables, query)


@given(
    st.text(alphabet="0123456789", min_size=10, max_size=10), st.sampled_from(["10", "16", "23"])
)
def test_any_valid_dno_core_resolves(tables: LookupTables, body: str, distributor_id: str) -> None:
    result = look(tables, core(distributor_id, body))
    assert result.distributor_id == distributor_id
    assert result.gsp_group_id is not None


@given(
    st.text(alphabet="0123456789", min_size=10, max_size=10),
    st.sampled_from(["10", "16", "23"]),
    st.integers(2, 11),
    st.integers(1, 9),
)
def test_one_digit_typo_through_lookup_site(
    tables: LookupTables, body: str, distributor_id: str, position: int, step: int
) -> None:
    # lookup_site checks the digit on its own fast path; it must agree with parse_mpan:
    # a one-digit change in the unique part fails unless the weighted sum's remainder
    # moves between 0 and 10 (both check digit 0).
    good = core(distributor_id, body)
    typo = good[:position] + str((int(good[position]) + step) % 10) + good[position + 1 :]
    expected = check_digit(typo[:12])
    if expected == good[12]:
        assert look(tables, typo).mpan_core == typo
    else:
        with pytest.raises(InvalidMpanError, match=f"expected {expected}, got {good[12]}"):
            look(tables, typo)


# --- Postcode -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "distributor_id", "gsp_group_id"),
    [
        ("NR2 1NH", "10", "_A"),
        ("NG1 2DT", "11", "_B"),
        ("EC2R 8AH", "12", "_C"),
        ("L1 1JD", "13", "_D"),
        ("B1 2ND", "14", "_E"),
        ("NE1 5DL", "15", "_F"),
        ("M2 3JL", "16", "_G"),
        ("AB10 1AB", "17", "_P"),
        ("G2 1DU", "18", "_N"),
        ("EH1 2NG", "18", "_N"),
        ("BN1 1EE", "19", "_J"),
        ("OX1 3BG", "20", "_H"),
        ("CF10 3RB", "21", "_K"),
        ("BS1 6QF", "22", "_L"),
        ("LS1 4DY", "23", "_M"),
    ],
)
def test_city_centre_postcodes(
    tables: LookupTables, query: str, distributor_id: str, gsp_group_id: str
) -> None:
    result = look(tables, query)
    assert (result.kind, result.match) == ("postcode", "postcode_district")
    assert (result.distributor_id, result.gsp_group_id) == (distributor_id, gsp_group_id)
    assert result.distributor_type == "DNO"
    assert result.postcode == query
    assert result.candidates == ()
    assert result.mpan_core is None


@pytest.mark.parametrize(
    ("border", "side_a", "side_b"),
    [
        # (disputed district and its candidates, a neighbour on each side)
        (("BA10 0AA", ("_H", "_L")), ("BA9 9AA", "_H"), ("BA4 4AA", "_L")),  # Bruton
        (("S40 1AA", ("_B", "_M")), ("S41 7AA", "_B"), ("S8 0AA", "_M")),  # Chesterfield
        (("WA11 0AA", ("_D", "_G")), ("WA10 1AA", "_D"), ("WA12 9AA", "_G")),  # Haydock
        (("KT2 5AA", ("_C", "_J")), ("SW20 8AA", "_C"), ("KT1 1AA", "_J")),  # Kingston
        (("GU2 7AA", ("_H", "_J")), ("GU3 1AA", "_H"), ("GU1 1AA", "_J")),  # Guildford
    ],
)
def test_both_sides_of_border_districts(
    tables: LookupTables,
    border: tuple[str, tuple[str, str]],
    side_a: tuple[str, str],
    side_b: tuple[str, str],
) -> None:
    disputed, candidates = border
    result = look(tables, disputed)
    assert result.match == "ambiguous"
    assert tuple(c.gsp_group_id for c in result.candidates) == candidates
    assert result.distributor_id is None
    assert result.gsp_group_id is None
    assert "disagree" in result.warnings[0]
    for query, gsp in (side_a, side_b):
        side = look(tables, query)
        assert (side.match, side.gsp_group_id) == ("postcode_district", gsp)
    assert {side_a[1], side_b[1]} == set(candidates)


def test_outward_code_and_area(tables: LookupTables) -> None:
    assert look(tables, "m1").gsp_group_id == "_G"
    area = look(tables, "ab")
    assert (area.match, area.gsp_group_id, area.postcode) == ("postcode_district", "_P", "AB")
    assert "every district of postcode area AB" in area.warnings[0]
    mixed = look(tables, "BA")
    assert mixed.match == "ambiguous"
    assert [c.gsp_group_id for c in mixed.candidates] == ["_H", "_L"]


def test_single_source_and_sub_district_warn(tables: LookupTables) -> None:
    assert "only one of the two district sources" in look(tables, "EC2").warnings[0]
    fallback = look(tables, "EC2X 1AA")
    assert fallback.gsp_group_id == "_C"
    assert "answered for EC2" in fallback.warnings[0]


@pytest.mark.parametrize(
    ("query", "error", "message"),
    [
        ("BT1 1AA", InvalidPostcodeError, "Northern Ireland"),
        ("GY1 1AA", InvalidPostcodeError, "Guernsey"),
        ("JE2 3AB", InvalidPostcodeError, "Jersey"),
        ("IM1 1AA", InvalidPostcodeError, "Isle of Man"),
        ("AB17 1AA", UnknownPostcodeError, "AB17 is not in the district table"),
        ("SW1A 1AAA", InvalidPostcodeError, "at most 7"),
        ("GIR 0AA", UnknownPostcodeError, "Girobank"),
    ],
)
def test_postcode_errors(
    tables: LookupTables, query: str, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        look(tables, query)


# --- Both ---------------------------------------------------------------------------------


def test_mpan_and_agreeing_postcode(tables: LookupTables) -> None:
    for query in (core("12") + " EC2R 8AH", "EC2R 8AH, " + core("12"), core("12") + " ec2r8ah"):
        result = look(tables, query)
        assert (result.kind, result.match, result.gsp_group_id) == ("mpan+postcode", "mpan", "_C")
        assert (result.postcode, result.warnings) == ("EC2R 8AH", ())


def test_mpan_wins_over_a_postcode_elsewhere(tables: LookupTables) -> None:
    result = look(tables, core("12") + " M2 3JL")
    assert (result.distributor_id, result.gsp_group_id, result.match) == ("12", "_C", "mpan")
    assert result.warnings == (
        "postcode M2 3JL points to _G, but the MPAN's distributor 12 is _C (London); "
        "the MPAN is authoritative",
    )


def test_mpan_inside_a_border_district_settles_it(tables: LookupTables) -> None:
    result = look(tables, "S " + core("22") + " BA10 0AA")
    assert (result.gsp_group_id, result.match, result.candidates) == ("_L", "mpan", ())
    assert not any("points to" in w for w in result.warnings)


def test_idno_area_from_postcode(tables: LookupTables) -> None:
    result = look(tables, core("27") + " NG1 2DT")
    assert (result.distributor_id, result.distributor_type, result.market_participant_id) == (
        "27",
        "IDNO",
        "ETCL",
    )
    assert (result.gsp_group_id, result.licence_area, result.match) == (
        "_B",
        "East Midlands",
        "postcode_district",
    )
    assert "host licence area from the postcode district of NG1 2DT" in result.warnings[0]
    ambiguous = look(tables, core("27") + " BA10 0AA")
    assert ambiguous.match == "ambiguous"
    assert [c.gsp_group_id for c in ambiguous.candidates] == ["_H", "_L"]


def test_postcode_with_s_and_mpan_with_s_marker(tables: LookupTables) -> None:
    # "S11" is Sheffield; the MPAN's own S marker must not be read as a postcode.
    result = look(tables, "S11 8UP S " + core("23"))
    assert (result.kind, result.postcode, result.gsp_group_id) == ("mpan+postcode", "S11 8UP", "_M")


def test_unknown_district_with_mpan_is_a_warning(tables: LookupTables) -> None:
    result = look(tables, core("17") + " AB17 1AA")
    assert result.gsp_group_id == "_P"
    assert result.warnings[0].startswith("postcode not used: postcode district AB17")


@pytest.mark.parametrize(
    ("postcode", "reason"),
    [("BT1 1AA", "Northern Ireland"), ("JE2 3AB", "Jersey"), ("QQ1 1AA", "not a UK postcode area")],
)
def test_non_gb_postcode_with_mpan_is_a_warning(
    tables: LookupTables, postcode: str, reason: str
) -> None:
    # The MPAN is authoritative: a postcode outside GB (or in no UK area) beside it does
    # not fail the row; the answer is the MPAN's and a warning says the postcode was unused.
    result = look(tables, core("12") + " " + postcode)
    assert (result.kind, result.match, result.gsp_group_id) == ("mpan+postcode", "mpan", "_C")
    assert result.postcode is None
    (warning,) = result.warnings
    assert warning.startswith(f"postcode not used: {postcode}")
    assert reason in warning
    idno = look(tables, postcode + " " + core("27"))
    assert (idno.distributor_type, idno.gsp_group_id, idno.match) == ("IDNO", None, "mpan")
    assert any(reason in w for w in idno.warnings)


def test_bad_mpan_with_postcode_fails_on_the_mpan(tables: LookupTables) -> None:
    with pytest.raises(InvalidMpanError, match="check digit expected 9, got 0"):
        look(tables, "1200012345670 EC2R 8AH")


# --- Bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "empty query"),
        ("   ", "empty query"),
        ("\t\n", "empty query"),
        (None, "got null"),
        (1200012345679, "got number 1200012345679"),
        (12.5, "got number"),
        (True, "got boolean"),
        (["SW1A 1AA"], "got array"),
        ("9" * 300, "at most 200"),
    ],
)
def test_non_queries(tables: LookupTables, query: object, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        lookup_site(query, tables, AS_OF)


def test_lowercase_and_whitespace_are_normalised(tables: LookupTables) -> None:
    assert look(tables, "  sw1a   1aa  ").postcode == "SW1A 1AA"
    assert look(tables, "s 00 845 001 " + core("12")).llfc == "001"


def test_lookup_many_keeps_order_and_reports_failures_in_place(tables: LookupTables) -> None:
    rows = lookup_many(["EC2R 8AH", "", None, "1200012345670", core("16")], tables, AS_OF)
    assert [type(r).__name__ for r in rows] == [
        "LookupResult",
        "LookupFailure",
        "LookupFailure",
        "LookupFailure",
        "LookupResult",
    ]
    assert rows[3].to_dict() == {
        "query": "1200012345670",
        "error": {
            "type": "invalid-mpan",
            "detail": "check digit expected 9, got 0 in MPAN core 1200012345670",
        },
    }
    failure = rows[2]
    assert isinstance(failure, LookupFailure)
    assert failure == LookupFailure(None, "validation-error", failure.detail)
    assert rows[4].to_dict()["gsp_group_id"] == "_G"


@given(st.text(max_size=40))
def test_any_text_answers_or_fails_cleanly(tables: LookupTables, text: str) -> None:
    (row,) = lookup_many([text], tables, AS_OF)
    json.dumps(row.to_dict())
