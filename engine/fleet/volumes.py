"""Accepted bid and offer volumes from BOALF against the physical notification (BSC Section T).

The rule implemented (BSC Section T, "Determination of Period BM Unit Offer Cashflow and Period
BM Unit Bid Cashflow", and the Elexon glossary's *Period Accepted Offer Volume*, "the volume of
Offer n, accepted in respect of BM Unit i, in Settlement Period j as a result of Acceptance k,
established in accordance with Section T3.8.1"):

* An acceptance carries MW **levels**, never a price (BOALF: Bid-Offer Acceptance Level Flagged).
* At each instant the level in force is that of the **latest acceptance** whose profile covers
  the instant; before and after every acceptance it is the Final Physical Notification (FPN,
  here the PN), BSC T3 "Establishment of Final Physical Notification".
* Acceptance k's own volume at an instant is its level minus the level it superseded (the
  previous acceptance in force, or FPN): successive acceptances are increments, so a later
  acceptance supersedes an earlier one from its first instant and the increments telescope to
  (level in force − FPN).
* The volume of a settlement period is the time integral of those MW over the period
  [MWh]. Where acceptance k raises the level it superseded the volume is offer volume (≥ 0);
  where it lowers it, bid volume (≤ 0, signed as Elexon publishes it) — instant by instant,
  whatever side of FPN the level is on (BSC T3.7: within each bid-offer pair's band an
  increase is accepted offer volume, a decrease accepted bid volume). Their sum, the net
  volume, is the integral of (level in force − FPN).
* Flags are kept apart as published: deemed bid-offer (``deemed_bo_flag``), system-operator
  (``so_flag``) and STOR (``stor_flag``) acceptances are reported in :attr:`by_flag`; the BSC
  treats SO-flagged and CADL-flagged actions differently in system pricing, not in the unit's
  volumes or cashflows.

Profiles are piecewise linear, so every integral is exact (see :mod:`engine.fleet.profiles`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from engine.errors import ValidationError
from engine.fleet.chunks import chunked
from engine.fleet.profiles import (
    UNIT_KEY_S,
    FloatArray,
    IntArray,
    Pieces,
    Segments,
    Timeline,
    explode,
    positive_part_mwh,
    segments,
    timeline,
)

FLAGS = ("deemed_bo_flag", "so_flag", "stor_flag")
BOALF_COLUMNS = (
    "elexon_bm_unit",
    "acceptance_number",
    "time_from",
    "time_to",
    "level_from_mw",
    "level_to_mw",
)
PN_COLUMNS = ("elexon_bm_unit", "time_from", "time_to", "level_from_mw", "level_to_mw")
LEVEL_TOLERANCE_MW = 1e-6
PERIOD_KEYS = ["elexon_bm_unit", "settlement_date", "settlement_period", "interval_start"]


def require_columns(frame: pd.DataFrame, columns: tuple[str, ...], name: str) -> None:
    """Raise naming the dataset and the first missing column."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValidationError(
            f"{name}: missing column(s) {', '.join(missing)}", field=f"{name}.{missing[0]}"
        )


def _hhmm(key: int) -> str:
    return pd.Timestamp(int(key % UNIT_KEY_S), unit="s", tz="UTC").strftime("%Y-%m-%dT%H:%MZ")


def where(line: Timeline, interval: int) -> str:
    """'settlement date D period P (from HH:MM)' of an elementary interval, for messages."""
    return (
        f"settlement date {line.settlement_date[interval].date().isoformat()} period "
        f"{int(line.settlement_period[interval])} (at {_hhmm(int(line.start[interval]))})"
    )


def check_segment_order(part: Segments, units: pd.Index, name: str) -> None:
    """Every segment must end after it starts (zero-length steps are allowed)."""
    bad = np.flatnonzero(part.end < part.start)
    if bad.size:
        i = int(bad[0])
        raise ValidationError(
            f"{name} for {units[part.unit[i]]}: row {part.row[i]} ends at "
            f"{_hhmm(int(part.end[i]))}, before it starts at {_hhmm(int(part.start[i]))}",
            field=f"{name}.time_to",
        )


def single_valued(
    pieces: Pieces,
    owner: IntArray,
    part: Segments,
    line: Timeline,
    units: pd.Index,
    what: Callable[[int], str],
) -> IntArray:
    """Keep one piece per (owner, interval); overlapping rows must agree, else raise.

    Args:
        pieces: Exploded segments.
        owner: Identity of each piece's profile (an acceptance, or a unit's PN).
        part: The source segments (for row labels).
        line: The timeline (for the period named in messages).
        units: Unit names.
        what: Label of a segment's profile for messages (``boalf acceptance 58001``…).

    Returns:
        Indices of the pieces kept.
    """
    order = np.lexsort((pieces.interval, owner))
    same = (owner[order][1:] == owner[order][:-1]) & (
        pieces.interval[order][1:] == pieces.interval[order][:-1]
    )
    if same.any():
        a, b = order[:-1][same], order[1:][same]
        differs = (
            np.abs(pieces.level_start_mw[a] - pieces.level_start_mw[b]) > LEVEL_TOLERANCE_MW
        ) | (np.abs(pieces.level_end_mw[a] - pieces.level_end_mw[b]) > LEVEL_TOLERANCE_MW)
        if differs.any():
            i, j = int(a[differs][0]), int(b[differs][0])
            seg_i, seg_j = int(pieces.segment[i]), int(pieces.segment[j])
            interval = int(pieces.interval[i])
            raise ValidationError(
                f"{what(seg_i)} for {units[part.unit[seg_i]]}: rows {part.row[seg_i]} and "
                f"{part.row[seg_j]} overlap inconsistently in {where(line, interval)}: "
                f"{pieces.level_start_mw[i]:g}→{pieces.level_end_mw[i]:g} MW against "
                f"{pieces.level_start_mw[j]:g}→{pieces.level_end_mw[j]:g} MW",
                field=f"{what(seg_i).split()[0]}.level_from_mw",
            )
    keep = np.ones(order.size, dtype=bool)
    keep[1:] = ~same
    out: IntArray = np.sort(order[keep])
    return out


@dataclass(frozen=True)
class AcceptanceRows:
    """Each acceptance in force on each elementary interval, with the level it superseded.

    Levels are deviations from PN [MW], at the interval's start and end.
    """

    line: Timeline
    units: pd.Index
    interval: IntArray
    acceptance: IntArray  # index into ``meta``
    x_start: FloatArray
    x_end: FloatArray
    previous_start: FloatArray
    previous_end: FloatArray
    meta: pd.DataFrame  # one row per (unit, acceptance_number): flags
    no_pn: np.ndarray  # bool per interval: an acceptance is in force but there is no PN
    has_pn: np.ndarray  # bool per interval


def acceptance_rows(
    acceptances: pd.DataFrame,
    notifications: pd.DataFrame,
    extra: tuple[pd.DataFrame, ...] = (),
) -> AcceptanceRows:
    """Cut BOALF and PN onto one timeline and chain successive acceptances.

    Args:
        acceptances: BOALF rows (``bid_offer_acceptances`` columns).
        notifications: PN rows (``physical_notifications`` columns).
        extra: Other segment frames whose boundaries must be breakpoints (BOD).

    Raises:
        ValidationError: A missing column, a segment ending before it starts, or rows of one
            acceptance (or of one unit's PN) overlapping with different levels — naming the
            unit, the acceptance, the settlement period and the rows.
    """
    require_columns(acceptances, BOALF_COLUMNS, "boalf")
    require_columns(notifications, PN_COLUMNS, "pn")
    names = pd.concat(
        [acceptances["elexon_bm_unit"], notifications["elexon_bm_unit"]]
        + [f["elexon_bm_unit"] for f in extra]
    )
    units = pd.Index(sorted(names.dropna().astype(str).unique()))
    acc = segments(acceptances, units)
    pn = segments(notifications, units)
    check_segment_order(acc, units, "boalf")
    check_segment_order(pn, units, "pn")
    line = timeline(acc, pn, *(segments(f, units) for f in extra))

    meta_columns = ["elexon_bm_unit", "acceptance_number", *[f for f in FLAGS if f in acceptances]]
    meta = (
        acceptances[meta_columns]
        .drop_duplicates(["elexon_bm_unit", "acceptance_number"])
        .sort_values(["elexon_bm_unit", "acceptance_number"])
        .reset_index(drop=True)
    )
    for flag in FLAGS:
        if flag not in meta:
            meta[flag] = pd.NA
    meta_index = pd.MultiIndex.from_frame(meta[["elexon_bm_unit", "acceptance_number"]])
    known = units.get_indexer(pd.Index(acceptances["elexon_bm_unit"])) >= 0
    acc_id = meta_index.get_indexer(
        pd.MultiIndex.from_arrays(
            [acceptances["elexon_bm_unit"].to_numpy(), acceptances["acceptance_number"].to_numpy()]
        )
    ).astype(np.int64)[known]
    numbers = meta["acceptance_number"].to_numpy(dtype=np.int64)

    def acc_label(segment: int) -> str:
        return f"boalf acceptance {numbers[acc_id[segment]]}"

    def pn_label(segment: int) -> str:
        return "pn"

    acc_pieces = explode(acc, line)
    kept = single_valued(acc_pieces, acc_id[acc_pieces.segment], acc, line, units, acc_label)
    pn_pieces = explode(pn, line)
    pn_kept = single_valued(pn_pieces, pn.unit[pn_pieces.segment], pn, line, units, pn_label)

    n = line.start.size
    has_pn = np.zeros(n, dtype=bool)
    pn_start = np.zeros(n)
    pn_end = np.zeros(n)
    has_pn[pn_pieces.interval[pn_kept]] = True
    pn_start[pn_pieces.interval[pn_kept]] = pn_pieces.level_start_mw[pn_kept]
    pn_end[pn_pieces.interval[pn_kept]] = pn_pieces.level_end_mw[pn_kept]

    interval = acc_pieces.interval[kept]
    acceptance = acc_id[acc_pieces.segment[kept]]
    order = np.lexsort((numbers[acceptance], interval))
    interval, acceptance = interval[order], acceptance[order]
    x_start = acc_pieces.level_start_mw[kept][order] - pn_start[interval]
    x_end = acc_pieces.level_end_mw[kept][order] - pn_end[interval]
    chained = np.zeros(interval.size, dtype=bool)
    chained[1:] = interval[1:] == interval[:-1]
    previous_start = np.where(chained, np.roll(x_start, 1), 0.0)
    previous_end = np.where(chained, np.roll(x_end, 1), 0.0)
    no_pn = np.zeros(n, dtype=bool)
    no_pn[interval[~has_pn[interval]]] = True
    return AcceptanceRows(
        line, units, interval, acceptance, x_start, x_end, previous_start, previous_end, meta,
        no_pn, has_pn,
    )  # fmt: skip


def missing_periods(rows: AcceptanceRows) -> pd.DataFrame:
    """Unit-periods whose volume cannot be computed: an acceptance in force with no PN."""
    line = rows.line
    gaps = np.flatnonzero(rows.no_pn)
    frame = pd.DataFrame(
        {
            "elexon_bm_unit": rows.units[line.unit[gaps]],
            "settlement_date": line.settlement_date[gaps],
            "settlement_period": line.settlement_period[gaps],
            "interval_start": line.interval_start[gaps],
            "gap_from": [_hhmm(int(k)) for k in line.start[gaps]],
            "gap_to": [_hhmm(int(k)) for k in line.end[gaps]],
        }
    )
    grouped = frame.groupby(PERIOD_KEYS, as_index=False).agg(
        gap_from=("gap_from", "min"), gap_to=("gap_to", "max")
    )
    grouped["missing_reason"] = (
        "no physical notification (PN) for "
        + grouped["elexon_bm_unit"]
        + " from "
        + grouped["gap_from"]
        + " to "
        + grouped["gap_to"]
        + " while an acceptance is in force"
    )
    return grouped.drop(columns=["gap_from", "gap_to"])


@dataclass(frozen=True)
class AcceptedVolumes:
    """Accepted volumes per acceptance, per settlement period and per flag combination.

    Attributes:
        by_acceptance: ``elexon_bm_unit, settlement_date, settlement_period, interval_start,
            acceptance_number, deemed_bo_flag, so_flag, stor_flag, offer_volume_mwh,
            bid_volume_mwh`` (bid volumes ≤ 0 as Elexon publishes them).
        by_period: Per unit and period with PN or an acceptance: ``offer_volume_mwh``,
            ``bid_volume_mwh``, ``net_volume_mwh`` and ``missing_reason`` (volumes NaN when
            set: the period cannot be computed, never 0).
        by_flag: ``by_acceptance`` summed per unit, period and flag combination.
        warnings: Sentences about data that was absent.
    """

    by_acceptance: pd.DataFrame
    by_period: pd.DataFrame
    by_flag: pd.DataFrame
    warnings: tuple[str, ...]


def accepted_volumes(acceptances: pd.DataFrame, notifications: pd.DataFrame) -> AcceptedVolumes:
    """Accepted offer and bid volumes of every BM unit and settlement period.

    Spans longer than two days are processed a UTC day at a time (:mod:`engine.fleet.chunks`).

    Args:
        acceptances: BOALF rows in warehouse columns (``time_from``/``time_to`` UTC,
            ``level_from_mw``/``level_to_mw`` [MW], ``acceptance_number``, flags).
        notifications: PN rows in warehouse columns.

    Returns:
        :class:`AcceptedVolumes`.

    Raises:
        ValidationError: Inconsistent overlapping rows (naming unit, acceptance, period, rows).
    """
    require_columns(acceptances, BOALF_COLUMNS, "boalf")
    require_columns(notifications, PN_COLUMNS, "pn")

    def compute(acc: pd.DataFrame, pn: pd.DataFrame) -> tuple[list[pd.DataFrame], tuple[str, ...]]:
        result = _accepted_volumes(acc, pn)
        return [result.by_acceptance, result.by_period, result.by_flag], result.warnings

    (by_acceptance, by_period, by_flag), warnings = chunked((acceptances, notifications), compute)
    return AcceptedVolumes(by_acceptance, by_period, by_flag, warnings)


def _accepted_volumes(acceptances: pd.DataFrame, notifications: pd.DataFrame) -> AcceptedVolumes:
    rows = acceptance_rows(acceptances, notifications)
    line = rows.line
    d = line.duration_h[rows.interval]
    # Acceptance k moves the level from the one it superseded (g = x_k − x_{k−1}): increases
    # are offer volume, decreases bid volume, instant by instant (BSC T3.7 splits by direction).
    g_start = rows.x_start - rows.previous_start
    g_end = rows.x_end - rows.previous_end
    up = positive_part_mwh(g_start, g_end, d)
    net = d * (g_start + g_end) / 2.0
    valid = ~rows.no_pn[rows.interval]
    i = rows.interval[valid]
    meta = rows.meta.iloc[rows.acceptance[valid]].reset_index(drop=True)
    pieces = pd.DataFrame(
        {
            "elexon_bm_unit": meta["elexon_bm_unit"].to_numpy(),
            "settlement_date": line.settlement_date[i],
            "settlement_period": line.settlement_period[i],
            "interval_start": line.interval_start[i],
            "acceptance_number": meta["acceptance_number"].to_numpy(),
            "offer_volume_mwh": up[valid],
            "bid_volume_mwh": (net - up)[valid],
        }
    )
    for flag in FLAGS:
        pieces[flag] = meta[flag].to_numpy()
    keys = [*PERIOD_KEYS, "acceptance_number"]
    by_acceptance = (
        pieces.groupby(keys, as_index=False, dropna=False)
        .agg(
            deemed_bo_flag=("deemed_bo_flag", "first"),
            so_flag=("so_flag", "first"),
            stor_flag=("stor_flag", "first"),
            offer_volume_mwh=("offer_volume_mwh", "sum"),
            bid_volume_mwh=("bid_volume_mwh", "sum"),
        )
        .sort_values(keys)
        .reset_index(drop=True)
    )
    by_flag = (
        by_acceptance.groupby([*PERIOD_KEYS, *FLAGS], as_index=False, dropna=False)[
            ["offer_volume_mwh", "bid_volume_mwh"]
        ]
        .sum()
        .reset_index(drop=True)
    )
    covered = np.flatnonzero(rows.has_pn | rows.no_pn)
    periods = pd.DataFrame(
        {
            "elexon_bm_unit": rows.units[line.unit[covered]],
            "settlement_date": line.settlement_date[covered],
            "settlement_period": line.settlement_period[covered],
            "interval_start": line.interval_start[covered],
        }
    ).drop_duplicates()
    totals = by_acceptance.groupby(PERIOD_KEYS, as_index=False)[
        ["offer_volume_mwh", "bid_volume_mwh"]
    ].sum()
    by_period = periods.merge(totals, on=PERIOD_KEYS, how="left")
    by_period[["offer_volume_mwh", "bid_volume_mwh"]] = by_period[
        ["offer_volume_mwh", "bid_volume_mwh"]
    ].fillna(0.0)
    missing = missing_periods(rows)
    by_period = by_period.merge(missing, on=PERIOD_KEYS, how="left")
    absent = by_period["missing_reason"].notna()
    by_period.loc[absent, ["offer_volume_mwh", "bid_volume_mwh"]] = np.nan
    by_period["net_volume_mwh"] = by_period["offer_volume_mwh"] + by_period["bid_volume_mwh"]
    by_period = by_period.sort_values(PERIOD_KEYS).reset_index(drop=True)
    by_period = by_period[[*PERIOD_KEYS, "offer_volume_mwh", "bid_volume_mwh", "net_volume_mwh",
                           "missing_reason"]]  # fmt: skip
    return AcceptedVolumes(
        by_acceptance, by_period, by_flag, tuple(missing["missing_reason"].drop_duplicates())
    )
