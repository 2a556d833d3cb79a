"""Sites tab: input parsing with per-row errors; later stages skipped only for a bad row."""

from __future__ import annotations

from typing import Any

import pytest

from engine.errors import TariffNotFoundError, ValidationError
from jobs.dashboard.sites import (
    DEFAULT_SITES_CSV,
    SiteInput,
    build_sites_tab,
    parse_site,
    read_sites_csv,
    rows_from_cells,
)

GOOD = {
    "name": "A",
    "postcode": "M1 1AE",
    "tariff": "T",
    "capacity_kva": "1,500",
    "annual_import_mwh": "10",
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name": " "}, "row 7: name is empty"),
        ({"postcode": ""}, "row 7: give a postcode or an MPAN"),
        ({"capacity_kva": "lots"}, "row 7: capacity_kva 'lots' is not a number"),
        ({"annual_import_mwh": "-1"}, "row 7: annual_import_mwh must be above 0, got '-1'"),
        ({"power_mw": "1"}, "row 7: give both power_mw and energy_mwh, or neither"),
    ],
)
def test_bad_rows_name_row_and_field(change: dict[str, str], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        parse_site({**GOOD, **change}, 7)


def test_good_row() -> None:
    site = parse_site({**GOOD, "mpan": "1200001234566"}, 2)
    assert site.capacity_kva == 1500.0
    assert site.query == "1200001234566 M1 1AE"
    assert site.power_mw is None


def test_a_failing_stage_marks_its_row_only() -> None:
    def tariff_stage(site: SiteInput, record: dict[str, Any]) -> None:
        if site.tariff != "T":
            raise TariffNotFoundError(f"no tariff {site.tariff!r}")
        record["tariff_name"] = site.tariff

    rows = rows_from_cells(
        [
            ["name", "postcode", "tariff", "capacity_kva", "annual_import_mwh"],
            ["ok", "M1 1AE", "T", "1", "1"],
            ["bad", "M1 1AE", "X", "1", "1"],
            ["worse", "", "T", "1", "1"],
        ],
        "test",
    )
    plan = build_sites_tab(
        rows, (("DUoS", tariff_stage),), "test", None, ("site_name", "tariff_name")
    )
    frame = plan.tables[0].frame
    assert frame["tariff_name"].iloc[0] == "T"
    assert frame["tariff_name"].isna().tolist() == [False, True, True]
    assert frame["error"].fillna("").tolist() == [
        "",
        "DUoS: no tariff 'X'",
        "input: row 4: give a postcode or an MPAN",
    ]
    assert plan.notes == ("3 sites from test; 2 with errors (see the Error column)",)


def test_shipped_example_reads() -> None:
    rows = read_sites_csv(DEFAULT_SITES_CSV)
    assert len(rows) == 6
    assert rows[0]["mpan"] == "1200001234566"  # kept as text, not a number
