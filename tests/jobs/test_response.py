"""The response-value report: NESO frequency files, the study and the model, bad input."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from engine.errors import DataMissingError, SourceUnavailableError, ValidationError
from engine.reference import ReferenceData
from engine.revenue import DYNAMIC_SERVICES, MarketData
from jobs.cli import main
from jobs.response import ResponseValueRequest, response_value_table, run_response_value
from jobs.settings import Settings
from jobs.sources.neso_frequency import read_neso_frequency
from tests.jobs.response_fixtures import FREQUENCY_DAY, response_settings

# Hand-written in NESO's recorded layout (not a real recording): a BST day, so the first
# sample of 2024-06-03 UK time is 23:00 GMT the day before.
NESO_SAMPLE = """dtm,f
2024-06-02 22:59:59,49.981
2024-06-02 23:00:00,49.982
2024-06-02 23:00:01,49.985
2024-06-02 23:00:02,50.004
"""


@pytest.fixture(scope="module")
def settings(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return response_settings(data_dir, tmp_path_factory)


def test_neso_times_are_gmt_and_days_are_uk_settlement_days() -> None:
    frame = read_neso_frequency(io.StringIO(NESO_SAMPLE))
    assert str(frame["measurement_time"].iloc[1]) == "2024-06-02 23:00:00+00:00"
    days = frame["settlement_date"].dt.strftime("%Y-%m-%d").tolist()
    assert days == ["2024-06-02", "2024-06-03", "2024-06-03", "2024-06-03"]
    assert frame["frequency_hz"].iloc[3] == 50.004


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (NESO_SAMPLE + "2024-06-02 23:00:01,49.990\n", "repeated time at line 4 .* line 6"),
        (NESO_SAMPLE.replace("50.004", "0.000"), r"outside 45-55 Hz .* line 5 \('0.000'\)"),
        (NESO_SAMPLE.replace("2024-06-02 23:00:00", "yesterday"), "unreadable time at line 3"),
        ("time,hz\n2024-06-02 23:00:00,50\n", "missing column"),
    ],
)
def test_bad_neso_rows_are_named(text: str, message: str) -> None:
    with pytest.raises(SourceUnavailableError, match=message):
        read_neso_frequency(io.StringIO(text))


def _imbalance(ref: ReferenceData, day: str, period: int) -> float:
    table = ref.table("system_prices_2024")
    row = table[
        (table["settlement_date"] == pd.Timestamp(day)) & (table["settlement_period"] == period)
    ]
    return float(row["system_sell_price_gbp_per_mwh"].iloc[0])


def _report(settings: Settings, **inputs: Any) -> dict[str, Any]:
    base = {"service": "DRH", "from": FREQUENCY_DAY, "to": FREQUENCY_DAY}
    return run_response_value(ResponseValueRequest.from_inputs({**base, **inputs}), settings)


def test_the_study_on_a_frequency_day(settings: Settings, ref: ReferenceData) -> None:
    document = _report(settings, method="study")
    assert document["energy"]["source"]["kind"] == "frequency"
    first = document["periods"][0]
    # SP1 at 50.30 Hz: DR is at full delivery beyond 0.2 Hz → 1 MW x 0.5 h = 0.5 MWh in
    assert first["net_import_mwh_per_mw"] == pytest.approx(0.5)
    # resold 3 periods later (SP4) at the imbalance price, x 0.925
    price_sp4 = _imbalance(ref, FREQUENCY_DAY, 4)
    assert first["value_gbp_per_mw"] == pytest.approx(price_sp4 * 0.5 * 0.925)
    assert all(p["net_import_mwh_per_mw"] == 0.0 for p in document["periods"][1:])
    per_mw = document["per_mw"]
    assert per_mw["periods"] == 48
    assert per_mw["total_gbp_per_mw"] == pytest.approx(price_sp4 * 0.5 * 0.925)
    # 00:00-00:30 is in EFA block 1 (23:00-03:00); block 2 has no response energy
    assert per_mw["by_efa_block"][0]["total_gbp_per_mw"] == pytest.approx(price_sp4 * 0.4625)
    assert per_mw["by_efa_block"][1]["total_gbp_per_mw"] == pytest.approx(0.0)


def test_the_model_settles_without_absvd_only(settings: Settings, ref: ReferenceData) -> None:
    bm = _report(settings, registration="bm")["periods"][0]
    non = _report(settings, registration="non_bm")["periods"][0]
    assert bm["settlement_gbp_per_mw"] == 0.0
    # a non-BM unit in 2024 buys its 0.5 MWh at SP1's imbalance price
    assert non["settlement_gbp_per_mw"] == pytest.approx(-0.5 * _imbalance(ref, FREQUENCY_DAY, 1))
    assert non["value_gbp_per_mw"] == pytest.approx(
        bm["value_gbp_per_mw"] + non["settlement_gbp_per_mw"]
    )


def test_without_frequency_the_estimate_is_used_and_said(settings: Settings) -> None:
    document = _report(settings, **{"from": "2024-01-11", "to": "2024-01-12"})
    assert document["energy"]["source"]["kind"] == "estimate"
    assert any(a.startswith("estimate:") for a in document["assumptions"])
    assert document["energy"]["net_import_mwh_per_mw"] == pytest.approx(96 * 0.062635 * 0.5)


def test_the_model_keeps_the_energy_within_the_store(
    settings: Settings, ref: ReferenceData
) -> None:
    # SP1 brings 0.5 MWh per MW; a 0.8 MWh store held at 50 % (0.4 MWh) has 0.4 MWh of room:
    # 0.4 MWh is taken and resold at SP4 x 0.925, the other 0.1 MWh is undelivered (earns 0).
    document = _report(settings, energy_h=0.8, soc_start=0.5)
    first = document["periods"][0]
    assert first["undelivered_mwh_per_mw"] == pytest.approx(0.1)
    price_sp4 = _imbalance(ref, FREQUENCY_DAY, 4)
    assert first["value_gbp_per_mw"] == pytest.approx(0.4 * price_sp4 * 0.925)
    assert document["energy"]["undelivered_mwh_per_mw"] == pytest.approx(0.1)
    assert any("SoC-aware" in a for a in document["assumptions"])
    roomy = _report(settings)["periods"][0]  # 2 MWh at 50 %: all 0.5 MWh fits
    assert roomy["undelivered_mwh_per_mw"] == pytest.approx(0.0)


def test_dc_and_dm_use_the_distribution_estimate(settings: Settings) -> None:
    document = _report(settings, service="DMH", **{"from": "2024-01-11", "to": "2024-01-11"})
    assert document["energy"]["source"]["kind"] == "estimate"
    # E[DM envelope] over N(0, 0.045389 Hz) = 0.0087747 MW/MW; 48 periods x 0.5 h
    assert document["energy"]["net_import_mwh_per_mw"] == pytest.approx(
        48 * 0.5 * 0.0087747, rel=1e-3
    )
    assert any("N(0, 0.04539 Hz)" in a for a in document["assumptions"])


def test_a_period_the_warehouse_lacks_is_missing(settings: Settings) -> None:
    with pytest.raises(DataMissingError, match="not covered"):
        _report(settings, **{"from": "2027-01-01", "to": "2027-01-02"})


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"to": "2024-01-01", "from": "2024-01-05"}, "to"),
        ({"lag_periods": 1.5}, "lag_periods"),
        ({"lag_periods": -1}, "lag_periods"),
        ({"efficiency": 1.2}, "efficiency"),
        ({"registration": "vlp"}, "registration"),
        ({"utilisation_frac": 2}, "utilisation_frac"),
        ({"method": "guess"}, "method"),
        ({"resale": "n2ex"}, "resale"),
        ({"from": "10/01/2024"}, "from"),
        ({"energy_h": 0}, "energy_h"),
        ({"energy_h": "big"}, "energy_h"),
        ({"soc_start": 1.5}, "soc_start_frac"),
    ],
)
def test_bad_input_names_the_field(change: dict[str, Any], field: str) -> None:
    inputs = {"service": "DRH", "from": "2024-01-10", "to": "2024-01-10", **change}
    with pytest.raises(ValidationError) as caught:
        ResponseValueRequest.from_inputs(inputs)
    assert caught.value.field == field


def test_cli_csv_and_exit_codes(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GBESS_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("GBESS_DUCKDB_PATH", str(settings.duckdb_path))
    args = ["response-value", "--from", FREQUENCY_DAY, "--to", FREQUENCY_DAY]
    assert main([*args, "--csv", "--method", "study"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("interval_start,settlement_date,settlement_period,efa_block")
    assert len(lines) == 49
    assert main([*args, "--lag-periods", "2.5"]) == 2
    assert "lag_periods" in capsys.readouterr().err


def test_the_stack_table_from_frequency(settings: Settings, ref: ReferenceData) -> None:
    index = pd.date_range(f"{FREQUENCY_DAY} 00:00", periods=48, freq="30min", tz="UTC")
    prices = ref.table("system_prices_2024")
    prices = prices.set_index(pd.to_datetime(prices["start_time_utc"], utc=True))
    system = prices["system_sell_price_gbp_per_mwh"].reindex(index)
    table = pd.DataFrame(columns=list(DYNAMIC_SERVICES), dtype=float)
    data = MarketData(index, pd.DataFrame({"apx": system, "system": system}), table)
    terms, notes = response_value_table(settings, data, ("DRH", "DCL"), "bm")
    value = terms.value_gbp_per_mw_per_h
    assert notes == []  # both from the frequency held for the day
    row = int(value.index.get_loc((pd.Timestamp(FREQUENCY_DAY), 1)))  # type: ignore[arg-type]
    # EFA day 10 block 1 within the table: 00:00-03:00 UTC, 6 periods; only SP1 has energy
    # (0.5 MWh resold at SP4's price x 0.925): mean over 6 periods ÷ 0.5 h
    expected = _imbalance(ref, FREQUENCY_DAY, 4) * 0.5 * 0.925 / 6 / 0.5
    assert value["DRH"].iloc[row] == pytest.approx(expected)
    assert value["DCL"].iloc[row] == 0.0
    # drift: mean |energy| = 0.5 MWh / 48 periods per half-hour, x 3 periods
    assert terms.drift_h["DRH"] == pytest.approx(0.5 / 48 * 3)
