"""Source field names → warehouse column names, and the typing of registry rows.

One vocabulary for every way the same data arrives (Elexon Insights JSON, BMRS CSV
downloads, the shipped snapshots), renamed on the way in (the pvlib ``iotools`` habit).
"""

from __future__ import annotations

import pandas as pd

# Elexon ``reference/bmunits/all`` (BmUnitData) → bm_units.
BM_UNIT_FIELDS: dict[str, str] = {
    "nationalGridBmUnit": "national_grid_bm_unit",
    "elexonBmUnit": "elexon_bm_unit",
    "eic": "eic",
    "fuelType": "fuel_type",
    "leadPartyName": "lead_party_name",
    "bmUnitType": "bm_unit_type",
    "fpnFlag": "fpn_flag",
    "bmUnitName": "bm_unit_name",
    "leadPartyId": "lead_party_id",
    "demandCapacity": "demand_capacity_mw",
    "generationCapacity": "generation_capacity_mw",
    "productionOrConsumptionFlag": "production_or_consumption_flag",
    "transmissionLossFactor": "transmission_loss_factor",
    "workingDayCreditAssessmentImportCapability": (
        "working_day_credit_assessment_import_capability_mw"
    ),
    "nonWorkingDayCreditAssessmentImportCapability": (
        "non_working_day_credit_assessment_import_capability_mw"
    ),
    "workingDayCreditAssessmentExportCapability": (
        "working_day_credit_assessment_export_capability_mw"
    ),
    "nonWorkingDayCreditAssessmentExportCapability": (
        "non_working_day_credit_assessment_export_capability_mw"
    ),
    "creditQualifyingStatus": "credit_qualifying_status",
    "demandInProductionFlag": "demand_in_production_flag",
    "gspGroupId": "gsp_group_id",
    "gspGroupName": "gsp_group_name",
    "interconnectorId": "interconnector_id",
}

# Elexon ``/balancing/settlement/system-prices/{date}`` (SystemPriceResponse) → system_prices.
SYSTEM_PRICE_FIELDS: dict[str, str] = {
    "settlementDate": "settlement_date",
    "settlementPeriod": "settlement_period",
    "startTime": "interval_start",
    "systemSellPrice": "system_sell_price_gbp_per_mwh",
    "systemBuyPrice": "system_buy_price_gbp_per_mwh",
    "netImbalanceVolume": "net_imbalance_volume_mwh",
}

# Elexon ``/datasets/MID`` (MarketIndexDatasetResponse) → market_index.
MARKET_INDEX_FIELDS: dict[str, str] = {
    "settlementDate": "settlement_date",
    "settlementPeriod": "settlement_period",
    "startTime": "interval_start",
    "dataProvider": "data_provider",
    "price": "market_index_price_gbp_per_mwh",
    "volume": "market_index_volume_mwh",
}

_BMU = {"nationalGridBmUnit": "national_grid_bm_unit", "bmUnit": "elexon_bm_unit"}
_LEVELS = {
    "settlementDate": "settlement_date",
    "timeFrom": "time_from",
    "timeTo": "time_to",
    "levelFrom": "level_from_mw",
    "levelTo": "level_to_mw",
}

# Elexon ``/datasets/BOALF`` (BidOfferAcceptanceLevelDatasetResponse) → bid_offer_acceptances.
BOALF_FIELDS: dict[str, str] = {
    **_LEVELS,
    "settlementPeriodFrom": "settlement_period_from",
    "settlementPeriodTo": "settlement_period_to",
    "acceptanceNumber": "acceptance_number",
    "acceptanceTime": "acceptance_time",
    "deemedBoFlag": "deemed_bo_flag",
    "soFlag": "so_flag",
    "amendmentFlag": "amendment_flag",
    "storFlag": "stor_flag",
    "rrFlag": "rr_flag",
    **_BMU,
}

# Elexon ``/datasets/BOD`` (BidOfferDatasetResponse) → bid_offer_data.
BOD_FIELDS: dict[str, str] = {
    **_LEVELS,
    "settlementPeriod": "settlement_period",
    "pairId": "pair_id",
    "offer": "offer_price_gbp_per_mwh",
    "bid": "bid_price_gbp_per_mwh",
    **_BMU,
}

# Elexon ``/datasets/PN`` (PhysicalNotificationData) → physical_notifications.
PN_FIELDS: dict[str, str] = {**_LEVELS, "settlementPeriod": "settlement_period", **_BMU}

# Elexon ``/datasets/FREQ`` (SystemFrequency) → system_frequency.
FREQUENCY_FIELDS: dict[str, str] = {
    "measurementTime": "measurement_time",
    "frequency": "frequency_hz",
}


def bm_units_frame(rows: pd.DataFrame) -> pd.DataFrame:
    """Rename BmUnitData fields to ``bm_units`` columns and type the capacity strings.

    Elexon serves capacities as strings with 3 dp ("-35.597"); blanks become NULL.

    Args:
        rows: One row per BM unit with BmUnitData field names (extra fields ignored).

    Returns:
        Frame with the ``bm_units`` columns (see :mod:`jobs.warehouse.schema`).
    """
    present = {source: target for source, target in BM_UNIT_FIELDS.items() if source in rows}
    out = rows[list(present)].rename(columns=present)
    for column in out.columns:
        if column.endswith("_mw") or column == "transmission_loss_factor":
            out[column] = pd.to_numeric(out[column].replace("", None))
        elif out[column].dtype == object:
            out[column] = out[column].map(lambda v: v.strip() or None if isinstance(v, str) else v)
    return out
