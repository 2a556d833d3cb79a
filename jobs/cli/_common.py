"""Shared CLI plumbing: one-line usage errors, JSON output, errors on stderr."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, NoReturn


class CliParser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are one line on stderr and exit code 2."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        raise SystemExit(2)


def add_json_flag(parser: argparse.ArgumentParser) -> None:
    """Add ``--json``: print one JSON document to stdout instead of a human summary."""
    parser.add_argument("--json", action="store_true", help="print one JSON document to stdout")


def emit_json(document: Any) -> None:
    """Print one JSON document (UTF-8, no NaN) to stdout."""
    sys.stdout.write(json.dumps(document, ensure_ascii=False, allow_nan=False, default=str))
    sys.stdout.write("\n")


def print_error(detail: str) -> None:
    """One line on stderr, prefixed ``gbess: error:``."""
    sys.stderr.write(f"gbess: error: {' '.join(detail.split())}\n")
