"""Shared request pieces: the half-hourly profile, profile files, and the edge translation."""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from engine.duos import half_hourly_profile
from engine.duos.profile import ENERGY_COLUMNS, PROFILE_COLUMNS
from engine.errors import ValidationError
from jobs.inputs import (
    HalfHourlyProfile,
    TariffChoice,
    fields_named,
    read_profile_csv,
    request_from,
)

STARTS = ("2025-06-01T00:00Z", "2025-06-01T00:30Z")


def test_every_column_the_engine_reads_is_a_profile_field() -> None:
    # A file column the profile did not carry would be dropped without a word.
    fields = {item.name for item in dataclasses.fields(HalfHourlyProfile)}
    read = {"interval_start", "settlement_date", "settlement_period", *PROFILE_COLUMNS}
    assert read | set(ENERGY_COLUMNS) | set(ENERGY_COLUMNS.values()) == fields


def test_columns_are_kept_as_tuples_and_read_by_the_engine() -> None:
    as_json: dict[str, Any] = {"interval_start": list(STARTS), "import_kw": [20.0, 40.0]}
    profile = HalfHourlyProfile(**as_json)
    assert profile.interval_start == STARTS
    assert profile.import_kw == (20.0, 40.0)
    assert list(profile.frame().columns) == ["interval_start", "import_kw"]
    assert half_hourly_profile(profile.frame())["import_kwh"].tolist() == [10.0, 20.0]


def test_columns_of_different_lengths_are_refused() -> None:
    with pytest.raises(ValidationError, match=r"arrays differ in length \(interval_start 2, "):
        HalfHourlyProfile(interval_start=STARTS, import_kwh=(1.0,))


def test_from_frame_keeps_the_profile_columns_only() -> None:
    frame = pd.DataFrame({"site": ["a", "b"], "interval_start": STARTS, "import_kwh": [1.0, 2]})
    profile = HalfHourlyProfile.from_frame(frame)
    assert profile == HalfHourlyProfile(interval_start=STARTS, import_kwh=(1.0, 2.0))


def test_a_frame_without_time_columns_names_its_columns() -> None:
    frame = pd.DataFrame({"Time": STARTS, "kWh": [1.0, 2.0]})
    with pytest.raises(ValidationError, match=r"columns found: 'Time', 'kWh'") as err:
        HalfHourlyProfile.from_frame(frame)
    assert err.value.field == "interval_start"


def test_read_profile_csv(tmp_path: Path) -> None:
    path = tmp_path / "profile.csv"
    path.write_text("settlement_date,settlement_period,import_kwh,note\n2025-06-01,1,3.5,x\n")
    profile = read_profile_csv(path)
    assert profile == HalfHourlyProfile(
        settlement_date=("2025-06-01",), settlement_period=(1,), import_kwh=(3.5,)
    )


def test_read_profile_csv_errors(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="no such file"):
        read_profile_csv(tmp_path / "missing.csv")
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(ValidationError, match="not a readable CSV"):
        read_profile_csv(empty)
    with pytest.raises(ValidationError, match=r"cannot read .* \(Is a directory\)") as err:
        read_profile_csv(tmp_path, "load")
    assert err.value.field == "load"


@dataclasses.dataclass(frozen=True, kw_only=True)
class _Request(TariffChoice):
    capacity_kva: float


def test_request_from_takes_like_named_attributes_and_the_given_ones() -> None:
    flags = argparse.Namespace(distributor="14", tariff=None, llfc="501", capacity_kva=1.0)
    request = request_from(_Request, flags, capacity_kva=2.0)
    assert request == _Request(distributor="14", llfc="501", capacity_kva=2.0)


def test_request_from_refuses_a_field_the_edge_does_not_name() -> None:
    flags = argparse.Namespace(distributor="14", tariff=None, llfc=None)
    with pytest.raises(TypeError, match="Namespace has no 'capacity_kva' for _Request"):
        request_from(_Request, flags)


@pytest.mark.parametrize(
    ("field", "detail", "names", "renamed", "shown"),
    [
        # The request's words → the HTTP keys: field, prefix and identifiers in the prose.
        ("latitude_deg", "latitude_deg: a PV model needs latitude_deg and longitude_deg",
         {"latitude_deg": "lat", "longitude_deg": "lon"},
         "lat", "lat: a PV model needs lat and lon"),
        # → the CLI's flags; a plain word ("load") is renamed only as the field.
        ("load", "load: the load has 3 rows", {"load": "--load"},
         "--load", "--load: the load has 3 rows"),
        # A column under a renamed field: a key path over HTTP, a column of a flag's file.
        ("load.import_kwh", "load.import_kwh: negative at row 3", {"load": "--load"},
         "--load column import_kwh", "--load column import_kwh: negative at row 3"),
        # Nothing to rename: left as raised.
        ("tariff", "tariff: no such tariff", {"levy": "levies"},
         "tariff", "tariff: no such tariff"),
    ],
)  # fmt: skip
def test_rename_field(
    field: str, detail: str, names: dict[str, str], renamed: str, shown: str
) -> None:
    error = ValidationError(detail, field=field)
    with pytest.raises(ValidationError) as caught, fields_named(names):
        raise error
    assert caught.value is error
    assert (error.field, error.detail, str(error)) == (renamed, shown, shown)
