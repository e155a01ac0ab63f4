"""`python -m bot` runs the bot; `python -m bot search IMAGE` runs one search in the terminal;
`python -m bot check` checks the setup; `python -m bot invite` prints the link to add the bot."""

from __future__ import annotations

import argparse
import sys

from bot.check import add_check_arguments, run_check
from bot.cli import add_search_arguments, run_search
from bot.invite import add_invite_arguments, run_invite


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("run", help="run the Discord bot (the default)")
    add_search_arguments(commands.add_parser("search", help="search one image from the terminal"))
    add_check_arguments(commands.add_parser("check", help="check settings, token, intents, key"))
    add_invite_arguments(commands.add_parser("invite", help="print the link to add the bot"))
    args = parser.parse_args(argv)
    if args.command == "search":
        return run_search(args)
    if args.command == "check":
        return run_check(args)
    if args.command == "invite":
        return run_invite(args)
    from bot.app import run_bot  # imported here: the terminal search needs no discord.py

    return run_bot()


if __name__ == "__main__":
    sys.exit(main())
