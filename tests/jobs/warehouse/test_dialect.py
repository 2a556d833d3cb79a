"""BigQuery → DuckDB translation: the fix-up layer, parameters, named-query loading."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from engine.errors import ValidationError
from jobs.warehouse.dialect import (
    check_parameters,
    named_query,
    parameters_of,
    query_names,
    to_duckdb,
)


def _one(sql: str) -> object:
    connection = duckdb.connect()
    try:
        row = connection.execute(to_duckdb(sql)).fetchone()
        assert row is not None, sql
        return row[0]
    finally:
        connection.close()


@pytest.mark.parametrize(
    ("day", "bigquery_day_of_week"),
    # BigQuery: Sunday = 1 ... Saturday = 7. 2024-06-02 was a Sunday, 2024-06-01 a Saturday.
    [("2024-06-02", 1), ("2024-06-03", 2), ("2024-06-01", 7)],
)
def test_dayofweek_uses_bigquery_numbering(day: str, bigquery_day_of_week: int) -> None:
    assert _one(f"SELECT EXTRACT(DAYOFWEEK FROM DATE '{day}')") == bigquery_day_of_week


def test_date_trunc_of_a_date_is_a_date() -> None:
    assert _one("SELECT DATE_TRUNC(DATE '2024-03-31', MONTH)") == dt.date(2024, 3, 1)


def test_countif_is_a_64_bit_integer() -> None:
    sql = to_duckdb("SELECT COUNTIF(x > 1) FROM t")
    assert "CAST(COUNT_IF(x > 1) AS BIGINT)" in sql


def test_parameters_become_duckdb_named_parameters() -> None:
    sql = "SELECT * FROM t WHERE d BETWEEN @from_date AND @to_date AND x = @from_date"
    assert parameters_of(sql) == ("from_date", "to_date")
    assert "$from_date" in to_duckdb(sql)
    assert "@" not in to_duckdb(sql)


def test_unparseable_sql_is_a_validation_error() -> None:
    with pytest.raises(ValidationError, match="does not parse"):
        to_duckdb("SELECT FROM WHERE (")


def test_every_named_query_translates_and_describes_itself() -> None:
    for name in query_names():
        query = named_query(name)
        assert query.duckdb_sql
        assert query.description, f"{name}.sql needs a leading -- comment"


@pytest.mark.parametrize("name", ["../etc/passwd", "Drop table", "nope"])
def test_bad_query_names(name: str) -> None:
    with pytest.raises(ValidationError, match="query"):
        named_query(name)


def test_check_parameters() -> None:
    query = named_query("system_prices")
    day = dt.date(2024, 1, 1)
    assert check_parameters(query, {"from_date": day, "to_date": day}) == {
        "from_date": day,
        "to_date": day,
    }
    with pytest.raises(ValidationError, match="missing parameter") as missing:
        check_parameters(query, {"from_date": day})
    assert missing.value.field == "to_date"
    with pytest.raises(ValidationError, match="unknown parameter"):
        check_parameters(query, {"from_date": day, "to_date": day, "x": 1})
    with pytest.raises(ValidationError, match="unsupported parameter type"):
        check_parameters(query, {"from_date": day, "to_date": [day]})
    with pytest.raises(ValidationError, match="timezone-aware"):
        check_parameters(query, {"from_date": day, "to_date": dt.datetime(2024, 1, 1)})


@pytest.mark.parametrize(
    "value",
    [
        "2024-03-25'; DROP TABLE system_prices; --",  # DuckDB would cast it to 2024-03-25
        "2024-03-25",  # text, not a date: BigQuery would refuse STRING against DATE
        dt.datetime(2024, 3, 25, tzinfo=dt.UTC),
        20240325,
    ],
)
def test_date_parameters_must_be_dates(value: object) -> None:
    query = named_query("system_prices")
    with pytest.raises(ValidationError, match="expected a date") as err:
        check_parameters(query, {"from_date": value, "to_date": dt.date(2024, 3, 31)})
    assert err.value.field == "from_date"
