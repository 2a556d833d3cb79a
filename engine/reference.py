"""Reference data: the read-only tables under the data directory, loaded with checks.

This is the engine's only file I/O: it reads CSVs from a data directory the caller passes
(the CLI and server read ``GBESS_DATA_DIR`` once and pass it down); nothing here reads the
environment. Each table has a declared set of required columns and their kinds; a missing
directory, missing file, missing column or a value of the wrong type raises
:class:`~engine.errors.ReferenceDataError` (a server fault, not data a caller asked for)
naming the table, the file and the setting. Tables are cached per data directory and must
be treated as read-only.
"""

from __future__ import annotations

import datetime as dt
import functools
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pandas as pd

from engine.errors import ReferenceDataError

DATA_DIR_SETTING = "GBESS_DATA_DIR"

Kind = Literal["str", "float", "int", "date"]


@dataclass(frozen=True)
class TableSpec:
    """A reference table: its file (relative to the data directory) and checked columns."""

    name: str
    path: str
    columns: tuple[tuple[str, Kind], ...]


def _spec(name: str, path: str, **columns: Kind) -> TableSpec:
    return TableSpec(name, path, tuple(columns.items()))


S: Kind = "str"
F: Kind = "float"
I: Kind = "int"  # noqa: E741
D: Kind = "date"

TABLES: dict[str, TableSpec] = {
    spec.name: spec
    for spec in (
        _spec(
            "distributors",
            "distributors.csv",
            distributor_id=S,
            market_participant_id=S,
            mdd_distributor_name=S,
            distributor_type=S,
            effective_from=D,
            effective_to=D,
            is_licence_area_dno=S,
        ),
        _spec(
            "dno_licence_areas",
            "dno_licence_areas.csv",
            distributor_id=S,
            market_participant_id=S,
            gsp_group_id=S,
            gsp_group_name=S,
            licence_area_name=S,
            licensee_name=S,
            operator_group_code=S,
            operator_group_name=S,
        ),
        _spec(
            "postcode_district_gsp_group",
            "postcode_district_gsp_group.csv",
            outward_code=S,
            postcode_area=S,
            gsp_group_id_source_a=S,
            gsp_group_id_source_b=S,
            gsp_group_id_consensus=S,
            distributor_id_consensus=S,
            match_status=S,
            candidate_gsp_group_ids=S,
        ),
        _spec(
            "duos_tariffs",
            "duos_tariffs_lv_hv.csv",
            charging_year=S,
            valid_from=D,
            valid_to=D,
            distributor_id=S,
            gsp_group_id=S,
            tariff_name=S,
            direction=S,
            voltage_level=S,
            tariff_group=S,
            residual_charging_band=S,
            profile_classes=S,
            unit_rate_band_scheme=S,
            red_p_per_kwh=F,
            amber_p_per_kwh=F,
            green_p_per_kwh=F,
            fixed_p_per_mpan_per_day=F,
            capacity_p_per_kva_per_day=F,
            exceeded_capacity_p_per_kva_per_day=F,
            reactive_power_p_per_kvarh=F,
            dno_open_llfcs=S,
            dno_closed_llfcs=S,
            primary_source_doc_id=S,
        ),
        _spec(
            "duos_time_bands",
            "duos_time_bands.csv",
            charging_year=S,
            valid_from=D,
            valid_to=D,
            distributor_id=S,
            gsp_group_id=S,
            applies_to=S,
            day_type=S,
            band=S,
            start_time_uk_clock=S,
            end_time_uk_clock=S,
            primary_source_doc_id=S,
        ),
        _spec(
            "duos_unmetered_time_bands",
            "duos_unmetered_time_bands.csv",
            charging_year=S,
            distributor_id=S,
            gsp_group_id=S,
            day_type=S,
            months=S,
            band=S,
            start_time_uk_clock=S,
            end_time_uk_clock=S,
            primary_source_doc_id=S,
        ),
        _spec(
            "duos_source_documents",
            "duos_source_documents.csv",
            source_doc_id=S,
            charging_year=S,
            gsp_group_id=S,
            distributor_id=S,
            annex1_title_as_published=S,
            repository=S,
            path_in_repository=S,
        ),
        _spec(
            "mdd_llfc",
            "mdd_llfc_dno.csv",
            distributor_id=S,
            market_participant_id=S,
            llfc_id=S,
            llfc_description=S,
            import_export=S,
            effective_from_settlement_date=D,
            effective_to_settlement_date=D,
        ),
        _spec("mdd_profile_classes", "mdd_profile_classes.csv", profile_class_id=S, description=S),
        _spec(
            "mdd_meter_timeswitch_classes",
            "mdd_meter_timeswitch_classes.csv",
            mtc_id=S,
            description=S,
            meter_type_description=S,
            payment_type_description=S,
            effective_from_settlement_date=D,
            effective_to_settlement_date=D,
        ),
        _spec(
            "mpan_structure",
            "mpan_structure.csv",
            line=S,
            field=S,
            start_position_in_line=I,
            length=I,
        ),
        _spec(
            "mpan_check_digit_weights",
            "mpan_check_digit_weights.csv",
            core_digit_position=I,
            weight=I,
        ),
        _spec(
            "bank_holidays",
            "extra/gb_bank_holidays_2022_2028.csv",
            date=D,
            division=S,
            in_great_britain=S,
            title_as_published=S,
        ),
        _spec(
            "cm_clearing_prices",
            "extra/cm_auction_clearing_prices.csv",
            delivery_year=S,
            auction_type=S,
            clearing_price_gbp_per_kw_per_year=F,
        ),
        _spec(
            "cm_derating_factors_storage",
            "extra/cm_derating_factors_storage.csv",
            delivery_year=S,
            auction_type=S,
            duration_h=F,
            derating_factor_fraction=F,
        ),
        _spec(
            "profile_class_demand",
            "extra/elexon_average_profile_class_demand_kw.csv",
            profile_class=S,
            season=S,
            day_type=S,
            settlement_period_of_day=I,
            average_demand_kw=F,
        ),
        _spec(
            "non_commodity_rates",
            "extra/gb_non_commodity_rates.csv",
            charge=S,
            component=S,
            period_start=D,
            period_end=D,
            value=F,
            unit=S,
            status=S,
            source=S,
        ),
        _spec(
            "dynamic_response_parameters",
            "extra/neso_dynamic_response_service_parameters.csv",
            service=S,
            parameter=S,
            value=S,
            unit=S,
            source=S,
        ),
        _spec(
            "tnuos_triads",
            "extra/tnuos_triads_2022_2026.csv",
            charging_year=S,
            date=D,
            settlement_period=I,
            net_system_demand_mw=F,
        ),
        _spec(
            "system_prices_2024",
            "market/gb_system_prices_2024.csv",
            settlement_date=D,
            settlement_period=I,
            start_time_utc=S,
            system_sell_price_gbp_per_mwh=F,
            system_buy_price_gbp_per_mwh=F,
            net_imbalance_volume_mwh=F,
        ),
        _spec(
            "market_index_2024",
            "market/gb_market_index_mid_2024.csv",
            settlement_date=D,
            settlement_period=I,
            start_time_utc=S,
            data_provider=S,
            market_index_price_gbp_per_mwh=F,
            market_index_volume_mwh=F,
        ),
        _spec(
            "dynamic_response_2024",
            "market/gb_dynamic_response_efa_2024.csv",
            efa_date=D,
            efa_block=I,
            service=S,
            delivery_start_utc=S,
            delivery_end_utc=S,
            cleared_volume_mw=F,
            clearing_price_gbp_per_mw_per_h=F,
        ),
        _spec(
            "dynamic_response_legacy",
            "market/gb_dynamic_response_efa_2021_2023_legacy.csv",
            efa_date=D,
            efa_block=I,
            service=S,
            delivery_start_local=S,
            delivery_start_utc=S,
            delivery_end_utc=S,
            cleared_volume_mw=F,
            clearing_price_gbp_per_mw_per_h=F,
        ),
        _spec(
            "quick_reserve_2024",
            "market/gb_quick_reserve_2024.csv",
            service=S,
            delivery_start_utc=S,
            delivery_end_utc=S,
            cleared_volume_mw=F,
            clearing_price_gbp_per_mw_per_h=F,
        ),
        _spec(
            "bm_units_battery",
            "market/gb_bm_units_battery_snapshot_2025-11-10.csv",
            nationalGridBmUnit=S,
            elexonBmUnit=S,
            leadPartyName=S,
            bmUnitType=S,
            leadPartyId=S,
            demandCapacity=F,
            generationCapacity=F,
            gspGroupId=S,
            gspGroupName=S,
        ),
    )
}


class ReferenceData:
    """Loads and caches the reference tables of one data directory.

    Args:
        data_dir: The data directory (``GBESS_DATA_DIR``; default ``../shared/data``).
    """

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)
        self._cache: dict[str, pd.DataFrame] = {}
        self._lock = threading.Lock()

    def path(self, name: str) -> Path:
        """Absolute path of a registered table's file."""
        return self.data_dir / _table_spec(name).path

    def table(self, name: str) -> pd.DataFrame:
        """A registered table, checked and typed (cached; do not mutate).

        Raises:
            ReferenceDataError: If the directory, file or a required column is missing,
                or a value does not parse as its declared kind.
        """
        cached = self._cache.get(name)
        if cached is not None:
            return cached
        with self._lock:
            if name not in self._cache:
                self._cache[name] = _load(self.data_dir, _table_spec(name))
            return self._cache[name]

    def check_all(self) -> list[ReferenceDataError]:
        """What is wrong with the registered tables (empty when all load), for /health.

        A missing data directory is one problem, not one per table. Loaded tables stay
        cached, so a second check of a healthy directory costs microseconds; a failure is
        not cached (the next check reads the file again).
        """
        if not self.data_dir.is_dir():
            return [_directory_missing(self.data_dir)]
        problems = []
        for name in TABLES:
            try:
                self.table(name)
            except ReferenceDataError as exc:
                problems.append(exc)
        return problems


def _table_spec(name: str) -> TableSpec:
    try:
        return TABLES[name]
    except KeyError:
        raise ReferenceDataError(
            f"no reference table named {name!r}", check="unknown-table", table=name
        ) from None


def _directory_missing(data_dir: Path) -> ReferenceDataError:
    return ReferenceDataError(
        f"data directory not found: {data_dir} (set {DATA_DIR_SETTING})",
        check="data-dir-missing",
        field=DATA_DIR_SETTING,
    )


def _load(data_dir: Path, spec: TableSpec) -> pd.DataFrame:
    where = f"(set {DATA_DIR_SETTING}; currently {data_dir})"

    def broken(detail: str, check: str) -> ReferenceDataError:
        # Every message starts with the file and ends with the setting to check.
        return ReferenceDataError(
            f"{spec.path}: {detail} {where}",
            check=check,
            table=spec.name,
            file=spec.path,
            field=DATA_DIR_SETTING,
        )

    if not data_dir.is_dir():
        raise _directory_missing(data_dir)
    path = data_dir / spec.path
    if not path.is_file():
        raise broken("reference file missing", "file-missing")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    except (
        OSError,  # unreadable (permissions) or vanished between the check and the read
        UnicodeDecodeError,
        pd.errors.ParserError,
        pd.errors.EmptyDataError,
    ) as exc:
        raise broken(f"not a readable UTF-8 CSV ({type(exc).__name__})", "unreadable") from None
    missing = [col for col, _ in spec.columns if col not in frame.columns]
    if missing:
        raise broken(f"missing column(s) {', '.join(missing)}", "missing-columns")
    for col, kind in spec.columns:
        frame[col] = _convert(frame[col], kind, col, broken)
    return frame


def _convert(
    values: pd.Series,
    kind: Kind,
    col: str,
    broken: Callable[[str, str], ReferenceDataError],
) -> pd.Series:
    if kind == "str":
        return values.str.strip()
    if kind == "date":
        parsed = pd.to_datetime(values, format="%Y-%m-%d", errors="coerce")
    else:
        parsed = pd.to_numeric(values, errors="coerce")
    bad = parsed.isna() & values.notna()
    if bad.any():
        row = int(bad.to_numpy().nonzero()[0][0])
        raise broken(
            f"column {col} should hold {kind} values; row {row + 2} has {values.iloc[row]!r}",
            "bad-value",
        )
    if kind == "int":
        if parsed.isna().any():
            return parsed.astype("Int64")
        return parsed.astype("int64")
    return parsed


@functools.lru_cache(maxsize=8)
def reference_data(data_dir: Path) -> ReferenceData:
    """The shared, cached :class:`ReferenceData` for a data directory."""
    return ReferenceData(Path(data_dir).resolve())


def text_values(column: pd.Series) -> list[str | None]:
    """A loaded ``str`` column as plain Python strings, empty cells as None."""
    return [value if isinstance(value, str) else None for value in column.tolist()]


def required_text_values(column: pd.Series) -> list[str]:
    """A loaded ``str`` column that must have no empty cell, as plain Python strings.

    Raises:
        ReferenceDataError: Naming the column and the first empty row.
    """
    values = column.tolist()
    for row, value in enumerate(values):
        if not isinstance(value, str):
            raise ReferenceDataError(
                f"column {column.name}: row {row + 2} is empty",
                check="empty-cell",
                field=DATA_DIR_SETTING,
            )
    return values


def date_values(column: pd.Series) -> list[dt.date | None]:
    """A loaded ``date`` column as :class:`datetime.date` values, empty cells as None.

    One vectorised conversion; per-row ``Timestamp.date()`` costs ~10x more on 10k rows.
    """
    dates: list[dt.date | None] = column.to_numpy(dtype="datetime64[D]").tolist()
    return dates
