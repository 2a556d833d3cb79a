"""BOALF/PN/BOD frames for the fleet tests: hand-written rows and the shipped Lakeside day."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from jobs.sources.elexon import read_dataset_csv

DAY = "2026-06-01"  # BST: 10:00Z is settlement period 23


def t(hhmm: str) -> pd.Timestamp:
    return pd.Timestamp(f"{DAY}T{hhmm}Z")


def boalf(*rows: tuple[int, str, str, float, float], unit: str = "T_TEST-1") -> pd.DataFrame:
    """(acceptance, from, to, level from, level to) rows."""
    return pd.DataFrame(
        [
            {
                "elexon_bm_unit": unit,
                "acceptance_number": n,
                "time_from": t(a),
                "time_to": t(b),
                "level_from_mw": la,
                "level_to_mw": lb,
                "deemed_bo_flag": False,
                "so_flag": False,
                "stor_flag": False,
            }
            for n, a, b, la, lb in rows
        ]
    )


def pn(*rows: tuple[str, str, float, float], unit: str = "T_TEST-1") -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"elexon_bm_unit": unit, "time_from": t(a), "time_to": t(b),
             "level_from_mw": la, "level_to_mw": lb}
            for a, b, la, lb in rows
        ]
    )  # fmt: skip


def bod(*rows: tuple[int, float, float, float], unit: str = "T_TEST-1") -> pd.DataFrame:
    """(pair, level, offer £/MWh, bid £/MWh) for settlement period 23 (10:00-10:30Z)."""
    return pd.DataFrame(
        [
            {
                "elexon_bm_unit": unit,
                "settlement_date": pd.Timestamp(DAY),
                "settlement_period": 23,
                "pair_id": pair,
                "time_from": t("10:00"),
                "time_to": t("10:30"),
                "level_from_mw": level,
                "level_to_mw": level,
                "offer_price_gbp_per_mwh": offer,
                "bid_price_gbp_per_mwh": bid,
            }
            for pair, level, offer, bid in rows
        ]
    )


@pytest.fixture(scope="session")
def lakeside(data_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The shipped BOALF and PN of T_LKSDB-1 on 2026-09-30."""
    extra = data_dir / "extra"
    return (
        read_dataset_csv(extra / "elexon_boalf_T_LKSDB-1_2026-09-30.csv", "BOALF"),
        read_dataset_csv(extra / "elexon_pn_T_LKSDB-1_2026-09-30.csv", "PN"),
    )
