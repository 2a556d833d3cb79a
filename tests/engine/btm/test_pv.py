"""PV model: zero at night, solar noon in the right half-hour, scaling and clipping."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from engine.btm.pv import PvSystem, describe_pv, model_pv_kw, parse_clearness
from engine.errors import ValidationError
from engine.settlement import half_hourly_index


def _day(day: str, system: PvSystem) -> pd.Series:
    idx = half_hourly_index(day, day)
    return pd.Series(model_pv_kw(system, idx), index=idx.tz_convert("Europe/London"))


def test_summer_solstice_birmingham() -> None:
    pv = _day("2024-06-21", PvSystem(1000, 52.48, -1.90))
    # Solar noon at -1.90 deg is ~12:08 GMT = 13:08 BST: peak in the 13:00 half-hour.
    peak = pv.idxmax()
    assert isinstance(peak, pd.Timestamp)
    assert peak.strftime("%H:%M") == "13:00"
    assert pv.iloc[:6].sum() == 0  # 00:00-03:00 BST is dark
    # Clear-sky POA cannot exceed ~1,100 W/m2: 1,000 kWp x 0.86 x 1.1 is a hard ceiling.
    assert 700 < pv.max() < 1000 * 0.86 * 1.1


def test_winter_is_lower_and_scaling_and_clipping() -> None:
    base = PvSystem(1000, 52.48, -1.90)
    summer = _day("2024-06-21", base).sum()
    winter = _day("2024-12-21", base).sum()
    assert winter < summer / 2
    half = PvSystem(1000, 52.48, -1.90, clearness_by_month=(0.5,) * 12)
    assert _day("2024-12-21", half).sum() == pytest.approx(winter * 0.5)
    clipped = _day("2024-06-21", PvSystem(1000, 52.48, -1.90, inverter_kw=500))
    assert clipped.max() == pytest.approx(500)
    assert "upper bound" in describe_pv(base)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"capacity_kwp": 0}, "pv_kwp"),
        ({"latitude_deg": 40.0}, "lat"),
        ({"tilt_deg": 95.0}, "tilt_deg"),
        ({"clearness_by_month": (1.2,) * 12}, "pv_clearness"),
    ],
)
def test_bad_systems(kwargs: dict[str, Any], field: str) -> None:
    # Any: the table feeds out-of-range values; PvSystem's checks are under test.
    args: dict[str, Any] = {"capacity_kwp": 100, "latitude_deg": 52.0, "longitude_deg": -1.0}
    args.update(kwargs)
    with pytest.raises(ValidationError) as exc:
        PvSystem(**args)
    assert exc.value.field == field


def test_parse_clearness() -> None:
    assert parse_clearness(",".join(["0.5"] * 12)) == (0.5,) * 12
    with pytest.raises(ValidationError, match="12 monthly"):
        parse_clearness("0.5,0.5")
    assert np.isclose(sum(parse_clearness([0.1] * 12)), 1.2)


def test_pvlib_loads_only_when_pv_is_modelled() -> None:
    # A fresh process that imports the PV module (as every BtM run does) but models no PV
    # must not pay pvlib's ~0.9 s import.
    import subprocess
    import sys

    script = "import sys, engine.btm.pv; sys.stderr.write(str('pvlib' in sys.modules))"
    child = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False, timeout=60
    )
    assert child.stderr == "False"
