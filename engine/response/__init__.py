"""Response energy of held DC/DM/DR: envelopes, energy per period, ABSVD and its value per MW.

Entry points: :func:`response_energy` (from a frequency series), :func:`expected_response_energy`
(an estimate without one), :func:`response_cash_gbp` (ABSVD by date and registration),
:func:`study_profit_gbp_per_mw` / :func:`model_value_gbp_per_mw` and :func:`summarise_value`.
"""

from engine.response.energy import (
    DEFAULT_MAX_GAP_S,
    EXPECTED_UTILISATION,
    VALID_RANGE_HZ,
    ResponseEnergy,
    check_frequency,
    delivery_frac,
    expected_response_energy,
    response_energy,
    response_net_import_mw_per_mw,
)
from engine.response.envelopes import (
    PUBLISHED_ENVELOPES,
    Envelope,
    envelope_of,
    response_envelopes,
)
from engine.response.settlement import (
    DEFAULT_REGISTRATION,
    NON_BM_ABSVD_FROM,
    REGISTRATIONS,
    Registration,
    absvd_applies,
    parse_registration,
    response_cash_gbp,
)
from engine.response.stack_terms import (
    RESPONSE_NOTE,
    ResponseTerms,
    add_response_value,
    response_terms,
    response_value_by_block,
    split_response_streams,
    with_drift,
)
from engine.response.utilisation import (
    DEFAULT_SIGMA_HZ,
    STUDY_DRH_UTILISATION,
    calibrated_sigma_hz,
    estimated_utilisation,
    expected_utilisation_histogram,
    expected_utilisation_normal,
)
from engine.response.value import (
    DEFAULT_EFFICIENCY_FRAC,
    METHODS,
    RESALE_MARKETS,
    StoreBounds,
    check_efficiency,
    check_lag,
    model_value_gbp_per_mw,
    soc_limited_energy,
    study_profit_gbp_per_mw,
    summarise_value,
)

__all__ = [
    "DEFAULT_EFFICIENCY_FRAC",
    "DEFAULT_MAX_GAP_S",
    "DEFAULT_REGISTRATION",
    "DEFAULT_SIGMA_HZ",
    "EXPECTED_UTILISATION",
    "METHODS",
    "NON_BM_ABSVD_FROM",
    "PUBLISHED_ENVELOPES",
    "REGISTRATIONS",
    "RESALE_MARKETS",
    "RESPONSE_NOTE",
    "STUDY_DRH_UTILISATION",
    "VALID_RANGE_HZ",
    "Envelope",
    "Registration",
    "ResponseEnergy",
    "ResponseTerms",
    "StoreBounds",
    "absvd_applies",
    "add_response_value",
    "calibrated_sigma_hz",
    "check_efficiency",
    "check_frequency",
    "check_lag",
    "delivery_frac",
    "envelope_of",
    "estimated_utilisation",
    "expected_response_energy",
    "expected_utilisation_histogram",
    "expected_utilisation_normal",
    "model_value_gbp_per_mw",
    "parse_registration",
    "response_cash_gbp",
    "response_energy",
    "response_envelopes",
    "response_net_import_mw_per_mw",
    "response_terms",
    "response_value_by_block",
    "soc_limited_energy",
    "split_response_streams",
    "study_profit_gbp_per_mw",
    "summarise_value",
    "with_drift",
]
