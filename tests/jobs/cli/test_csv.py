"""``--csv``: every command that prints a table takes it and writes parseable CSV whose
header names each figure's unit (jobs/cli/_common.py:emit_csv, one helper for all)."""

from __future__ import annotations

import argparse
import csv
import io
import re
import shlex
from contextlib import closing
from pathlib import Path

import pytest

from jobs.cli import build_parser, main
from jobs.cli._common import emit_csv
from jobs.warehouse.duckdb_backend import DuckDBWarehouse
from tests.jobs.warehouse.conftest import fill

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"

# Commands that print no table: a server, a signature, a summary line, DDL, a sentence.
NOT_TABLES = {
    "run",
    "serve",
    "sign",
    "ingest elexon",
    "ingest neso",
    "fleet ingest-bod",
    "warehouse seed",
    "warehouse ddl",
}

# A numeric column names its unit (STYLE.md: units in every name), or is a count or an id.
_UNIT = re.compile(
    r"_(gbp|gbp_per_mwh|gbp_per_mw_per_year|gbp_per_mw_per_h|gbp_per_mw|p_per_kwh|"
    r"p_per_kva_per_day|p_per_mpan_per_day|p_per_kvarh|mwh|mw|kwh|kw|kva|kvarh|frac|pct|h|s)$"
)
_UNITLESS = {
    "settlement_period",
    "efa_block",
    "equivalent_cycles",
    "rows",
    "intervals",
    "gap_count",
    "missing_periods",
    "distributor_id",
    "forecast_equivalent_cycles",
    "upper_bound_equivalent_cycles",
    "capture_ratio",
    "quantity",
    "rate",
    # The input's own name, echoed by dispatch and revenue: a fraction 0-1 (docs/api.md).
    "round_trip_efficiency",
}


def _leaves(parser: argparse.ArgumentParser, path: str = "") -> dict[str, argparse.ArgumentParser]:
    """Every runnable (sub)command path → its parser."""
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    out = {path: parser} if path and parser.get_default("handler") else {}
    for action in subs:
        for name, child in action.choices.items():
            out.update(_leaves(child, f"{path} {name}".strip()))
    return out


def test_every_table_command_takes_csv() -> None:
    leaves = _leaves(build_parser())
    assert {"duos cost", "warehouse coverage", "fleet volumes"} <= set(leaves)
    missing = [
        path
        for path, parser in leaves.items()
        if path not in NOT_TABLES and not any("--csv" in a.option_strings for a in parser._actions)
    ]
    assert missing == []


def _table(text: str) -> list[dict[str, str]]:
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows, text
    return rows


def _check_units(rows: list[dict[str, str]]) -> None:
    for name in rows[0]:
        numeric = any(_is_number(row[name]) for row in rows) and not all(
            re.fullmatch(r"\d{4}-\d{2}(-\d{2})?", row[name] or "0000-00") for row in rows
        )
        if numeric:
            assert _UNIT.search(name) or name in _UNITLESS, f"{name} does not name its unit"


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


@pytest.fixture
def small_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "cli.duckdb"
    with closing(DuckDBWarehouse(path)) as warehouse:
        fill(warehouse)
    monkeypatch.setenv("GBESS_DUCKDB_PATH", str(path))
    return path


@pytest.mark.parametrize(
    ("command", "column"),
    [
        ("periods 2024-03-31", "efa_block"),
        ("lookup 'SW1A 1AA' 'not a postcode' --allow-failures", "gsp_group_id"),
        ("duos rates --distributor 10 --llfc 101", "charging_year"),
        (
            "duos cost --distributor _C --tariff 'Domestic Aggregated or CT with Residual' "
            "--shape 1 --annual-kwh 3000 --year 2025/26",
            "total_gbp",
        ),
        (f"dispatch --prices {EXAMPLES / 'prices.csv'} --power-mw 1 --energy-mwh 2", "charged_mwh"),
        ("warehouse coverage", "first_day"),
        ("warehouse status", "first_interval_start"),
        (
            "warehouse query system_prices --param from_date=2024-03-31 --param to_date=2024-03-31",
            "system_sell_price_gbp_per_mwh",
        ),
    ],
)
def test_csv_is_a_table_with_units(
    small_db: Path, capsys: pytest.CaptureFixture[str], command: str, column: str
) -> None:
    code = main([*shlex.split(command), "--csv"])
    out, err = capsys.readouterr()
    assert code == 0, err
    rows = _table(out)
    assert column in rows[0]
    _check_units(rows)


def test_lookup_csv_keeps_a_failed_row_in_its_place(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["lookup", "SW1A 1AA", "not a postcode", "SW1A 1AA", "--csv"]) == 1
    rows = _table(capsys.readouterr().out)
    assert [row["query"] for row in rows] == ["SW1A 1AA", "not a postcode", "SW1A 1AA"]
    assert rows[1]["error"]
    assert rows[1]["gsp_group_id"] == ""
    assert (rows[0]["gsp_group_id"], rows[0]["error"]) == ("_C", "")


def test_coverage_csv_is_read_from_the_warehouse(
    small_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["warehouse", "coverage", "--csv"]) == 0
    rows = {row["dataset"]: row for row in _table(capsys.readouterr().out)}
    # The fixture's hand-made rows: system prices on 2024-03-31 and 2024-04-01 only.
    assert rows["system prices"]["first_day"] == "2024-03-31"
    assert rows["system prices"]["last_day"] == "2024-04-01"
    assert rows["system prices"]["rows"] == "94"  # 46 + 48 half-hours
    assert rows["NESO day-ahead demand forecast"]["first_day"] == ""  # none held: empty


def test_emit_csv_rounds_and_leaves_missing_empty(capsys: pytest.CaptureFixture[str]) -> None:
    rows = [{"month": "2024-06", "DCL": -9.6e-07, "net_gbp": 318.40121748, "note": None}]
    assert emit_csv(rows, unit="gbp", keys=("month", "note")) == 0
    assert capsys.readouterr().out.splitlines() == [
        "month,DCL_gbp,net_gbp,note",
        "2024-06,0.0,318.4012,",
    ]


def test_revenue_csv_names_pounds_on_every_stream(
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The seeded warehouse the revenue tests share (seeded once per session).
    path = Path(str(tmp_path_factory.getbasetemp())) / "revenue.duckdb"
    monkeypatch.setenv("GBESS_DUCKDB_PATH", str(path))
    argv = ["revenue", "--from", "2024-06-03", "--to", "2024-06-04", "--power-mw", "1",
            "--energy-mwh", "2", "--services", "DCL", "--csv"]  # fmt: skip
    assert main(argv) == 0, capsys.readouterr().err
    rows = _table(capsys.readouterr().out)
    assert list(rows[0])[:2] == ["month", "energy_apx_gbp"]
    assert {"DCL_gbp", "net_gbp"} <= set(rows[0])
    assert [row["month"] for row in rows] == ["2024-06"]
    _check_units(rows)
