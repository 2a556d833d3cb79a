"""The D-1 decision timeline: when a day's positions are chosen and what is public by then.

Every forecast for UK day D (settlement day D, and EFA day D for the response services) is
made at one decision time, ``DECISION_LOCAL_TIME`` on D-1, UK clock time, and uses only data
published before it:

* **Decision time: D-1 10:00 UK local.** The NESO/EAC daily auction for EFA day D (which
  starts 23:00 on D-1) runs later on D-1; its results for D are therefore unknown, while
  the results for EFA day D-1 (auctioned on D-2) are public (NESO data portal, "EAC auction
  results": "The daily auction results will now be published below",
  https://www.neso.energy/data-portal/eac-auction-results). The NESO day-ahead demand
  forecast is issued from about 08:45 UTC on D-1 (measured on the shipped archive: the
  first vintage for 2,643 of 2,711 target dates lies between 08:00 and 10:00 UK time), so
  the morning vintage is in hand at 10:00. Day-ahead energy positions are taken against the
  half-hourly APX Market Index (the shipped proxy for GB short-term prices); the N2EX
  day-ahead auction closes at 09:50 UK time
  (https://support.nordpoolgroup.com/support/solutions/articles/8000088463), ten minutes
  before this decision, so an auction bid would have to be placed on the same information.
* **Imbalance (system) prices and the Market Index** of a settlement period are reported on
  BMRS after the period ends (Elexon, "Imbalance Pricing": indicative SSP/SBP reported from
  BMRS, finalised in later settlement runs,
  https://www.elexon.co.uk/operations-settlement/imbalance-pricing/). We assume a
  conservative ``PUBLICATION_LAG`` of one hour after the period ends, so at 10:00 on D-1
  the periods of D-1 that started before 08:30 local are known; all of D-2 is known.
* **Response clearing prices** (DC/DM/DR) of EFA day E are known once E's auction has run
  on E-1, so at the decision for D the latest known EFA day is D-1.
* **Demand forecast** for D: the latest NESO vintage issued before the decision time.

Vintage caveat: the shipped prices are later settlement vintages, not the indicative values
first reported; the difference (~2.5 % of half-hours, see ``market/SOURCES.md``) is not
modelled.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from engine.settlement import UK_TZ

#: UK clock time on D-1 at which positions for day D are decided.
DECISION_LOCAL_TIME = dt.time(10, 0)

#: How long after a settlement period ends its system price and MID are taken as public.
PUBLICATION_LAG = pd.Timedelta(hours=1)

#: Local half-hour slots (0 = 00:00) of D-1 whose prices are public at the decision time:
#: a slot starting at s is public at s + 30 min + PUBLICATION_LAG, strictly before the
#: decision (17: the slots starting 00:00 .. 08:00).
KNOWN_SLOTS_OF_PREVIOUS_DAY = int(
    (
        pd.Timedelta(hours=DECISION_LOCAL_TIME.hour, minutes=DECISION_LOCAL_TIME.minute)
        - PUBLICATION_LAG
        - pd.Timedelta(minutes=30)
    )
    // pd.Timedelta(minutes=30)
)


def decision_time(day: dt.date) -> pd.Timestamp:
    """The UTC instant at which positions for UK day ``day`` are decided (D-1 10:00 local)."""
    previous = pd.Timestamp(day) - pd.Timedelta(days=1)
    local = previous + pd.Timedelta(
        hours=DECISION_LOCAL_TIME.hour, minutes=DECISION_LOCAL_TIME.minute
    )
    return local.tz_localize(UK_TZ).tz_convert("UTC")
