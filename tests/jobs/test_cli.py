"""The gbess CLI: periods as JSON, one-line usage errors with exit code 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from jobs.cli import main


def _periods(capsys: pytest.CaptureFixture[str], day: str) -> list[dict[str, object]]:
    assert main(["periods", day, "--json"]) == 0
    rows: list[dict[str, object]] = json.loads(capsys.readouterr().out)
    return rows


@pytest.mark.parametrize(("day", "n"), [("2024-03-31", 46), ("2024-10-27", 50), ("2024-06-01", 48)])
def test_periods_counts(capsys: pytest.CaptureFixture[str], day: str, n: int) -> None:
    rows = _periods(capsys, day)
    assert len(rows) == n
    assert [r["settlement_period"] for r in rows] == list(range(1, n + 1))


def test_periods_first_row_summer(capsys: pytest.CaptureFixture[str]) -> None:
    first = _periods(capsys, "2024-06-01")[0]
    assert first == {
        "settlement_period": 1,
        "interval_start_utc": "2024-05-31T23:00:00Z",
        "efa_date": "2024-06-01",
        "efa_block": 1,
    }


def test_bad_date_is_a_one_line_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["periods", "2024-02-30", "--json"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "DATE" in err


def test_unknown_command_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["nope"])
    assert exc.value.code == 2
    assert capsys.readouterr().err.count("\n") == 1


@pytest.mark.parametrize("day", ["0001-01-01", "1800-01-01", "2300-01-01", "9999-12-31"])
def test_periods_outside_the_supported_days_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], day: str
) -> None:
    assert main(["periods", day, "--json"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith(f"gbess: error: DATE: {day} is outside")


def test_a_closed_pipe_ends_quietly() -> None:
    # `gbess periods ... --json | head -c 10`: the reader is gone before gbess writes.
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "jobs.cli", "periods", "2024-06-01", "--json"],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        os.close(write_end)
    assert done.stderr == ""  # no traceback, no "Exception ignored" from the final flush
    assert done.returncode == 141


def test_a_quick_command_imports_only_its_own_module() -> None:
    # Every command used to import every subcommand (numba, pvlib, scipy: ~2 s before
    # `gbess periods` printed anything). In a fresh process, only the chosen one loads.
    script = (
        "import sys; from jobs.cli import main; main(['periods', '2024-06-01', '--json']); "
        "heavy = ('numba', 'pvlib', 'scipy', 'jobs.cli.btm'); "
        "heavy = sorted(m for m in heavy if m in sys.modules); "
        "sys.stderr.write(','.join(heavy))"
    )
    child = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False, timeout=120
    )
    assert child.returncode == 0, child.stderr[-300:]
    assert child.stderr == ""


def test_help_still_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    from jobs.cli import COMMANDS

    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert all(name in out for name in COMMANDS)
