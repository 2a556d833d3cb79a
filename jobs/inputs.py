"""Request pieces shared by the use cases: a DUoS tariff choice and a half-hourly profile.

The CLI (``jobs/cli``) and the HTTP API (``server``) build the same request dataclasses
(``jobs.lookup.LookupRequest``, ``jobs.duos.DuosCostRequest``, ``jobs.btm.BtmRequest`` ...).
Both edges name their inputs after the request's fields (an argparse ``dest``, a pydantic
attribute whose alias keeps the public key), so :func:`request_from` is the one
translation for either edge.

Errors name the caller's field in the caller's words. The engine names its own fields
(``import_capacity_kva``, ``round_trip_efficiency_frac`` ...); a use case renames them into
its request's fields with :func:`fields_named`, and each edge renames those into its own
words the same way: the HTTP key (a pydantic alias, ``server.validation.caller_fields``) or
the CLI flag (:func:`flag_names`). One message serves both edges because it is written in
the request's field names and each edge swaps in its own.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import functools
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import pandas as pd

from engine.errors import GbessError, ValidationError
from engine.series import row_starts_ns

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

R = TypeVar("R", bound="DataclassInstance")

#: A column's cells as given: JSON numbers, or a file's cells not yet checked (the engine
#: names any row that is missing, negative or not a number).
Cells = tuple[float | str, ...]
#: Start times as given: ISO 8601 text with a UTC offset, or tz-aware datetimes.
Stamps = tuple[str | dt.datetime, ...]


def request_from(request_type: type[R], source: object, **given: Any) -> R:
    """A request built from the attributes of ``source`` named like its fields.

    Args:
        request_type: The request dataclass.
        source: Parsed CLI flags (``argparse.Namespace``) or a validated HTTP body.
        **given: Fields the edge reads or converts itself (a profile file, a parsed list);
            these win over ``source``.

    Raises:
        TypeError: If a field is neither an attribute of ``source`` nor given (a wiring
            mistake at the edge, not a user error).
    """
    values: dict[str, Any] = {}
    for item in dataclasses.fields(request_type):
        if item.name in given:
            continue
        try:
            values[item.name] = getattr(source, item.name)
        except AttributeError:
            raise TypeError(
                f"{type(source).__name__} has no {item.name!r} for {request_type.__name__}"
            ) from None
    return request_type(**values, **given)


def rename_field(error: GbessError, names: Mapping[str, str]) -> None:
    """Rewrite ``error`` (in place) into the words of ``names`` (field → caller's name).

    The error's ``field`` is renamed, and so is its head when dotted (``load.import_kwh``
    with ``load`` → ``--load`` gives ``--load column import_kwh``). In ``detail``, a leading
    ``<field>:`` is renamed, and so is every other whole-word mention of a renamed name that
    holds an underscore (an identifier such as ``latitude_deg``; a plain word such as
    ``load`` is left alone in prose).
    """
    if not names:
        return
    field = renamed = error.field
    if field is not None:
        head, dot, rest = field.partition(".")
        if head in names:
            # A flag's column reads "--load column import_kwh"; a key's "load.import_kwh".
            joint = " column " if dot and names[head].startswith("--") else dot
            renamed = error.field = names[head] + joint + rest
    detail = error.detail
    start = 0
    if field is not None and renamed is not None and detail.startswith(f"{field}:"):
        detail = f"{renamed}:{detail[len(field) + 1 :]}"
        start = len(renamed) + 1
    words = sorted((n for n in names if "_" in n and names[n] != n), key=len, reverse=True)
    if words:
        pattern = re.compile(r"(?<![\w.-])(" + "|".join(map(re.escape, words)) + r")(?![\w-])")
        detail = detail[:start] + pattern.sub(lambda m: names[m.group(1)], detail[start:])
    if detail != error.detail:
        error.detail = detail
        error.args = (detail,)


@contextmanager
def fields_named(names: Mapping[str, str]) -> Iterator[None]:
    """Inside the block, a :class:`GbessError` is re-raised in the words of ``names``.

    Args:
        names: A field name as raised → the name the caller knows it by (engine → request
            field in a use case; request field → HTTP key or CLI flag at an edge).
    """
    try:
        yield
    except GbessError as error:
        rename_field(error, names)
        raise


def flag_names(parser: argparse.ArgumentParser) -> dict[str, str]:
    """Each request field a CLI parser fills (an argument's ``dest``) → its flag, e.g.
    ``latitude_deg`` → ``--lat``, for :func:`fields_named` at the CLI edge."""
    names: dict[str, str] = {}
    for action in parser._actions:  # argparse has no public accessor for its arguments
        flags = [f for f in action.option_strings if f.startswith("--")]
        if flags and action.dest not in ("help", "json"):
            names[action.dest] = flags[0]
    return names


def named_by_flags(
    handler: Callable[[argparse.Namespace, Any], int],
    parser: argparse.ArgumentParser,
    **extra: str,
) -> Callable[[argparse.Namespace, Any], int]:
    """A CLI handler whose errors name the flags of ``parser`` (and ``extra`` names: a
    request field → the flag that fills it when no argument's ``dest`` is that field)."""
    names = flag_names(parser) | extra

    @functools.wraps(handler)
    def named(args: argparse.Namespace, settings: Any) -> int:
        with fields_named(names):
            return handler(args, settings)

    return named


@dataclass(frozen=True, kw_only=True)
class TariffChoice:
    """Where and which: a licence area and one way of naming its DUoS tariff.

    Attributes:
        distributor: Distributor id 10-23, GSP group (``_A``-``_P``), or a site lookup
            result (:class:`engine.site.LookupResult` or its JSON object).
        tariff: Tariff name, any case or either year's wording.
        llfc: Line loss factor class, instead of ``tariff``.
    """

    distributor: object
    tariff: str | None = None
    llfc: str | None = None


@dataclass(frozen=True, kw_only=True)
class HalfHourlyProfile:
    """A site's half-hours as parallel columns, one entry per half-hour, in any order.

    Time is ``interval_start`` or ``settlement_date`` + ``settlement_period`` (both may
    be given; they must agree). Each quantity is given as energy per half-hour or as its
    average power, not both. The cells are checked where the profile is read
    (:func:`engine.duos.half_hourly_profile`: gaps, duplicates, signs, numbers); here only
    that the columns line up.

    Attributes:
        interval_start: Start of each half-hour (ISO 8601 with a UTC offset).
        settlement_date: UK settlement date, ``YYYY-MM-DD``.
        settlement_period: Settlement period of the day, 1-50.
        import_kwh: Import [kWh per half-hour]; or ``import_kw``, its average [kW].
        export_kwh: Export [kWh per half-hour]; or ``export_kw`` [kW].
        reactive_kvarh: Reactive energy [kVArh]; or ``reactive_kvar`` [kVAr].
        reactive_import_kvarh: Reactive import [kVArh] (with ``reactive_export_kvarh``,
            the larger counts); or ``reactive_import_kvar`` [kVAr].
        reactive_export_kvarh: Reactive export [kVArh]; or ``reactive_export_kvar`` [kVAr].
        max_demand_kva: Maximum demand in the half-hour [kVA].

    Raises:
        ValidationError: If the columns differ in length (field ``profile``).
    """

    interval_start: Stamps | None = None
    settlement_date: Cells | None = None
    settlement_period: Cells | None = None
    import_kwh: Cells | None = None
    import_kw: Cells | None = None
    export_kwh: Cells | None = None
    export_kw: Cells | None = None
    reactive_kvarh: Cells | None = None
    reactive_kvar: Cells | None = None
    reactive_import_kvarh: Cells | None = None
    reactive_import_kvar: Cells | None = None
    reactive_export_kvarh: Cells | None = None
    reactive_export_kvar: Cells | None = None
    max_demand_kva: Cells | None = None

    def __post_init__(self) -> None:
        lengths: dict[str, int] = {}
        for name, values in self._given():
            if not isinstance(values, tuple):  # a list from JSON: frozen means a tuple
                object.__setattr__(self, name, tuple(values))
            lengths[name] = len(values)
        if len(set(lengths.values())) > 1:
            raise ValidationError(
                "profile: arrays differ in length ("
                + ", ".join(f"{name} {n}" for name, n in lengths.items())
                + ")",
                field="profile",
            )

    def _given(self) -> Iterable[tuple[str, Any]]:
        for item in dataclasses.fields(self):
            values = getattr(self, item.name)
            if values is not None:
                yield item.name, values

    def columns(self) -> list[str]:
        """The names of the given columns."""
        return [name for name, _ in self._given()]

    def frame(self) -> pd.DataFrame:
        """The given columns as a frame (what :func:`engine.duos.half_hourly_profile` reads)."""
        return pd.DataFrame(dict(self._given()))

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> HalfHourlyProfile:
        """The profile columns of ``frame`` (other columns are not profile data: left out).

        Raises:
            ValidationError: If ``frame`` has rows but no time columns, naming the columns
                it has (once left out, they could no longer be named).
        """
        names = [item.name for item in dataclasses.fields(cls) if item.name in frame.columns]
        timed = "interval_start" in names or {"settlement_date", "settlement_period"} <= set(names)
        if not timed and not frame.empty:
            row_starts_ns(frame)  # raises the engine's error, listing the columns found
        return cls(**{name: tuple(frame[name].tolist()) for name in names})


def read_csv(path: Path, field_name: str) -> pd.DataFrame:
    """A CSV file as a raw frame (``interval_start`` and ``settlement_date`` kept as text).

    Raises:
        ValidationError: Naming ``field_name`` if the file is missing, cannot be read
            (a directory, no permission) or is not a readable CSV.
    """
    try:
        return pd.read_csv(path, dtype={"interval_start": str, "settlement_date": str})
    except FileNotFoundError:
        raise ValidationError(f"{field_name}: no such file {path}", field=field_name) from None
    except OSError as exc:  # a directory, no permission
        raise ValidationError(
            f"{field_name}: cannot read {path} ({exc.strerror})", field=field_name
        ) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise ValidationError(
            f"{field_name}: {path} is not a readable CSV ({exc})", field=field_name
        ) from None


def read_profile_csv(path: Path, field_name: str = "profile") -> HalfHourlyProfile:
    """A profile CSV (columns as :class:`HalfHourlyProfile` names them).

    Raises:
        ValidationError: If the file cannot be read as CSV (see :func:`read_csv`).
    """
    return HalfHourlyProfile.from_frame(read_csv(path, field_name))
