"""`python -m bot search IMAGE`: one search from a terminal, streamed as it arrives.

Status goes to stderr, results to stdout (or, with --json, only the final `Answer` as JSON), so
scripts can pipe the output. Exit status: 0 found an answer, 1 the search failed, 2 bad usage or
settings.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import TextIO

from bot.config import Settings, SettingsError, load_settings
from bot.images import FetchLimits, load_image
from bot.present.messages import error_text, text
from bot.present.terminal import search_call_lines, usage_line
from bot.present.text import visible
from bot.search.answer import Answer
from bot.search.errors import SearchError
from bot.search.events import Failed, Hits, Started, TextDelta
from bot.search.request import Mode, SearchRequest
from bot.search.stream import SearchEngine, make_client


def add_search_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("image", help="a local image file or an http(s) link to one")
    parser.add_argument("--mode", choices=[m.value for m in Mode], default=Mode.SOURCE.value)
    parser.add_argument("--question", default="", help="a question about the image")
    parser.add_argument("--lang", default="en", help="answer language, e.g. en, zh-CN, zh-TW")
    parser.add_argument("--json", action="store_true", help="print the final result as JSON")


def run_search(args: argparse.Namespace, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    try:
        settings = load_settings()
        settings.require("DASHSCOPE_API_KEY")
    except SettingsError as exc:
        print(exc, file=err)
        return 2
    return asyncio.run(_search(settings, args, out, err))


async def _search(settings: Settings, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    lang = args.lang
    answer = Answer()
    try:
        image = await load_image(args.image, FetchLimits.from_settings(settings))
        request = SearchRequest(image.data_url, Mode(args.mode), args.question, lang)
    except SearchError as error:
        _print_failure(error, lang, err)
        return 1
    client = make_client(settings)
    engine = SearchEngine.from_settings(settings, client)
    print(text("cli.searching", lang), file=err)
    text_started = False
    try:
        async for event in engine.run(request):
            answer.apply(event)
            if args.json:
                continue
            if isinstance(event, Started):
                print(f"… {event.response_id}", file=err)
            elif isinstance(event, Hits):
                number = next(
                    i for i, c in enumerate(answer.calls, 1) if c.call_id == event.call_id
                )
                call = answer.calls[number - 1]
                print("\n".join(search_call_lines(number, call, lang)), file=out, flush=True)
            elif isinstance(event, TextDelta):
                if not text_started:
                    print(f"\n{text('cli.answer', lang)}:", file=out)
                    text_started = True
                print(_printable(event.text), end="", file=out, flush=True)
            elif isinstance(event, Failed):
                print(file=out)
    finally:
        await client.close()
    if args.json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2), file=out)
    else:
        if not text_started and answer.text:  # the text came only with the completed response
            print(f"\n{text('cli.answer', lang)}:\n{_printable(answer.text)}", file=out)
        usage = usage_line(answer.usage, answer.elapsed, settings.price_per_1000_searches, lang)
        print(f"\n\n{usage}", file=out)
    if answer.error is not None:
        _print_failure(answer.error, lang, err)
        return 1
    return 0


def _print_failure(error: SearchError, lang: str, err: TextIO) -> None:
    message = error_text(error, lang)
    print(text("cli.failed", lang, code=error.code.value, message=message), file=err)


def _printable(delta: str) -> str:
    """Model text without terminal control sequences (newlines kept)."""
    return visible(delta, keep_newlines=True)
