"""Fleet tab over the small warehouse: units A (V, no GSP group, 10 MW / −12 MW),
B (E, _A, 20 / −20), C (T, _A, 5 / −5)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from jobs.dashboard.fleet import fleet_job
from jobs.warehouse.duckdb_backend import DuckDBWarehouse


def test_vlp_vs_direct_and_groups(small_warehouse: DuckDBWarehouse) -> None:
    plan = fleet_job(small_warehouse, pd.Timestamp("2025-11-10", tz="UTC"))
    assert plan.data_as_of == dt.datetime(2025, 11, 10)
    tables = {t.name: t.frame for t in plan.tables}
    kind = tables["by_kind"].set_index("unit_kind")
    assert kind.loc["VLP (V)", "units"] == 1
    assert kind.loc["VLP (V)", "import_capacity_mw"] == 12.0  # Elexon's −12 shown positive
    assert kind.loc["direct (T)", "generation_capacity_mw"] == 5.0
    gsp = tables["by_gsp"]
    assert gsp["gsp_group_name"].tolist() == ["Eastern", "no GSP group"]  # 25 MW > 10 MW
    assert gsp["units"].tolist() == [2, 1]
    assert tables["by_party"]["lead_party_name"].tolist() == ["X Ltd", "Y Ltd"]
