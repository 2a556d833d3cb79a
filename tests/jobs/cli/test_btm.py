"""``gbess btm``: the issue's JSON keys, one-line errors and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from engine.settlement import half_hourly_index, iso_utc
from jobs.cli import main

KEYS = {
    "without_battery",
    "with_battery",
    "battery_value_gbp",
    "battery_value_by_component",
    "red_coverage_frac",
    "equivalent_cycles",
    "by_month",
    "assumptions",
}
ARGS = [
    "btm",
    "--distributor",
    "14",
    "--tariff",
    "HV Site Specific Band 1",
    "--import-capacity-kva",
    "3000",
    "--ppa-gbp-per-mwh",
    "150",
    "--power-mw",
    "2.5",
    "--energy-mwh",
    "5",
    "--energy-price",
    "80",
    "--no-levies",
]


def _load(tmp_path: Path, kwh: float) -> Path:
    index = half_hourly_index("2025-06-09", "2025-06-15")
    path = tmp_path / "load.csv"
    frame = pd.DataFrame({"interval_start": iso_utc(index), "import_kwh": np.full(len(index), kwh)})
    frame.to_csv(path, index=False)
    return path


def test_json_keys_and_a_positive_value(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    load = _load(tmp_path, 1000.0)
    assert (
        main(
            [
                *ARGS,
                "--load",
                str(load),
                "--pv-kwp",
                "1000",
                "--lat",
                "52.48",
                "--lon",
                "-1.90",
                "--json",
            ]
        )
        == 0
    )
    document = json.loads(capsys.readouterr().out)
    assert set(document) >= KEYS
    # Flat energy price: the value is the DUoS spread, red 16.42 vs green 0.21 £/MWh.
    assert document["battery_value_gbp"] > 0
    assert 0 < document["red_coverage_frac"] <= 1
    assert [m["month"] for m in document["by_month"]] == ["2025-06"]
    assert any("PV modelled with pvlib" in n for n in document["assumptions"])


def test_load_in_kw_exits_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    load = _load(tmp_path, 2000.0)  # 4,000 kW average on a 3,000 kVA connection
    assert main([*ARGS, "--load", str(load), "--json"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "looks like average kW" in err


def test_missing_levies_exit_1_naming_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    load = _load(tmp_path, 1000.0)
    args = [a for a in ARGS if a != "--no-levies"]
    argv = [*args, "--load", str(load), "--levy", "FiT=5.5", "--require-levies", "--json"]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "AAHEDC" in err
    assert "FiT" not in err.split("part of the period:")[1].split(";")[0]


def test_defaults_succeed_with_levies_left_out_and_the_old_capacity_flag_warns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    load = _load(tmp_path, 1000.0)
    args = [a for a in ARGS if a != "--no-levies"]
    args[args.index("--import-capacity-kva")] = "--capacity-kva"
    assert main([*args, "--load", str(load)]) == 0
    shown = capsys.readouterr()
    assert shown.err.startswith(
        "gbess: deprecated: --capacity-kva is deprecated: use --import-capacity-kva (the name"
    ), shown.err
    assert "battery value" in shown.out
    assert "(forecast)" in shown.out
    assert "upper bound (perfect foresight): £" in shown.out
    assert "round trip         88%" in shown.out
    assert "levies left out: FiT, no published rate in the data for the run" in shown.out


def test_perfect_foresight_mode_labels_its_value(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    load = _load(tmp_path, 1000.0)
    assert main([*ARGS, "--load", str(load), "--mode", "perfect_foresight", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["mode"] == "perfect_foresight"
    assert document["battery_value_label"] == "upper bound (perfect foresight)"
    assert document["upper_bound"] is None
