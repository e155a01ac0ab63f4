"""A finished search as a Markdown report, ready to paste into a moderation log (pure)."""

from __future__ import annotations

from datetime import datetime

from bot.present.text import visible
from bot.search.answer import Answer
from bot.store import SearchRecord


def _line(value: str) -> str:
    """Web text on one line, with what Markdown would act on neutralised."""
    flat = visible(value).replace("\n", " ")
    for ch in "\\`*_[]<>|#":
        flat = flat.replace(ch, "\\" + ch)
    return flat.replace("@", "@\u200b")


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC") if moment else "-"


def report_markdown(record: SearchRecord, answer: Answer) -> str:
    """Who asked, how, which image (its SHA-256), what was found and said, and when."""
    lines = [
        f"# Image search {record.search_id}",
        "",
        f"- Asked by: user {record.user_id}"
        + (f" in server {record.guild_id}" if record.guild_id else " (direct message)"),
        f"- Entry point: {record.entry_point}; mode: {record.mode}",
        f"- Question: {_line(record.question) or '-'}",
        f"- Source message: {record.source_message_url or '-'}",
        f"- Image SHA-256: `{record.image_sha256 or 'unknown'}`",
        f"- Started: {_when(record.started_at)}; finished: {_when(record.finished_at)}",
        f"- Outcome: {record.status.value}"
        + (f" ({record.error_code})" if record.error_code else ""),
        f"- Image searches: {record.image_searches}; tokens: {record.tokens}; "
        f"response id: {record.response_id or '-'}",
        "",
        f"## Matching images ({len(answer.hits)})",
        "",
    ]
    lines += [
        f"{number}. {_line(hit.title) or '(untitled)'} — <{hit.url}> ({hit.host})"
        for number, hit in enumerate(answer.hits, start=1)
    ] or ["(none)"]
    lines += ["", "## Answer", "", visible(answer.text, keep_newlines=True) or "(none)", ""]
    return "\n".join(lines)
