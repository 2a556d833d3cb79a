"""``jobs.invest``: the request names every bad input, the agreement it makes, the answer's
shape and the latest case kept for the dashboard."""

from __future__ import annotations

import dataclasses
import itertools
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from engine.errors import ValidationError
from engine.invest import Fade, FadeCurve, RevenueGrid, YearRevenue, invest_case
from jobs.invest import (
    InvestRequest,
    case_document,
    load_latest,
    run_invest,
    save_latest,
    stacks_to_solve,
)
from jobs.settings import Settings


def test_defaults_and_the_agreement() -> None:
    request = InvestRequest(50.0, 100.0, capacity_market="T-4")
    assert request.price_years == (2023, 2024, 2025)
    assert request.project.discount_rate_real_frac == 0.08
    agreement = request.agreement()
    assert agreement is not None
    assert (agreement.auction_type, agreement.first_delivery_year, agreement.term_years) == (
        "T-4",
        "2025/26",
        15,
    )
    assert InvestRequest(50.0, 100.0).agreement() is None
    # A price alone makes an agreement of given figures.
    given = InvestRequest(50.0, 100.0, cm_price_gbp_per_kw_per_year=40.0, cm_derating_factor=0.5)
    assert given.agreement() is not None
    assert given.agreement().auction_type == "input"  # type: ignore[union-attr]  # checked above


def test_text_curves_as_the_cli_writes_them() -> None:
    request = InvestRequest(
        1.0, 2.0, fade_cycles_curve="0:1,1000:0.9", fade_years_curve="0:1,10:0.95"
    )
    assert request.project.fade.cycles_curve.points == ((0.0, 1.0), (1000.0, 0.9))
    assert request.project.fade.years_curve.remaining_frac(10) == pytest.approx(0.95)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"discount_rate_real_frac": 8.0}, "discount_rate_real_frac"),
        ({"round_trip_efficiency": 88.0}, "round_trip_efficiency"),
        ({"life_years": 0}, "life_years"),
        ({"capex_gbp_per_kwh": -1.0}, "capex_gbp_per_kwh"),
        ({"augmentation_threshold_frac": 1.5}, "augmentation_threshold_frac"),
        ({"fade_cycles_curve": "0:1,10:0.9,20:0.95"}, "fade_cycles_curve"),
        ({"fade_years_curve": "0:1,ten:0.9"}, "fade_years_curve"),
        ({"price_years": ()}, "price_years"),
        ({"price_years": (1999,)}, "price_years"),
        ({"capacity_market": "T-9"}, "capacity_market"),
        ({"services": "DCL,FFR"}, "services"),
        ({"grid_step_frac": 0.0}, "grid_step_frac"),
        ({"registration": "bmu"}, "registration"),
        ({"sweep": True, "duration_step_h": -1.0}, "duration_step_h"),
        ({"sweep": True, "max_stacks": 6}, "price_years"),
    ],
)
def test_bad_input_names_the_field(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        InvestRequest(50.0, 100.0, **kwargs)  # type: ignore[arg-type]  # each case sets one field
    assert caught.value.field == field


def _case_document() -> dict[str, object]:
    request = InvestRequest(1.0, 2.0, capex_gbp_per_kw=550.0, price_years=(2024,))
    project = request.project.__class__(
        1.0, 2.0, capex_gbp_per_kw=550.0, fade=Fade(FadeCurve(((0.0, 1.0),)))
    )
    grid = RevenueGrid(
        lambda i, e: YearRevenue({"DRL": 50_000.0}, 0.0, 730.0, 90_000.0), ("2024",), 2.0
    )
    return case_document(invest_case(project, grid), request, project, ["note"])


def test_the_answer_is_json_ready() -> None:
    document = _case_document()
    assert document["npv_gbp"] == pytest.approx(-122_026, abs=0.5)
    assert document["irr_frac"] == pytest.approx(0.0415, abs=5e-5)
    rows = document["cashflow"]
    assert isinstance(rows, list)
    assert rows[0]["price_year"] is None
    assert rows[1]["DRL_gbp"] == 50_000.0
    assert document["upper_bound"] == {
        "label": "upper bound (perfect foresight)",
        "npv_gbp": pytest.approx(-550_000 + 90_000 * 8.559478717),
    }
    assert document["assumptions"][0] == "note"  # type: ignore[index]  # a list


def test_the_latest_case_is_kept_whole(tmp_path: Path) -> None:
    settings = Settings(var_dir=tmp_path)
    assert load_latest(settings) is None
    document = _case_document()
    save_latest(document, settings)
    kept = load_latest(settings)
    assert kept is not None
    assert kept["npv_gbp"] == document["npv_gbp"]
    assert kept["cashflow"] == document["cashflow"]
    assert sorted(p.name for p in (tmp_path / "invest").iterdir()) == ["latest.json"]


# --- scenario paths (NPV as a distribution) and the toll ------------------------------


@pytest.mark.parametrize(
    ("kwargs", "field", "phrase"),
    [
        ({"scenarios": 1001}, "scenarios", "0..1000"),
        ({"scenarios": -1}, "scenarios", "0..1000"),
        ({"scenarios": 2.5}, "scenarios", "whole number"),
        ({"regime": "2030"}, "regime", "2019..2026"),
        ({"seed": -1}, "seed", "≥ 0"),
        ({"scenarios": 2, "mode": "perfect_foresight"}, "mode", "forecast mode"),
        ({"scenarios": 2, "forecast_method": "learned"}, "forecast_method", "naive"),
        ({"scenarios": 200, "sweep": True}, "scenarios", "200 paths x 7 sizes is 1400"),
        ({"toll_share_frac": 1.5, "toll_price_gbp_per_mw_per_year": 1.0}, "toll_share_frac",
         "[0, 1]"),
        ({"toll_share_frac": 0.5}, "toll_price_gbp_per_mw_per_year", "give the toll's price"),
        ({"toll_share_frac": 0.5, "toll_price_gbp_per_mw_per_year": -1.0},
         "toll_price_gbp_per_mw_per_year", "≥ 0"),
    ],
)  # fmt: skip
def test_bad_scenario_and_toll_input_names_the_field(
    kwargs: dict[str, object], field: str, phrase: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        InvestRequest(1.0, 2.0, **kwargs)  # type: ignore[arg-type]  # bad on purpose
    assert caught.value.field == field
    assert phrase in str(caught.value.detail)


def test_the_stack_bound_is_decided_from_the_request(data_dir: Path, tmp_path: Path) -> None:
    settings = Settings(data_dir=data_dir, duckdb_path=tmp_path / "w.duckdb", var_dir=tmp_path)

    def bound(request: InvestRequest) -> int:
        return stacks_to_solve(request, settings)  # an empty stack store: every stack

    # One price year, two project years: the nameplate and one grid point below it.
    assert bound(InvestRequest(1.0, 2.0, price_years=(2024,), life_years=2)) == 2
    # Three price years over fifteen years fading to 0.6: 3 x (1.0, 0.7, 0.4).
    assert bound(InvestRequest(50.0, 100.0)) == 9
    # The sweep multiplies by the sizes (1, 1.5 ... 4 h = 7).
    assert bound(InvestRequest(1.0, 2.0, price_years=(2024,), life_years=1, sweep=True)) == 7
    assert bound(InvestRequest(1.0, 2.0, scenarios=3)) == 0


def test_scenario_paths_give_a_reproducible_npv_distribution(
    data_dir: Path, tmp_path: Path
) -> None:
    settings = Settings(data_dir=data_dir, duckdb_path=tmp_path / "w.duckdb", var_dir=tmp_path)
    request = InvestRequest(
        1.0, 2.0, life_years=3, scenarios=4, capex_gbp_per_kw=300.0, regime="2024-2025"
    )
    seen: list[tuple[int, int]] = []
    document = run_invest(request, settings, lambda done, total: seen.append((done, total)))
    assert seen[-1] == (4, 4)
    spread = document["npv_distribution"]
    npvs = spread["npv_gbp_by_path"]
    assert (len(npvs), spread["paths"]) == (4, 4)
    assert spread["p10_gbp"] <= spread["p50_gbp"] <= spread["p90_gbp"]
    assert spread["probability_npv_negative"] == pytest.approx(sum(n < 0 for n in npvs) / 4)
    # The cashflow shown is the median path's (the lower median).
    assert document["npv_gbp"] == sorted(npvs)[1]
    assert document["npv_gbp"] == pytest.approx(npvs[document["scenario_path_shown"]])
    rows = document["cashflow"]
    assert [r["project_year"] for r in rows] == [0, 1, 2, 3]
    assert all("bootstrap" in r["price_year"] for r in rows[1:])
    # Each year on its own faded energy, never above nameplate.
    energies = [r["usable_energy_mwh"] for r in rows[1:]]
    assert energies[0] == 2.0
    assert all(a >= b for a, b in itertools.pairwise(energies))
    assert document["label"] == "fast day-ahead policy (an approximation of the forecast mode)"
    assert any("0.93-0.95" in a and "registration bm" in a for a in document["assumptions"])
    # Response energy valued as the replayed years' stacks value it (a BM unit by default).
    assert any(a.startswith("Response energy (issue 20") for a in document["assumptions"])
    assert any(k.startswith("response_energy_") for k in rows[1])
    # No cost per MWh from a policy that barely discharges: said, not shown.
    assert document["lcos_gbp_per_mwh"] is None
    assert any(a.startswith("LCOS not given") for a in document["assumptions"])
    assert document["stacks_solved"] == document["project_years_valued"] == 12
    # The same seed gives the same paths; a whole toll at the same price is a fixed annuity.
    again = run_invest(request, settings)
    assert again["npv_distribution"]["npv_gbp_by_path"] == npvs
    tolled = run_invest(
        dataclasses.replace(request, toll_share_frac=1.0, toll_price_gbp_per_mw_per_year=100_000.0),
        settings,
    )
    fixed = -300_000.0 + 100_000.0 * (1 / 1.08 + 1 / 1.08**2 + 1 / 1.08**3)
    assert tolled["npv_distribution"]["npv_gbp_by_path"] == pytest.approx([fixed] * 4)


def test_a_sweep_over_scenario_paths_gives_each_size_its_distribution(
    data_dir: Path, tmp_path: Path
) -> None:
    settings = Settings(data_dir=data_dir, duckdb_path=tmp_path / "w.duckdb", var_dir=tmp_path)
    base: dict[str, Any] = {"life_years": 2, "scenarios": 3, "capex_gbp_per_kw": 300.0,
            "capex_gbp_per_kwh": 100.0, "regime": "2024-2025"}  # fmt: skip
    sweep = InvestRequest(
        1.0, 1.0, sweep=True, duration_from_h=1.0, duration_to_h=2.0, duration_step_h=1.0, **base
    )
    document = run_invest(sweep, settings, workers=1)
    rows = document["sweep"]
    assert [r["duration_h"] for r in rows] == [1.0, 2.0]
    # Each size on the same paths as its own run (here on the pool): its NPVs' mean, P10,
    # P50, P90 and P(NPV < 0).
    for row in rows:
        alone = run_invest(InvestRequest(1.0, row["duration_h"], **base), settings)
        npvs = np.array(alone["npv_distribution"]["npv_gbp_by_path"])
        assert row["npv_gbp"] == pytest.approx(npvs.mean())
        assert [row["npv_p10_gbp"], row["npv_p50_gbp"], row["npv_p90_gbp"]] == pytest.approx(
            list(np.quantile(npvs, (0.1, 0.5, 0.9)))
        )
        assert row["probability_npv_negative"] == pytest.approx((npvs < 0).mean())
    best = max(rows, key=lambda r: r["npv_gbp"])
    assert [r["best"] for r in rows] == [r is best for r in rows]
    assert document["best_duration_h"] == best["duration_h"]
    # The distribution and the cashflow shown are the best size's.
    assert document["npv_distribution"]["mean_gbp"] == pytest.approx(best["npv_gbp"])
    assert document["cashflow"][0]["capex_gbp"] == pytest.approx(
        -(300.0 + 100.0 * best["duration_h"]) * 1000.0
    )
    assert document["project_years_valued"] == 2 * 3 * 2


def test_scenario_paths_pay_a_sites_duos(data_dir: Path, tmp_path: Path) -> None:
    settings = Settings(data_dir=data_dir, duckdb_path=tmp_path / "w.duckdb", var_dir=tmp_path)
    site: dict[str, Any] = {"distributor": "10", "import_tariff": "HV Site Specific No Residual",
            "export_tariff": "HV Generation Site Specific"}  # fmt: skip
    base: dict[str, Any] = {
        "life_years": 2,
        "scenarios": 2,
        "capex_gbp_per_kw": 300.0,
        "regime": "2024-2025",
    }
    document = run_invest(InvestRequest(1.0, 2.0, **base, **site), settings, workers=1)
    rows = document["cashflow"][1:]
    assert all("duos_import_gbp" in r and "duos_generation_credit_gbp" in r for r in rows)
    assert any(r["duos_generation_credit_gbp"] > 0 for r in rows)
    assert any("site's DUoS (10: import HV Site Specific No Residual" in a
               for a in document["assumptions"])  # fmt: skip
    bad = InvestRequest(1.0, 2.0, **base, **{**site, "import_tariff": "No such tariff"})
    with pytest.raises(ValidationError) as caught:
        run_invest(bad, settings, workers=1)
    assert caught.value.field == "import_tariff"
    # The caller's field names the problem once (not "import_tariff: tariff: ...").
    assert str(caught.value.detail).startswith("import_tariff: no tariff 'No such tariff' in _A")


def test_the_registration_reaches_every_stack(data_dir: Path, tmp_path: Path) -> None:
    settings = Settings(data_dir=data_dir, duckdb_path=tmp_path / "w.duckdb", var_dir=tmp_path)
    base = InvestRequest(
        1.0, 2.0, price_years=(2024,), life_years=1, mode="perfect_foresight", services=("DRL",)
    )
    bm = run_invest(base, settings, workers=1)["cashflow"][1]
    none = run_invest(dataclasses.replace(base, registration="none"), settings, workers=1)
    # A BM unit gives DR-Low's delivered energy away under ABSVD; unmodelled, it is free.
    assert bm["response_energy_DRL_gbp"] < 0
    assert none["cashflow"][1].get("response_energy_DRL_gbp", 0.0) == 0.0
    assert none["cashflow"][1]["revenue_gbp"] > bm["revenue_gbp"]


def test_too_little_history_names_the_regime(data_dir: Path, tmp_path: Path) -> None:
    settings = Settings(data_dir=data_dir, duckdb_path=tmp_path / "w.duckdb", var_dir=tmp_path)
    with pytest.raises(ValidationError) as caught:
        run_invest(InvestRequest(1.0, 2.0, life_years=2, scenarios=2, regime="2026"), settings)
    assert caught.value.field == "regime"
    assert "holds 77 complete days" in str(caught.value.detail)  # says what exists
