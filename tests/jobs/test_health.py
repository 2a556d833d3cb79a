"""check_health: reference tables and warehouse, each problem named, DuckDB never write-locked.

Real DuckDB files, real other processes holding DuckDB's file lock, and the official
BigQuery client over the in-process fake of its REST API.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import duckdb
import pytest

from jobs.cli import main
from jobs.health import (
    HealthProblem,
    check_health,
    check_reference,
    check_warehouse,
    probe_settings,
)
from jobs.settings import Settings
from jobs.warehouse import SEEDED_TABLES, Warehouse
from jobs.warehouse.bigquery_backend import BigQueryWarehouse
from jobs.warehouse.duckdb_backend import DuckDBWarehouse
from tests.jobs.warehouse.conftest import fill
from tests.jobs.warehouse.fake_bigquery import FakeBigQuery

_HOLDER = """
import sys, duckdb
connection = duckdb.connect(sys.argv[1], read_only=sys.argv[2] == "read")
print("holding", flush=True)
sys.stdin.read()  # until the test closes our stdin
connection.close()
"""


@contextmanager
def held_by_another_process(path: Path, mode: str) -> Iterator[None]:
    """Another process holds ``path`` open (``read`` or ``write``) until the block ends."""
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(path), mode],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "holding"
        yield
    finally:
        assert holder.stdin is not None
        assert holder.stdout is not None
        holder.stdin.close()
        holder.wait(timeout=30)
        holder.stdout.close()


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("wh") / "gbess.duckdb"
    with closing(DuckDBWarehouse(path)) as warehouse:
        fill(warehouse)
    return path


def _settings(data_dir: Path, duckdb_path: Path, **extra: str) -> Settings:
    return Settings(data_dir=data_dir, duckdb_path=duckdb_path, extra=extra)


def _checks(problems: list[HealthProblem]) -> set[tuple[str, str]]:
    return {(p.name, p.check) for p in problems}


def test_healthy(data_dir: Path, seeded: Path) -> None:
    report = check_health(_settings(data_dir, seeded))
    assert (report.ok, report.status, report.problems) == (True, "ok", ())


def test_reference_problems_name_table_and_check_without_paths(
    data_dir: Path, tmp_path: Path
) -> None:
    for path in data_dir.rglob("*.csv"):
        relative = path.relative_to(data_dir)
        if relative.name not in {"distributors.csv", "mpan_check_digit_weights.csv"}:
            (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / relative).symlink_to(path)
    (tmp_path / "mpan_check_digit_weights.csv").write_text("core_digit_position,weight\n1,x\n")
    problems = check_reference(tmp_path)
    assert _checks(problems) == {
        ("distributors", "file-missing"),
        ("mpan_check_digit_weights", "bad-value"),
    }
    for problem in problems:
        assert problem.component == "reference"
        assert str(tmp_path) not in problem.detail
        assert str(tmp_path) in problem.log_detail  # the operator's log says where


def test_tables_that_load_but_do_not_fit_together_are_named(data_dir: Path, tmp_path: Path) -> None:
    # Every file loads, but the licence areas name distributor 12, which is left out: the
    # lookup tables the server builds at start-up cannot be built.
    for path in data_dir.rglob("*.csv"):
        relative = path.relative_to(data_dir)
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        if relative.name == "distributors.csv":
            lines = path.read_text().splitlines(keepends=True)
            (tmp_path / relative).write_text("".join(x for x in lines if not x.startswith("12,")))
        else:
            (tmp_path / relative).symlink_to(path)
    (problem,) = check_reference(tmp_path)
    assert (problem.name, problem.check) == ("lookup_tables", "build")
    assert "12" in problem.log_detail
    assert str(tmp_path) not in problem.detail


def test_a_restored_file_is_noticed(data_dir: Path, tmp_path: Path) -> None:
    # Failures are not cached: the next check reads the directory again.
    (tmp_path / "distributors.csv").symlink_to(data_dir / "distributors.csv")
    before = _checks(check_reference(tmp_path))
    assert ("distributors", "file-missing") not in before
    assert ("dno_licence_areas", "file-missing") in before
    (tmp_path / "dno_licence_areas.csv").symlink_to(data_dir / "dno_licence_areas.csv")
    assert ("dno_licence_areas", "file-missing") not in _checks(check_reference(tmp_path))


def test_the_probe_never_takes_the_write_lock(data_dir: Path, seeded: Path) -> None:
    # Another process reading the file keeps any writer out; the probe still gets in, so
    # it opened the file read-only ...
    with held_by_another_process(seeded, "read"):
        assert check_warehouse(_settings(data_dir, seeded)) == []
    # ... and it let go: a writer in this process can open the file at once.
    duckdb.connect(str(seeded)).close()


def test_a_file_locked_by_a_writer_is_named_at_once(data_dir: Path, seeded: Path) -> None:
    with held_by_another_process(seeded, "write"):
        problems = check_warehouse(_settings(data_dir, seeded))
    assert _checks(problems) == {("warehouse", "locked")}
    assert "PID" not in problems[0].detail
    assert str(seeded) not in problems[0].detail
    assert "lock" in problems[0].log_detail


def test_the_probe_creates_nothing(data_dir: Path, tmp_path: Path) -> None:
    absent = tmp_path / "var" / "gbess.duckdb"
    assert _checks(check_warehouse(_settings(data_dir, absent))) == {("warehouse", "file-missing")}
    assert not absent.parent.exists()
    bare = tmp_path / "bare.duckdb"
    duckdb.connect(str(bare)).close()  # a valid database without our tables
    assert _checks(check_warehouse(_settings(data_dir, bare))) == {("warehouse", "no-tables")}
    with duckdb.connect(str(bare), read_only=True) as connection:
        assert connection.execute("SELECT COUNT(*) FROM information_schema.tables").fetchone() == (
            0,
        )


def test_one_missing_table_is_named(data_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "gbess.duckdb"
    with closing(DuckDBWarehouse(path)) as warehouse:
        fill(warehouse)
    with duckdb.connect(str(path)) as connection:
        connection.execute("DROP TABLE bm_units")
    assert _checks(check_warehouse(_settings(data_dir, path))) == {("bm_units", "table-missing")}


# --- BigQuery, through the backend abstraction ---------------------------------------------


def _bigquery(fake: FakeBigQuery) -> Warehouse:
    return BigQueryWarehouse(fake.client("proj"), "gbess", location="europe-west2")


def test_bigquery_is_asked_one_count_query(data_dir: Path, seeded: Path) -> None:
    with closing(DuckDBWarehouse(seeded, read_only=True)) as duck:
        fake = FakeBigQuery(duck)
        settings = Settings(data_dir=data_dir, warehouse_backend="bigquery")
        report = check_health(settings, opener=lambda _: _bigquery(fake))
    assert report.ok
    assert report.warehouse_backend == "bigquery"
    (job,) = fake.query_jobs
    sql = job["configuration"]["query"]["query"]
    assert sql.count("COUNT(*)") == len(SEEDED_TABLES)
    assert not any("CREATE" in j["configuration"]["query"]["query"] for j in fake.query_jobs)


def test_bigquery_unreachable_names_no_project(data_dir: Path) -> None:
    fake = FakeBigQuery(None, fail_next=[403] * 5)
    settings = Settings(data_dir=data_dir, warehouse_backend="bigquery")
    problems = check_warehouse(settings, opener=lambda _: _bigquery(fake))
    assert _checks(problems) == {("warehouse", "unreachable")}
    assert "proj" not in problems[0].detail
    assert "proj" in problems[0].log_detail


@pytest.mark.parametrize(
    ("configured", "probe"), [(None, "5"), ("120", "5"), ("3", "3"), ("x", "5")]
)
def test_bigquery_probe_timeout_is_short(configured: str | None, probe: str) -> None:
    extra = {} if configured is None else {"GBESS_BQ_TIMEOUT_S": configured}
    settings = Settings(warehouse_backend="bigquery", extra=extra)
    assert probe_settings(settings).extra["GBESS_BQ_TIMEOUT_S"] == probe


# --- the same fault, told by the CLI --------------------------------------------------------


def test_cli_exits_1_naming_the_file_and_setting(
    data_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("GBESS_DATA_DIR", str(tmp_path))  # an empty data directory
    assert main(["lookup", "SW1A 1AA"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "distributors.csv" in err or "dno_licence_areas.csv" in err
    assert "GBESS_DATA_DIR" in err
