"""The Response value tab: model beside the study method, by EFA block and month, laid out."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pandas as pd
import pytest

from jobs.dashboard.response import TAB, WINDOW_DAYS, build_response_value_tab, response_value_job
from jobs.response import ResponseValueRequest, run_response_value
from jobs.settings import Settings
from jobs.sheets.plan import layout
from tests.jobs.response_fixtures import FREQUENCY_DAY, response_settings

DAY = dt.date.fromisoformat(FREQUENCY_DAY)


@pytest.fixture(scope="module")
def settings(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return response_settings(data_dir, tmp_path_factory)


def test_the_tab_shows_the_model_beside_the_study(settings: Settings) -> None:
    reports = {
        m: run_response_value(ResponseValueRequest(first=DAY, last=DAY, method=m), settings)
        for m in ("model", "study")
    }
    plan = build_response_value_tab(reports["model"], reports["study"], dt.datetime(2024, 1, 10))
    assert plan.tab == TAB
    blocks = plan.tables[0].frame
    assert blocks["efa_block"].tolist() == [1, 2, 3, 4, 5, 6]
    model_block1 = reports["model"]["per_mw"]["by_efa_block"][0]
    study_block1 = reports["study"]["per_mw"]["by_efa_block"][0]
    assert blocks["response_model_gbp_per_mw_per_h"].iloc[0] == model_block1["gbp_per_mw_per_h"]
    assert blocks["response_study_gbp_per_mw_per_h"].iloc[0] == study_block1["gbp_per_mw_per_h"]
    # a BM unit on the frequency day: ABSVD, room in the store → the model equals the study
    assert blocks["response_model_gbp_per_mw_per_period"].iloc[0] == pytest.approx(
        blocks["response_study_gbp_per_mw_per_period"].iloc[0]
    )
    months = plan.tables[1].frame
    assert months["month"].tolist() == ["2024-01"]
    assert any("SoC-aware" in n for n in plan.notes)
    assert any("2022 DR-High study" in n for n in plan.notes)
    grid = layout(plan)  # every column is registered
    assert grid.tab == TAB


def test_a_block_without_a_figure_is_missing_not_zero(settings: Settings) -> None:
    model = run_response_value(ResponseValueRequest(first=DAY, last=DAY), settings)
    model["per_mw"]["by_efa_block"][5] |= {"gbp_per_mw_per_period": None, "gbp_per_mw_per_h": None}
    plan = build_response_value_tab(model, model, None)
    assert math.isnan(plan.tables[0].frame["response_model_gbp_per_mw_per_h"].iloc[5])


def test_the_job_without_prices_says_so(settings: Settings) -> None:
    plan = response_value_job(settings, None)
    assert plan.tables == ()
    assert plan.notes == ("no system prices in the warehouse",)


def test_the_job_covers_the_last_window_of_prices(settings: Settings) -> None:
    last = pd.Timestamp("2024-03-31 22:30", tz="UTC")  # SD 2024-03-31 SP46 (BST)
    plan = response_value_job(settings, last)
    assert plan.data_as_of == dt.datetime(2024, 3, 31, 22, 30)
    first = dt.date(2024, 3, 31) - dt.timedelta(days=WINDOW_DAYS - 1)
    assert plan.notes[0].startswith(f"DRH held, {first} to 2024-03-31, bm unit: model £")
    assert plan.tables[1].frame["month"].tolist() == ["2024-01", "2024-02", "2024-03"]
