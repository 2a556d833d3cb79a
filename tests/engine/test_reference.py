"""Reference tables load with their declared types; missing data names the file and setting.

A missing or broken table is a :class:`ReferenceDataError` (a server fault): its ``detail``
names the file and ``GBESS_DATA_DIR`` (the CLI's one line), its ``public_detail`` names the
table without the server's directory (the HTTP body).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from engine.errors import DataMissingError, ReferenceDataError
from engine.reference import TABLES, ReferenceData, required_text_values


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
    with pytest.raises(DataMissingError, match=r"data directory not found.*GBESS_DATA_DIR") as err:
        ReferenceData(tmp_path / "nope").table("distributors")
    assert isinstance(err.value, ReferenceDataError)
    assert (err.value.check, err.value.table) == ("data-dir-missing", None)
    assert str(tmp_path) not in err.value.public_detail


def test_missing_file_names_file(tmp_path: Path) -> None:
    with pytest.raises(ReferenceDataError, match=r"distributors\.csv.*GBESS_DATA_DIR") as err:
        ReferenceData(tmp_path).table("distributors")
    error = err.value
    assert (error.check, error.table, error.file) == (
        "file-missing",
        "distributors",
        "distributors.csv",
    )
    assert error.field == "GBESS_DATA_DIR"
    assert error.extensions == {"check": "file-missing", "table": "distributors"}
    assert str(tmp_path) in error.detail  # the operator is told where it looked
    assert error.public_detail == (
        "reference table distributors (distributors.csv) unavailable on the server: file missing"
    )


def test_check_all_lists_each_broken_table_once(tmp_path: Path, data_dir: Path) -> None:
    shutil.copy(data_dir / "mdd_profile_classes.csv", tmp_path / "mdd_profile_classes.csv")
    (tmp_path / "mpan_check_digit_weights.csv").write_text("core_digit_position,weight\n1,x\n")
    problems = {p.table: p.check for p in ReferenceData(tmp_path).check_all()}
    assert len(problems) == len(TABLES) - 1  # all but the one good copy
    assert problems["mpan_check_digit_weights"] == "bad-value"
    assert problems["distributors"] == "file-missing"
    assert "mdd_profile_classes" not in problems


def test_check_all_of_a_missing_directory_is_one_problem(tmp_path: Path) -> None:
    (problem,) = ReferenceData(tmp_path / "nope").check_all()
    assert problem.check == "data-dir-missing"


def test_an_empty_required_cell_is_a_reference_fault(ref: ReferenceData) -> None:
    column = ref.table("distributors")["distributor_id"].copy()
    column.iloc[1] = None
    with pytest.raises(ReferenceDataError, match="distributor_id: row 3 is empty") as err:
        required_text_values(column)
    assert err.value.check == "empty-cell"


def test_bad_column_and_value(tmp_path: Path, data_dir: Path) -> None:
    (tmp_path / "mpan_check_digit_weights.csv").write_text("core_digit_position,weight\n1,x\n")
    with pytest.raises(
        DataMissingError,
        match=r"mpan_check_digit_weights\.csv: column weight should hold int values; row 2.*"
        r"GBESS_DATA_DIR",
    ):
        ReferenceData(tmp_path).table("mpan_check_digit_weights")
    shutil.copy(data_dir / "mdd_profile_classes.csv", tmp_path / "mdd_profile_classes.csv")
    (tmp_path / "distributors.csv").write_text("distributor_id\n10\n")
    with pytest.raises(DataMissingError, match="missing column") as err:
        ReferenceData(tmp_path).table("distributors")
    assert isinstance(err.value, ReferenceDataError)
    assert err.value.check == "missing-columns"
    assert len(ReferenceData(tmp_path).table("mdd_profile_classes")) == 8


@pytest.mark.parametrize(
    "content", [b"\xff\xfe\x00not text", b"", b'weight\n"unterminated\n1,2,3\n']
)
def test_unreadable_file_names_file_and_setting(tmp_path: Path, content: bytes) -> None:
    (tmp_path / "mpan_check_digit_weights.csv").write_bytes(content)
    with pytest.raises(
        DataMissingError, match=r"mpan_check_digit_weights\.csv: not a readable.*GBESS_DATA_DIR"
    ) as err:
        ReferenceData(tmp_path).table("mpan_check_digit_weights")
    assert isinstance(err.value, ReferenceDataError)
    assert err.value.check == "unreadable"


def test_unknown_table(ref: ReferenceData) -> None:
    assert "duos_tariffs" in TABLES
    with pytest.raises(DataMissingError, match="no reference table"):
        ref.table("nope")
