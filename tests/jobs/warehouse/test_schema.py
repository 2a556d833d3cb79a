"""Table declarations: DuckDB DDL runs; BigQuery DDL partitions, clusters, parses."""

from __future__ import annotations

import duckdb
import pytest
import sqlglot

from engine.errors import ValidationError
from jobs.warehouse.schema import TABLES, bigquery_ddl, duckdb_ddl, table


def test_duckdb_ddl_creates_every_table_twice_without_error() -> None:
    connection = duckdb.connect()
    for _ in range(2):
        for spec in TABLES.values():
            connection.execute(duckdb_ddl(spec))
    columns = connection.execute("DESCRIBE system_prices").fetchall()
    assert [(c[0], c[1]) for c in columns[:3]] == [
        ("interval_start", "TIMESTAMP WITH TIME ZONE"),
        ("settlement_date", "DATE"),
        ("settlement_period", "BIGINT"),
    ]
    connection.close()


def test_bigquery_ddl_partitions_and_clusters() -> None:
    ddl = bigquery_ddl(table("bid_offer_data"), "proj.gbess")
    assert "CREATE TABLE IF NOT EXISTS `proj.gbess.bid_offer_data`" in ddl
    assert "PARTITION BY settlement_date" in ddl
    assert "CLUSTER BY elexon_bm_unit" in ddl
    assert "elexon_bm_unit STRING NOT NULL" in ddl
    monthly = bigquery_ddl(table("system_prices"), "gbess")
    assert "PARTITION BY DATE_TRUNC(settlement_date, MONTH)" in monthly


@pytest.mark.parametrize("name", sorted(TABLES))
def test_bigquery_ddl_parses_as_bigquery(name: str) -> None:
    sqlglot.parse_one(bigquery_ddl(TABLES[name], "proj.gbess"), read="bigquery")


def test_keys_are_columns_and_units_are_named() -> None:
    for spec in TABLES.values():
        assert set(spec.key) <= set(spec.column_names), spec.name
        for column in spec.columns:
            if column.type == "FLOAT64" and "price" in column.name:
                assert "_gbp_per_" in column.name, column.name


def test_unknown_table() -> None:
    with pytest.raises(ValidationError, match="no warehouse table"):
        table("nope")
    with pytest.raises(ValidationError):
        table("system_prices").column("nope")
