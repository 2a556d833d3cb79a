"""A read-only file system under one directory, for tests of a read-only ``GBESS_VAR_DIR``.

``chmod`` does not stop root (CI and containers often run as root), so the writes a
read-only mount refuses are refused here at the calls gbess makes: ``os.open``/``open``
for writing, ``os.mkdir`` and a read-write ``duckdb.connect`` under the directory fail
with ``EROFS`` ("Read-only file system"), exactly the error the kernel gives.
"""

from __future__ import annotations

import builtins
import errno
import io
import os
from pathlib import Path
from typing import Any

import duckdb
import pytest

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND


def _erofs(path: object) -> OSError:
    return OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))


def make_read_only(monkeypatch: pytest.MonkeyPatch, root: Path) -> None:
    """From now on (until the test ends) nothing under ``root`` can be written."""
    root = root.resolve()
    real_os_open, real_mkdir = os.open, os.mkdir
    real_open, real_connect = builtins.open, duckdb.connect

    def under(path: Any) -> bool:
        if isinstance(path, int) or not isinstance(path, str | os.PathLike):
            return False
        return Path(os.path.abspath(os.fspath(path))).is_relative_to(root)

    def os_open(path: Any, flags: int, mode: int = 0o777, *, dir_fd: int | None = None) -> int:
        if under(path) and flags & _WRITE_FLAGS:
            raise _erofs(path)
        return real_os_open(path, flags, mode, dir_fd=dir_fd)

    def mkdir(path: Any, mode: int = 0o777, *, dir_fd: int | None = None) -> None:
        if under(path):
            if os.path.exists(path):
                raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(path))
            raise _erofs(path)
        real_mkdir(path, mode, dir_fd=dir_fd)

    def open_(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if under(file) and any(flag in mode for flag in "wax+"):
            raise _erofs(file)
        return real_open(file, mode, *args, **kwargs)

    def connect(database: Any = ":memory:", read_only: bool = False, **kwargs: Any) -> Any:
        if not read_only and under(database):
            raise duckdb.IOException(
                f'IO Error: Cannot open file "{database}": Read-only file system'
            )
        return real_connect(database, read_only=read_only, **kwargs)

    monkeypatch.setattr(os, "open", os_open)
    monkeypatch.setattr(os, "mkdir", mkdir)
    monkeypatch.setattr(builtins, "open", open_)
    monkeypatch.setattr(io, "open", open_)
    monkeypatch.setattr(duckdb, "connect", connect)
