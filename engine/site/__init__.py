"""A site on the network: MPAN and postcode parsing, distributors and licence areas, the
MPAN top line, and the lookup that turns a postcode or MPAN into operator, GSP group and tariff.
"""

from engine.site.lookup import (
    MAX_QUERY_CHARS,
    load_lookup_tables,
    lookup_many,
    lookup_site,
    prepare_lookup_tables,
)
from engine.site.mpan import Mpan, check_digit, normalise_llfc, parse_mpan
from engine.site.network import Distributor, LicenceArea, NetworkRegistry
from engine.site.postcode import Postcode, parse_postcode
from engine.site.result import FIELD_NAMES, Candidate, LookupFailure, LookupResult
from engine.site.tables import LookupTables
from engine.site.topline import expand_llfc_list

__all__ = [
    "FIELD_NAMES",
    "MAX_QUERY_CHARS",
    "Candidate",
    "Distributor",
    "LicenceArea",
    "LookupFailure",
    "LookupResult",
    "LookupTables",
    "Mpan",
    "NetworkRegistry",
    "Postcode",
    "check_digit",
    "expand_llfc_list",
    "load_lookup_tables",
    "lookup_many",
    "lookup_site",
    "normalise_llfc",
    "parse_mpan",
    "parse_postcode",
    "prepare_lookup_tables",
]
