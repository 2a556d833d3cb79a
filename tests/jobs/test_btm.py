"""The BtM use case: prices from the warehouse or the request, levies, defaults stated."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from engine.errors import DataMissingError, ValidationError
from engine.settlement import half_hourly_index, iso_utc, settlement_date_period
from jobs.btm import CAPACITY_DEPRECATION, BtmRequest, run_btm, series_on_load
from jobs.cli import main
from jobs.inputs import HalfHourlyProfile
from jobs.settings import Settings
from jobs.warehouse.duckdb_backend import DuckDBWarehouse

DAY = "2024-04-01"  # a Monday (Easter Monday: a bank holiday, so weekday bands) in 2024/25
HISTORY_FROM = "2024-03-20"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DuckDBWarehouse]:
    """System prices for 2024-04-01: £50 + settlement period (SP 1 → £51 ... 48 → £98); the
    twelve days before it (forecast mode's history): £99 − settlement period (falling)."""
    index = half_hourly_index(HISTORY_FROM, DAY)
    calendar = settlement_date_period(index)
    period = calendar["settlement_period"].to_numpy()
    on_day = (calendar["settlement_date"] == pd.Timestamp(DAY)).to_numpy()
    price = np.where(on_day, 50.0 + period, 99.0 - period)
    frame = pd.DataFrame(
        {
            "interval_start": index,
            "settlement_date": calendar["settlement_date"].to_numpy(),
            "settlement_period": period,
            "system_sell_price_gbp_per_mwh": price,
            "system_buy_price_gbp_per_mwh": price,
            "net_imbalance_volume_mwh": np.zeros(len(index)),
        }
    )
    store = DuckDBWarehouse(tmp_path_factory.mktemp("wh") / "btm.duckdb")
    store.load("system_prices", frame)
    yield store
    store.close()


def _load(day: str = DAY, kwh: float = 1000.0) -> pd.DataFrame:
    index = half_hourly_index(day, day)
    return pd.DataFrame({"interval_start": iso_utc(index), "import_kwh": np.full(len(index), kwh)})


@pytest.fixture(scope="module")
def settings(data_dir: Path) -> Settings:
    return Settings(data_dir=data_dir)


def _request(**kwargs: Any) -> BtmRequest:
    options: dict[str, Any] = {
        "load": HalfHourlyProfile.from_frame(_load()),
        "distributor": "14",
        "tariff": "HV Site Specific Band 1",
        "import_capacity_kva": 5000.0,
        "ppa_gbp_per_mwh": 150.0,
        "power_mw": 2.0,
        "energy_mwh": 4.0,
        "no_levies": True,
        **kwargs,
    }
    return BtmRequest(**options)


def test_perfect_foresight_on_the_warehouse_equals_the_same_series_given(
    settings: Settings, warehouse: DuckDBWarehouse
) -> None:
    from_warehouse = run_btm(
        _request(energy_price="system", mode="perfect_foresight"),
        settings,
        warehouse=lambda: warehouse,
    )
    given = run_btm(
        _request(energy_price=list(50.0 + np.arange(1, 49)), mode="perfect_foresight"),
        settings,
        warehouse=lambda: warehouse,
    )
    assert from_warehouse["battery_value_gbp"] == pytest.approx(given["battery_value_gbp"])
    assert from_warehouse["battery_value_gbp"] > 0
    assert from_warehouse["battery_value_label"] == "upper bound (perfect foresight)"
    assert from_warehouse["upper_bound"] is None
    assert "energy_price: GB system price from the warehouse" in from_warehouse["assumptions"]
    assert any("round-trip efficiency not given: 0.88" in n for n in from_warehouse["assumptions"])
    assert from_warehouse["battery"]["round_trip_efficiency_frac"] == 0.88


def test_forecast_mode_is_the_default_and_decides_on_history_only(
    settings: Settings, warehouse: DuckDBWarehouse
) -> None:
    # The history falls through the day (£98 → £51) while the day itself rises (£51 → £98):
    # decided on the forecast, the battery buys late and sells early, and earns less than
    # the upper bound, which the document shows beside it, labelled.
    document = run_btm(_request(energy_price="system"), settings, warehouse=lambda: warehouse)
    ceiling = run_btm(
        _request(energy_price="system", mode="perfect_foresight"),
        settings,
        warehouse=lambda: warehouse,
    )
    assert document["mode"] == "forecast"
    assert document["battery_value_label"] == "forecast"
    upper = document["upper_bound"]
    assert upper["label"] == "upper bound (perfect foresight)"
    assert upper["battery_value_gbp"] == pytest.approx(ceiling["battery_value_gbp"])
    assert document["battery_value_gbp"] < upper["battery_value_gbp"] - 100.0
    assert any(n.startswith("forecast: the battery's schedule") for n in document["assumptions"])


def test_forecast_mode_needs_a_week_of_prices_before_the_load(
    settings: Settings, warehouse: DuckDBWarehouse
) -> None:
    load = HalfHourlyProfile.from_frame(_load("2024-03-24"))
    with pytest.raises(ValidationError, match=r"energy_price: forecast mode needs 8 days") as err:
        run_btm(_request(load=load, energy_price="system"), settings, warehouse=lambda: warehouse)
    assert err.value.field == "energy_price"


def test_missing_wholesale_prices_are_named(settings: Settings, warehouse: DuckDBWarehouse) -> None:
    load = HalfHourlyProfile.from_frame(_load("2024-04-02"))
    request = _request(load=load, energy_price="system")
    with pytest.raises(DataMissingError, match="no system price for 48 of 48 half-hours"):
        run_btm(request, settings, warehouse=lambda: warehouse)


def test_export_price_defaults_to_the_wholesale_series_only(
    settings: Settings, warehouse: DuckDBWarehouse
) -> None:
    document = run_btm(
        _request(energy_price="system", export_limit_kw=500.0),
        settings,
        warehouse=lambda: warehouse,
    )
    assert any("the same wholesale series" in n for n in document["assumptions"])
    with pytest.raises(ValidationError, match="export_price"):
        run_btm(
            _request(energy_price=60.0, export_limit_kw=500.0),
            settings,
            warehouse=lambda: warehouse,
        )


def test_levies_without_a_rate_are_left_out_and_listed_by_default(
    settings: Settings, warehouse: DuckDBWarehouse
) -> None:
    document = run_btm(
        _request(energy_price=60.0, no_levies=False), settings, warehouse=lambda: warehouse
    )
    left_out = {item["name"]: item["reason"] for item in document["levies_left_out"]}
    assert set(left_out) == {"FiT", "AAHEDC", "TNUoS_TDR"}
    assert all(reason.startswith("no published rate in the data") for reason in left_out.values())
    assert "band" in left_out["TNUoS_TDR"]
    used = {levy["name"] for levy in document["levies"]["used"]}
    assert used == {"BSUoS", "RO", "CfD_ILR", "CfD_OCL", "CCL"}
    assert any(
        n.startswith("levies left out: FiT, no published rate in the data for the run")
        for n in document["assumptions"]
    )


def test_levies_without_a_rate_are_an_error_when_required(
    settings: Settings, warehouse: DuckDBWarehouse
) -> None:
    with pytest.raises(DataMissingError, match="FiT") as caught:
        run_btm(
            _request(energy_price=60.0, no_levies=False, require_levies=True),
            settings,
            warehouse=lambda: warehouse,
        )
    assert "AAHEDC" in caught.value.detail
    assert "--levy NAME=VALUE" in caught.value.detail
    document = run_btm(
        _request(
            energy_price=60.0,
            no_levies=False,
            without_levies=("FiT", "AAHEDC", "TNUoS_TDR", "CfD_ILR"),
            require_levies=True,
        ),
        settings,
        warehouse=lambda: warehouse,
    )
    used = {levy["name"] for levy in document["levies"]["used"]}
    assert used == {"BSUoS", "RO", "CfD_OCL", "CCL"}
    assert document["levies_left_out"] == []
    with pytest.raises(ValidationError, match="unknown levy"):
        run_btm(
            _request(energy_price=60.0, no_levies=False, without_levies=("VAT",)),
            settings,
            warehouse=lambda: warehouse,
        )


def test_the_old_capacity_name_is_accepted_with_a_deprecation(
    settings: Settings, warehouse: DuckDBWarehouse
) -> None:
    new = run_btm(_request(energy_price=60.0), settings, warehouse=lambda: warehouse)
    old = run_btm(
        _request(energy_price=60.0, import_capacity_kva=None, capacity_kva=5000.0),
        settings,
        warehouse=lambda: warehouse,
    )
    assert new["deprecations"] == []
    assert old["deprecations"] == [CAPACITY_DEPRECATION]
    assert old["battery_value_gbp"] == new["battery_value_gbp"]
    with pytest.raises(ValidationError, match="import_capacity_kva: given as 5000") as err:
        run_btm(_request(energy_price=60.0, capacity_kva=4000.0), settings)
    assert err.value.field == "import_capacity_kva"
    with pytest.raises(ValidationError, match="import_capacity_kva: the site's agreed"):
        run_btm(_request(energy_price=60.0, import_capacity_kva=None), settings)


def test_a_series_file_is_put_in_load_order(tmp_path: Path) -> None:
    load = _load()
    prices = pd.DataFrame(
        {"interval_start": load["interval_start"], "price_gbp_per_mwh": np.arange(48.0) - 10}
    ).iloc[::-1]
    profile = HalfHourlyProfile.from_frame(load)
    aligned = series_on_load(prices, ("price_gbp_per_mwh",), profile, "energy_price")
    assert aligned == pytest.approx(np.arange(48.0) - 10)
    with pytest.raises(ValidationError, match="no value for 1 of the load"):
        series_on_load(prices.iloc[1:], ("price_gbp_per_mwh",), profile, "energy_price")


def test_price_text_in_a_series_file_is_refused_naming_the_row() -> None:
    # A contract price file with "£80" in one cell: that row is named as not a number,
    # not reported later as a half-hour with no price.
    load = _load()
    prices = pd.DataFrame(
        {"interval_start": load["interval_start"], "price_gbp_per_mwh": ["80"] * 48}
    )
    prices.loc[7, "price_gbp_per_mwh"] = "£80"
    with pytest.raises(ValidationError, match=r"price_gbp_per_mwh: not a plain number at row 7"):
        series_on_load(
            prices, ("price_gbp_per_mwh",), HalfHourlyProfile.from_frame(load), "energy_price"
        )


@pytest.mark.parametrize(
    ("flags", "shown"),
    [
        # Issue 19 defect 6: the CLI said "lat: a PV model needs --lat and --lon" and named
        # the engine's round_trip_efficiency_frac, import_capacity_kva and levy.
        (["--pv-kwp", "100"], "--lat: a PV model (--pv-kwp) needs --lat and --lon"),
        (["--round-trip-efficiency", "2"], "--round-trip-efficiency: efficiencies"),
        (["--round-trip-efficiency", "1e-300"], "--round-trip-efficiency: 1e-300 is below"),
        (["--import-capacity-kva", "1e12"], "--import-capacity-kva: more than"),
        (["--energy-mwh", "1e12"], "--energy-mwh: 1e+12 MWh is more than 20,000 MWh"),
        (["--levy", "BOGUS=1"], "--levy: unknown levy 'BOGUS'"),
        (["--without-levy", "nope"], "--without-levy: unknown levy 'nope'"),
    ],
)
def test_the_cli_names_its_flags(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], flags: list[str], shown: str
) -> None:
    load = tmp_path / "load.csv"
    _load().to_csv(load, index=False)
    argv = [
        "btm", "--load", str(load), "--distributor", "14",
        "--tariff", "HV Site Specific Band 1", "--import-capacity-kva", "5000",
        "--ppa-gbp-per-mwh", "150", "--power-mw", "1", "--energy-mwh", "2",
        "--energy-price", "80",
    ]  # fmt: skip
    levies = [] if {"--levy", "--without-levy"} & set(flags) else ["--no-levies"]
    assert main([*argv, *levies, *flags]) == 2
    error = capsys.readouterr().err
    assert error.startswith(f"gbess: error: {shown}"), error
    assert "_frac" not in error
    assert "latitude_deg" not in error
