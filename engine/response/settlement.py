"""Who owns response energy: ABSVD by date and registration, and the cash it settles at.

Applicable Balancing Services Volume Data (ABSVD) is the volume NESO sends to Elexon for a BM
unit and settlement period so that energy delivered for an applicable balancing service is
taken out of the unit's imbalance (BSC Section Q6.4; NESO's ABSVD Methodology Statement under
Standard Licence Condition C16 of the Transmission Licence). The rule implemented:

* **BM-registered (primary BM unit)**: DC, DM and DR energy is corrected out of imbalance by
  ABSVD from each service's launch (Modo Energy, "BM or non-BM: why is ABSVD splitting the
  battery energy storage market?", Nov 2022 / Nov 2023: "ABSVD is currently only applied to
  Primary BM-registered assets providing frequency response").
* **Not BM-registered (non-BM or secondary BM unit)**: no ABSVD for frequency response before
  3 September 2025, so the energy stays in the supplier's imbalance and is settled at the
  imbalance price (same sources; Elexon, "Understanding ABSVD for Secondary BM Units"). From
  3 September 2025 the ABSVD methodology covers non-BM units too (changed with non-BM access to
  Quick Reserve; Modo Energy, "Battery energy storage: ABSVD rule change, September 2025").

With ABSVD the response energy's settlement cash is 0 (it still moves the state of charge);
without it the unit is paid the imbalance price for net export and pays it for net import
(single imbalance price, BSC P305). The default registration is ``bm``: most GB battery MW
providing response is BM-registered.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from engine.errors import ValidationError

Registration = Literal["bm", "non_bm"]
REGISTRATIONS: tuple[str, ...] = ("bm", "non_bm")
DEFAULT_REGISTRATION: Registration = "bm"
#: First day (UK settlement date) ABSVD covers non-BM frequency-response providers.
NON_BM_ABSVD_FROM = dt.date(2025, 9, 3)


def parse_registration(value: str | None, field: str = "registration") -> Registration:
    """``bm`` or ``non_bm`` (``None`` → the default ``bm``).

    Raises:
        ValidationError: Anything else.
    """
    if value is None:
        return DEFAULT_REGISTRATION
    text = str(value).strip().lower().replace("-", "_")
    if text == "bm":
        return "bm"
    if text == "non_bm":
        return "non_bm"
    raise ValidationError(
        f"{field}: expected one of {', '.join(REGISTRATIONS)}, got {value!r}", field=field
    )


def absvd_applies(settlement_date: dt.date, registration: Registration) -> bool:
    """Whether response energy is corrected out of imbalance on a settlement date."""
    return registration == "bm" or settlement_date >= NON_BM_ABSVD_FROM


def response_cash_gbp(
    net_import_mwh: npt.ArrayLike,
    imbalance_price_gbp_per_mwh: npt.ArrayLike,
    settlement_date: pd.Series | pd.DatetimeIndex | list[dt.date],
    registration: Registration,
) -> npt.NDArray[np.float64]:
    """Settlement cash of response energy per period (+ received, − paid) [£].

    Args:
        net_import_mwh: Response energy per period (+ import, − export) [MWh].
        imbalance_price_gbp_per_mwh: The period's single imbalance price [£/MWh].
        settlement_date: The period's UK settlement date.
        registration: ``bm`` or ``non_bm``.

    Returns:
        0 where ABSVD applies; −net import × imbalance price elsewhere (NaN price → NaN).
    """
    energy = np.asarray(net_import_mwh, dtype=np.float64)
    price = np.asarray(imbalance_price_gbp_per_mwh, dtype=np.float64)
    # absvd_applies on every date, vectorised (one comparison, not a date object a period).
    days = pd.DatetimeIndex(pd.to_datetime(pd.Index(settlement_date)))
    covered = (
        np.ones(len(days), dtype=bool)
        if registration == "bm"
        else np.asarray(days >= pd.Timestamp(NON_BM_ABSVD_FROM), dtype=bool)
    )
    cash: npt.NDArray[np.float64] = np.where(covered, 0.0, -energy * price)
    return cash
