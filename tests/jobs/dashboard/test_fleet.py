"""Fleet tab: counts and MW by kind, GSP group and lead party."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from jobs.dashboard.fleet import build_fleet_tab


def test_vlp_vs_direct_and_groups() -> None:
    units = pd.DataFrame(
        {
            "lead_party_name": ["A", "A", "B"],
            "bm_unit_type": ["V", "E", "E"],
            "gsp_group_id": ["_A", "_A", "_C"],
            "gsp_group_name": ["Eastern", "Eastern", "London"],
            "generation_capacity_mw": [0.0, 49.0, 20.0],
            "demand_capacity_mw": [0.0, -9.5, -20.0],
        }
    )
    plan = build_fleet_tab(units, pd.Timestamp("2025-11-10", tz="UTC"))
    assert plan.data_as_of == dt.datetime(2025, 11, 10)
    tables = {t.name: t.frame for t in plan.tables}
    kind = tables["by_kind"].set_index("unit_kind")
    assert kind.loc["direct (E)", "bm_units"] == 2
    assert kind.loc["direct (E)", "demand_capacity_mw"] == 9.5 + 20.0  # shown positive
    assert kind.loc["VLP (V)", "bm_units"] == 1
    assert tables["by_gsp"]["gsp_group_name"].tolist() == ["Eastern", "London"]  # 49 > 20 MW
    assert tables["by_party"]["generation_capacity_mw"].tolist() == [49.0, 20.0]
