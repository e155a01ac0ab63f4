"""`python -m bot` runs the bot; `python -m bot search IMAGE` runs one search in the terminal."""

from __future__ import annotations

import argparse
import sys

from bot.cli import add_search_arguments, run_search


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("run", help="run the Discord bot (the default)")
    add_search_arguments(commands.add_parser("search", help="search one image from the terminal"))
    args = parser.parse_args(argv)
    if args.command == "search":
        return run_search(args)
    from bot.app import run_bot  # imported here: the terminal search needs no discord.py

    return run_bot()


if __name__ == "__main__":
    sys.exit(main())
