"""``gbess dispatch``: the exact optimal schedule of one battery against a price series."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from engine.battery import BatterySpec
from engine.dispatch import optimise_dispatch
from engine.errors import DataMissingError, ValidationError
from engine.series import check_half_hour_steps, numeric_cells, row_starts_ns
from engine.settlement import iso_utc, to_date
from jobs.cli._common import add_json_flag, emit_json
from jobs.settings import Settings
from jobs.warehouse import open_warehouse, seed_if_needed

APX_PROVIDER = "APXMIDP"


def register(sub: Any) -> None:
    """Add the ``dispatch`` subcommand."""
    parser = sub.add_parser("dispatch", help="exact optimal battery dispatch against prices")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--prices",
        type=Path,
        help="CSV: interval_start (ISO with offset) or settlement_date+settlement_period, and "
        "price_gbp_per_mwh (or buy_price_gbp_per_mwh and sell_price_gbp_per_mwh)",
    )
    source.add_argument(
        "--prices-from-warehouse",
        choices=["system", "apx"],
        help="system imbalance prices, or the APX market index (no-trade periods not traded)",
    )
    parser.add_argument("--from", dest="from_date", help="with the warehouse: first UK day")
    parser.add_argument("--to", dest="to_date", help="with the warehouse: last UK day")
    parser.add_argument("--power-mw", type=float, required=True, help="charge/discharge [MW]")
    parser.add_argument("--energy-mwh", type=float, required=True, help="capacity [MWh]")
    parser.add_argument("--charge-efficiency", type=float, default=1.0, help="0 < x ≤ 1")
    parser.add_argument("--discharge-efficiency", type=float, default=1.0, help="0 < x ≤ 1")
    parser.add_argument("--initial-soc-mwh", type=float, default=0.0)
    parser.add_argument("--final-soc-mwh", type=float, default=None)
    parser.add_argument("--degradation-gbp-per-mwh", type=float, default=0.0)
    parser.add_argument("--max-cycles-per-day", type=float, default=None)
    parser.add_argument("--schedule", type=Path, help="write the per-interval schedule CSV here")
    add_json_flag(parser)
    parser.set_defaults(handler=handle)


def read_price_csv(path: Path) -> pd.DataFrame:
    """A price CSV as a frame indexed by consecutive UTC ``interval_start``.

    Returns:
        Columns ``buy_price_gbp_per_mwh`` and ``sell_price_gbp_per_mwh`` [£/MWh] (NaN kept:
        the engine names the intervals).

    Raises:
        ValidationError: Unreadable file, bad timestamps or gaps, or no price column.
    """
    try:
        frame = pd.read_csv(path, dtype={"interval_start": str, "settlement_date": str})
    except FileNotFoundError:
        raise ValidationError(f"prices: no such file {path}", field="prices") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise ValidationError(
            f"prices: {path} is not a readable CSV ({exc})", field="prices"
        ) from None
    if frame.empty:
        raise ValidationError(f"prices: {path} has no rows", field="prices")
    start_ns = row_starts_ns(frame)
    order = check_half_hour_steps(start_ns)
    index = pd.DatetimeIndex(pd.to_datetime(start_ns[order], utc=True), name="interval_start")
    columns = {}
    for side in ("buy", "sell"):
        name = f"{side}_price_gbp_per_mwh"
        column = name if name in frame.columns else "price_gbp_per_mwh"
        if column not in frame.columns:
            raise ValidationError(
                "price_gbp_per_mwh: the price file needs price_gbp_per_mwh (or both "
                "buy_price_gbp_per_mwh and sell_price_gbp_per_mwh)",
                field="price_gbp_per_mwh",
            )
        columns[name] = numeric_cells(frame[column], column)[order]
    return pd.DataFrame(columns, index=index)


def read_warehouse_prices(
    settings: Settings, series: str, from_date: dt.date, to_date: dt.date
) -> tuple[pd.DataFrame, pd.Series]:
    """Prices from the embedded warehouse (or BigQuery), and which intervals can trade.

    ``system``: buy at the system buy price, sell at the system sell price (equal since
    P305). ``apx``: the APX market index; a period with no trades (NULL price) cannot be
    traded, rather than being treated as £0/MWh. The embedded DuckDB file is seeded from
    the shipped data first if it is not already.
    """
    with open_warehouse(settings) as warehouse:
        if warehouse.backend == "duckdb":
            seed_if_needed(warehouse, settings)
        if series == "system":
            raw = warehouse.query("system_prices", from_date=from_date, to_date=to_date)
            buy = raw["system_buy_price_gbp_per_mwh"]
            sell = raw["system_sell_price_gbp_per_mwh"]
        else:
            raw = warehouse.query("market_index", from_date=from_date, to_date=to_date)
            raw = raw[raw["data_provider"] == APX_PROVIDER]
            buy = sell = raw["market_index_price_gbp_per_mwh"]
    if raw.empty:
        raise DataMissingError(
            f"prices-from-warehouse: no {series} prices for {from_date}..{to_date} "
            "(run `gbess warehouse seed`)",
            field="prices_from_warehouse",
        )
    index = pd.DatetimeIndex(raw["interval_start"], name="interval_start")
    frame = pd.DataFrame(
        {
            "buy_price_gbp_per_mwh": buy.to_numpy(dtype=float),
            "sell_price_gbp_per_mwh": sell.to_numpy(dtype=float),
        },
        index=index,
    )
    tradable = pd.Series(
        np.isfinite(frame.to_numpy()).all(axis=1) | (series == "system"), index=index
    )
    return frame, tradable


def handle(args: argparse.Namespace, settings: Settings) -> int:
    """Optimise and print the totals (JSON with ``--json``)."""
    battery = BatterySpec(
        charge_power_mw=args.power_mw,
        discharge_power_mw=args.power_mw,
        energy_mwh=args.energy_mwh,
        charge_efficiency_frac=args.charge_efficiency,
        discharge_efficiency_frac=args.discharge_efficiency,
        initial_soc_mwh=args.initial_soc_mwh,
        final_soc_mwh=args.final_soc_mwh,
        degradation_cost_gbp_per_mwh=args.degradation_gbp_per_mwh,
        max_cycles_per_day=args.max_cycles_per_day,
    )
    if args.schedule is not None and not args.schedule.parent.is_dir():
        # Checked before solving, so a typo costs no solve and never ends in a traceback.
        raise ValidationError(
            f"schedule: the folder {args.schedule.parent} does not exist", field="schedule"
        )
    tradable = None
    if args.prices is not None:
        prices = read_price_csv(args.prices)
    else:
        if args.from_date is None or args.to_date is None:
            raise ValidationError(
                "--from and --to are required with --prices-from-warehouse", field="from"
            )
        first, last = to_date(args.from_date, "from"), to_date(args.to_date, "to")
        if first > last:
            raise ValidationError(f"from: {first} is after --to {last}", field="from")
        prices, tradable = read_warehouse_prices(settings, args.prices_from_warehouse, first, last)
    result = optimise_dispatch(
        None,
        battery,
        0.5,
        buy_prices_gbp_per_mwh=prices["buy_price_gbp_per_mwh"],
        sell_prices_gbp_per_mwh=prices["sell_price_gbp_per_mwh"],
        tradable=tradable,
    )
    if args.schedule is not None:
        out = result.schedule.copy()
        out.insert(0, "interval_start", iso_utc(out.index))
        out.to_csv(args.schedule, index=False)
    document: dict[str, Any] = {
        **result.totals(),
        "intervals": int(result.schedule.shape[0]),
        "first_interval_start": iso_utc(result.schedule.index[:1])[0],
        "last_interval_start": iso_utc(result.schedule.index[-1:])[0],
        "method": result.method,
    }
    if args.json:
        emit_json(document)
        return 0
    for key, value in document.items():
        print(f"{key:>22}  {value:,.2f}" if isinstance(value, float) else f"{key:>22}  {value}")
    return 0
