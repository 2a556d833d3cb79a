"""Site lookup: an MPAN, a postcode or both → distributor, licence area, GSP group, tariff.

Rules (issue 3):

* The MPAN is authoritative. Its distributor id names a licence-area DNO (10-23: area and
  GSP group known) or an IDNO (24+: the host area needs the postcode). A postcode that
  points elsewhere adds a warning, never an override.
* A postcode district maps to one GSP group where both district sources agree
  (``match="postcode_district"``); where they disagree the answer is ``ambiguous`` with
  every candidate area listed and no distributor picked.
* The top line decodes to profile class, MTC, the LLFC in force on ``as_of`` and, where
  the charging year's statement lists LLFCs, the DUoS tariff and voltage level.

Speed: results are built from per-district and per-top-line templates computed once and
memoised, so a query costs a few string operations and dict hits (issue 3 budget:
10,000 mixed queries in 50 ms). The engine has no clock: callers pass ``as_of``.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable
from typing import Any

from engine.errors import (
    GbessError,
    InvalidMpanError,
    InvalidPostcodeError,
    UnknownPostcodeError,
    ValidationError,
)
from engine.reference import ReferenceData
from engine.settlement import charging_year_of_date
from engine.site.mpan import compact, parse_mpan, weighted_sum
from engine.site.network import Distributor, LicenceArea
from engine.site.postcode import (
    INWARD_CODES,
    OUTSIDE_GB_AREAS,
    DistrictIndex,
    Postcode,
    parse_postcode,
)
from engine.site.result import (
    BLANK,
    Candidate,
    LookupFailure,
    LookupResult,
    make_result,
)
from engine.site.tables import LookupTables, build_lookup_tables

MAX_QUERY_CHARS = 200
_JSON_KINDS = {bool: "boolean", int: "number", float: "number", list: "array", dict: "object"}


_TOKEN_SPLIT = re.compile(r"[\s,;|/]+")
_FULL_POSTCODE_SHAPE = re.compile(r"[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}")


@functools.lru_cache(maxsize=64)
def _charging_year(as_of: dt.date) -> str:
    return charging_year_of_date(as_of, "as_of")


def lookup_site(query: object, tables: LookupTables, as_of: dt.date) -> LookupResult:
    """Look up one site from an MPAN, a postcode, or both in one string.

    Args:
        query: e.g. ``"SW1A 1AA"``, ``"1200012345678"``,
            ``"S 00 845 001 12 0001 2345 678"``, ``"1200012345678 EC2V 7HH"`` [-].
        tables: Loaded lookup tables (:func:`engine.site.tables.load_lookup_tables`).
        as_of: The UK date the answer is for (LLFC records, DUoS charging year) [-].

    Returns:
        The :class:`LookupResult`.

    Raises:
        ValidationError: For a non-string, empty or unreadable query;
            InvalidMpanError / InvalidPostcodeError for malformed parts (and for
            postcodes outside the GB market); UnknownPostcodeError for a well-formed
            district the table lacks.
    """
    if not isinstance(query, str):
        got = "null" if query is None else f"{_JSON_KINDS.get(type(query), 'value')} {query!r}"
        raise ValidationError(
            f"query must be a string (an MPAN and/or a postcode), got {got}",
            field="query",
        )
    text = query.upper().replace(" ", "")
    if not text.isalnum() or not text.isascii():
        text = compact(query)
        if not text:
            raise ValidationError("empty query: give an MPAN, a postcode or both", field="query")
    if len(text) > MAX_QUERY_CHARS:
        raise ValidationError(
            f"query has {len(text)} characters; at most {MAX_QUERY_CHARS} are read",
            field="query",
        )
    first = text[0]
    if first.isdigit() or (first == "S" and len(text) > 8 and text[1].isdigit()):
        body = text[1:] if first == "S" else text
        if _mpan_shaped(body):
            values = _mpan_values(body, query, tables, as_of)
            values["query"] = query
            values["kind"] = "mpan"
            return make_result(values)
        return _combined(query, tables, as_of)
    if len(text) <= 7:
        values = _postcode_values(text, query, tables)
        values["query"] = query
        values["kind"] = "postcode"
        return make_result(values)
    return _combined(query, tables, as_of)


@functools.lru_cache(maxsize=4)
def load_lookup_tables(ref: ReferenceData) -> LookupTables:
    """The shared lookup tables of one data directory (:func:`prepare_lookup_tables`, cached)."""
    return prepare_lookup_tables(ref)


def prepare_lookup_tables(ref: ReferenceData) -> LookupTables:
    """Build the lookup tables and every district's result template (uncached).

    Filling the per-district templates here means the first 10,000 queries cost no more
    than later ones.
    """
    tables = build_lookup_tables(ref)
    for outward in tables.districts.districts:
        area = outward[:2] if outward[1].isalpha() else outward[:1]
        if area in OUTSIDE_GB_AREAS:
            continue
        tables.postcode_templates[outward] = _postcode_template(parse_postcode(outward), tables)
        if area not in tables.postcode_templates:
            tables.postcode_templates[area] = _postcode_template(parse_postcode(area), tables)
    return tables


def lookup_many(
    queries: Iterable[object], tables: LookupTables, as_of: dt.date
) -> list[LookupResult | LookupFailure]:
    """Look up many queries; a failing query becomes a :class:`LookupFailure` in place.

    Args:
        queries: Query values in order (strings; anything else fails its row) [-].
        tables: Loaded lookup tables.
        as_of: The UK date the answers are for [-].
    """
    out: list[LookupResult | LookupFailure] = []
    for query in queries:
        try:
            out.append(lookup_site(query, tables, as_of))
        except GbessError as exc:
            out.append(LookupFailure(query, exc.type_slug, exc.detail))
    return out


# --- MPAN --------------------------------------------------------------------------------


def _mpan_shaped(body: str) -> bool:
    # 13 ASCII digits, or 2+3 digits, 3 letters/digits and 13 digits (the full MPAN).
    if not body.isascii():
        return False
    if len(body) == 13:
        return body.isdigit()
    return len(body) == 21 and body[:5].isdigit() and body[8:].isdigit() and body[5:8].isalnum()


def _mpan_values(body: str, query: str, tables: LookupTables, as_of: dt.date) -> dict[str, Any]:
    """Result values for an MPAN already known to be :func:`_mpan_shaped` (S removed)."""
    core, top = (body, None) if len(body) == 13 else (body[8:], body[:8])
    if str(weighted_sum(core) % 11 % 10) != core[12]:
        parse_mpan(query)  # raises "check digit expected X, got Y"
    key = (core[:2], top, as_of)
    template = tables.mpan_templates.get(key)
    if template is None:
        template = _mpan_template(core[:2], top, tables, as_of)
        tables.remember(tables.mpan_templates, key, template)
    values = template.copy()
    values["mpan_core"] = core
    return values


def _mpan_template(
    distributor_id: str, top: str | None, tables: LookupTables, as_of: dt.date
) -> dict[str, Any]:
    distributor = tables.network.distributor(distributor_id)
    values = dict(BLANK)
    warnings: list[str] = []
    _set_distributor(values, distributor)
    values["match"] = "mpan"
    if distributor.area is not None:
        _set_area(values, distributor.area)
    else:
        warnings.append(
            f"distributor {distributor_id} ({distributor.distributor_name}) is an "
            f"{'IDNO' if distributor.distributor_type == 'IDNO' else 'asset metering network'}"
            f": its MPAN does not say which licence area hosts the site; add the site "
            f"postcode to the query"
        )
    if distributor.effective_to is not None and as_of > distributor.effective_to:
        warnings.append(
            f"distributor {distributor_id} ceased on {distributor.effective_to.isoformat()}"
        )
    elif as_of < distributor.effective_from:
        warnings.append(
            f"distributor {distributor_id} starts on {distributor.effective_from.isoformat()}"
        )
    if top is not None:
        _decode_top_line(values, warnings, distributor, top, tables, as_of)
    values["warnings"] = tuple(warnings)
    return values


def _decode_top_line(
    values: dict[str, Any],
    warnings: list[str],
    distributor: Distributor,
    top: str,
    tables: LookupTables,
    as_of: dt.date,
) -> None:
    catalogue = tables.topline
    profile_class, mtc, llfc = top[0:2], top[2:5], top[5:8]
    description = catalogue.profile_classes.get(profile_class)
    if description is None:
        raise InvalidMpanError(
            f"profile class {profile_class} (top line characters 1-2) is not 00-08",
            field="profile_class",
        )
    mtc_record = catalogue.mtcs.get(mtc)
    if mtc_record is None:
        raise InvalidMpanError(
            f"meter timeswitch class {mtc} (top line characters 3-5) is not in Market Domain Data",
            field="meter_timeswitch_class",
        )
    values.update(
        profile_class=profile_class,
        profile_class_description=description,
        meter_timeswitch_class=mtc,
        meter_timeswitch_class_description=_mtc_meaning(mtc, mtc_record.description),
        llfc=llfc,
        duos_charging_year=_charging_year(as_of),
    )
    if not mtc_record.effective_on(as_of):
        warnings.append(f"meter timeswitch class {mtc} is not in force on {as_of.isoformat()}")
    if distributor.area is None:
        warnings.append(
            f"LLFC {llfc} is {distributor.distributor_name}'s own; IDNO LLFCs are not in the "
            f"reference data, so it is not decoded"
        )
        return
    record = catalogue.llfc_record(distributor.distributor_id, llfc, as_of)
    if record is None:
        raise InvalidMpanError(
            f"unknown LLFC {llfc}: distributor {distributor.distributor_id} "
            f"({distributor.market_participant_id}) has no such line loss factor class in "
            f"Market Domain Data",
            field="llfc",
        )
    values["llfc_description"] = record.description
    if not record.effective_on(as_of):
        until = record.effective_to.isoformat() if record.effective_to else "open"
        warnings.append(
            f"LLFC {llfc} is not in force on {as_of.isoformat()} (record "
            f"{record.effective_from.isoformat()} to {until})"
        )
    year = values["duos_charging_year"]
    tariffs = catalogue.llfc_duos_tariffs(distributor.distributor_id, llfc, year)
    if tariffs is None and year not in catalogue.charging_years:
        known = sorted(catalogue.charging_years)
        span = f"{known[0]} to {known[-1]}" if known else "no charging year"
        warnings.append(
            f"the DUoS data covers {span}; {year} (the charging year of "
            f"{as_of.isoformat()}) is outside it, so the tariff is not identified"
        )
    elif tariffs is None:
        warnings.append(
            f"the {year} DUoS table has no LLFC lists for distributor "
            f"{distributor.distributor_id} (tariffs taken from IDNO statements), so the "
            f"tariff is not identified; see llfc_description"
        )
    elif not tariffs:
        warnings.append(
            f"LLFC {llfc} is not listed under any LV/HV tariff of distributor "
            f"{distributor.distributor_id} for {year} (EHV, closed or unlisted)"
        )
    elif len({(t.tariff_name, t.voltage_level) for t in tariffs}) == 1:
        values["duos_tariff_name"] = tariffs[0].tariff_name
        values["duos_voltage_level"] = tariffs[0].voltage_level
    else:
        names = "; ".join(f"{t.tariff_name} ({t.listed_as})" for t in tariffs)
        warnings.append(f"LLFC {llfc} is listed under {len(tariffs)} tariffs for {year}: {names}")
        levels = {t.voltage_level for t in tariffs}
        if len(levels) == 1:
            values["duos_voltage_level"] = levels.pop()


def _mtc_meaning(mtc: str, description: str) -> str:
    if description:
        return description
    number = int(mtc)
    if number <= 399:
        return "distributor-specific MTC (001-399); its meaning is per distributor"
    if 510 <= number <= 799:
        return "distributor-specific related-metering-system MTC (510-799)"
    return "no MDD description"


# --- Postcode ----------------------------------------------------------------------------


def _postcode_values(text: str, query: str, tables: LookupTables) -> dict[str, Any]:
    if len(text) >= 5:
        outward, inward = text[:-3], text[-3:]
        template = tables.postcode_templates.get(outward)
        if template is not None and inward in INWARD_CODES:
            values = template.copy()
            values["postcode"] = f"{outward} {inward}"
            return values
    else:
        template = tables.postcode_templates.get(text)
        if template is not None:
            return template.copy()
    postcode = parse_postcode(query)
    key = postcode.outward_code or postcode.area
    template = tables.postcode_templates.get(key)
    if template is None:
        template = _postcode_template(postcode, tables)
        tables.remember(tables.postcode_templates, key, template)
    values = template.copy()
    values["postcode"] = postcode.text
    return values


def _postcode_template(postcode: Postcode, tables: LookupTables) -> dict[str, Any]:
    values = dict(BLANK)
    values["postcode"] = postcode.outward_code or postcode.area
    warnings: list[str] = []
    if postcode.outward_code is None:
        groups = tables.districts.area_groups(postcode)
        if len(groups) > 1:
            warnings.append(
                f"postcode area {postcode.area} spans {len(groups)} GSP groups; give an "
                f"outward code or full postcode"
            )
        else:
            warnings.append(f"every district of postcode area {postcode.area} is in one area")
    else:
        district = tables.districts.district(postcode)
        groups = district.gsp_group_ids
        if district.outward_code != postcode.outward_code:
            warnings.append(
                f"district {postcode.outward_code} is not in the table; answered for "
                f"{district.outward_code}"
            )
        if district.status in ("source_a_only", "source_b_only"):
            warnings.append(f"only one of the two district sources lists {district.outward_code}")
        if len(groups) > 1:
            warnings.append(
                f"the two district sources disagree on {district.outward_code} (a licence-"
                f"area border); a licence-area DNO's MPAN would settle it"
            )
    if len(groups) == 1:
        area = tables.network.area(groups[0])
        _set_distributor(values, tables.network.distributor(area.distributor_id))
        _set_area(values, area)
        values["match"] = "postcode_district"
    else:
        values["match"] = "ambiguous"
        values["candidates"] = tuple(_candidate(tables, gsp) for gsp in groups)
    values["warnings"] = tuple(warnings)
    return values


def _candidate(tables: LookupTables, gsp_group_id: str) -> Candidate:
    area = tables.network.area(gsp_group_id)
    dno = tables.network.distributor(area.distributor_id)
    return Candidate(
        gsp_group_id=area.gsp_group_id,
        gsp_group_name=area.gsp_group_name,
        licence_area=area.licence_area,
        distributor_id=dno.distributor_id,
        distributor_name=dno.distributor_name,
        operator_group=area.operator_group,
    )


def _set_distributor(values: dict[str, Any], distributor: Distributor) -> None:
    values["distributor_id"] = distributor.distributor_id
    values["distributor_name"] = distributor.distributor_name
    values["distributor_type"] = distributor.distributor_type
    values["market_participant_id"] = distributor.market_participant_id


def _set_area(values: dict[str, Any], area: LicenceArea) -> None:
    values["licence_area"] = area.licence_area
    values["gsp_group_id"] = area.gsp_group_id
    values["gsp_group_name"] = area.gsp_group_name
    values["operator_group"] = area.operator_group


# --- MPAN and postcode together ----------------------------------------------------------


def _split(query: str, districts: DistrictIndex) -> tuple[str, str] | None:
    """(MPAN text, postcode text) when the query is an MPAN with a postcode before or after.

    A postcode counts only if its district is in the table (so that MPAN groups such as
    "S 01" are never read as Sheffield) or it has the full postcode shape.
    """
    tokens = [t for t in _TOKEN_SPLIT.split(query.strip().upper()) if t]
    for known_only in (True, False):
        for size in (2, 1):
            if len(tokens) <= size:
                continue
            for pc, rest in ((tokens[-size:], tokens[:-size]), (tokens[:size], tokens[size:])):
                pc_text = "".join(pc)
                body = compact("".join(rest))
                body = body[1:] if body.startswith("S") else body
                if not _mpan_shaped(body):
                    continue
                if known_only:
                    outward = pc_text[:-3] if len(pc_text) >= 5 else pc_text
                    if outward in districts.districts or outward[:-1] in districts.districts:
                        return " ".join(rest), " ".join(pc)
                elif _FULL_POSTCODE_SHAPE.fullmatch(pc_text):
                    return " ".join(rest), " ".join(pc)
    return None


def _combined(query: str, tables: LookupTables, as_of: dt.date) -> LookupResult:
    parts = _split(query, tables.districts)
    if parts is None:
        body = compact(query)
        if body[:1].isdigit() or (body[:1] == "S" and body[1:2].isdigit()):
            parse_mpan(query)  # raises the precise MPAN error
        else:
            parse_postcode(query)  # raises the precise postcode error
        raise ValidationError(
            f"could not read {query.strip()!r} as an MPAN, a postcode, or an MPAN with a "
            f"postcode before or after it",
            field="query",
        )
    mpan_text, postcode_text = parts
    body = compact(mpan_text)
    values = _mpan_values(body[1:] if body.startswith("S") else body, mpan_text, tables, as_of)
    values["query"] = query
    values["kind"] = "mpan+postcode"
    warnings = list(values["warnings"])
    try:
        district = _postcode_values(compact(postcode_text), postcode_text, tables)
    except (UnknownPostcodeError, InvalidPostcodeError) as exc:
        # The MPAN is authoritative (issue 3): a postcode that cannot be used — a district
        # the table lacks, or one outside the GB market — is a warning, not a failed row.
        unknown = isinstance(exc, UnknownPostcodeError)
        values["postcode"] = parse_postcode(postcode_text).text if unknown else None
        warnings.append(f"postcode not used: {exc.detail}")
        values["warnings"] = tuple(warnings)
        return make_result(values)
    values["postcode"] = district["postcode"]
    if values["gsp_group_id"] is None:
        # IDNO or asset metering network: the host area can only come from the postcode.
        for name in ("licence_area", "gsp_group_id", "gsp_group_name", "operator_group"):
            values[name] = district[name]
        values["match"] = district["match"]
        values["candidates"] = district["candidates"]
        warnings = [w for w in warnings if "add the site postcode" not in w]
        warnings.append(
            f"host licence area from the postcode district of {district['postcode']}, not "
            f"from the MPAN"
        )
        warnings.extend(district["warnings"])
    else:
        groups = [c.gsp_group_id for c in district["candidates"]] or [district["gsp_group_id"]]
        if values["gsp_group_id"] not in groups:
            warnings.append(
                f"postcode {district['postcode']} points to {' or '.join(groups)}, but the "
                f"MPAN's distributor {values['distributor_id']} is {values['gsp_group_id']} "
                f"({values['licence_area']}); the MPAN is authoritative"
            )
    values["warnings"] = tuple(warnings)
    return make_result(values)
