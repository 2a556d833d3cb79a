"""``gbess dispatch``: totals as JSON from a CSV or the warehouse; bad input exits 2."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from jobs.cli import main

REF_ARGS = [
    "--power-mw", "2", "--energy-mwh", "4",
    "--charge-efficiency", "0.9", "--discharge-efficiency", "1.0",
]  # fmt: skip


def _run(capsys: pytest.CaptureFixture[str], argv: list[str]) -> dict[str, object]:
    assert main(argv) == 0
    document: dict[str, object] = json.loads(capsys.readouterr().out)
    return document


def test_two_periods_from_csv(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    prices = tmp_path / "prices.csv"
    prices.write_text(
        "interval_start,price_gbp_per_mwh\n2024-06-01T00:00Z,20\n2024-06-01T00:30Z,100\n"
    )
    schedule = tmp_path / "schedule.csv"
    doc = _run(capsys, ["dispatch", "--prices", str(prices), *REF_ARGS, "--schedule",
                        str(schedule), "--json"])  # fmt: skip
    # Buy 1 MWh at £20, store 0.9, sell 0.9 MWh at £100: 90 − 20 = £70.
    assert doc["net_revenue_gbp"] == pytest.approx(70.0)
    for key in ("charge_cost_gbp", "discharge_revenue_gbp", "degradation_cost_gbp",
                "charged_mwh", "discharged_mwh", "equivalent_cycles"):  # fmt: skip
        assert key in doc
    assert doc["intervals"] == 2
    lines = schedule.read_text().splitlines()
    assert lines[0].startswith("interval_start,charge_mw,discharge_mw,soc_mwh")
    assert lines[1].startswith("2024-06-01T00:00:00Z,2.0,0.0,0.9")


def test_settlement_periods_csv(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    prices = tmp_path / "prices.csv"
    prices.write_text(
        "settlement_date,settlement_period,price_gbp_per_mwh\n2024-06-01,2,100\n2024-06-01,1,20\n"
    )
    doc = _run(capsys, ["dispatch", "--prices", str(prices), *REF_ARGS, "--json"])
    # Rows are put in time order: SP1 £20 then SP2 £100 → £70 as above.
    assert doc["net_revenue_gbp"] == pytest.approx(70.0)
    assert doc["first_interval_start"] == "2024-05-31T23:00:00Z"


def test_nan_price_names_the_interval(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    prices = tmp_path / "prices.csv"
    prices.write_text(
        "interval_start,price_gbp_per_mwh\n2024-06-01T00:00Z,20\n2024-06-01T00:30Z,\n"
    )
    assert main(["dispatch", "--prices", str(prices), *REF_ARGS, "--json"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "2024-06-01T00:30:00+00:00" in err


@pytest.mark.parametrize("cell", ["£20", '"1,020"'])
def test_price_text_is_refused_not_called_missing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, cell: str
) -> None:
    prices = tmp_path / "prices.csv"
    prices.write_text(
        f"interval_start,price_gbp_per_mwh\n2024-06-01T00:00Z,20\n2024-06-01T00:30Z,{cell}\n"
    )
    assert main(["dispatch", "--prices", str(prices), *REF_ARGS, "--json"]) == 2
    err = capsys.readouterr().err
    assert "price_gbp_per_mwh: not a plain number at row 1" in err
    assert "missing" not in err


def test_schedule_into_a_missing_folder_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    prices = tmp_path / "prices.csv"
    prices.write_text("interval_start,price_gbp_per_mwh\n2024-06-01T00:00Z,20\n")
    schedule = tmp_path / "no" / "such" / "schedule.csv"
    argv = ["dispatch", "--prices", str(prices), *REF_ARGS, "--schedule", str(schedule)]
    assert main(argv) == 2
    assert "schedule: the folder" in capsys.readouterr().err


def test_from_after_to_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["dispatch", "--prices-from-warehouse", "apx", "--from", "2024-06-02", "--to",
            "2024-06-01", *REF_ARGS]  # fmt: skip
    assert main(argv) == 2
    assert "from: 2024-06-02 is after --to 2024-06-01" in capsys.readouterr().err


def test_percentage_efficiency_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    prices = tmp_path / "prices.csv"
    prices.write_text("interval_start,price_gbp_per_mwh\n2024-06-01T00:00Z,20\n")
    argv = ["dispatch", "--prices", str(prices), "--power-mw", "2", "--energy-mwh", "4",
            "--charge-efficiency", "90"]  # fmt: skip
    assert main(argv) == 2
    assert "did you mean 0.9" in capsys.readouterr().err


def test_unreachable_final_soc_exits_1(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    prices = tmp_path / "prices.csv"
    prices.write_text("interval_start,price_gbp_per_mwh\n2024-06-01T00:00Z,20\n")
    assert main(["dispatch", "--prices", str(prices), *REF_ARGS, "--final-soc-mwh", "4"]) == 1
    assert "final_soc_mwh" in capsys.readouterr().err


@pytest.fixture(scope="module")
def warehouse_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One DuckDB file for the module (the first query seeds it from the shipped data)."""
    return tmp_path_factory.mktemp("dispatch") / "w.duckdb"


@pytest.mark.parametrize(("series", "expected_intervals"), [("system", 48), ("apx", 48)])
def test_prices_from_warehouse(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    warehouse_file: Path,
    series: str,
    expected_intervals: int,
) -> None:
    monkeypatch.setenv("GBESS_DUCKDB_PATH", str(warehouse_file))
    doc = _run(
        capsys,
        ["dispatch", "--prices-from-warehouse", series, "--from", "2024-06-01", "--to",
         "2024-06-01", *REF_ARGS, "--final-soc-mwh", "0", "--json"],
    )  # fmt: skip
    assert doc["intervals"] == expected_intervals
    assert isinstance(doc["net_revenue_gbp"], float)
    assert doc["net_revenue_gbp"] >= 0.0


def test_warehouse_needs_dates(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dispatch", "--prices-from-warehouse", "apx", *REF_ARGS]) == 2
    assert "--from" in capsys.readouterr().err


def test_apx_no_trade_periods_are_not_traded(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    warehouse_file: Path,
    tmp_path: Path,
) -> None:
    # 2024-10-27 (50 periods, autumn clock change): APX has 29 periods with no trades.
    monkeypatch.setenv("GBESS_DUCKDB_PATH", str(warehouse_file))
    schedule = tmp_path / "schedule.csv"
    doc = _run(
        capsys,
        ["dispatch", "--prices-from-warehouse", "apx", "--from", "2024-10-27", "--to",
         "2024-10-27", *REF_ARGS, "--schedule", str(schedule), "--json"],
    )  # fmt: skip
    assert doc["intervals"] == 50
    frame = pd.read_csv(schedule)
    no_trade = frame["buy_price_gbp_per_mwh"].isna()
    assert no_trade.sum() == 29
    assert (frame.loc[no_trade, ["charge_mw", "discharge_mw", "cashflow_gbp"]] == 0).all().all()
