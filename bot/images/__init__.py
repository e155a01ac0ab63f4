"""Images: fetch with limits, SSRF guard for user links, Pillow normalisation, data URL."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import aiohttp

from bot.images.fetch import FetchLimits, fetch, make_session
from bot.images.guard import AddressPolicy
from bot.images.normalise import PreparedImage, normalise
from bot.search.errors import ErrorCode, SearchError

__all__ = [
    "AddressPolicy",
    "FetchLimits",
    "PreparedImage",
    "fetch",
    "load_image",
    "make_session",
    "normalise",
]

# "scheme:" of two letters or more; one letter is a Windows drive (C:\...).
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+:")


async def load_image(
    source: str | Path | bytes,
    limits: FetchLimits,
    session: aiohttp.ClientSession | None = None,
) -> PreparedImage:
    """Bytes, an http(s) link or a local file, ready for DashScope.

    A plain string without a scheme is a local path: only the terminal command should pass
    one; text from Discord must be checked to be a link first. Other schemes (file:, ftp:,
    data:, ...) are refused as BAD_LINK rather than read.
    """
    if isinstance(source, bytes):
        data = source
    elif isinstance(source, str) and _SCHEME.match(source):
        data = await fetch(source, limits, session)  # refuses every scheme but http(s)
    else:
        data = await asyncio.to_thread(_read_file, Path(source), limits.max_bytes)
    # Decoding can take a second or more on big images: keep the event loop free.
    return await asyncio.to_thread(normalise, data)


def _read_file(path: Path, max_bytes: int) -> bytes:
    try:
        if not path.is_file():
            raise SearchError(ErrorCode.NOT_AN_IMAGE, f"no such file: {path}")
        if path.stat().st_size > max_bytes:
            raise SearchError(ErrorCode.IMAGE_TOO_LARGE, f"file over {max_bytes} bytes")
        with path.open("rb") as f:
            data = f.read(max_bytes + 1)  # the file may have grown since stat()
    except OSError as exc:
        detail = f"cannot read {path.name} ({type(exc).__name__})"
        raise SearchError(ErrorCode.NOT_AN_IMAGE, detail) from None
    if len(data) > max_bytes:
        raise SearchError(ErrorCode.IMAGE_TOO_LARGE, f"file over {max_bytes} bytes")
    return data
