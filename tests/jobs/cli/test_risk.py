"""``gbess risk``: the Cloud Run task path (--shard from the task variables), --merge,
--status, the local run, and exit codes for bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jobs.cli import main
from jobs.settings import Settings
from jobs.warehouse import open_warehouse, seed_if_needed

SMALL = ["--energy-mwh", "1", "--scenarios", "2", "--regime", "2024-2025", "--no-merchant"]
# Eastern Power Networks HV, as ``gbess revenue`` takes it.
SITE = [
    "--distributor",
    "10",
    "--import-tariff",
    "HV Site Specific No Residual",
    "--export-tariff",
    "HV Generation Site Specific",
]


@pytest.fixture(scope="module")
def seeded(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    var = tmp_path_factory.mktemp("risk-cli")
    settings = Settings(data_dir=data_dir, var_dir=var, duckdb_path=var / "gbess.duckdb")
    with open_warehouse(settings) as warehouse:
        seed_if_needed(warehouse, settings)
    return var


@pytest.fixture
def env(seeded: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("GBESS_DATA_DIR", str(data_dir))
    monkeypatch.setenv("GBESS_VAR_DIR", str(seeded))
    monkeypatch.delenv("GBESS_DUCKDB_PATH", raising=False)
    return seeded


def test_cloud_run_tasks_then_merge(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CLOUD_RUN_EXECUTION", "gbess-risk-abc12")
    monkeypatch.setenv("CLOUD_RUN_TASK_COUNT", "2")
    for index in ("1", "0"):
        monkeypatch.setenv("CLOUD_RUN_TASK_INDEX", index)
        assert main(["risk", "--shard", *SMALL, "--json"]) == 0
        shard = json.loads(capsys.readouterr().out)
        assert shard == {
            "run_id": "gbess-risk-abc12",
            "shard_index": int(index),
            "shard_count": 2,
            "scenarios": 2,
        }
    assert main(["risk", "--status", "--run-id", "gbess-risk-abc12", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "running"
    assert main(["risk", "--merge", "--run-id", "gbess-risk-abc12", "--json"]) == 0
    merged = json.loads(capsys.readouterr().out)
    assert merged["scenarios"]["total"] == 4
    assert main(["risk", "--status", "--run-id", "gbess-risk-abc12", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "complete"


def test_the_local_run_prints_a_summary_and_progress(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["risk", *SMALL, "--workers", "1", "--threshold-gbp", "80000"]) == 0
    captured = capsys.readouterr()
    assert "annual net: mean £" in captured.out
    assert "95 %: VaR £" in captured.out
    assert "P(net < £80,000)" in captured.out
    assert "4/4 scenario-years" in captured.err


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--shard", "--shard-index", "2", "--shard-count", "2", "--run-id", "x"], "shard_index"),
        (["--shard", "--shard-index", "0", "--shard-count", "1"], "run_id"),
        (["--confidence", "0.9,1"], "confidence"),
        (["--scenarios", "20000"], "scenarios"),
        (["--merge"], "run_id"),
        ([*SITE, "--import-tariff", "No Such Tariff"], "import_tariff"),
        (SITE[:4], "export_tariff"),
    ],
)
def test_bad_input_exits_2_naming_the_field(
    env: Path, args: list[str], said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["risk", *SMALL, *args]) == 2
    assert said in capsys.readouterr().err


def test_merging_an_unknown_run_exits_1(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["risk", "--merge", "--run-id", "never-ran"]) == 1
    assert "no run 'never-ran'" in capsys.readouterr().err


def test_csv_is_the_monthly_fan(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["risk", *SMALL, "--workers", "1", "--csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "month,p10_gbp,p50_gbp,p90_gbp,mean_gbp"
    rows = [[float(x) for x in line.split(",")] for line in lines[1:]]
    assert [int(r[0]) for r in rows] == list(range(1, 13))
    assert all(r[1] <= r[2] <= r[3] for r in rows)  # P10 ≤ P50 ≤ P90 in every month


def test_a_site_run_names_its_site(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = [*SMALL, *SITE, "--scenarios", "1", "--no-replay", "--workers", "1"]
    assert main(["risk", *args]) == 0
    out = capsys.readouterr().out
    assert "site DUoS: distributor 10, import 'HV Site Specific No Residual'" in out


def test_registration_none_leaves_response_energy_out(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = [*SMALL, "--scenarios", "1", "--no-replay", "--workers", "1", "--json"]
    assert main(["risk", *args, "--registration", "none"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["registration"] == "none"
    with pytest.raises(SystemExit) as stopped:  # argparse's choices, as gbess revenue's
        main(["risk", *args, "--registration", "secondary"])
    assert stopped.value.code == 2
    assert "--registration" in capsys.readouterr().err
