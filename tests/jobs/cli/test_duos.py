"""``gbess duos rates|cost``: exact JSON keys, one-line errors and exit codes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import jobs.cli.duos
from engine.settlement import half_hourly_index, iso_utc
from jobs.cli import main

COMPONENT_KEYS = {
    "red_unit_gbp",
    "amber_unit_gbp",
    "green_unit_gbp",
    "fixed_gbp",
    "capacity_gbp",
    "exceeded_capacity_gbp",
    "reactive_gbp",
}


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, Any]:
    assert main(list(argv)) == 0
    document: dict[str, Any] = json.loads(capsys.readouterr().out)
    return document


def _csv(tmp_path: Path, first: str, last: str, kwh: float) -> Path:
    index = half_hourly_index(first, last)
    path = tmp_path / "profile.csv"
    pd.DataFrame({"interval_start": iso_utc(index), "import_kwh": np.full(len(index), kwh)}).to_csv(
        path, index=False
    )
    return path


def test_rates_json(capsys: pytest.CaptureFixture[str]) -> None:
    doc = _run(
        capsys,
        "duos",
        "rates",
        "--distributor",
        "14",
        "--date",
        "2025-06-01",
        "--tariff",
        "HV Site Specific Band 1",
        "--json",
    )
    assert doc["tariff_name"] == "HV Site Specific Band 1"
    years = doc["years"]
    assert isinstance(years, list)
    assert len(years) == 1
    assert years[0]["charging_year"] == "2025/26"
    assert years[0]["rates"]["red_p_per_kwh"] == 1.642  # 2025-E-MIDE Annex 1
    assert {w["band"] for w in years[0]["band_windows"]} == {"red", "amber", "green"}
    assert doc["sources"][0]["source_doc_id"] == "2025-E-MIDE"


def test_cost_json_keys(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    # One Sunday (all green under MIDE bands): 48 × 10 kWh × 0.021 p + 443.28 p fixed
    # + 1,500 kVA × 9.5 p capacity (HV Site Specific Band 1, 2025/26).
    path = _csv(tmp_path, "2025-06-01", "2025-06-01", 10.0)
    doc = _run(
        capsys,
        "duos",
        "cost",
        "--profile",
        str(path),
        "--distributor",
        "14",
        "--tariff",
        "HV Site Specific Band 1",
        "--import-capacity-kva",
        "1500",
        "--json",
    )
    assert {
        "total_gbp",
        "by_component",
        "by_month",
        "effective_p_per_kwh",
        "charging_years",
        "sources",
    } <= set(doc)
    assert set(doc["by_component"]) == COMPONENT_KEYS
    assert doc["total_gbp"] == pytest.approx((480 * 0.021 + 443.28 + 1500 * 9.5) / 100)
    assert doc["charging_years"] == ["2025/26"]
    assert doc["by_month"][0]["month"] == "2025-06"


def test_cost_shape(capsys: pytest.CaptureFixture[str]) -> None:
    doc = _run(
        capsys,
        "duos",
        "cost",
        "--shape",
        "3",
        "--annual-kwh",
        "20000",
        "--year",
        "2025/26",
        "--distributor",
        "_A",
        "--tariff",
        "Non-Domestic Aggregated or CT Band 1",
        "--json",
    )
    assert doc["energy_kwh"] == pytest.approx(20000)


def test_cost_bad_profile_is_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = _csv(tmp_path, "2025-06-01", "2025-06-01", -1.0)
    code = main(
        [
            "duos",
            "cost",
            "--profile",
            str(path),
            "--distributor",
            "14",
            "--tariff",
            "HV Site Specific Band 1",
            "--import-capacity-kva",
            "100",
        ]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1
    assert "import_kwh" in err


def test_unknown_tariff_is_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["duos", "rates", "--distributor", "14", "--tariff", "HV Site Band 9"])
    assert code == 1
    assert "nearest valid names" in capsys.readouterr().err


def test_the_old_capacity_flag_still_works_with_a_note(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = _csv(tmp_path, "2025-06-01", "2025-06-01", 10.0)
    argv = ["duos", "cost", "--profile", str(path), "--distributor", "14", "--tariff",
            "HV Site Specific Band 1", "--json"]  # fmt: skip
    assert main([*argv, "--import-capacity-kva", "1500"]) == 0
    new = json.loads(capsys.readouterr().out)
    assert main([*argv, "--capacity-kva", "1500"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["total_gbp"] == new["total_gbp"]
    assert err == jobs.cli.duos.DEPRECATED_CAPACITY + "\n"
    assert main([*argv, "--capacity-kva", "1500", "--import-capacity-kva", "1500"]) == 2
    assert "give --import-capacity-kva only" in capsys.readouterr().err
