"""The risk use case: shards like Cloud Run Jobs tasks, idempotent writes, an honest merge."""

from __future__ import annotations

import dataclasses
import itertools
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

import engine.risk
import jobs.risk
from engine.errors import DataMissingError, ValidationError
from engine.reference import reference_data
from engine.revenue import service_specs
from engine.risk import DayBank, Regime
from jobs.risk import (
    RiskRequest,
    ScenarioSet,
    merge_run,
    read_bank,
    run_risk,
    run_shard,
    run_status,
    scenario_calendars,
)
from jobs.settings import Settings
from jobs.warehouse import open_warehouse, seed_if_needed

REQUEST = RiskRequest(energy_mwh=1.0, scenarios=6, regime="2024-2025", seed=4)
# Eastern Power Networks HV (duos_tariffs_lv_hv.csv; the revenue use case's names).
SITE: dict[str, Any] = {
    "distributor": "10",
    "import_tariff": "HV Site Specific No Residual",
    "export_tariff": "HV Generation Site Specific",
}
TOTAL = 8  # replays of 2024 and 2025, then six bootstrap years


@pytest.fixture(scope="module")
def seeded(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("risk-seed") / "gbess.duckdb"
    settings = Settings(data_dir=data_dir, duckdb_path=path)
    with open_warehouse(settings) as warehouse:
        seed_if_needed(warehouse, settings)
    return path


@pytest.fixture
def settings(seeded: Path, data_dir: Path, tmp_path: Path) -> Settings:
    path = tmp_path / "gbess.duckdb"
    shutil.copy(seeded, path)
    return Settings(data_dir=data_dir, var_dir=tmp_path, duckdb_path=path)


@pytest.fixture(scope="module")
def bank(seeded: Path, data_dir: Path) -> DayBank:
    return read_bank(Settings(data_dir=data_dir, duckdb_path=seeded), Regime(2024, 2025))


def _figures(document: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k not in {"run_id", "merge_seconds", "seconds"}}


def _rows(settings: Settings, run_id: str) -> int:
    with open_warehouse(settings) as warehouse:
        frame = warehouse.run_sql(
            "SELECT COUNT(*) AS n FROM risk_scenarios WHERE run_id = @run_id", run_id=run_id
        )
    return int(frame["n"].iloc[0])


def test_four_shards_merged_equal_one_run_exactly(settings: Settings, bank: DayBank) -> None:
    for index in range(4):
        run_shard(REQUEST, settings, "four", index, 4, bank=bank)
    four = merge_run(REQUEST, settings, "four")
    run_shard(REQUEST, settings, "one", 0, 1, bank=bank)
    one = merge_run(REQUEST, settings, "one")
    assert _figures(four) == _figures(one)
    assert four["scenarios"]["total"] == TOTAL
    assert four["scenarios"]["replayed_years"] == [2024, 2025]
    assert run_status(settings, "four")["status"] == "complete"
    assert run_status(settings, "four")["result"]["annual"] == one["annual"]


def test_a_shard_killed_midway_and_rerun_leaves_no_duplicate_and_no_gap(
    settings: Settings, bank: DayBank, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_shard(REQUEST, settings, "whole", 0, 1, bank=bank)
    whole = merge_run(REQUEST, settings, "whole")
    run_shard(REQUEST, settings, "killed", 0, 2, bank=bank)
    real = engine.risk.value_scenario  # what the shard calls (jobs.risk imports it)
    calls = {"n": 0}

    def dies_on_the_fifth(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 5:
            raise KeyboardInterrupt  # the task is killed
        return real(*args, **kwargs)

    monkeypatch.setattr(jobs.risk, "CHUNK_SCENARIOS", 1)
    monkeypatch.setattr(jobs.risk, "value_scenario", dies_on_the_fifth)
    with pytest.raises(KeyboardInterrupt):
        run_shard(REQUEST, settings, "killed", 1, 2, bank=bank)
    written = _rows(settings, "killed")
    assert TOTAL < written < 2 * TOTAL  # shard 0 whole, shard 1 in part (two strategies)
    with pytest.raises(DataMissingError) as error:
        merge_run(REQUEST, settings, "killed")
    assert error.value.field == "run_id"
    state = run_status(settings, "killed")
    assert state["status"] == "running"
    assert "result" not in state
    monkeypatch.setattr(jobs.risk, "value_scenario", real)
    run_shard(REQUEST, settings, "killed", 1, 2, bank=bank)
    assert _rows(settings, "killed") == 2 * TOTAL
    assert _figures(merge_run(REQUEST, settings, "killed")) == _figures(whole)


def test_a_failed_run_is_never_visible_as_complete(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(jobs.risk, "value_scenario", broken)
    with pytest.raises(RuntimeError):
        run_risk(REQUEST, settings, workers=1, run_id="doomed")
    state = run_status(settings, "doomed")
    assert state["status"] == "failed"
    assert "disk on fire" in state["detail"]
    assert "result" not in state


def test_the_local_run_reports_progress_to_the_total(settings: Settings) -> None:
    seen: list[tuple[int, int]] = []
    document = run_risk(
        REQUEST, settings, workers=1, shards=3, progress=lambda n, of: seen.append((n, of))
    )
    assert seen[-1] == (TOTAL, TOTAL)
    annual = document["annual"]
    assert annual["p10_gbp"] <= annual["p50_gbp"] <= annual["p90_gbp"]
    cvar_95 = next(r for r in annual["var_cvar"] if r["confidence"] == 0.95)["cvar_gbp"]
    assert annual["min_gbp"] <= cvar_95 <= annual["p10_gbp"]
    points = document["frontier"]["points"]
    means = [p["mean_gbp"] for p in points]
    assert all(b <= a + 1e-6 * abs(a) for a, b in itertools.pairwise(means))


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"scenarios": 10_001}, "scenarios"),
        ({"scenarios": -1}, "scenarios"),
        ({"scenarios": 0, "replay": False}, "scenarios"),
        ({"scenarios": 2.5}, "scenarios"),
        ({"confidence": (0.95, 1.0)}, "confidence"),
        ({"frontier_confidence": 0.0}, "frontier_confidence"),
        ({"threshold_gbp": -1.0}, "threshold_gbp"),
        ({"threshold_gbp": float("nan")}, "threshold_gbp"),
        ({"toll_price_gbp_per_mw_per_year": float("inf")}, "toll_price_gbp_per_mw_per_year"),
        ({"regime": "2030"}, "regime"),
        ({"block_days": 0}, "block_days"),
        ({"round_trip_efficiency_frac": 1.5}, "round_trip_efficiency"),
    ],
)
def test_bad_input_names_its_field(change: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as error:
        RiskRequest(**change)
    assert error.value.field == field


@pytest.mark.parametrize(
    ("index", "count", "field"),
    [(4, 4, "shard_index"), (-1, 2, "shard_index"), (0, 0, "shard_count")],
)
def test_a_shard_outside_its_count_is_refused(
    settings: Settings, bank: DayBank, index: int, count: int, field: str
) -> None:
    with pytest.raises(ValidationError) as error:
        run_shard(REQUEST, settings, "bad", index, count, bank=bank)
    assert error.value.field == field


def test_too_little_history_says_what_exists(settings: Settings, bank: DayBank) -> None:
    with pytest.raises(DataMissingError) as error:
        run_shard(RiskRequest(regime="2026", replay=False), settings, "short", 0, 1, bank=bank)
    assert error.value.field == "regime"
    assert "complete days" in error.value.detail


def _streams(settings: Settings, run_id: str) -> list[dict[str, float]]:
    with open_warehouse(settings) as warehouse:
        frame = warehouse.run_sql(
            "SELECT streams_gbp_json FROM risk_scenarios WHERE run_id = @run_id "
            "ORDER BY strategy, scenario_id",
            run_id=run_id,
        )
    return [json.loads(text) for text in frame["streams_gbp_json"]]


def test_a_site_pays_its_duos_in_every_scenario_and_says_so(
    settings: Settings, bank: DayBank
) -> None:
    plain = RiskRequest(energy_mwh=1.0, scenarios=2, regime="2024-2025", seed=4)
    site = dataclasses.replace(plain, **SITE)
    assert RiskRequest.from_json(site.to_json()) == site
    run_shard(plain, settings, "plain", 0, 1, bank=bank)
    without = merge_run(plain, settings, "plain")
    run_shard(site, settings, "site", 0, 1, bank=bank)
    with_site = merge_run(site, settings, "site")
    assert without["site"] is None
    assert with_site["site"] == SITE
    for streams in _streams(settings, "site"):  # both strategies pay the site's DUoS
        assert streams["duos_import"] < 0 < streams["duos_generation_credit"]
    assert all("duos_import" not in s for s in _streams(settings, "plain"))
    assert any("no Capacity Market, network charges" in a for a in without["assumptions"])
    notes = with_site["assumptions"]
    assert not any("network charges or cycle cap" in a for a in notes)
    assert any("'HV Site Specific No Residual'" in a and "Network charges" in a for a in notes)
    assert with_site["annual"]["mean_gbp"] != without["annual"]["mean_gbp"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"import_tariff": "No Such Tariff"}, "import_tariff"),
        ({"export_tariff": "No Such Tariff"}, "export_tariff"),
        # A demand tariff cannot credit exports (the revenue use case's own check).
        ({"export_tariff": "HV Site Specific No Residual"}, "export_tariff"),
    ],
)
def test_an_unknown_site_tariff_is_refused_before_anything_is_written(
    settings: Settings, change: dict[str, str], field: str
) -> None:
    request = RiskRequest(**{**SITE, **change}, scenarios=2, regime="2024-2025")
    with pytest.raises(ValidationError) as error:
        run_risk(request, settings, workers=1, run_id="bad-site")
    assert error.value.field == field
    with pytest.raises(DataMissingError):
        run_status(settings, "bad-site")  # never registered


def test_a_site_needs_all_three_fields() -> None:
    with pytest.raises(ValidationError) as error:
        RiskRequest(distributor="10", import_tariff="HV Site Specific No Residual")
    assert error.value.field == "export_tariff"


def test_a_replayed_year_before_the_published_duos_names_the_regime(
    settings: Settings, bank: DayBank
) -> None:
    # duos_tariffs_lv_hv.csv starts at charging year 2022/23: January-March 2022 is 2021/22.
    chosen = ScenarioSet(bank, (2022,), None, 1, 1)
    with pytest.raises(ValidationError) as error:
        scenario_calendars(RiskRequest(**SITE), settings, chosen)
    assert error.value.field == "regime"
    assert "2021/22" in error.value.detail
    assert scenario_calendars(RiskRequest(), settings, chosen)[2022][1] is None


@pytest.mark.parametrize(("given", "held"), [("bm", "bm"), ("NON-BM", "non_bm"), ("none", "none")])
def test_registration_is_parsed_as_the_revenue_use_case_parses_it(given: str, held: str) -> None:
    request = RiskRequest(registration=given)
    assert request.registration == held == request.revenue.registration
    assert RiskRequest.from_json(request.to_json()) == request
    assert RiskRequest().registration == "bm"  # the revenue stack's default


def test_an_unknown_registration_names_its_field() -> None:
    with pytest.raises(ValidationError) as error:
        RiskRequest(registration="secondary")
    assert error.value.field == "registration"


def test_response_energy_is_settled_in_every_stack_scenario_unless_none(
    settings: Settings, bank: DayBank
) -> None:
    plain = RiskRequest(energy_mwh=1.0, scenarios=2, regime="2024-2025", seed=4)
    left_out = dataclasses.replace(plain, registration="none")
    run_shard(plain, settings, "bm", 0, 1, bank=bank)
    with_response = merge_run(plain, settings, "bm")
    run_shard(left_out, settings, "none", 0, 1, bank=bank)
    without = merge_run(left_out, settings, "none")
    rows = _streams(settings, "bm")  # merchant's four scenarios, then the stack's
    merchant, stack = rows[:4], rows[4:]
    assert len(stack) == with_response["scenarios"]["total"] == 4
    for streams in stack:  # a DR-L holder under ABSVD gives its energy away
        assert streams["response_energy_DRL"] < 0 < streams["response_energy_DRH"]
    assert not any(k.startswith("response_energy_") for s in merchant for k in s)
    assert not any(k.startswith("response_energy_") for s in _streams(settings, "none") for k in s)
    # Registration none is the policy without response energy, scenario by scenario.
    calendar = engine.risk.scenario_calendar(2025)
    specs = service_specs(
        reference_data(settings.data_dir).table("dynamic_response_parameters"),
        left_out.services,
    )
    chosen = jobs.risk.scenario_set(left_out, bank)
    direct = engine.risk.value_scenario(
        bank, calendar, chosen.scenario(1), left_out.battery, specs, left_out.energy_markets
    )
    assert without["replays"][1]["net_gbp"] == direct.net_gbp
    assert with_response["registration"] == "bm"
    assert without["registration"] == "none"
    assert any("registration bm" in a and "ABSVD" in a for a in with_response["assumptions"])
    assert any("not modelled (registration none)" in a for a in without["assumptions"])
    assert with_response["annual"]["mean_gbp"] < without["annual"]["mean_gbp"]
