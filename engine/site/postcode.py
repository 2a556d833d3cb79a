"""UK postcodes: normalising full postcodes, outward codes and areas, and district → GSP group.

Syntax (Royal Mail PAF; BS 7666): outward code = area (1-2 letters) + district (a digit,
then a digit or a letter: A9, A99, A9A, AA9, AA99, AA9A); inward code = a digit and two
letters, never C, I, K, M, O or V. ``GIR 0AA`` is the one special form inside the UK
system; the British Overseas Territories and BFPO codes are recognised so that they get a
clear "outside the GB market" error instead of a syntax error.

District → GSP group uses ``postcode_district_gsp_group.csv``: two sources that agree on
most districts and disagree on 110 border districts. A disagreement is returned as
``ambiguous`` with both candidate GSP groups, never silently resolved. Northern Ireland
(BT), Guernsey (GY), Jersey (JE) and the Isle of Man (IM) are outside the GB electricity
market. Source A keys central London by sub-district (EC2V) and source B by district (EC2),
so an outward code is looked up as written first and then without its trailing letter.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from engine.errors import InvalidPostcodeError, UnknownPostcodeError
from engine.site.mpan import compact

MAX_COMPACT_LENGTH = 7  # "SW1A1AA"
OUTSIDE_GB_AREAS = {
    "BT": "Northern Ireland",
    "GY": "Guernsey (Channel Islands)",
    "JE": "Jersey (Channel Islands)",
    "IM": "the Isle of Man",
}
# Postcodes of the British Overseas Territories and Gibraltar (Royal Mail), all outside GB.
OVERSEAS_OUTWARD_CODES = {
    "ASCN": "Ascension Island",
    "BBND": "the British Indian Ocean Territory",
    "BIQQ": "the British Antarctic Territory",
    "FIQQ": "the Falkland Islands",
    "GX11": "Gibraltar",
    "PCRN": "the Pitcairn Islands",
    "SIQQ": "South Georgia and the South Sandwich Islands",
    "STHL": "Saint Helena",
    "TDCU": "Tristan da Cunha",
    "TKCA": "the Turks and Caicos Islands",
}
# Non-geographic codes that are valid postcodes but lie in no distribution area.
NON_GEOGRAPHIC = {"GIR": "GIR 0AA is the non-geographic Girobank postcode"}

_OUTWARD_RE = re.compile(r"[A-Z]{1,2}(?:[0-9]{1,2}|[0-9][A-Z])")
_AREA_RE = re.compile(r"[A-Z]{1,2}")
_INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
INWARD_CODES = frozenset(
    f"{d}{a}{b}" for d in "0123456789" for a in _INWARD_LETTERS for b in _INWARD_LETTERS
)

Status = Literal["agree", "disagree", "source_a_only", "source_b_only", "outside_gb"]


@dataclass(frozen=True)
class Postcode:
    """A normalised postcode, outward code or postcode area.

    Attributes:
        text: Normalised form: "SW1A 1AA", "SW1A" or "SW".
        area: The 1-2 letter postcode area ("SW"; "GIR" for GIR 0AA).
        outward_code: "SW1A", or None for an area alone.
        inward_code: "1AA", or None for an outward code or area.
    """

    text: str
    area: str
    outward_code: str | None
    inward_code: str | None

    @property
    def kind(self) -> Literal["postcode", "outward_code", "area"]:
        """What was given: a full postcode, an outward code, or a postcode area."""
        if self.inward_code is not None:
            return "postcode"
        return "outward_code" if self.outward_code is not None else "area"


@dataclass(frozen=True)
class District:
    """One row of the district table: which GSP group(s) an outward code maps to.

    Attributes:
        outward_code: As keyed in the table.
        status: ``match_status`` of the table (agree, disagree, source_a_only, ...).
        gsp_group_ids: One id when the sources agree (or only one lists it); every
            candidate, sorted, when they disagree; empty outside GB.
    """

    outward_code: str
    status: Status
    gsp_group_ids: tuple[str, ...]


def parse_postcode(text: str) -> Postcode:
    """Normalise and validate a full postcode, an outward code or a postcode area.

    Args:
        text: e.g. ``"sw1a1aa"``, ``" SW1A 1AA "``, ``"EC2V"``, ``"M"`` [-].

    Returns:
        The normalised :class:`Postcode`.

    Raises:
        InvalidPostcodeError: For malformed input (saying which part is wrong), and for
            postcodes outside the GB electricity market (NI, Channel Islands, Isle of Man,
            overseas territories, BFPO).
    """
    value = compact(text)
    if not value:
        raise InvalidPostcodeError("empty postcode", field="postcode")
    if value.startswith("BFPO") and value[4:].isdigit():
        raise InvalidPostcodeError(
            f"{text.strip()!r} is a British Forces (BFPO) address, outside the GB market",
            field="postcode",
        )
    bad = next((i for i, c in enumerate(value) if not ("A" <= c <= "Z" or "0" <= c <= "9")), None)
    if bad is not None:
        raise InvalidPostcodeError(
            f"postcode {text.strip()!r}: character {value[bad]!r} at position {bad + 1} is "
            f"not a letter or digit",
            field="postcode",
        )
    if len(value) > MAX_COMPACT_LENGTH:
        raise InvalidPostcodeError(
            f"postcode {text.strip()!r} has {len(value)} characters without spaces; a UK "
            f"postcode has at most {MAX_COMPACT_LENGTH} (e.g. SW1A 1AA)",
            field="postcode",
        )
    if len(value) >= 5:
        outward, inward = value[:-3], value[-3:]
        _check_special(outward, text)
        if outward == "GIR" and inward == "0AA":
            return Postcode("GIR 0AA", "GIR", "GIR", "0AA")
        if not _OUTWARD_RE.fullmatch(outward):
            raise InvalidPostcodeError(
                f"postcode {text.strip()!r}: outward code {outward!r} is not of the form "
                f"A9, A99, A9A, AA9, AA99 or AA9A",
                field="postcode",
            )
        if inward not in INWARD_CODES:
            raise InvalidPostcodeError(
                f"postcode {text.strip()!r}: inward code {inward!r} must be a digit and two "
                f"letters (never C, I, K, M, O or V)",
                field="postcode",
            )
        return _checked(Postcode(f"{outward} {inward}", _area_of(outward), outward, inward))
    _check_special(value, text)
    if _OUTWARD_RE.fullmatch(value):
        return _checked(Postcode(value, _area_of(value), value, None))
    if _AREA_RE.fullmatch(value):
        return _checked(Postcode(value, value, None, None))
    raise InvalidPostcodeError(
        f"{text.strip()!r} is not a postcode, outward code or postcode area "
        f"(expected forms like 'SW1A 1AA', 'SW1A' or 'SW')",
        field="postcode",
    )


def _area_of(outward: str) -> str:
    return outward[:2] if outward[1].isalpha() else outward[:1]


def _check_special(outward: str, text: str) -> None:
    place = OVERSEAS_OUTWARD_CODES.get(outward)
    if place is not None:
        raise InvalidPostcodeError(
            f"{text.strip()!r} is a postcode of {place}, outside the GB electricity market",
            field="postcode",
        )


def _checked(postcode: Postcode) -> Postcode:
    nation = OUTSIDE_GB_AREAS.get(postcode.area)
    if nation is not None:
        raise InvalidPostcodeError(
            f"{postcode.text} is in {nation}, outside the GB electricity market "
            f"(no GB distributor or GSP group)",
            field="postcode",
        )
    return postcode


class DistrictIndex:
    """Outward code → GSP group(s), built once from ``postcode_district_gsp_group.csv``.

    Args:
        districts: Every row of the table as a :class:`District`.
        areas: Every postcode area in the table, with the GSP groups its districts map to.
    """

    def __init__(self, districts: Iterable[District]) -> None:
        self.districts: dict[str, District] = {d.outward_code: d for d in districts}
        groups: dict[str, set[str]] = {}
        for district in self.districts.values():
            groups.setdefault(_area_of(district.outward_code), set()).update(district.gsp_group_ids)
        self.area_gsp_group_ids: dict[str, tuple[str, ...]] = {
            area: tuple(sorted(ids)) for area, ids in groups.items()
        }

    def district(self, postcode: Postcode) -> District:
        """The district row for a postcode or outward code (not an area).

        The outward code is looked up as written, then without a trailing letter
        (EC2V → EC2), because one source keys central London by sub-district.

        Raises:
            UnknownPostcodeError: If neither form is in the table.
            InvalidPostcodeError: If the area is not a UK postcode area at all.
        """
        outward = postcode.outward_code
        if outward is None:
            raise InvalidPostcodeError(
                f"{postcode.text} is a postcode area, not a district", field="postcode"
            )
        found = self.districts.get(outward)
        if found is None and outward[-1].isalpha():
            found = self.districts.get(outward[:-1])
        if found is not None:
            return found
        if postcode.area in NON_GEOGRAPHIC:
            raise UnknownPostcodeError(
                f"{NON_GEOGRAPHIC[postcode.area]}; it has no distribution area",
                field="postcode",
            )
        if postcode.area not in self.area_gsp_group_ids:
            raise InvalidPostcodeError(
                f"{postcode.text}: {postcode.area!r} is not a UK postcode area",
                field="postcode",
            )
        raise UnknownPostcodeError(
            f"postcode district {outward} is not in the district table (2019-2020 "
            f"snapshot; newer or non-geographic districts are missing)",
            field="postcode",
        )

    def area_groups(self, postcode: Postcode) -> tuple[str, ...]:
        """Every GSP group the districts of a postcode area map to, sorted.

        Raises:
            InvalidPostcodeError: If the area is not in the table.
        """
        groups = self.area_gsp_group_ids.get(postcode.area)
        if groups is None:
            raise InvalidPostcodeError(
                f"{postcode.text!r} is not a UK postcode area", field="postcode"
            )
        return groups
