"""``gbess revenue``: the issue's JSON keys from the real warehouse; bad input is precise."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from jobs.cli import main

BASE = ["revenue", "--from", "2024-06-03", "--to", "2024-06-04", "--power-mw", "1"]


@pytest.fixture(autouse=True)
def warehouse(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    path = Path(str(tmp_path_factory.getbasetemp())) / "revenue.duckdb"
    monkeypatch.setenv("GBESS_DUCKDB_PATH", str(path))


def _run(capsys: pytest.CaptureFixture[str], argv: list[str]) -> dict[str, Any]:
    assert main(argv) == 0, capsys.readouterr().err
    document: dict[str, Any] = json.loads(capsys.readouterr().out)
    return document


def test_the_forecast_is_the_headline_and_the_ceiling_is_labelled(
    capsys: pytest.CaptureFixture[str],
) -> None:
    doc = _run(capsys, [*BASE, "--energy-mwh", "2", "--json"])
    for key in ("net_revenue_gbp", "gbp_per_mw_per_year", "streams", "by_month",
                "equivalent_cycles", "capture_ratio", "assumptions", "upper_bound"):  # fmt: skip
        assert key in doc
    assert doc["mode"] == "forecast"
    streams = doc["streams"]
    assert isinstance(streams, dict)
    assert sum(streams.values()) == pytest.approx(doc["net_revenue_gbp"])
    services = ("DCL", "DCH", "DML", "DMH", "DRL", "DRH")
    # A BM unit by default (issue 20): each held service's response energy is its own stream.
    assert set(streams) == {"energy_apx", "energy_system", *services, "degradation",
                            "auxiliary", *(f"response_energy_{s}" for s in services)}  # fmt: skip
    assert doc["registration"] == "bm"
    # With ABSVD a DR-Low holder gives its delivered energy away, a DR-High holder gets it free.
    assert streams["response_energy_DRL"] <= 0 <= streams["response_energy_DRH"]
    bound = doc["upper_bound"]
    assert bound["label"] == "upper bound (perfect foresight)"
    assert bound["net_revenue_gbp"] >= doc["net_revenue_gbp"]
    ratio = doc["capture_ratio"]
    assert isinstance(ratio, float)
    assert doc["net_revenue_gbp"] == pytest.approx(ratio * bound["net_revenue_gbp"])
    assert any(a.startswith("forecast:") for a in doc["assumptions"])
    # The response energy valued, and said so; never also called free or net zero.
    notes = " ".join(doc["assumptions"]).lower()
    assert "response energy (issue 20)" in notes
    assert "net zero" not in notes
    assert "taken as free" not in notes


def test_registration_none_leaves_response_energy_out(
    capsys: pytest.CaptureFixture[str],
) -> None:
    doc = _run(capsys, [*BASE, "--energy-mwh", "2", "--registration", "none", "--json"])
    assert not [s for s in doc["streams"] if s.startswith("response_energy")]
    assert any("response energy not modelled" in a for a in doc["assumptions"])


def test_perfect_foresight_alone_is_labelled_an_upper_bound(
    capsys: pytest.CaptureFixture[str],
) -> None:
    doc = _run(capsys, [*BASE, "--energy-mwh", "1", "--mode", "perfect_foresight",
                        "--services", "DRL,DCH", "--json"])  # fmt: skip
    assert doc["label"] == "upper bound (perfect foresight)"
    assert doc["capture_ratio"] is None
    assert any("upper bound" in a for a in doc["assumptions"])


def test_the_summary_prints_the_forecast_first_and_the_bound_labelled(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main([*BASE, "--energy-mwh", "1", "--services", ""]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("forecast: net £")
    assert any(line.startswith("upper bound (perfect foresight): net £") for line in lines)


def test_too_small_for_a_service_gets_zero_with_a_reason(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # 1 MW / 0.5 MWh lossless-ish: DR (60 min) can be held up to 0.5 x 0.938 = 0.47 MW < 1 MW.
    doc = _run(capsys, [*BASE, "--energy-mwh", "0.5", "--services", "DRL,DCL",
                        "--min-service-mw", "1", "--json"])  # fmt: skip
    assert "DRL" not in doc["streams"]
    assert any(a.startswith("DRL: 0 MW") for a in doc["assumptions"])


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (["--energy-mwh", "2h"], 2, "is a duration, not an energy"),
        (["--energy-mwh", "2", "--services", "DCL,QR"], 2, "unknown service 'QR'"),
        (["--energy-mwh", "0.05"], 2, "if you meant 0.05 hours"),
        (["--energy-mwh", "2", "--mode", "hindsight"], 2, "mode"),
    ],
)
def test_bad_input(
    capsys: pytest.CaptureFixture[str], argv: list[str], code: int, message: str
) -> None:
    assert main([*BASE, *argv, "--json"]) == code
    assert message in capsys.readouterr().err


def test_period_outside_the_warehouse_says_what_exists(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["revenue", "--from", "2031-01-01", "--to", "2031-01-02", "--power-mw", "1",
            "--energy-mwh", "2", "--json"]  # fmt: skip
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "from: the warehouse holds system prices for " in err
    assert "2031-01-01 … 2031-01-02 is outside that range" in err


def test_a_site_adds_duos_charges_and_credits(capsys: pytest.CaptureFixture[str]) -> None:
    doc = _run(capsys, [*BASE, "--energy-mwh", "2", "--services", "", "--distributor", "10",
                        "--import-tariff", "HV Site Specific No Residual",
                        "--export-tariff", "HV Generation Site Specific", "--json"])  # fmt: skip
    streams = doc["streams"]
    assert "duos_import" in streams
    assert "duos_generation_credit" in streams
    assert sum(streams.values()) == pytest.approx(doc["net_revenue_gbp"])
    assert any(a.startswith("Network charges:") for a in doc["assumptions"])


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        (["--distributor", "10", "--import-tariff", "HV Site Specific No Residual"],
         "export_tariff"),
        (["--distributor", "10", "--import-tariff", "No Such Tariff",
          "--export-tariff", "HV Generation Site Specific"], "import_tariff"),
    ],
)  # fmt: skip
def test_an_incomplete_or_unknown_site_names_the_field(
    capsys: pytest.CaptureFixture[str], extra: list[str], field: str
) -> None:
    assert main([*BASE, "--energy-mwh", "2", *extra]) == 2
    assert capsys.readouterr().err.startswith(f"gbess: error: {field}:")


def test_a_cm_agreement_outside_the_published_auctions_needs_its_price(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = [*BASE, "--energy-mwh", "2", "--capacity-market", "T-4",
            "--cm-first-delivery-year", "2031/32"]  # fmt: skip
    assert main(argv) == 2
    assert capsys.readouterr().err.startswith("gbess: error: cm_price_gbp_per_kw_per_year:")


def test_a_cm_agreement_is_a_stream_at_its_clearing_price(
    capsys: pytest.CaptureFixture[str],
) -> None:
    doc = _run(capsys, [*BASE, "--energy-mwh", "2", "--services", "", "--capacity-market", "T-4",
                        "--cm-first-delivery-year", "2023/24", "--cm-term-years", "3",
                        "--json"])  # fmt: skip
    # 2023/24 T-4 agreement, £15.97/kW/yr, 1.5 h class at the meter, 2 of 366 days of 2023/24.
    assert any("2023/24 paid £15.97/kW/yr" in a for a in doc["assumptions"])
    assert doc["streams"]["capacity_market"] > 0


def test_the_learned_forecasts_are_a_choice_that_says_when_unavailable(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main([*BASE, "--energy-mwh", "2", "--forecast-method", "nonsense"])
    assert code == 2
    assert capsys.readouterr().err.startswith("gbess: error: forecast_method:")


def test_the_learned_forecasts_run_from_a_year_of_history(
    capsys: pytest.CaptureFixture[str],
) -> None:
    doc = _run(capsys, [*BASE, "--energy-mwh", "2", "--forecast-method", "learned", "--json"])
    assert doc["mode"] == "forecast"
    assert doc["upper_bound"]["net_revenue_gbp"] >= doc["net_revenue_gbp"]
