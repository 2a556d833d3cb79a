"""``gbess run`` / ``gbess refresh`` say what they did in sentences, with runnable hints."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jobs.cli.refresh import dashboard_hint, sites_sentence, summary_lines
from jobs.cli.run import warehouse_lines

REPO = Path(__file__).resolve().parents[3]

SUMMARY: dict[str, Any] = {
    "backend": "local",
    "tabs": [
        {
            "job": "Market",
            "status": "ok",
            "rows": 376,
            "data_as_of_utc": "2024-12-31T23:30:00",
            "error": None,
        },
        {
            "job": "Fleet",
            "status": "error",
            "rows": 0,
            "data_as_of_utc": None,
            "error": "no BM units",
        },
        {
            "job": "Sites",
            "status": "ok",
            "rows": 14,
            "data_as_of_utc": "2026-04-01T00:00:00",
            "error": None,
        },
    ],
    "ok": False,
    "requests": {"tab_files": 3, "workbooks": 1},
    "duration_s": 1.234,
    "workbook": "/x/var/dashboard/dashboard.xlsx",
}
SITES: list[dict[str, str | None]] = [
    {"site_name": "Docklands", "error": None},
    {"site_name": "Glasgow depot", "error": "lookup: check digit expected 0, got 1"},
    {"site_name": "Leeds", "error": None},
]


def test_summary_is_sentences_naming_tabs_and_failures() -> None:
    lines = summary_lines(SUMMARY, SITES)
    text = "\n".join(lines)
    assert (
        lines[0]
        == "Dashboard: wrote 2 of 3 tabs to the workbook and page in 1.2 s (Market and Sites)."
    )
    assert "Tab Fleet failed: no BM units" in text
    assert (
        "Sites: valued 2 of 3 sites; 1 failed: "
        "Glasgow depot (lookup: check digit expected 0, got 1)." in text
    )
    assert "Workbook: /x/var/dashboard/dashboard.xlsx" in text
    assert "{" not in text  # no Python dict printed


def test_sites_sentence_when_all_valued() -> None:
    assert sites_sentence(SITES[:1]) == "Sites: valued 1 of 1 sites."


def test_dashboard_hint_is_runnable_as_printed(tmp_path: Path) -> None:
    # In the repository: the make target (which exists); elsewhere: the full gbess path.
    assert "make serve, then open http://127.0.0.1:8080/dashboard" in dashboard_hint(REPO)
    assert "serve:" in (REPO / "Makefile").read_text()
    elsewhere = dashboard_hint(tmp_path)
    command = elsewhere.split(": ", 1)[1].split(",")[0]
    assert command.startswith("GBESS_AUTH=off ")
    program = command.split()[1]
    assert program == "gbess" or Path(program).is_file()


def test_warehouse_lines_give_the_range() -> None:
    report = {
        "backend": "duckdb",
        "location": "var/gbess.duckdb",
        "tables": [
            {
                "table": "system_prices",
                "rows": 17568,
                "first_interval_start": "2024-01-01T00:00:00Z",
                "last_interval_start": "2024-12-31T23:30:00Z",
                "gap_count": 0,
            },
            {"table": "system_frequency", "rows": 0, "first_interval_start": None},
        ],
    }
    lines = warehouse_lines(report, [])
    assert (
        lines[0] == "Warehouse (duckdb, var/gbess.duckdb): already seeded from the current files."
    )
    assert lines[1] == "  system_prices: 17568 rows, 2024-01-01 to 2024-12-31"
    assert "Empty until ingested: system_frequency" in lines[2]


def test_warehouse_lines_say_uk_days_where_known() -> None:
    # DC/DM/DR's first block starts 22:00 UTC on 2021-09-15 = 23:00 BST, EFA day 2021-09-16.
    entry = {"table": "dynamic_response_results", "rows": 6, "gap_count": 0,
             "first_interval_start": "2021-09-15T22:00:00Z",
             "last_interval_start": "2026-08-02T18:00:00Z"}  # fmt: skip
    report = {"backend": "duckdb", "location": "w", "tables": [entry]}
    days = {"dynamic_response_results": {"first_day": "2021-09-16", "last_day": "2026-08-02"}}
    lines = warehouse_lines(report, [], days)
    assert lines[1] == "  dynamic_response_results: 6 rows, 2021-09-16 to 2026-08-02"
