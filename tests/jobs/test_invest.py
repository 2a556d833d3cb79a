"""``jobs.invest``: the request names every bad input, the agreement it makes, the answer's
shape and the latest case kept for the dashboard."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.errors import ValidationError
from engine.invest import Fade, FadeCurve, RevenueGrid, YearRevenue, invest_case
from jobs.invest import InvestRequest, case_document, load_latest, save_latest
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
