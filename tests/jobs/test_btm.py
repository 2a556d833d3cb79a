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
from jobs.btm import BtmRequest, run_btm, series_on_load
from jobs.cli import main
from jobs.inputs import HalfHourlyProfile
from jobs.settings import Settings
from jobs.warehouse.duckdb_backend import DuckDBWarehouse

DAY = "2024-04-01"  # a Monday (Easter Monday: a bank holiday, so weekday bands) in 2024/25


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DuckDBWarehouse]:
    """System prices for 2024-04-01 only: £50 + settlement period (SP 1 → £51 ... 48 → £98)."""
    index = half_hourly_index(DAY, DAY)
    calendar = settlement_date_period(index)
    period = calendar["settlement_period"].to_numpy()
    frame = pd.DataFrame(
        {
            "interval_start": index,
            "settlement_date": calendar["settlement_date"].to_numpy(),
            "settlement_period": period,
            "system_sell_price_gbp_per_mwh": 50.0 + period,
            "system_buy_price_gbp_per_mwh": 50.0 + period,
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
        "capacity_kva": 5000.0,
        "ppa_gbp_per_mwh": 150.0,
        "power_mw": 2.0,
        "energy_mwh": 4.0,
        "no_levies": True,
        **kwargs,
    }
    return BtmRequest(**options)


def test_system_price_from_the_warehouse_equals_the_same_series_given(
    settings: Settings, warehouse: DuckDBWarehouse
) -> None:
    from_warehouse = run_btm(_request(energy_price="system"), settings, warehouse=lambda: warehouse)
    given = run_btm(
        _request(energy_price=list(50.0 + np.arange(1, 49))), settings, warehouse=lambda: warehouse
    )
    assert from_warehouse["battery_value_gbp"] == pytest.approx(given["battery_value_gbp"])
    assert from_warehouse["battery_value_gbp"] > 0
    assert "energy_price: GB system price from the warehouse" in from_warehouse["assumptions"]
    assert any("round-trip efficiency not given: 0.9" in n for n in from_warehouse["assumptions"])


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


def test_levies_without_a_rate_are_listed(settings: Settings, warehouse: DuckDBWarehouse) -> None:
    with pytest.raises(DataMissingError, match="FiT") as caught:
        run_btm(_request(energy_price=60.0, no_levies=False), settings, warehouse=lambda: warehouse)
    assert "AAHEDC" in caught.value.detail
    assert "--levy NAME=VALUE" in caught.value.detail
    document = run_btm(
        _request(
            energy_price=60.0,
            no_levies=False,
            without_levies=("FiT", "AAHEDC", "TNUoS_TDR", "CfD_ILR"),
        ),
        settings,
        warehouse=lambda: warehouse,
    )
    used = {levy["name"] for levy in document["levies"]["used"]}
    assert used == {"BSUoS", "RO", "CfD_OCL", "CCL"}
    with pytest.raises(ValidationError, match="unknown levy"):
        run_btm(
            _request(energy_price=60.0, no_levies=False, without_levies=("VAT",)),
            settings,
            warehouse=lambda: warehouse,
        )


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
        (["--capacity-kva", "1e12"], "--capacity-kva: more than"),
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
        "--tariff", "HV Site Specific Band 1", "--capacity-kva", "5000",
        "--ppa-gbp-per-mwh", "150", "--power-mw", "1", "--energy-mwh", "2",
        "--energy-price", "80",
    ]  # fmt: skip
    levies = [] if {"--levy", "--without-levy"} & set(flags) else ["--no-levies"]
    assert main([*argv, *levies, *flags]) == 2
    error = capsys.readouterr().err
    assert error.startswith(f"gbess: error: {shown}"), error
    assert "_frac" not in error
    assert "latitude_deg" not in error
