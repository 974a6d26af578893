#!/usr/bin/env python3
"""Writes icons/icon.png (128x128 RGBA): Pryx's desktop icon, drawn here, no copied asset.

A rounded square in the UI's accent colour with a white ring. Standard library only
(zlib + struct), so anyone can regenerate it: python3 icons/make_icon.py
"""
import math
import struct
import zlib
from pathlib import Path

SIZE = 128
ACCENT = (37, 99, 235)


def pixel(x: int, y: int) -> tuple:
    cx = cy = (SIZE - 1) / 2
    # rounded square: distance outside a square of half-width 48 with corner radius 20
    half, radius = 60, 22
    dx, dy = max(abs(x - cx) - (half - radius), 0), max(abs(y - cy) - (half - radius), 0)
    if math.hypot(dx, dy) > radius:
        return (0, 0, 0, 0)
    r = math.hypot(x - cx, y - cy)
    if 26 <= r <= 40:
        return (255, 255, 255, 255)
    return (*ACCENT, 255)


def chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def main() -> None:
    rows = b"".join(
        b"\x00" + b"".join(bytes(pixel(x, y)) for x in range(SIZE)) for y in range(SIZE)
    )
    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", SIZE, SIZE, 8, 6, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )
    out = Path(__file__).with_name("icon.png")
    out.write_bytes(png)
    print(f"wrote {out} ({len(png)} bytes)")


if __name__ == "__main__":
    main()
