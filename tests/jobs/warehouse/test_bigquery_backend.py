"""The BigQuery backend: the official client over an in-process fake of the REST API."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from engine.errors import DataMissingError, SourceUnavailableError, ValidationError
from jobs.settings import Settings
from jobs.warehouse.bigquery_backend import BigQueryWarehouse, merge_sql
from jobs.warehouse.dialect import SQL_DIR, named_query, query_names
from jobs.warehouse.duckdb_backend import DuckDBWarehouse
from jobs.warehouse.schema import TABLES, table
from tests.jobs.warehouse.conftest import system_prices_frame
from tests.jobs.warehouse.fake_bigquery import FakeBigQuery

DAY = dt.date(2024, 3, 31)


@pytest.fixture
def duck(small_warehouse: DuckDBWarehouse) -> DuckDBWarehouse:
    """The DuckDB reference answering the fake's queries (the small hand-checked fixture)."""
    return small_warehouse


@pytest.fixture
def fake(duck: DuckDBWarehouse) -> FakeBigQuery:
    return FakeBigQuery(duck)


@pytest.fixture
def bq(fake: FakeBigQuery) -> Iterator[BigQueryWarehouse]:
    warehouse = BigQueryWarehouse(
        fake.client("proj"), "gbess", location="europe-west2", maximum_bytes_billed=5_000_000
    )
    warehouse._tables_checked = True  # DDL is tested separately
    yield warehouse
    warehouse.close()


def _params(name: str) -> dict[str, dt.date]:
    bounds = {"from_date": DAY, "to_date": dt.date(2024, 4, 1)}
    return {p: bounds[p] for p in named_query(name).parameters}


@pytest.mark.parametrize("name", query_names())
def test_every_query_returns_the_same_frame_as_duckdb(
    name: str, bq: BigQueryWarehouse, duck: DuckDBWarehouse
) -> None:
    pd.testing.assert_frame_equal(
        bq.query(name, **_params(name)), duck.query(name, **_params(name))
    )


def test_submitted_query_job(bq: BigQueryWarehouse, fake: FakeBigQuery) -> None:
    bq.query("system_prices", from_date=DAY, to_date=DAY)
    (job,) = fake.query_jobs
    config = job["configuration"]
    assert config["query"]["query"] == (SQL_DIR / "system_prices.sql").read_text()
    assert config["query"]["useLegacySql"] is False
    assert config["query"]["parameterMode"] == "NAMED"
    date = {"type": "DATE"}
    value = {"value": "2024-03-31"}
    assert config["query"]["queryParameters"] == [
        {"name": "from_date", "parameterType": date, "parameterValue": value},
        {"name": "to_date", "parameterType": date, "parameterValue": value},
    ]
    assert config["query"]["maximumBytesBilled"] == "5000000"
    assert config["query"]["defaultDataset"] == {"projectId": "proj", "datasetId": "gbess"}
    assert config["labels"] == {"app": "gbess", "kind": "query"}
    assert job["jobReference"]["location"] == "europe-west2"
    assert job["jobReference"]["projectId"] == "proj"


def test_sql_in_a_parameter_stays_a_parameter(bq: BigQueryWarehouse, fake: FakeBigQuery) -> None:
    hostile = "2024-03-31'; DROP TABLE system_prices; --"
    echoed = bq.run_sql("SELECT @text AS echoed", text=hostile)
    assert echoed["echoed"].tolist() == [hostile]
    (job,) = fake.query_jobs
    assert job["configuration"]["query"]["query"] == "SELECT @text AS echoed"
    assert job["configuration"]["query"]["queryParameters"][0]["parameterValue"] == {
        "value": hostile
    }


def test_load_stages_with_schema_then_merges_then_drops(
    bq: BigQueryWarehouse, fake: FakeBigQuery
) -> None:
    frame = system_prices_frame().head(3)
    assert bq.load("system_prices", frame) == 3
    (upload,) = fake.uploads
    load = upload.configuration["load"]
    assert load["writeDisposition"] == "WRITE_APPEND"
    assert load["sourceFormat"] == "PARQUET"
    assert load["schema"]["fields"][0] == {
        "name": "interval_start",
        "type": "TIMESTAMP",
        "mode": "REQUIRED",
    }
    staging = load["destinationTable"]["tableId"]
    assert staging.startswith("_staging_system_prices_")
    assert upload.configuration["labels"] == {
        "app": "gbess",
        "kind": "load",
        "table": "system_prices",
    }
    # The rows uploaded are the rows given: SP 1..3 of 2024-03-31 at 10*SP - 100 £/MWh.
    assert upload.frame["system_sell_price_gbp_per_mwh"].tolist() == [-90.0, -80.0, -70.0]
    assert upload.frame["interval_start"].iloc[2] == pd.Timestamp("2024-03-31T01:00Z")
    (merge,) = fake.query_jobs
    assert merge["configuration"]["query"]["query"] == merge_sql(
        table("system_prices"), f"proj.gbess.{staging}"
    )
    assert merge["configuration"]["labels"]["kind"] == "merge"
    assert fake.deleted == [f"gbess.{staging}"]


def test_merge_sql_matches_on_every_key_column() -> None:
    sql = merge_sql(table("market_index"), "p.d.s")
    assert sql.startswith("MERGE `market_index` T USING `p.d.s` S ON ")
    assert "T.interval_start = S.interval_start AND T.data_provider = S.data_provider" in sql
    assert "UPDATE SET settlement_date = S.settlement_date" in sql
    assert "data_provider = S.data_provider," not in sql  # keys are not updated


def test_ensure_tables_creates_dataset_and_every_table(fake: FakeBigQuery) -> None:
    warehouse = BigQueryWarehouse(fake.client("proj"), "gbess")
    warehouse.ensure_tables()
    warehouse.ensure_tables()  # once per warehouse object
    datasets = [r for r in fake.requests_seen if r[1].endswith("/datasets")]
    assert len(datasets) == 1
    ddl = [j["configuration"]["query"]["query"] for j in fake.query_jobs]
    assert len(ddl) == len(TABLES)
    assert ddl[0].startswith("CREATE TABLE IF NOT EXISTS `proj.gbess.system_prices`")


@pytest.mark.parametrize(
    ("status", "error"),
    [(400, ValidationError), (404, DataMissingError), (403, SourceUnavailableError)],
)
def test_api_errors_map_to_house_errors(
    bq: BigQueryWarehouse, fake: FakeBigQuery, status: int, error: type[Exception]
) -> None:
    fake.fail_next = [status]
    with pytest.raises(error, match="BigQuery"):
        bq.query("bm_units")


def test_settings_need_a_project(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="GBESS_BQ_PROJECT"):
        BigQueryWarehouse.from_settings(Settings(extra={}))
    with pytest.raises(ValidationError, match="GBESS_BQ_MAX_BYTES_BILLED"):
        BigQueryWarehouse.from_settings(
            Settings(extra={"GBESS_BQ_PROJECT": "p", "GBESS_BQ_MAX_BYTES_BILLED": "lots"})
        )


def test_missing_credentials_are_one_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # google.auth.default() reads this first; a missing file fails at once, offline.
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "absent.json"))
    with pytest.raises(SourceUnavailableError, match="no usable Google credentials") as err:
        BigQueryWarehouse.from_settings(Settings(extra={"GBESS_BQ_PROJECT": "p"}))
    assert "gcloud auth application-default login" in err.value.detail
