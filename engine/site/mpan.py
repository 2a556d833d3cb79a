"""MPAN syntax: the 13-digit core, the full 21-character MPAN, and the core's check digit.

Structure (``mpan_structure.csv``; MRA Schedule 8 / the printed "S" box on a bill):

* top line, 8 characters: profile class (2 digits), meter timeswitch class (3 digits),
  line loss factor class (3 alphanumeric characters);
* core, 13 digits: distributor id (2), unique identifier (10), check digit (1).

Check digit (``mpan_check_digit_weights.csv``): the first 12 core digits weighted
3, 5, 7, 13, 17, 19, 23, 29, 31, 37, 41, 43 (the primes with 11 skipped), summed, then
``mod 11 mod 10``. A remainder of 10 therefore gives check digit 0, like a remainder of 0.

Written forms accepted: spaces, tabs, newlines, dashes, dots, slashes and bars between
groups, a leading ``S`` marker, lowercase, the two-line layout pasted as one string,
invisible zero-width characters and full-width forms (see :func:`compact`).
This module knows syntax only; whether a distributor id or LLFC exists is decided by
:mod:`engine.site.network` and :mod:`engine.site.topline`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from engine.errors import InvalidMpanError

CHECK_DIGIT_WEIGHTS = (3, 5, 7, 13, 17, 19, 23, 29, 31, 37, 41, 43)
CORE_LENGTH = 13
TOP_LINE_LENGTH = 8
FULL_LENGTH = TOP_LINE_LENGTH + CORE_LENGTH
LLFC_LENGTH = 3

# Separators people put between groups; removed before parsing.
# Zero-width spaces/joiners, word joiner and a stray byte-order mark come with text
# copied from web pages and some CSV exports; they are invisible, so they are dropped too.
_SEPARATORS = (
    " \t\r\n\v\f\u00a0\u2009\u202f-\u2010\u2011\u2012\u2013\u2014./|_\u200b\u200c\u200d\u2060\ufeff"
)
_DROP = str.maketrans("", "", _SEPARATORS)
_ASCII_DIGITS = frozenset("0123456789")
_ASCII_ALNUM = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def _partial_sums(offset: int) -> dict[str, int]:
    # Weighted sums of every 4-digit chunk at one offset: three dict hits replace twelve
    # multiplications, which keeps a 10,000-row lookup inside its time budget.
    weights = CHECK_DIGIT_WEIGHTS[offset : offset + 4]
    return {
        f"{n:04d}": sum(int(d) * w for d, w in zip(f"{n:04d}", weights, strict=True))
        for n in range(10_000)
    }


_CHUNK0 = _partial_sums(0)
_CHUNK1 = _partial_sums(4)
_CHUNK2 = _partial_sums(8)


@dataclass(frozen=True)
class Mpan:
    """A syntactically valid MPAN (core, plus the top line if one was given).

    Attributes:
        mpan_core: The 13-digit core.
        distributor_id: Its first two digits.
        profile_class: Two digits "00"-"08", or None without a top line.
        meter_timeswitch_class: Three digits, or None without a top line.
        llfc: Line loss factor class, three characters (see :func:`normalise_llfc`),
            or None without a top line.
    """

    mpan_core: str
    distributor_id: str
    profile_class: str | None = None
    meter_timeswitch_class: str | None = None
    llfc: str | None = None


def compact(text: str) -> str:
    """Upper-case ``text`` and drop every separator character (spaces, dashes, ...).

    Non-ASCII text is first NFKC-normalised, so full-width forms ("１２", "ＥＣ２Ｒ", typed
    with an East Asian input method) read as ASCII; digits of other scripts stay
    non-digits and are reported as such.
    """
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    return text.upper().translate(_DROP)


def check_digit(first12: str) -> str:
    """The check digit of a core's first 12 digits.

    Args:
        first12: Exactly 12 ASCII digits [-].

    Returns:
        One digit: ``sum(digit_i * weight_i) mod 11 mod 10``.

    Raises:
        InvalidMpanError: If ``first12`` is not 12 ASCII digits.
    """
    if len(first12) != 12 or not _ASCII_DIGITS.issuperset(first12):
        raise InvalidMpanError(
            f"check digit needs exactly 12 digits, got {first12!r}", field="mpan_core"
        )
    return str(weighted_sum(first12) % 11 % 10)


def weighted_sum(first12: str) -> int:
    """Sum of the first 12 core digits times their weights (no validation; 12 digits)."""
    return _CHUNK0[first12[0:4]] + _CHUNK1[first12[4:8]] + _CHUNK2[first12[8:12]]


def normalise_llfc(llfc: str) -> str:
    """The canonical 3-character form of a line loss factor class.

    MDD extracts drop leading zeros from numeric LLFCs ("1") while the MPAN top line
    always carries three characters ("001"). Both sides are padded to three characters,
    upper-case, so they compare equal.

    Args:
        llfc: One LLFC as written (1-3 alphanumeric characters) [-].

    Raises:
        InvalidMpanError: If it is empty, longer than 3 or not alphanumeric.
    """
    value = llfc.strip().upper()
    if not value or len(value) > LLFC_LENGTH or not _ASCII_ALNUM.issuperset(value):
        raise InvalidMpanError(f"LLFC must be 1-3 letters or digits, got {llfc!r}", field="llfc")
    return value.zfill(LLFC_LENGTH)


def parse_mpan(text: str) -> Mpan:
    """Parse and validate an MPAN core or full MPAN in any of the usual written forms.

    Args:
        text: e.g. ``"1200012345678"``, ``"12 0001 2345 678"``,
            ``"S 00 845 001 12 0001 2345 678"`` or the two lines pasted together [-].

    Returns:
        The parsed :class:`Mpan`.

    Raises:
        InvalidMpanError: Saying exactly what is wrong: the length, the first non-digit
            and its position, or the expected and actual check digit.
    """
    value = compact(text)
    if value.startswith("S"):
        value = value[1:]
    if len(value) == CORE_LENGTH:
        _require_digits(value, "MPAN core", 0)
        return _core(value, 0, None, None, None)
    if len(value) == FULL_LENGTH:
        _require_digits(value[0:2], "profile class", 0)
        _require_digits(value[2:5], "meter timeswitch class", 2)
        llfc = value[5:8]
        for i, char in enumerate(llfc):
            if char not in _ASCII_ALNUM:
                raise InvalidMpanError(
                    f"LLFC {llfc!r} (top line characters 6-8) must be letters or digits; "
                    f"{char!r} at position {6 + i} of the full MPAN is not",
                    field="llfc",
                )
        core = value[TOP_LINE_LENGTH:]
        _require_digits(core, "MPAN core", TOP_LINE_LENGTH)
        return _core(core, TOP_LINE_LENGTH, value[0:2], value[2:5], llfc)
    raise InvalidMpanError(_length_detail(text, value), field="mpan")


def _core(
    core: str, offset: int, profile_class: str | None, mtc: str | None, llfc: str | None
) -> Mpan:
    expected = str(weighted_sum(core[:12]) % 11 % 10)
    if core[12] != expected:
        where = "" if offset == 0 else " (last character of the full MPAN)"
        raise InvalidMpanError(
            f"check digit expected {expected}, got {core[12]} in MPAN core {core}{where}",
            field="mpan_core",
        )
    return Mpan(core, core[0:2], profile_class, mtc, llfc)


def _require_digits(part: str, name: str, offset: int) -> None:
    if _ASCII_DIGITS.issuperset(part):
        return
    index = next(i for i, char in enumerate(part) if char not in _ASCII_DIGITS)
    where = f"position {index + 1} of the {name}"
    if offset:
        where += f", position {offset + index + 1} of the full MPAN"
    raise InvalidMpanError(
        f"non-digit {part[index]!r} at {where}",
        field="mpan_core" if name == "MPAN core" else "mpan",
    )


# A 13-digit number that passed through a spreadsheet as a number: "1.20001E+12" (digits
# lost) or "1200012345679.0" (a float's decimal point).
_SCIENTIFIC = re.compile(r"[0-9](\.[0-9]*)?E[+]?[0-9]+")
_FLOAT_CORE = re.compile(r"[0-9]{13}\.0+")


def _length_detail(text: str, value: str) -> str:
    if not value:
        return "empty MPAN: expected a 13-digit core or a 21-character full MPAN"
    written = text.strip().upper()
    if _SCIENTIFIC.fullmatch(written):
        return (
            f"{text.strip()!r} is a number in scientific notation: a spreadsheet stored the "
            f"MPAN as a number and lost its digits; format the column as text and re-enter it"
        )
    if _FLOAT_CORE.fullmatch(written):
        return (
            f"{text.strip()!r} is a number with a decimal point: a spreadsheet or script "
            f"wrote the MPAN core as a float; give the 13 digits without {written[13:]!r}"
        )
    kind = "digits" if _ASCII_DIGITS.issuperset(value) else "characters"
    detail = (
        f"an MPAN has a 13-digit core or 21 characters in full (8-character top line + "
        f"core); {text.strip()!r} has {len(value)} {kind} once spaces, dashes and any "
        f"leading S are removed"
    )
    # Name a character no MPAN can hold (a control character, a non-Latin digit...).
    odd = next((i for i, c in enumerate(value) if c not in _ASCII_ALNUM), None)
    if odd is not None:
        detail += f", and {value[odd]!r} at position {odd + 1} is not a letter or digit"
    return detail
