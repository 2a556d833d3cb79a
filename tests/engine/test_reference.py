"""Reference tables load with their declared types; missing data names the file and setting."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from engine.errors import DataMissingError
from engine.reference import TABLES, ReferenceData


def test_every_table_loads(ref: ReferenceData) -> None:
    assert ref.check_all() == []
    areas = ref.table("dno_licence_areas")
    assert len(areas) == 14
    assert sorted(areas["gsp_group_id"]) == [f"_{c}" for c in "ABCDEFGHJKLMNP"]
    assert ref.table("system_prices_2024")["settlement_period"].dtype == "int64"
    assert ref.table("duos_tariffs")["red_p_per_kwh"].dtype == "float64"


def test_tables_are_cached(ref: ReferenceData) -> None:
    assert ref.table("distributors") is ref.table("distributors")


def test_missing_directory_names_setting(tmp_path: Path) -> None:
    with pytest.raises(DataMissingError, match=r"data directory not found.*GBESS_DATA_DIR"):
        ReferenceData(tmp_path / "nope").table("distributors")


def test_missing_file_names_file(tmp_path: Path) -> None:
    with pytest.raises(DataMissingError, match=r"distributors\.csv.*GBESS_DATA_DIR"):
        ReferenceData(tmp_path).table("distributors")


def test_bad_column_and_value(tmp_path: Path, data_dir: Path) -> None:
    (tmp_path / "mpan_check_digit_weights.csv").write_text("core_digit_position,weight\n1,x\n")
    with pytest.raises(DataMissingError, match=r"column weight should hold int values; row 2"):
        ReferenceData(tmp_path).table("mpan_check_digit_weights")
    shutil.copy(data_dir / "mdd_profile_classes.csv", tmp_path / "mdd_profile_classes.csv")
    (tmp_path / "distributors.csv").write_text("distributor_id\n10\n")
    with pytest.raises(DataMissingError, match="missing column"):
        ReferenceData(tmp_path).table("distributors")
    assert len(ReferenceData(tmp_path).table("mdd_profile_classes")) == 8


@pytest.mark.parametrize(
    "content", [b"\xff\xfe\x00not text", b"", b'weight\n"unterminated\n1,2,3\n']
)
def test_unreadable_file_names_file_and_setting(tmp_path: Path, content: bytes) -> None:
    (tmp_path / "mpan_check_digit_weights.csv").write_bytes(content)
    with pytest.raises(DataMissingError, match=r"mpan_check_digit_weights\.csv: not a readable"):
        ReferenceData(tmp_path).table("mpan_check_digit_weights")


def test_unknown_table(ref: ReferenceData) -> None:
    assert "duos_tariffs" in TABLES
    with pytest.raises(DataMissingError, match="no reference table"):
        ref.table("nope")
