"""Column registry: each DataFrame column name the product shows → its human header and format.

DataFrame columns keep the same unit-carrying names as variables (``price_gbp_per_mwh``);
human headers ("Price [£/MWh]") are made only at the sheet edge, from this one registry, so
the Google Sheets tab, the ``.xlsx`` workbook and the ``/dashboard`` page all agree.

A column's ``kind`` picks its number format in every sink:

* ``text`` — shown as is; ``integer`` — ``#,##0``; ``number`` — ``#,##0.00`` (``decimals``
  changes the places); ``frac`` — a 0–1 fraction shown as a percentage (``0.0%``);
* ``date`` — a calendar date (``yyyy-mm-dd``); ``datetime`` — a UTC instant
  (``yyyy-mm-dd hh:mm``), both written to Sheets as serial numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["text", "integer", "number", "frac", "date", "datetime"]


@dataclass(frozen=True)
class Column:
    """One registered column.

    Attributes:
        name: The DataFrame column name (unit in the name, STYLE.md).
        label: Human label without the unit ("System price").
        unit: Unit shown in brackets ("£/MWh"); empty for unitless columns.
        kind: How values are formatted (see module docstring).
        decimals: Decimal places for ``number`` columns.
        width_px: Column width in pixels (Sheets) — other sinks scale it.
    """

    name: str
    label: str
    unit: str = ""
    kind: Kind = "number"
    decimals: int = 2
    width_px: int = 120

    @property
    def header(self) -> str:
        """The human header: ``label [unit]``, or the label alone when unitless."""
        return f"{self.label} [{self.unit}]" if self.unit else self.label

    @property
    def number_pattern(self) -> str:
        """A spreadsheet number-format pattern (same syntax in Sheets and Excel)."""
        if self.kind == "integer":
            return "#,##0"
        if self.kind == "number":
            return "#,##0" + ("." + "0" * self.decimals if self.decimals > 0 else "")
        if self.kind == "frac":
            return "0.0%"
        if self.kind == "date":
            return "yyyy-mm-dd"
        if self.kind == "datetime":
            return "yyyy-mm-dd hh:mm"
        return "@"


def _c(
    name: str,
    label: str,
    unit: str = "",
    kind: Kind = "number",
    decimals: int = 2,
    width_px: int = 120,
) -> Column:
    return Column(name, label, unit, kind, decimals, width_px)


_T: Kind = "text"
_I: Kind = "integer"
_D: Kind = "date"
_DT: Kind = "datetime"
_FR: Kind = "frac"

_REGISTERED: tuple[Column, ...] = (
    # time keys
    _c("interval_start", "Interval start", "UTC", _DT, width_px=140),
    _c("settlement_date", "Settlement date", "", _D),
    _c("settlement_period", "Settlement period", "", _I),
    _c("efa_date", "EFA date", "", _D),
    _c("efa_block", "EFA block", "", _I, width_px=80),
    _c("month", "Month", "", _T, width_px=90),
    _c("charging_year", "Charging year", "", _T, width_px=100),
    _c("window", "Window", "", _T, width_px=110),
    # market prices
    _c("system_price_gbp_per_mwh", "System price", "£/MWh"),
    _c("market_index_price_gbp_per_mwh", "APX market index", "£/MWh"),
    _c("min_system_price_gbp_per_mwh", "Min system price", "£/MWh"),
    _c("mean_system_price_gbp_per_mwh", "Mean system price", "£/MWh"),
    _c("max_system_price_gbp_per_mwh", "Max system price", "£/MWh"),
    _c("min_market_index_price_gbp_per_mwh", "Min APX index", "£/MWh"),
    _c("mean_market_index_price_gbp_per_mwh", "Mean APX index", "£/MWh"),
    _c("max_market_index_price_gbp_per_mwh", "Max APX index", "£/MWh"),
    _c("negative_price_periods", "Negative-price periods", "count", _I),
    _c("price_regime", "Price regime", "£/MWh", _T, width_px=110),
    _c("system_price_periods", "System price periods", "count", _I, width_px=110),
    _c("market_index_periods", "APX periods", "count", _I, width_px=90),
    _c("share_frac", "Share", "%", _FR, width_px=90),
    # frequency response
    _c("service", "Service", "", _T, width_px=80),
    _c("clearing_price_gbp_per_mw_per_h", "Clearing price", "£/MW/h"),
    _c("mean_clearing_price_gbp_per_mw_per_h", "Mean clearing price", "£/MW/h"),
    _c("dcl_gbp_per_mw_per_h", "DCL", "£/MW/h", width_px=80),
    _c("dch_gbp_per_mw_per_h", "DCH", "£/MW/h", width_px=80),
    _c("dml_gbp_per_mw_per_h", "DML", "£/MW/h", width_px=80),
    _c("dmh_gbp_per_mw_per_h", "DMH", "£/MW/h", width_px=80),
    _c("drl_gbp_per_mw_per_h", "DRL", "£/MW/h", width_px=80),
    _c("drh_gbp_per_mw_per_h", "DRH", "£/MW/h", width_px=80),
    _c("cleared_volume_mw", "Cleared volume", "MW", _I),
    _c("mean_cleared_volume_mw", "Mean cleared volume", "MW", _I),
    # DUoS
    _c("distributor_id", "Distributor", "", _T, width_px=90),
    _c("gsp_group_id", "GSP group", "", _T, width_px=80),
    _c("licence_area", "Licence area", "", _T, width_px=180),
    _c("tariff_name", "Tariff", "", _T, width_px=260),
    _c("voltage_level", "Voltage", "", _T, width_px=80),
    _c("red_p_per_kwh", "Red", "p/kWh", decimals=3),
    _c("amber_p_per_kwh", "Amber", "p/kWh", decimals=3),
    _c("green_p_per_kwh", "Green", "p/kWh", decimals=3),
    _c("fixed_p_per_mpan_per_day", "Fixed", "p/MPAN/day"),
    _c("capacity_p_per_kva_per_day", "Capacity", "p/kVA/day"),
    _c("red_weekday_window", "Red band (weekdays)", "UK clock", _T, width_px=160),
    _c("amber_weekday_window", "Amber band (weekdays)", "UK clock", _T, width_px=200),
    # fleet
    _c("lead_party_name", "Lead party", "", _T, width_px=240),
    _c("gsp_group_name", "GSP group name", "", _T, width_px=160),
    _c("unit_kind", "Unit kind", "", _T, width_px=140),
    _c("units", "BM units", "count", _I, width_px=90),
    _c("virtual_units", "VLP units", "count", _I, width_px=90),
    _c("direct_units", "Direct units", "count", _I, width_px=90),
    _c("import_capacity_mw", "Import capacity", "MW", decimals=1),
    _c("generation_capacity_mw", "Generation capacity", "MW", decimals=1),
    _c("elexon_bm_unit", "BM unit", "", _T, width_px=130),
    _c("region", "Region", "", _T, width_px=200),
    _c("route_to_market", "Route to market", "", _T, width_px=160),
    _c("fleet_share_frac", "Share of fleet MW", "%", kind="frac"),
    _c("bm_offer_volume_mwh", "BM offer volume", "MWh", decimals=1),
    _c("bm_bid_volume_mwh", "BM bid volume", "MWh", decimals=1),
    _c("bm_cashflow_gbp", "BM cashflow", "£", _I),
    _c("bm_missing_reason", "Why BM figures are absent", "", _T, width_px=280),
    # sites
    _c("site_name", "Site", "", _T, width_px=180),
    _c("query", "Postcode / MPAN", "", _T, width_px=180),
    _c("distributor_name", "Network operator", "", _T, width_px=200),
    _c("match", "Match", "", _T, width_px=120),
    _c("capacity_kva", "Agreed capacity", "kVA", _I),
    _c("annual_import_mwh", "Annual import", "MWh", decimals=1),
    _c("duos_total_gbp", "DUoS bill", "£", _I),
    _c("duos_effective_p_per_kwh", "DUoS effective rate", "p/kWh", decimals=3),
    _c("power_mw", "Battery power", "MW", decimals=1),
    _c("energy_mwh", "Battery energy", "MWh", decimals=1),
    _c("ppa_price_gbp_per_mwh", "PPA price", "£/MWh"),
    _c("error", "Error", "", _T, width_px=320),
    # dispatch and revenue charts
    _c("soc_mwh", "State of charge", "MWh", decimals=2),
    _c("stream", "Revenue stream", "", _T, width_px=160),
    _c("revenue_gbp", "Revenue", "£", _I),
    _c("battery_net_revenue_gbp", "Battery net revenue, 30 days", "£", _I, width_px=140),
    _c("battery_gbp_per_mw_per_year", "Battery revenue (forecast)", "£/MW/year", _I, width_px=140),
    _c("battery_equivalent_cycles", "Battery cycles, 30 days", "cycles", decimals=1),
    _c(
        "battery_upper_bound_gbp_per_mw_per_year",
        "Upper bound (perfect foresight)",
        "£/MW/year",
        _I,
        width_px=160,
    ),
    # Backtest tab (jobs/dashboard/backtest.py): 1 h and 2 h batteries
    _c("forecast_1h_gbp_per_mw_per_year", "1 h forecast", "£/MW/year", _I, width_px=120),
    _c(
        "upper_bound_1h_gbp_per_mw_per_year", "1 h upper bound (perfect foresight)", "£/MW/year", _I
    ),
    _c("forecast_1h_equivalent_cycles", "1 h forecast cycles", "cycles", decimals=1),
    _c("forecast_2h_gbp_per_mw_per_year", "2 h forecast", "£/MW/year", _I, width_px=120),
    _c(
        "upper_bound_2h_gbp_per_mw_per_year", "2 h upper bound (perfect foresight)", "£/MW/year", _I
    ),
    _c("forecast_2h_equivalent_cycles", "2 h forecast cycles", "cycles", decimals=1),
    _c("btm_margin_without_battery_gbp", "PPA margin without battery", "£/year", _I),
    _c("btm_margin_with_battery_gbp", "PPA margin with battery", "£/year", _I),
    _c("btm_battery_value_gbp", "Battery value behind the meter", "£/year", _I, width_px=140),
    _c("red_coverage_frac", "Red-band demand met by battery", "%", _FR, width_px=120),
    # investment case
    _c("project_year", "Project year", "", _I, width_px=90),
    _c("calendar_year", "Year", "", _T, width_px=70),  # text: 2030, not 2,030
    _c("price_year", "Prices of", "", _T, width_px=80),
    _c("usable_energy_frac", "Usable energy", "%", _FR, width_px=100),
    _c("cashflow_item", "Item", "", _T, width_px=200),
    _c("assumption", "Assumption", "", _T, width_px=600),
    _c("present_value_gbp", "Present value (real)", "£", _I, width_px=140),
    _c("net_cashflow_gbp", "Net cashflow (real)", "£", _I, width_px=140),
    _c("discounted_cashflow_gbp", "Discounted cashflow", "£", _I, width_px=140),
    _c("cumulative_cashflow_gbp", "Cumulative cashflow", "£", _I, width_px=140),
    _c("duration_h", "Duration", "h", decimals=1, width_px=80),
    _c("npv_gbp", "NPV (real)", "£", _I, width_px=140),
    _c("irr_frac", "IRR (real)", "%", _FR, width_px=90),
    _c("best_size", "Best size", "", _T, width_px=80),
    _c("npv_p10_gbp", "NPV P10 (real)", "£", _I, width_px=140),
    _c("npv_p90_gbp", "NPV P90 (real)", "£", _I, width_px=140),
    _c("probability_npv_negative", "P(NPV < 0)", "%", _FR, width_px=90),
    # response value (DR-High's response energy per MW held)
    _c("response_model_gbp_per_mw_per_period", "Model", "£/MW per SP", decimals=3),
    _c("response_model_gbp_per_mw_per_h", "Model", "£/MW/h", decimals=3),
    _c("response_study_gbp_per_mw_per_period", "2022 study method", "£/MW per SP", decimals=3),
    _c("response_study_gbp_per_mw_per_h", "2022 study method", "£/MW/h", decimals=3),
    _c("response_periods", "Periods with a figure", "count", _I),
    # refresh log
    _c("job", "Job", "", _T, width_px=150),
    _c("started_utc", "Started", "UTC", _DT, width_px=140),
    _c("finished_utc", "Finished", "UTC", _DT, width_px=140),
    _c("rows", "Rows", "count", _I, width_px=80),
    _c("status", "Status", "", _T, width_px=90),
    _c("data_as_of_utc", "Data as of", "UTC", _DT, width_px=140),
    # risk (jobs/dashboard/risk.py)
    _c("figure", "Figure", "", _T),
    _c("annual_net_gbp", "Annual net revenue", "£", _I),
    _c("p10_gbp", "P10", "£", _I),
    _c("p50_gbp", "P50", "£", _I),
    _c("p90_gbp", "P90", "£", _I),
    _c("from_gbp", "From", "£", _I),
    _c("to_gbp", "To", "£", _I),
    _c("scenarios", "Scenarios", "count", _I, width_px=90),
    _c("risk_aversion", "Risk aversion λ", "", decimals=2, width_px=100),
    _c("cvar_gbp", "CVaR", "£", _I),
    _c("mean_gbp", "Mean", "£", _I),
    _c("toll_share_frac", "Share tolled", "%", _FR),
    _c("stack_share_frac", "Share stacked (energy + services)", "%", _FR),
    _c("merchant_share_frac", "Share merchant (energy only)", "%", _FR),
)

COLUMNS: dict[str, Column] = {column.name: column for column in _REGISTERED}


def column(name: str) -> Column:
    """The registered column called ``name``.

    Raises:
        KeyError: If ``name`` is not registered — every shown column must be (STYLE.md
            "human headers are made at the sheet edge from one column registry").
    """
    try:
        return COLUMNS[name]
    except KeyError:
        raise KeyError(f"column {name!r} is not in engine.columns.COLUMNS") from None


def header(name: str) -> str:
    """The human header (with unit) of the registered column ``name``."""
    return column(name).header
