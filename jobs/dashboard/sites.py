"""The ``Sites`` tab: the user's sites, each through lookup and the valuation stages.

Input (a ``Sites input`` tab in Google Sheets, or a CSV locally — ``examples/sites.csv``
by default, so a fresh clone shows a populated tab), one site per row, headers:

    name, postcode, mpan, tariff, capacity_kva, annual_import_mwh,
    power_mw, energy_mwh, ppa_gbp_per_mwh, profile_class     (the last four optional)

Each row runs through the stages in ``STAGES`` in order; a stage that fails writes its
error into that row's ``error`` column (prefixed with the stage) and skips the later
stages for that row only — the other rows still compute. A stage adds only columns it
can compute from real data; features not yet built add no columns rather than guesses.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from engine.errors import GbessError, ValidationError
from jobs.sheets.plan import Table, TabPlan

TAB = "Sites"
INPUT_TAB = "Sites input"
SITES_CSV_SETTING = "GBESS_SITES_CSV"
DEFAULT_SITES_CSV = Path(__file__).resolve().parents[2] / "examples" / "sites.csv"
INPUT_COLUMNS = (
    "name",
    "postcode",
    "mpan",
    "tariff",
    "capacity_kva",
    "annual_import_mwh",
    "power_mw",
    "energy_mwh",
    "ppa_gbp_per_mwh",
    "profile_class",
)
ROW_KEY = "_row"  # the input row's number in its sheet or file (header = 1)
REQUIRED_NUMBERS = ("capacity_kva", "annual_import_mwh")
OPTIONAL_NUMBERS = ("power_mw", "energy_mwh", "ppa_gbp_per_mwh")


@dataclass(frozen=True)
class SiteInput:
    """One validated input row (numbers in the units their names say)."""

    row: int
    name: str
    postcode: str
    mpan: str
    tariff: str
    capacity_kva: float
    annual_import_mwh: float
    power_mw: float | None
    energy_mwh: float | None
    ppa_gbp_per_mwh: float | None
    profile_class: str = ""

    @property
    def query(self) -> str:
        """The lookup query: MPAN (authoritative) and postcode together when both given."""
        return " ".join(part for part in (self.mpan, self.postcode) if part)


Stage = Callable[[SiteInput, dict[str, Any]], None]


def _number(raw: str, name: str, row: int, required: bool) -> float | None:
    text = raw.strip().replace(",", "")
    if not text:
        if required:
            raise ValidationError(f"row {row}: {name} is empty", field=name)
        return None
    try:
        value = float(text)
    except ValueError:
        raise ValidationError(f"row {row}: {name} {raw!r} is not a number", field=name) from None
    if not math.isfinite(value) or value <= 0:
        raise ValidationError(f"row {row}: {name} must be above 0, got {raw!r}", field=name)
    return value


def parse_site(values: Mapping[str, str], row: int) -> SiteInput:
    """Validate one input row (all cells as text).

    Raises:
        ValidationError: Naming the row and the field at fault.
    """
    text = {k: (values.get(k) or "").strip() for k in INPUT_COLUMNS}
    if not text["name"]:
        raise ValidationError(f"row {row}: name is empty", field="name")
    if not text["postcode"] and not text["mpan"]:
        raise ValidationError(f"row {row}: give a postcode or an MPAN", field="postcode")
    if not text["tariff"]:
        raise ValidationError(f"row {row}: tariff is empty", field="tariff")
    nums = {k: _number(text[k], k, row, True) for k in REQUIRED_NUMBERS}
    opts = {k: _number(text[k], k, row, False) for k in OPTIONAL_NUMBERS}
    if (opts["power_mw"] is None) != (opts["energy_mwh"] is None):
        raise ValidationError(
            f"row {row}: give both power_mw and energy_mwh, or neither", field="power_mw"
        )
    return SiteInput(
        row=row,
        name=text["name"],
        postcode=text["postcode"],
        mpan=text["mpan"],
        tariff=text["tariff"],
        capacity_kva=float(nums["capacity_kva"] or 0.0),
        annual_import_mwh=float(nums["annual_import_mwh"] or 0.0),
        profile_class=text["profile_class"],
        **opts,
    )


def read_sites_csv(path: Path) -> list[dict[str, str]]:
    """Rows of a sites CSV as text cells.

    Raises:
        ValidationError: The file is missing or lacks the ``name`` column.
    """
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except OSError as exc:
        raise ValidationError(
            f"{SITES_CSV_SETTING}: cannot read {path} ({exc})", field=SITES_CSV_SETTING
        ) from exc
    return rows_from_cells([list(frame.columns), *frame.to_numpy().tolist()], str(path))


def rows_from_cells(cells: Sequence[Sequence[Any]], source: str) -> list[dict[str, str]]:
    """Rows from a header and data rows (CSV or Sheets values); blank rows are skipped.

    Each row keeps its spreadsheet row number under ``ROW_KEY`` for error messages.

    Raises:
        ValidationError: No header row, or no ``name`` column.
    """
    if not cells:
        raise ValidationError(f"{source}: no header row", field="name")
    header = [str(h).strip().lower() for h in cells[0]]
    if "name" not in header:
        raise ValidationError(
            f"{source}: no 'name' column (headers: {', '.join(header)})", field="name"
        )
    rows = []
    for number, raw in enumerate(cells[1:], start=2):  # spreadsheet row numbers
        values = {h: ("" if v is None else str(v)) for h, v in zip(header, raw, strict=False)}
        if any(v.strip() for v in values.values()):
            rows.append({**values, ROW_KEY: str(number)})
    return rows


def build_sites_tab(
    rows: Sequence[Mapping[str, str]],
    stages: Sequence[tuple[str, Stage]],
    source: str,
    data_as_of: dt.datetime | None,
    columns: Sequence[str],
) -> TabPlan:
    """The Sites tab: one output row per input row, errors in their own row.

    Args:
        rows: Input rows (text cells keyed by lower-case header).
        stages: ``(name, stage)`` pairs run in order on each valid row.
        source: Where the rows came from (shown in the notes).
        data_as_of: Newest instant of the data the stages used.
        columns: Output columns (registered), in order; ``error`` is appended.
    """
    out = []
    for values in rows:
        number = int(values.get(ROW_KEY, "0"))
        record: dict[str, Any] = {"site_name": values.get("name", ""), "query": ""}
        try:
            site = parse_site(values, number)
        except ValidationError as exc:
            record["error"] = f"input: {exc.detail}"
            out.append(record)
            continue
        record.update(
            query=site.query,
            capacity_kva=site.capacity_kva,
            annual_import_mwh=site.annual_import_mwh,
            power_mw=site.power_mw,
            energy_mwh=site.energy_mwh,
            ppa_price_gbp_per_mwh=site.ppa_gbp_per_mwh,
        )
        for name, stage in stages:
            try:
                stage(site, record)
            except GbessError as exc:
                record["error"] = f"{name}: {exc.detail}"
                break
        out.append(record)
    frame = pd.DataFrame(out, columns=[*columns, "error"])
    errors = int(frame["error"].notna().sum())
    notes = (f"{len(frame)} sites from {source}; {errors} with errors (see the Error column)",)
    return TabPlan(TAB, data_as_of, (Table("sites", "Sites", frame),), notes=notes)
