"""A tiny headless-Chromium driver for page tests: the DOM after load, and a screenshot.

Debian's ``chromium`` (``make test`` installs it when ``/usr/bin/chromium`` is missing).
``--dump-dom`` prints the DOM as Chromium built it; ``--screenshot`` paints the page, and
:func:`png_colours` decodes that PNG (zlib only) so a test can check what was drawn.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
import zlib
from pathlib import Path

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run")


def run_chromium(*args: str, cwd: Path) -> str:
    """Run Chromium headless with ``args``; return its stdout."""
    done = subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={cwd / 'profile'}", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        cwd=cwd,
    )
    return done.stdout


def dump_dom(url: str, cwd: Path) -> str:
    """The serialised DOM of ``url`` after load."""
    return run_chromium("--dump-dom", url, cwd=cwd)


def screenshot(url: str, cwd: Path, size: tuple[int, int] = (1280, 1600)) -> Path:
    """Paint ``url`` at ``size`` pixels; return the PNG path."""
    path = cwd / "page.png"
    run_chromium(f"--window-size={size[0]},{size[1]}", f"--screenshot={path}", url, cwd=cwd)
    return path


def png_colours(path: Path) -> set[tuple[int, int, int]]:
    """Distinct RGB colours of an 8-bit RGB/RGBA, non-interlaced PNG (Chromium's output)."""
    data = path.read_bytes()
    pos, chunks, header = 8, [], b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            chunks.append(body)
        pos += 12 + length
    width, height, depth, colour_type = struct.unpack(">IIBB", header[:10])
    if depth != 8 or colour_type not in (2, 6):
        raise ValueError(f"unsupported PNG: depth {depth}, colour type {colour_type}")
    bpp = 3 if colour_type == 2 else 4
    raw = zlib.decompress(b"".join(chunks))
    stride = width * bpp
    previous = bytearray(stride)
    colours: set[tuple[int, int, int]] = set()
    for y in range(height):
        line = raw[y * (stride + 1) : (y + 1) * (stride + 1)]
        filter_type, row = line[0], bytearray(line[1:])
        for i in range(stride):
            left = row[i - bpp] if i >= bpp else 0
            up, corner = previous[i], previous[i - bpp] if i >= bpp else 0
            if filter_type == 1:
                row[i] = (row[i] + left) & 0xFF
            elif filter_type == 2:
                row[i] = (row[i] + up) & 0xFF
            elif filter_type == 3:
                row[i] = (row[i] + (left + up) // 2) & 0xFF
            elif filter_type == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                pred = left if pa <= pb and pa <= pc else up if pb <= pc else corner
                row[i] = (row[i] + pred) & 0xFF
        colours.update(zip(row[0::bpp], row[1::bpp], row[2::bpp], strict=True))
        previous = row
    return colours
