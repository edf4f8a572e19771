"""The on-disk form of a built search index: named numpy arrays plus JSON metadata in
one file, read back memory-mapped.

Layout: ``MAGIC | crc32 (4 bytes) | header length (8 bytes) | header JSON | arrays``,
each array aligned to 64 bytes. The header holds the compatibility key (format
version, lexicon and configuration fingerprints), the knowledge-base revision the
index was built from, the metadata and where each array lies. The CRC covers
everything after itself, so a truncated or damaged file is refused, never trusted.

Pure: no database; the caller decides where the file lives.
"""

from __future__ import annotations

import json
import mmap
import os
import struct
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

MAGIC = b"PBINDEX1"
_PREFIX = struct.Struct("<IQ")  # crc32, header length
_ALIGN = 64


class IndexUnusable(Exception):
    """The file cannot be used: missing, damaged, or built for another format/lexicon."""


@dataclass(frozen=True, slots=True)
class StoredIndex:
    """An index read back from a file; the arrays are read-only views of the mapping."""

    revision: str
    arrays: dict[str, np.ndarray]
    meta: dict[str, Any]


def _aligned(n: int) -> int:
    return (n + _ALIGN - 1) // _ALIGN * _ALIGN


def write_index(
    path: Path,
    *,
    compat: Mapping[str, Any],
    revision: str,
    arrays: Mapping[str, np.ndarray],
    meta: Mapping[str, Any],
) -> None:
    """Write atomically (a temporary file renamed over ``path``): a reader sees the old
    file or the new one, and a process that mapped the old file keeps a valid view."""
    layout: dict[str, list[Any]] = {}
    offset = 0
    contiguous: dict[str, np.ndarray] = {}
    for name, array in arrays.items():
        data = np.ascontiguousarray(array)
        contiguous[name] = data
        layout[name] = [data.dtype.str, list(data.shape), offset, data.nbytes]
        offset = _aligned(offset + data.nbytes)
    header = json.dumps(
        {"compat": dict(compat), "revision": revision, "arrays": layout, "meta": dict(meta)},
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode("utf-8")
    start = _aligned(len(MAGIC) + _PREFIX.size + len(header))
    header += b" " * (start - len(MAGIC) - _PREFIX.size - len(header))
    crc = zlib.crc32(header)
    chunks: list[bytes | memoryview] = []
    position = 0
    for name, data in contiguous.items():
        pad = layout[name][2] - position
        if pad:
            chunks.append(b"\0" * pad)
        view = memoryview(data.reshape(-1).view(np.uint8).data)
        chunks.append(view)
        crc = zlib.crc32(b"\0" * pad, crc)
        crc = zlib.crc32(view, crc)
        position = layout[name][2] + data.nbytes
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("wb") as out:
            out.write(MAGIC)
            out.write(_PREFIX.pack(crc, len(header)))
            out.write(header)
            for chunk in chunks:
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def read_index(path: Path, *, compat: Mapping[str, Any]) -> StoredIndex:
    """Map ``path`` and check it; raise IndexUnusable with the reason when it cannot be
    used. The checksum is verified over the whole file before anything is trusted."""
    try:
        with path.open("rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if size < len(MAGIC) + _PREFIX.size:
                raise IndexUnusable("truncated")
            mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    except FileNotFoundError:
        raise IndexUnusable("missing") from None
    except (OSError, ValueError) as exc:
        raise IndexUnusable(f"unreadable: {exc}") from None
    if mapped[: len(MAGIC)] != MAGIC:
        raise IndexUnusable("not an index file")
    crc, header_len = _PREFIX.unpack_from(mapped, len(MAGIC))
    start = len(MAGIC) + _PREFIX.size
    if start + header_len > size or zlib.crc32(memoryview(mapped)[start:]) != crc:
        raise IndexUnusable("checksum mismatch (damaged file)")
    try:
        header = json.loads(bytes(mapped[start : start + header_len]))
    except ValueError:
        raise IndexUnusable("unreadable header") from None
    if header.get("compat") != dict(compat):
        raise IndexUnusable("built for another format, lexicon or configuration")
    base = start + header_len
    arrays: dict[str, np.ndarray] = {}
    for name, (dtype, shape, offset, nbytes) in header["arrays"].items():
        if base + offset + nbytes > size:
            raise IndexUnusable("truncated")
        if nbytes == 0:
            arrays[name] = np.empty(shape, dtype=np.dtype(dtype))
            continue
        count = nbytes // np.dtype(dtype).itemsize
        flat = np.frombuffer(mapped, dtype=np.dtype(dtype), count=count, offset=base + offset)
        arrays[name] = flat.reshape(shape)
    return StoredIndex(revision=str(header["revision"]), arrays=arrays, meta=header["meta"])
