"""Benchmark: ``gbess refresh --all`` on the local backend, and Sheets request counts.

Prints, in one run:
* the local refresh of every tab in-process (best of 3) and the CLI end to end (a fresh
  process, imports included), against the issue's anchors (≤ 5 s seeded; ≤ 15 s with
  seeding — seeding is timed when the warehouse provides ``gbess run``'s seed step);
* requests spent writing the same tabs to the in-process fake Sheets API by our sink
  (1 read + 1 write) and by a per-tab writer built on gspread-dataframe's
  ``set_with_dataframe`` (open each worksheet, resize, write each table) — formats,
  frozen rows and charts would cost the per-tab writer still more calls.

Run: ``.venv/bin/python bench/dashboard.py`` (or ``make bench``).
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import gspread
from gspread_dataframe import set_with_dataframe

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench._timing import best_of, timed
from jobs.dashboard.refresh import JOBS, RefreshContext, RefreshRequest, run_refresh
from jobs.settings import Settings
from jobs.sheets.google import GoogleSheetsSink, RetryingHTTPClient
from jobs.sheets.plan import TabPlan, layout
from tests.jobs.sheets.fake_sheets import FakeSheetsAPI

SEEDED_ANCHOR_S = 5.0
WITH_SEED_ANCHOR_S = 15.0


def _local(settings: Settings) -> float:
    """Best wall seconds of three in-process refreshes."""
    return best_of(lambda: run_refresh(RefreshRequest(), settings), 3)[0]


def _cli(var_dir: str) -> float:
    """Wall seconds of ``gbess refresh --all`` in a fresh process (seeds an empty warehouse)."""
    env = {**os.environ, "GBESS_VAR_DIR": var_dir, "GBESS_DUCKDB_PATH": f"{var_dir}/gbess.duckdb"}
    command = [str(REPO / ".venv/bin/gbess"), "refresh", "--all", "--json"]
    _, wall_s, _ = timed(lambda: subprocess.run(command, check=True, env=env, capture_output=True))
    return wall_s


def _per_tab_writer(plans: list[TabPlan]) -> int:
    fake = FakeSheetsAPI()
    fake.add_spreadsheet("bench", "tok", ("Sheet1",))
    # gspread types ``auth`` as required but never reads it when given a session.
    session = fake.session("tok")
    client = gspread.Client(None, session=session)  # type: ignore[arg-type]  # auth unused
    book = client.open_by_key("bench")
    for plan in plans:
        grid = layout(plan)
        ws = book.add_worksheet(plan.tab, rows=grid.n_rows, cols=grid.n_cols)
        for table, block in zip(plan.tables, grid.blocks, strict=True):
            set_with_dataframe(ws, table.frame, row=4, col=block.first_col + 1, resize=False)
    return len(fake.log)


def main() -> None:
    settings = Settings.from_env(os.environ)
    with tempfile.TemporaryDirectory() as tmp:
        cold_s = _cli(tmp)  # empty warehouse: seeds, then refreshes
        warm_s = _cli(tmp)  # seeded
        local_settings = Settings(
            data_dir=settings.data_dir, var_dir=Path(tmp), duckdb_path=Path(tmp) / "gbess.duckdb"
        )
        in_process_s = _local(local_settings)
        ctx = RefreshContext(local_settings, dt.datetime.now(dt.UTC).date())
        with ctx.stack:
            plans = [job(ctx) for job in JOBS.values()]
    fake = FakeSheetsAPI()
    fake.add_spreadsheet("bench", "tok", ("Sheet1",))
    sink = GoogleSheetsSink(RetryingHTTPClient(fake.session("tok")), "bench")
    grids = [layout(p) for p in plans]
    ours, google_s, _ = timed(lambda: sink.write(grids))
    theirs = _per_tab_writer(plans)
    total = ours["reads"] + ours["writes"]
    print(f"tabs refreshed: {len(plans)} (+ Refresh log)")
    print(
        f"gbess refresh --all, fresh process, empty warehouse (seed + refresh): {cold_s:.2f} s "
        f"({cold_s / WITH_SEED_ANCHOR_S:.2f}x the {WITH_SEED_ANCHOR_S:.0f} s budget)"
    )
    print(
        f"gbess refresh --all, fresh process, seeded: {warm_s:.2f} s "
        f"({warm_s / SEEDED_ANCHOR_S:.2f}x the {SEEDED_ANCHOR_S:.0f} s budget)"
    )
    print(
        f"refresh --all in-process, seeded, best of 3: {in_process_s:.2f} s "
        f"({in_process_s / SEEDED_ANCHOR_S:.2f}x the {SEEDED_ANCHOR_S:.0f} s budget)"
    )
    print(
        f"Google sink vs fake Sheets API: {ours['reads']} read + {ours['writes']} write for "
        f"{len(plans)} tabs in {google_s:.2f} s; body {len(str(sink.last_body)) / 1e6:.2f} MB"
    )
    print(
        f"per-tab writer (gspread-dataframe set_with_dataframe, values only, no formats, "
        f"freeze or charts): {theirs} requests = {theirs / total:.1f}x ours"
    )


if __name__ == "__main__":
    main()
