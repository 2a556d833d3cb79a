"""One SQL source: BigQuery-dialect queries, their parameters, and their DuckDB translation.

Named queries are ``.sql`` files in ``jobs/warehouse/sql/`` written in BigQuery Standard
SQL with ``@name`` query parameters (never string formatting). DuckDB runs them after
sqlglot (pinned in requirements.txt) transpiles them, plus a small layer of fix-ups for
the gaps that sqlglot leaves, each with a test:

* ``EXTRACT(DAYOFWEEK FROM x)``: BigQuery numbers Sunday = 1 .. Saturday = 7; DuckDB
  Sunday = 0 .. Saturday = 6. Translated as ``EXTRACT(DAYOFWEEK FROM x) + 1``.
* ``DATE_TRUNC(date, MONTH)``: BigQuery returns a DATE; DuckDB returns a TIMESTAMP.
  Translated as ``CAST(DATE_TRUNC('MONTH', x) AS DATE)``.
* ``COUNTIF(x)``: BigQuery returns INT64; DuckDB's ``COUNT_IF`` a 128-bit HUGEINT (which
  pandas receives as float). Translated as ``CAST(COUNT_IF(x) AS BIGINT)``.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel, SqlglotError

from engine.errors import ValidationError

SQL_DIR = Path(__file__).resolve().parent / "sql"
_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class NamedQuery:
    """A named query: its BigQuery text, its parameters, and its DuckDB translation."""

    name: str
    bigquery_sql: str
    duckdb_sql: str
    parameters: tuple[str, ...]
    description: str


def query_names() -> list[str]:
    """Names of every query in ``jobs/warehouse/sql/`` (file stems), sorted."""
    return sorted(path.stem for path in SQL_DIR.glob("*.sql"))


@functools.lru_cache(maxsize=128)
def named_query(name: str) -> NamedQuery:
    """Load, check and translate the query ``name`` (cached).

    Raises:
        ValidationError: If the name is malformed or no such query exists.
    """
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise ValidationError(f"query: malformed query name {name!r}", field="query")
    path = SQL_DIR / f"{name}.sql"
    if not path.is_file():
        raise ValidationError(
            f"query: no named query {name!r} (known: {', '.join(query_names())})", field="query"
        )
    text = path.read_text(encoding="utf-8")
    description = " ".join(
        line.removeprefix("--").strip()
        for line in text.splitlines()
        if line.startswith("--") and line.removeprefix("--").strip()
    )
    return NamedQuery(
        name=name,
        bigquery_sql=text,
        duckdb_sql=to_duckdb(text),
        parameters=parameters_of(text),
        description=description,
    )


def parameters_of(bigquery_sql: str) -> tuple[str, ...]:
    """Names of the ``@name`` parameters a BigQuery query uses, in order of first use."""
    names: list[str] = []
    for statement in _parse(bigquery_sql):
        for parameter in statement.find_all(exp.Parameter):
            name = parameter.name
            if name not in names:
                names.append(name)
    return tuple(names)


@functools.lru_cache(maxsize=256)
def to_duckdb(bigquery_sql: str) -> str:
    """Translate BigQuery SQL to DuckDB SQL (sqlglot plus the fix-ups in this module).

    Raises:
        ValidationError: If the SQL does not parse or uses something DuckDB cannot express.
    """
    statements = [_fix_for_duckdb(statement) for statement in _parse(bigquery_sql)]
    try:
        return ";\n".join(
            statement.sql(dialect="duckdb", unsupported_level=ErrorLevel.RAISE)
            for statement in statements
        )
    except SqlglotError as exc:
        raise ValidationError(f"sql: cannot translate to DuckDB: {exc}", field="sql") from exc


def _parse(bigquery_sql: str) -> list[exp.Expression]:
    try:
        parsed: list[Any] = sqlglot.parse(bigquery_sql, read="bigquery")
    except SqlglotError as exc:
        raise ValidationError(f"sql: does not parse as BigQuery SQL: {exc}", field="sql") from exc
    return [statement for statement in parsed if statement is not None]


def _fix_for_duckdb(statement: exp.Expression) -> exp.Expression:
    def fix(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Extract) and node.name.upper() == "DAYOFWEEK":
            return exp.Paren(this=exp.Add(this=node.copy(), expression=exp.Literal.number(1)))
        if isinstance(node, exp.DateTrunc) and not isinstance(node.parent, exp.Cast):
            return exp.Cast(this=node.copy(), to=exp.DataType.build("DATE"))
        if isinstance(node, exp.CountIf) and not isinstance(node.parent, exp.Cast):
            return exp.Cast(this=node.copy(), to=exp.DataType.build("BIGINT"))
        return node

    return statement.transform(fix)


def bigquery_type_of(value: Any, name: str) -> str:
    """BigQuery parameter type of a Python value (also used to check DuckDB parameters).

    Raises:
        ValidationError: If the value is of a type queries do not take.
    """
    if isinstance(value, bool):
        return "BOOL"
    if isinstance(value, int):
        return "INT64"
    if isinstance(value, float):
        return "FLOAT64"
    if isinstance(value, str):
        return "STRING"
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise ValidationError(f"{name}: timestamps must be timezone-aware", field=name)
        return "TIMESTAMP"
    if isinstance(value, dt.date):
        return "DATE"
    raise ValidationError(f"{name}: unsupported parameter type {type(value).__name__}", field=name)


#: Parameters named ``*_date`` are UK local days and must be ``datetime.date`` values.
DATE_PARAMETER_SUFFIX = "_date"


def check_parameters(query: NamedQuery, params: dict[str, Any]) -> dict[str, Any]:
    """Check that ``params`` are exactly the query's parameters, with supported types.

    Returns:
        The parameters, with ``pandas.Timestamp`` turned into ``datetime``.

    Raises:
        ValidationError: On a missing or unknown parameter, an unsupported value type, or a
            ``*_date`` parameter that is not a date.
    """
    missing = [name for name in query.parameters if name not in params]
    if missing:
        raise ValidationError(
            f"query {query.name}: missing parameter(s) {', '.join(missing)}", field=missing[0]
        )
    unknown = sorted(set(params) - set(query.parameters))
    if unknown:
        raise ValidationError(
            f"query {query.name}: unknown parameter(s) {', '.join(unknown)} "
            f"(takes: {', '.join(query.parameters) or 'none'})",
            field=unknown[0],
        )
    checked: dict[str, Any] = {}
    for name, value in params.items():
        if hasattr(value, "to_pydatetime"):
            value = value.to_pydatetime()
        bigquery_type_of(value, name)
        if name.endswith(DATE_PARAMETER_SUFFIX) and (
            not isinstance(value, dt.date) or isinstance(value, dt.datetime)
        ):
            # DuckDB would cast '2024-03-25 anything' to 2024-03-25 and BigQuery would refuse a
            # STRING against a DATE: both backends get the same clear error instead.
            raise ValidationError(
                f"{name}: expected a date (YYYY-MM-DD), got {value!r}", field=name
            )
        checked[name] = value
    return checked
