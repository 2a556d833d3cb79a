"""The DUoS use cases shared by CLI and HTTP: the requests' checks and the documents."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.duos import find_tariff
from engine.errors import ValidationError
from engine.reference import ReferenceData
from jobs.cli import main
from jobs.duos import DuosCostRequest, rates_document, run_duos_cost
from jobs.inputs import HalfHourlyProfile
from jobs.settings import Settings


@pytest.fixture(scope="module")
def settings(data_dir: Path) -> Settings:
    return Settings(data_dir=data_dir)


def test_cost_profile_needs_a_profile_or_a_shape(settings: Settings) -> None:
    request = DuosCostRequest(distributor=14, tariff="HV Site Specific Band 1", shape="5")
    with pytest.raises(ValidationError, match="shape with annual_kwh and year"):
        run_duos_cost(request, settings)


def test_cost_profile_refuses_a_profile_and_a_shape_together(settings: Settings) -> None:
    # Either one would be silently ignored: the caller must choose.
    profile = HalfHourlyProfile(interval_start=("2025-06-01T00:00Z",), import_kwh=(1.0,))
    both = DuosCostRequest(
        distributor=14, tariff="LV Site Specific Band 2", profile=profile,
        shape="5", annual_kwh=1000.0, year="2025/26",
    )  # fmt: skip
    with pytest.raises(ValidationError, match="give a profile or shape, annual_kwh, year") as err:
        run_duos_cost(both, settings)
    assert err.value.field == "shape"
    request = DuosCostRequest(
        distributor=14, tariff="LV Site Specific Band 2", profile=profile, annual_kwh=0.0
    )
    with pytest.raises(ValidationError, match="give a profile or annual_kwh, not both"):
        run_duos_cost(request, settings)


@pytest.mark.parametrize(("year", "outside"), [("2021", "2020/21"), ("2028/29", "2028/29")])
def test_shape_year_without_rates_names_the_years_held(
    settings: Settings, year: str, outside: str
) -> None:
    # Calendar 2021 starts in charging year 2020/21; the tariff table holds 2022/23-2027/28.
    request = DuosCostRequest(
        distributor=14, tariff="LV Site Specific Band 2", shape="5", annual_kwh=1000.0, year=year
    )
    with pytest.raises(ValidationError) as err:
        run_duos_cost(request, settings)
    assert err.value.field == "year"
    assert f"includes charging year {outside}" in err.value.detail
    assert "2022/23, 2023/24, 2024/25, 2025/26, 2026/27, 2027/28" in err.value.detail


def test_rates_document_sources_resolve(ref: ReferenceData) -> None:
    doc = rates_document(ref, find_tariff(ref, 22, tariff="Unmetered Supplies", on="2025/26"))
    assert doc["band_names"] == ["black", "yellow", "green"]
    windows = doc["years"][0]["band_windows"]
    assert any(w["date_exception"] == "excluding 22nd Dec to 4th Jan inclusive" for w in windows)
    assert all(source["title"] for source in doc["sources"])


def test_a_shapes_absurd_energy_names_annual_kwh(settings: Settings) -> None:
    # Issue 19 defect 6: it was reported as import_kwh, a column the caller never gave.
    request = DuosCostRequest(
        distributor=14, tariff="HV Site Specific Band 1", shape="1", annual_kwh=1e300, year="2025"
    )
    with pytest.raises(ValidationError) as caught:
        run_duos_cost(request, settings)
    assert caught.value.field == "annual_kwh"
    assert caught.value.detail.startswith("annual_kwh:")


def test_a_profile_column_is_named_under_profile(settings: Settings) -> None:
    profile = HalfHourlyProfile(interval_start=("2025-06-01T00:00Z",), import_kwh=(-1.0,))
    request = DuosCostRequest(distributor=14, tariff="HV Site Specific Band 1", profile=profile)
    with pytest.raises(ValidationError) as caught:
        run_duos_cost(request, settings)
    assert caught.value.field == "profile.import_kwh"


def test_the_cli_names_its_flags(capsys: pytest.CaptureFixture[str]) -> None:
    # The same error in the CLI's words: --annual-kwh, and --import-capacity-kva for the
    # request's import_capacity_kva.
    base = ["duos", "cost", "--distributor", "14", "--tariff", "HV Site Specific Band 1"]
    shape = ["--shape", "1", "--year", "2025"]
    assert main([*base, *shape, "--annual-kwh", "1e300"]) == 2
    assert capsys.readouterr().err.startswith("gbess: error: --annual-kwh: ")
    assert main([*base, *shape, "--annual-kwh", "1000", "--import-capacity-kva", "1e12"]) == 2
    assert capsys.readouterr().err.startswith("gbess: error: --import-capacity-kva: ")
