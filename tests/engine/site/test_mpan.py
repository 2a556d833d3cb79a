"""MPAN syntax: written forms, precise errors, and the mod-11 check digit."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.errors import InvalidMpanError
from engine.reference import ReferenceData
from engine.site.mpan import CHECK_DIGIT_WEIGHTS, Mpan, check_digit, normalise_llfc, parse_mpan

# 1200012345679, worked by hand with weights 3 5 7 13 17 19 23 29 31 37 41 43:
# 1*3 + 2*5 + 0 + 0 + 0 + 1*19 + 2*23 + 3*29 + 4*31 + 5*37 + 6*41 + 7*43
# = 3 + 10 + 19 + 46 + 87 + 124 + 185 + 246 + 301 = 1021; 1021 = 11*92 + 9 -> 9 mod 10 = 9.
CORE = "1200012345679"


def test_weights_match_the_published_table(ref: ReferenceData) -> None:
    table = ref.table("mpan_check_digit_weights").sort_values("core_digit_position")
    assert tuple(table["weight"]) == CHECK_DIGIT_WEIGHTS


@pytest.mark.parametrize(
    ("first12", "expected"),
    [
        ("120001234567", "9"),  # sum 1021 = 11*92 + 9 (above)
        # 1*3 + 2*5 + 3*43 = 142 = 11*12 + 10: remainder 10 -> check digit 10 mod 10 = 0
        ("120000000003", "0"),
        # 5*3 + 2*5 + 3*43 = 154 = 11*14 + 0: remainder 0 -> check digit 0
        ("520000000003", "0"),
        ("000000000000", "0"),  # sum 0
        ("000000000001", "0"),  # 1*43 = 43 = 11*3 + 10 -> 0
        ("100000000000", "3"),  # 1*3 = 3
    ],
)
def test_check_digit_hand_worked(first12: str, expected: str) -> None:
    assert check_digit(first12) == expected


def test_check_digit_rejects_wrong_length() -> None:
    with pytest.raises(InvalidMpanError, match="exactly 12 digits"):
        check_digit("12345")


@pytest.mark.parametrize(
    "written",
    [
        CORE,
        "12 0001 2345 679",
        "12-0001-2345-679",
        "S" + CORE,
        "s 1200012345679",
        "  12\t00012345679 ",
        "12.0001.2345.679",
    ],
)
def test_core_written_forms(written: str) -> None:
    assert parse_mpan(written) == Mpan(CORE, "12")


@pytest.mark.parametrize(
    "written",
    [
        "00845001" + CORE,
        "S 00 845 001 12 0001 2345 679",
        "S 00 845 001\n12 0001 2345 679",  # two-line layout pasted as one string
        "s|00|845|001\r\n12|0001|2345|679",
        "00-845-001-1200012345679",
    ],
)
def test_full_mpan_written_forms(written: str) -> None:
    assert parse_mpan(written) == Mpan(CORE, "12", "00", "845", "001")


def test_full_mpan_keeps_alphanumeric_llfc_upper_case() -> None:
    assert parse_mpan("01 801 n01 " + CORE).llfc == "N01"


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("", "empty MPAN"),
        ("   ", "empty MPAN"),
        ("120001234567", "has 12 digits"),
        ("12000123456790", "has 14 digits"),
        ("12000123456A9", "non-digit 'A' at position 12 of the MPAN core"),
        ("X200012345679", "non-digit 'X' at position 1 of the MPAN core"),
        ("1200012345670", "check digit expected 9, got 0 in MPAN core 1200012345670"),
        ("0A845001" + CORE, "non-digit 'A' at position 2 of the profile class"),
        ("008X5001" + CORE, "position 2 of the meter timeswitch class, position 4 of the full"),
        ("00845#01" + CORE, "'#' at position 6 of the full MPAN"),
        ("00845001120001234567X", "position 13 of the MPAN core, position 21 of the full"),
        ("00845001" + CORE[:-1] + "1", "check digit expected 9, got 1"),
        ("12 0001 2345 6791 extra", "characters once spaces"),
    ],
)
def test_errors_say_exactly_what_is_wrong(written: str, message: str) -> None:
    with pytest.raises(InvalidMpanError, match=message.replace("(", r"\(")):
        parse_mpan(written)


def test_unicode_digits_are_not_digits() -> None:
    with pytest.raises(InvalidMpanError, match="non-digit '٣' at position 3"):
        parse_mpan("12٣0012345679")


@pytest.mark.parametrize(
    ("llfc", "canonical"),
    [("1", "001"), ("10", "010"), ("001", "001"), ("n01", "N01"), (" L41 ", "L41")],
)
def test_normalise_llfc(llfc: str, canonical: str) -> None:
    assert normalise_llfc(llfc) == canonical


@pytest.mark.parametrize("llfc", ["", "0001", "A-1", "ÄB1"])
def test_normalise_llfc_rejects(llfc: str) -> None:
    with pytest.raises(InvalidMpanError, match="LLFC must be 1-3"):
        normalise_llfc(llfc)


digits12 = st.text(alphabet="0123456789", min_size=12, max_size=12)


def _remainder(first12: str) -> int:
    return sum(int(d) * w for d, w in zip(first12, CHECK_DIGIT_WEIGHTS, strict=True)) % 11


@given(digits12)
def test_any_12_digits_with_computed_check_digit_validate(first12: str) -> None:
    core = first12 + check_digit(first12)
    assert parse_mpan(core).mpan_core == core
    assert check_digit(first12) == str(_remainder(first12) % 10)


@given(digits12, st.integers(0, 11), st.integers(1, 9))
def test_changing_one_digit_invalidates_except_the_0_10_collision(
    first12: str, position: int, step: int
) -> None:
    core = first12 + check_digit(first12)
    new_digit = str((int(first12[position]) + step) % 10)
    mutated12 = first12[:position] + new_digit + first12[position + 1 :]
    # A one-digit change moves the sum by (new - old) * weight: never a multiple of 11
    # (each weight is a prime other than 11 and |new - old| < 11), so the remainder always
    # changes. Only remainders 0 and 10 share a check digit.
    assert _remainder(mutated12) != _remainder(first12)
    collision = {_remainder(first12), _remainder(mutated12)} == {0, 10}
    mutated = mutated12 + core[12]
    if collision:
        assert parse_mpan(mutated).mpan_core == mutated
    else:
        with pytest.raises(InvalidMpanError, match="check digit expected"):
            parse_mpan(mutated)


def test_the_0_10_collision_explicitly() -> None:
    # 120000000003: remainder 10 (142 = 11*12 + 10). Changing digit 1 from 1 to 5 adds
    # 4*3 = 12 to the sum: 154 = 11*14, remainder 0. Both give check digit 0, so this
    # one-digit typo is not caught; any other change to digit 1 is.
    assert parse_mpan("1200000000030").mpan_core == "1200000000030"
    assert parse_mpan("5200000000030").mpan_core == "5200000000030"
    for other in "2346789":
        with pytest.raises(InvalidMpanError, match="check digit expected"):
            parse_mpan(other + "200000000030")


@pytest.mark.parametrize(
    "written",
    [
        "１２０００１２３４５６７９",  # full-width digits (East Asian input methods)
        "\ufeff1200012345679",  # a byte-order mark pasted with the value
        "12\u200b0001\u200b2345\u200b679",  # zero-width spaces from a web page
        "S\u2060 01 801 001 1200012345679",  # word joiner
    ],
)
def test_invisible_and_full_width_forms_read_as_ascii(written: str) -> None:
    assert parse_mpan(written).mpan_core == "1200012345679"


def test_length_error_names_a_character_no_mpan_holds() -> None:
    # 13 digits and a NUL: the length is wrong, and the NUL is named with its position.
    with pytest.raises(InvalidMpanError, match=r"has 14 characters .*'\\x00' at position 14"):
        parse_mpan("1200012345679\x00")


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("1.20001E+12", "scientific notation: a spreadsheet stored the MPAN as a number"),
        ("1.2e12", "scientific notation"),
        ("1200012345679.0", "decimal point: .* without '.0'"),
    ],
)
def test_numbers_mangled_by_a_spreadsheet_are_named(written: str, message: str) -> None:
    # Excel writes a 13-digit number as 1.20001E+12 in CSV; pandas as 1200012345679.0.
    with pytest.raises(InvalidMpanError, match=message):
        parse_mpan(written)
