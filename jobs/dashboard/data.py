"""Inputs of the dashboard jobs, in the warehouse's column names and units.

Each function returns one tidy frame; the refresh jobs never read files or the warehouse
themselves. Market series come from the warehouse (``jobs.warehouse``) when it is
available, else from the shipped data files through :mod:`engine.reference` — the same
2024 rows the warehouse is seeded from, renamed on the way in.
"""

from __future__ import annotations

import pandas as pd

from engine.reference import reference_data
from jobs.settings import Settings

APX_PROVIDER = "APXMIDP"


def _utc(values: pd.Series) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(pd.to_datetime(values, utc=True))


def system_prices(settings: Settings) -> pd.DataFrame:
    """Half-hourly imbalance prices.

    Returns:
        Columns ``interval_start`` (UTC), ``settlement_date``, ``settlement_period``,
        ``system_price_gbp_per_mwh`` (single imbalance price since P305: SSP = SBP) [£/MWh].
    """
    raw = reference_data(settings.data_dir).table("system_prices_2024")
    return pd.DataFrame(
        {
            "interval_start": _utc(raw["start_time_utc"]),
            "settlement_date": raw["settlement_date"].to_numpy(),
            "settlement_period": raw["settlement_period"].to_numpy(),
            "system_price_gbp_per_mwh": raw["system_sell_price_gbp_per_mwh"].to_numpy(),
        }
    )


def market_index(settings: Settings) -> pd.DataFrame:
    """Half-hourly APX market index; zero-volume periods are no-trade (price NaN, not £0).

    Returns:
        Columns ``interval_start`` (UTC), ``market_index_price_gbp_per_mwh`` [£/MWh],
        ``market_index_volume_mwh`` [MWh].
    """
    raw = reference_data(settings.data_dir).table("market_index_2024")
    apx = raw[raw["data_provider"] == APX_PROVIDER]
    price = apx["market_index_price_gbp_per_mwh"].where(apx["market_index_volume_mwh"] > 0)
    return pd.DataFrame(
        {
            "interval_start": _utc(apx["start_time_utc"]),
            "market_index_price_gbp_per_mwh": price.to_numpy(),
            "market_index_volume_mwh": apx["market_index_volume_mwh"].to_numpy(),
        }
    )


def dynamic_response(settings: Settings) -> pd.DataFrame:
    """DC/DM/DR auction results per EFA block and service.

    Returns:
        Columns ``efa_date``, ``efa_block``, ``service``, ``delivery_start`` (UTC),
        ``cleared_volume_mw`` [MW], ``clearing_price_gbp_per_mw_per_h`` [£/MW/h].
    """
    raw = reference_data(settings.data_dir).table("dynamic_response_2024")
    return pd.DataFrame(
        {
            "efa_date": raw["efa_date"].to_numpy(),
            "efa_block": raw["efa_block"].to_numpy(),
            "service": raw["service"].to_numpy(),
            "delivery_start": _utc(raw["delivery_start_utc"]),
            "cleared_volume_mw": raw["cleared_volume_mw"].to_numpy(),
            "clearing_price_gbp_per_mw_per_h": raw["clearing_price_gbp_per_mw_per_h"].to_numpy(),
        }
    )


def bm_units(settings: Settings) -> tuple[pd.DataFrame, pd.Timestamp]:
    """Battery BM units (Elexon ``reference/bmunits/all`` snapshot) and the snapshot date.

    Returns:
        Frame with ``bm_unit_name``, ``lead_party_name``, ``bm_unit_type``, ``gsp_group_id``,
        ``gsp_group_name``, ``generation_capacity_mw`` [MW], ``demand_capacity_mw`` [MW]
        (Elexon signs demand negative); and the snapshot date (UTC midnight) from the
        registered file name.
    """
    ref = reference_data(settings.data_dir)
    raw = ref.table("bm_units_battery")
    frame = pd.DataFrame(
        {
            "bm_unit_name": raw["elexonBmUnit"].to_numpy(),
            "lead_party_name": raw["leadPartyName"].to_numpy(),
            "bm_unit_type": raw["bmUnitType"].to_numpy(),
            "gsp_group_id": raw["gspGroupId"].to_numpy(),
            "gsp_group_name": raw["gspGroupName"].to_numpy(),
            "generation_capacity_mw": raw["generationCapacity"].to_numpy(),
            "demand_capacity_mw": raw["demandCapacity"].to_numpy(),
        }
    )
    stem = ref.path("bm_units_battery").stem  # gb_bm_units_battery_snapshot_YYYY-MM-DD
    return frame, pd.Timestamp(stem.rsplit("_", 1)[-1], tz="UTC")
