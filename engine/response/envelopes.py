"""Dynamic response envelopes: how much of a held MW a DC/DM/DR unit delivers at a deviation.

Each service family responds once frequency leaves a deadband around 50 Hz: delivery rises
linearly from 0 at the deadband to ``knee_delivery_frac`` at the knee, then linearly to 100 %
of the contracted MW at the full-delivery deviation, and stays at 100 % beyond it. Low services
(DCL, DML, DRL) act on frequency below 50 Hz by exporting; high services (DCH, DMH, DRH) act on
frequency above 50 Hz by importing; both envelopes are symmetric about 50 Hz.

Sources:

* **DC** is read from the shared reference table
  ``extra/neso_dynamic_response_service_parameters.csv`` (deadband 0.015 Hz, knee 0.2 Hz at 5 %,
  full delivery 0.5 Hz; NESO DC/DM/DR service pages, confidence medium in that file).
* **DM and DR** are not in that table; :data:`PUBLISHED_ENVELOPES` holds them with their
  sources: NESO "EBR Article 18 Dynamic Moderation (DM) and Dynamic Regulation (DR) Terms and
  Conditions" (consultation 15 Nov - 15 Dec 2021, nationalgrideso.com) — DM is the fast
  pre-fault service with a 5 % initial range before its knee, DR the slow service that
  "corrects continuous but small deviations" linearly up to full delivery; Modo Energy,
  "Energy delivery of the new frequency response services" (modoenergy.com/research) states
  the initial range before the knee is limited to 5 % of contracted capacity for DC and DM.
  The numeric deviations (DM 0.015 / 0.1 / 0.2 Hz, DR 0.015 / 0.2 Hz) are the service-terms
  values as summarised by those secondary sources; they were not read from the terms' own
  text in this session (confidence medium, as for DC). A secondary summary that gives DR
  "no deadband" disagrees and is not used.

A row of the shared table overrides the published one, so an updated data folder wins.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from engine.errors import DataMissingError, ValidationError
from engine.revenue.markets import DYNAMIC_SERVICES

#: Parameters an envelope needs, as named in the shared service-parameter table.
ENVELOPE_PARAMETERS = (
    "deadband",
    "knee_point_frequency",
    "delivery_at_knee",
    "full_delivery_frequency",
)

_DM_DR_SOURCE = (
    'NESO "EBR Article 18 Dynamic Moderation (DM) and Dynamic Regulation (DR) Terms and '
    'Conditions" (consultation Nov-Dec 2021); Modo Energy "Energy delivery of the new '
    'frequency response services" (5 % initial range before the knee for DC and DM); '
    "numeric deviations as summarised by secondary sources, confidence medium"
)


@dataclass(frozen=True)
class Envelope:
    """The response envelope of one service family (both directions are mirror images).

    Attributes:
        family: ``DC``, ``DM`` or ``DR``.
        deadband_hz: No response while |f - 50| <= this [Hz].
        knee_hz: Deviation of the knee point [Hz] (= ``full_hz`` when there is no knee).
        knee_delivery_frac: Delivery at the knee, as a fraction of contracted MW [0-1].
        full_hz: Deviation from which delivery is 100 % [Hz].
        source: Where the numbers come from.
    """

    family: str
    deadband_hz: float
    knee_hz: float
    knee_delivery_frac: float
    full_hz: float
    source: str

    def __post_init__(self) -> None:
        if not 0 <= self.deadband_hz < self.knee_hz <= self.full_hz:
            raise ValidationError(
                f"envelope {self.family}: need 0 <= deadband < knee <= full delivery, got "
                f"{self.deadband_hz}, {self.knee_hz}, {self.full_hz} Hz",
                field="envelope",
            )
        if not 0 < self.knee_delivery_frac <= 1:
            raise ValidationError(
                f"envelope {self.family}: delivery at the knee must be in (0, 1], got "
                f"{self.knee_delivery_frac}",
                field="envelope",
            )


#: DM and DR envelopes with their sources (DC comes from the shared table).
PUBLISHED_ENVELOPES: Mapping[str, Envelope] = {
    "DM": Envelope("DM", 0.015, 0.1, 0.05, 0.2, _DM_DR_SOURCE),
    "DR": Envelope("DR", 0.015, 0.2, 1.0, 0.2, _DM_DR_SOURCE),
}


def _fraction(value: float, unit: str) -> float:
    return value / 100.0 if unit.strip().lower().startswith("percent") else value


def response_envelopes(parameters: pd.DataFrame) -> dict[str, Envelope]:
    """Envelopes per family: the shared table's rows where complete, else the published ones.

    Args:
        parameters: The ``dynamic_response_parameters`` reference table (columns ``service``,
            ``parameter``, ``value``, ``unit``, ``source``).

    Returns:
        ``{"DC": Envelope, "DM": Envelope, "DR": Envelope}`` (families with no envelope
        anywhere are absent; :func:`envelope_of` says so).
    """
    out = dict(PUBLISHED_ENVELOPES)
    rows = parameters[parameters["parameter"].isin(ENVELOPE_PARAMETERS)]
    for family, part in rows.groupby("service"):
        found = dict(
            zip(part["parameter"], zip(part["value"], part["unit"], strict=True), strict=True)
        )
        if not all(p in found for p in ENVELOPE_PARAMETERS):
            continue
        value = {p: float(found[p][0]) for p in ENVELOPE_PARAMETERS}
        out[str(family)] = Envelope(
            family=str(family),
            deadband_hz=value["deadband"],
            knee_hz=value["knee_point_frequency"],
            knee_delivery_frac=_fraction(value["delivery_at_knee"], found["delivery_at_knee"][1]),
            full_hz=value["full_delivery_frequency"],
            source=f"extra/neso_dynamic_response_service_parameters.csv: {part['source'].iloc[0]}",
        )
    return out


def envelope_of(
    service: str, envelopes: Mapping[str, Envelope], field: str = "service"
) -> Envelope:
    """The envelope of a service code (``DRH`` → the DR envelope).

    Raises:
        ValidationError: An unknown service code.
        DataMissingError: A known service whose family has no envelope.
    """
    code = str(service).strip().upper()
    if code not in DYNAMIC_SERVICES:
        raise ValidationError(
            f"{field}: unknown service {service!r}; known services are "
            f"{', '.join(DYNAMIC_SERVICES)}",
            field=field,
        )
    family = code[:2]
    if family not in envelopes:
        raise DataMissingError(
            f"{field}: no response envelope for {family} (deadband, knee, full delivery)",
            field=field,
        )
    return envelopes[family]
