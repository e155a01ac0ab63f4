"""Pure text helpers for Discord: make web text inert, trim to limits, split long answers."""

from __future__ import annotations

import unicodedata
from urllib.parse import quote, urlsplit

import discord

# Characters that hide or reorder text (zero-width, bidi overrides) or control a terminal.
_INVISIBLE = ("Cc", "Cf", "Zl", "Zp")


def visible(value: str, *, keep_newlines: bool = False) -> str:
    """Drop control and format characters (zero-width joiners, bidi overrides, ...)."""
    kept = []
    for ch in value:
        if keep_newlines and ch == "\n":
            kept.append(ch)
        elif unicodedata.category(ch) in _INVISIBLE:
            kept.append(" " if ch in "\t\r\x0b\x0c\x85\u2028\u2029" else "")
        else:
            kept.append(ch)
    return "".join(kept)


def trim(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[: max(limit - 1, 0)].rstrip() + "…"


def inert(value: str, limit: int) -> str:
    """Untrusted web text shown as plain text: one line, no markdown, no mentions, bounded."""
    one_line = " ".join(visible(value).split())
    escaped = discord.utils.escape_markdown(trim(one_line, limit), ignore_links=False)
    escaped = escaped.replace("[", "\\[").replace("]", "\\]")
    return discord.utils.escape_mentions(escaped)


def safe_link(url: str, limit: int = 300) -> str | None:
    """An http(s) URL fit for a masked link, or None (other schemes are never linked)."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    # Characters that would end the markdown link early are percent-encoded.
    cleaned = quote(visible(url.strip()), safe=":/?#@!$&'*+,;=%~-._[]")
    cleaned = cleaned.replace("[", "%5B").replace("]", "%5D")
    return cleaned if len(cleaned) <= limit else None


def model_text(value: str) -> str:
    """The model's answer keeps its markdown, minus invisible characters and mention pings."""
    return discord.utils.escape_mentions(visible(value, keep_newlines=True))


def split_text(value: str, first: int, rest: int) -> list[str]:
    """Split into chunks (first chunk up to `first`, then `rest`), at paragraph, line or word ends.

    A chunk's boundary depends only on the text before it, so as the text grows, earlier chunks
    never change: a finished message is never edited again.
    """
    chunks: list[str] = []
    limit = first
    while len(value) > limit:
        cut = _break_point(value, limit)
        chunks.append(value[:cut].rstrip())
        value = value[cut:].lstrip("\n ")
        limit = rest
    chunks.append(value)
    return chunks


def _break_point(value: str, limit: int) -> int:
    window = value[:limit]
    for separator in ("\n\n", "\n", " "):
        at = window.rfind(separator)
        if at >= limit * 0.6:
            return at + len(separator)
    return limit
