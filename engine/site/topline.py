"""MPAN top-line meaning: profile class, meter timeswitch class, LLFC and its DUoS tariff.

Sources (Elexon Market Domain Data 377 and the DNOs' CDCM charging statements):

* ``mdd_profile_classes.csv``: profile classes 1-8; class 00 (half-hourly) is not an MDD
  row and is described as in ``mpan_structure.csv``.
* ``mdd_meter_timeswitch_classes.csv``: MTCs with descriptions for the common ranges
  (500-509, 800-999); 001-399 and 510-799 are distributor-specific and have none.
* ``mdd_llfc_dno.csv``: every LLFC of the 14 DNOs with effective dates (IDNO LLFCs are not
  in the data). MDD writes numeric LLFCs without leading zeros; both sides are normalised
  with :func:`engine.site.mpan.normalise_llfc`.
* ``duos_tariffs_lv_hv.csv`` ``dno_open_llfcs``/``dno_closed_llfcs``: which tariff each
  LLFC is charged under in a charging year, filled only where the year's row came from
  the DNO's own statement. Tokens are comma-separated LLFCs or inclusive numeric ranges
  ("100-111", SEPD); one LOND 2023/24 cell holds "964965", read as 964 and 965.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import pandas as pd

from engine.errors import DataMissingError
from engine.reference import date_values, required_text_values, text_values
from engine.site.mpan import normalise_llfc

HALF_HOURLY_PROFILE_CLASS = ("00", "Half-hourly metered (not an MDD profile class)")


@dataclass(frozen=True)
class TimedText:
    """A described code with its MDD effective dates.

    Attributes:
        code: The code as on the MPAN ("01", "845", "001").
        description: MDD text (may be empty for distributor-specific MTCs).
        effective_from: First effective settlement date.
        effective_to: Last effective settlement date, or None while open.
    """

    code: str
    description: str
    effective_from: dt.date
    effective_to: dt.date | None

    def effective_on(self, day: dt.date) -> bool:
        """Whether the record is in force on ``day`` (UK local date)."""
        return self.effective_from <= day and (
            self.effective_to is None or day <= self.effective_to
        )


@dataclass(frozen=True)
class LlfcTariff:
    """The DUoS tariff an LLFC is charged under in one charging year.

    Attributes:
        charging_year: e.g. "2025/26".
        tariff_name: As published, e.g. "Domestic Aggregated with Residual".
        voltage_level: "LV", "LV_SUB" or "HV".
        listed_as: "open" or "closed" (which LLFC list of the statement names it).
    """

    charging_year: str
    tariff_name: str
    voltage_level: str
    listed_as: str


class TopLineCatalogue:
    """Profile classes, MTCs, LLFCs and LLFC → DUoS tariff, precomputed as dicts.

    Args:
        profile_classes: Two-digit class → description.
        mtcs: Three-digit MTC → record.
        llfcs: (distributor id, 3-character LLFC) → records, oldest first.
        llfc_tariffs: (distributor id, charging year, LLFC) → tariffs listing it.
        years_with_llfc_lists: (distributor id, charging year) pairs whose DUoS rows carry
            LLFC lists at all.
        charging_years: Every charging year the DUoS table has tariffs for.
    """

    def __init__(
        self,
        profile_classes: dict[str, str],
        mtcs: dict[str, TimedText],
        llfcs: dict[tuple[str, str], tuple[TimedText, ...]],
        llfc_tariffs: dict[tuple[str, str, str], tuple[LlfcTariff, ...]],
        years_with_llfc_lists: frozenset[tuple[str, str]],
        charging_years: frozenset[str] = frozenset(),
    ) -> None:
        self.profile_classes = profile_classes
        self.mtcs = mtcs
        self.llfcs = llfcs
        self.llfc_tariffs = llfc_tariffs
        self.years_with_llfc_lists = years_with_llfc_lists
        self.charging_years = charging_years

    def llfc_record(self, distributor_id: str, llfc: str, day: dt.date) -> TimedText | None:
        """The MDD record of a DNO's LLFC in force on ``day``, else the nearest one.

        Args:
            distributor_id: "10".."23" [-].
            llfc: Three characters as on the MPAN top line [-].
            day: The date the answer is for (UK local) [-].

        Returns:
            The record effective on ``day``; if none is, the latest that started on or
            before ``day`` (else the earliest). None if the DNO never had that LLFC.
        """
        records = self.llfcs.get((distributor_id, llfc))
        if not records:
            return None
        for record in records:
            if record.effective_on(day):
                return record
        started = [r for r in records if r.effective_from <= day]
        return started[-1] if started else records[0]

    def llfc_duos_tariffs(
        self, distributor_id: str, llfc: str, charging_year: str
    ) -> tuple[LlfcTariff, ...] | None:
        """The DUoS tariff(s) whose LLFC lists name this LLFC in a charging year.

        Args:
            distributor_id: Licence-area DNO "10".."23" [-].
            llfc: LLFC in any written form ("1", "001", "n01") [-].
            charging_year: e.g. "2025/26" [-].

        Returns:
            The matching tariffs (usually one; a few LLFCs are listed twice by their
            statement); an empty tuple if the year's lists do not name it; None if the
            year's DUoS rows carry no LLFC lists for that DNO (IDNO-sourced years).
        """
        if (distributor_id, charging_year) not in self.years_with_llfc_lists:
            return None
        return self.llfc_tariffs.get((distributor_id, charging_year, normalise_llfc(llfc)), ())


def _timed(
    code: str, description: str | None, start: dt.date | None, end: dt.date | None
) -> TimedText:
    if start is None:
        raise DataMissingError(f"MDD record {code!r} has no effective-from date")
    return TimedText(code, description or "", start, end)


def expand_llfc_list(cell: object) -> Iterator[str]:
    """The 3-character LLFCs named by one ``dno_open_llfcs``/``dno_closed_llfcs`` cell.

    Args:
        cell: e.g. ``"1, 2, 110, L41"``, ``"100-111"``, ``"964965"`` or empty [-].
    """
    if not isinstance(cell, str):
        return
    for raw in cell.split(","):
        token = raw.strip().upper()
        if not token:
            continue
        if "-" in token:
            first, _, last = token.partition("-")
            for number in range(int(first), int(last) + 1):
                yield normalise_llfc(str(number))
        elif len(token) > 3 and len(token) % 3 == 0:
            for start in range(0, len(token), 3):
                yield normalise_llfc(token[start : start + 3])
        else:
            yield normalise_llfc(token)


def build_topline_catalogue(
    profile_classes: pd.DataFrame,
    mtcs: pd.DataFrame,
    llfcs: pd.DataFrame,
    duos_tariffs: pd.DataFrame,
) -> TopLineCatalogue:
    """Build the catalogue from the four reference tables (once, at load)."""
    classes = {
        f"{int(k):02d}": v
        for k, v in zip(
            required_text_values(profile_classes["profile_class_id"]),
            required_text_values(profile_classes["description"]),
            strict=True,
        )
    }
    classes.setdefault(*HALF_HOURLY_PROFILE_CLASS)
    mtc_records = {
        code.zfill(3): _timed(code.zfill(3), desc, start, end)
        for code, desc, start, end in zip(
            required_text_values(mtcs["mtc_id"]),
            text_values(mtcs["description"]),
            date_values(mtcs["effective_from_settlement_date"]),
            date_values(mtcs["effective_to_settlement_date"]),
            strict=True,
        )
    }
    grouped: dict[tuple[str, str], list[TimedText]] = {}
    for dno, code, desc, start, end in zip(
        required_text_values(llfcs["distributor_id"]),
        required_text_values(llfcs["llfc_id"]),
        text_values(llfcs["llfc_description"]),
        date_values(llfcs["effective_from_settlement_date"]),
        date_values(llfcs["effective_to_settlement_date"]),
        strict=True,
    ):
        llfc = normalise_llfc(code)
        grouped.setdefault((dno, llfc), []).append(_timed(llfc, desc, start, end))
    llfc_records = {
        key: tuple(sorted(records, key=lambda r: r.effective_from))
        for key, records in grouped.items()
    }
    tariffs: dict[tuple[str, str, str], list[LlfcTariff]] = {}
    with_lists: set[tuple[str, str]] = set()
    columns = ("charging_year", "distributor_id", "tariff_name", "voltage_level")
    for year, dno, name, voltage, open_cell, closed_cell in zip(
        *(required_text_values(duos_tariffs[c]) for c in columns),
        text_values(duos_tariffs["dno_open_llfcs"]),
        text_values(duos_tariffs["dno_closed_llfcs"]),
        strict=True,
    ):
        for listed_as, cell in (("open", open_cell), ("closed", closed_cell)):
            for llfc in expand_llfc_list(cell):
                with_lists.add((dno, year))
                tariffs.setdefault((dno, year, llfc), []).append(
                    LlfcTariff(year, name, voltage, listed_as)
                )
    return TopLineCatalogue(
        profile_classes=classes,
        mtcs=mtc_records,
        llfcs=llfc_records,
        llfc_tariffs={key: tuple(value) for key, value in tariffs.items()},
        years_with_llfc_lists=frozenset(with_lists),
        charging_years=frozenset(required_text_values(duos_tariffs["charging_year"])),
    )
