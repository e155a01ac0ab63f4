"""Pure formatting of search results for a terminal (`python -m bot search`)."""

from __future__ import annotations

from bot.present.messages import searches_text, text
from bot.present.text import trim, visible
from bot.search.answer import SearchCall
from bot.search.events import Usage


def plain(value: str, limit: int = 200) -> str:
    """Web text made safe for a terminal: no control or format characters (no escape codes)."""
    return trim(" ".join(visible(value).split()), limit)


def search_call_lines(number: int, call: SearchCall, lang: str) -> list[str]:
    region = "-" if call.bbox is None else "{},{}–{},{}".format(*call.bbox)
    image = "-" if call.image_index is None else str(call.image_index + 1)
    head = text("cli.search_call", lang, number=number, image=image, region=region)
    if call.error is not None:
        return [f"{head}: {text('cli.unreadable', lang)}"]
    if not call.hits:
        return [f"{head}: {text('cli.no_hits', lang)}"]
    lines = [f"{head}: {text('cli.hits', lang, count=len(call.hits))}"]
    for hit in call.hits:
        host = f" — {hit.host}" if hit.host else ""
        lines.append(f"{hit.index:>4}. {plain(hit.title) or '-'}{host}")
        lines.append(f"      {plain(hit.url, 500)}")
    return lines


def usage_line(usage: Usage | None, elapsed: float, price_per_1000: float, lang: str) -> str:
    usage = usage or Usage()
    return text(
        "cli.usage",
        lang,
        tokens=usage.total_tokens,
        input=usage.input_tokens,
        output=usage.output_tokens,
        searches=searches_text(usage.image_searches, lang),
        elapsed=elapsed,
        cost=f"¥{usage.estimated_cost(price_per_1000):.3f}",
    )
