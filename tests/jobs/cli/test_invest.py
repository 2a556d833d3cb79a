"""``gbess invest``: bad input exits 2 naming the field before any work; the summary prints
NPV, IRR, payback, LCOS, the labelled bound and the sweep with the best marked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import jobs.cli.invest
from jobs.cli import main

BASE = ["invest", "--power-mw", "50", "--energy-mwh", "100"]


@pytest.fixture(autouse=True)
def var_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GBESS_VAR_DIR", str(tmp_path))


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--discount-rate-real-frac", "8"], "did you mean 0.08?"),
        (["--life-years", "0"], "life_years"),
        (["--life-years", "60"], "life_years"),
        (["--capex-gbp-per-kw", "-5"], "capex_gbp_per_kw: must not be negative"),
        (["--augmentation-threshold-frac", "1.1"], "augmentation_threshold_frac"),
        (["--fade-cycles-curve", "0:1,100:0.9,200:0.95"], "fade_cycles_curve"),
        (["--fade-years-curve", "0:0.9,10:0.8"], "fade_years_curve: the curve must start"),
        (["--capacity-market", "T-4", "--cm-first-delivery-year", "2035/36"],
         "cm_price_gbp_per_kw_per_year: no published T-4 auction"),
        (["--scenarios", "1001"], "scenarios: must lie in 0..1000 paths"),
        (["--scenarios", "2", "--regime", "2018-2020"], "regime: years must lie in 2019..2026"),
        (["--toll-share-frac", "1.2", "--toll-price-gbp-per-mw-per-year", "5"],
         "toll_share_frac: a share of the MW in [0, 1]"),
        (["--toll-share-frac", "0.5", "--toll-price-gbp-per-mw-per-year", "nan"],
         "toll_price_gbp_per_mw_per_year"),
    ],
)  # fmt: skip
def test_bad_input_exits_2_naming_the_field(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert main([*BASE, *argv]) == 2
    captured = capsys.readouterr()
    assert message in captured.err
    assert captured.out == ""


def test_the_summary(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    document: dict[str, Any] = {
        "label": "forecast", "mode": "forecast", "power_mw": 50.0, "energy_mwh": 100.0,
        "life_years": 15, "discount_rate_real_frac": 0.08, "npv_gbp": -230_292.4,
        "irr_frac": 0.0415, "payback_year": None, "lcos_gbp_per_mwh": 186.25,
        "upper_bound": {"label": "upper bound (perfect foresight)", "npv_gbp": 1_000_000.0},
        "stacks_solved": 6, "project_years_valued": 30, "seconds": 12.0,
        "sweep": [{"duration_h": 1.0, "npv_gbp": -5.0, "irr_frac": None, "best": False},
                  {"duration_h": 2.0, "npv_gbp": 7.0, "irr_frac": 0.05, "best": True}],
    }  # fmt: skip
    monkeypatch.setattr(jobs.cli.invest, "run_invest", lambda request, settings, _p: document)
    assert main([*BASE, "--sweep"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "forecast: 50 MW / 100 MWh, 15 years at 0.08 real"
    assert lines[1:5] == ["  NPV      -£230,292", "  IRR      4.15 %",
                          "  payback  not within the life", "  LCOS     £186.2/MWh"]  # fmt: skip
    assert lines[5] == "  upper bound (perfect foresight): NPV £1,000,000"
    assert lines[7].endswith("<- best")
    assert "2 h" in lines[7]
    assert lines[-1] == "  6 revenue stacks solved for 30 project-years (12.0 s)"
    document["stacks_reused"] = 4
    assert main([*BASE, "--sweep"]) == 0
    last = capsys.readouterr().out.splitlines()[-1]
    assert (
        last
        == "  6 revenue stacks solved (+4 read from the stack store) for 30 project-years (12.0 s)"
    )


def test_csv_is_the_cashflow_or_the_sweep(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    cashflow = [
        {"year": 0, "capex_gbp": -550_000.0, "net_gbp": -550_000.0},
        {"year": 1, "capex_gbp": 0.0, "net_gbp": 50_000.0},
    ]
    sweep = [{"duration_h": 1.0, "npv_gbp": -5.0, "irr_frac": None, "best": False}]
    document: dict[str, Any] = {"cashflow": cashflow}
    monkeypatch.setattr(
        jobs.cli.invest, "run_invest", lambda request, settings, progress=None: document
    )
    assert main([*BASE, "--csv"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "year,capex_gbp,net_gbp",
        "0,-550000.0,-550000.0",
        "1,0.0,50000.0",
    ]
    document["sweep"] = sweep
    assert main([*BASE, "--sweep", "--csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "duration_h,npv_gbp,irr_frac,best"
    assert lines[1].startswith("1.0,-5.0,,")  # a missing IRR is an empty cell, never 0
