"""Every hit of a search as a file (CSV), for the person who asked."""

from __future__ import annotations

import csv
import io

from bot.search.answer import Answer

# Spreadsheet programs run cells starting with these as formulas; web titles are untrusted.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: str) -> str:
    """Untrusted text made safe for a spreadsheet cell (no formula)."""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def hits_csv(answer: Answer) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["search", "index", "title", "url", "host"])
    for number, call in enumerate(answer.completed_calls, start=1):
        for hit in call.hits:
            writer.writerow([number, hit.index, csv_cell(hit.title), csv_cell(hit.url), hit.host])
    # A byte-order mark so spreadsheet programs read CJK titles as UTF-8.
    return buffer.getvalue().encode("utf-8-sig")
