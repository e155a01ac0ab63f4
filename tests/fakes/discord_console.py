"""Drive the fake Discord by hand: `python -m tests.fakes.discord_console --port 8766`.

It serves a fake Discord (one server, one channel, one person called alice), prints the
`.env` lines that point the bot at it, and reads commands on stdin; every change to a message
of the bot is printed as it happens. Start the bot with `python -m bot` and type `help`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import mimetypes
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tests.fakes.discord import FakeDiscord

HELP = """\
  say TEXT               alice posts a message (e.g. `say !search https://…`)
  image FILE [TEXT]      alice posts a message with FILE attached
  slash FILE|URL [MODE]  alice runs /search with an attachment or a link
  menu ID                alice runs Apps → Search image on message ID
  react ID               alice reacts 🔍 to message ID
  click ID LABEL         alice clicks the button labelled LABEL on message ID
  pick ID N              alice picks option N (from 0) in the select menu of message ID
  show                   print every message of the channel
  quit"""


def _summary(message: dict[str, Any]) -> str:
    lines = [f"[{message['id']}] {message.get('content') or ''}".rstrip()]
    for embed in message.get("embeds") or []:
        lines.append(f"  ┃ {embed.get('title', '')}")
        lines.extend(f"  ┃   {line}" for line in (embed.get("description") or "").splitlines())
        if footer := (embed.get("footer") or {}).get("text"):
            lines.append(f"  ┃   — {footer}")
    for row in message.get("components") or []:
        labels = [c.get("label") or c.get("placeholder") or "?" for c in row["components"]]
        lines.append("  [" + "] [".join(labels) + "]")
    return "\n".join(lines)


class Console:
    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake
        self.guild = fake.add_guild("Console server")
        self.channel = fake.add_channel(self.guild, "general")
        self.user = fake.add_user("alice")
        fake.add_member(self.guild, self.user)
        self.seen: dict[str, Any] = {}

    async def watch(self) -> None:
        """Print every bot message that appeared or changed, twice a second."""
        while True:
            for message in self.fake.bot_messages():
                state = (message.get("content"), message.get("embeds"), message.get("components"))
                if self.seen.get(message["id"]) != state:
                    self.seen[message["id"]] = state
                    print(_summary(message), flush=True)
            await asyncio.sleep(0.5)

    def run(self, line: str) -> bool:
        words = shlex.split(line)
        if not words:
            return True
        command, args = words[0], words[1:]
        fake, channel, user = self.fake, self.channel, self.user
        if command == "quit":
            return False
        if command == "say":
            self._posted(fake.post_user_message(channel, user, " ".join(args)))
        elif command == "image":
            path = Path(args[0])
            kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            files = [(path.name, path.read_bytes(), kind)]
            self._posted(
                fake.post_user_message(channel, user, " ".join(args[1:]), attachments=files)
            )
        elif command == "slash":
            options: dict[str, Any] = {}
            if args[0].startswith(("http://", "https://")):
                options["url"] = args[0]
            else:
                path = Path(args[0])
                kind = mimetypes.guess_type(path.name)[0]
                options["image"] = fake.add_attachment(
                    path.name, path.read_bytes(), kind, channel_id=channel
                )
            if len(args) > 1:
                options["mode"] = args[1]
            fake.inject_slash(
                "search", options, guild_id=self.guild, channel_id=channel, user_id=user
            )
        elif command == "menu":
            fake.inject_message_command("Search image", int(args[0]), user_id=user)
        elif command == "react":
            fake.add_reaction(channel, int(args[0]), user, "🔍")
        elif command in ("click", "pick"):
            self._component(command, int(args[0]), " ".join(args[1:]))
        elif command == "show":
            for message in fake.channel_messages(channel):
                print(_summary(message))
        else:
            print(HELP)
        return True

    def _posted(self, message: dict[str, Any]) -> None:
        print(f"alice posted message {message['id']}", flush=True)

    def _component(self, command: str, message_id: int, wanted: str) -> None:
        message = self.fake.messages[message_id]
        for row in message.get("components") or []:
            for component in row["components"]:
                custom_id = component.get("custom_id", "")
                if command == "click" and component.get("label") == wanted:
                    self.fake.inject_component(message_id, custom_id, user_id=self.user)
                    return
                if command == "pick" and component.get("type") == 3:
                    self.fake.inject_component(
                        message_id, custom_id, 3, [wanted], user_id=self.user
                    )
                    return
        print(f"no such {'button' if command == 'click' else 'select menu'} on {message_id}")


async def serve(port: int) -> None:
    async with FakeDiscord(port=port) as fake:
        console = Console(fake)
        print("Point the bot at this fake Discord with these .env lines:")
        print(f"DISCORD_TOKEN={fake.token}")
        print(f"DISCORD_API_URL={fake.api_url}")
        print(f"DISCORD_GATEWAY_URL={fake.gateway_url}")
        print(f"DISCORD_CDN_URL={fake.cdn_url}")
        print("IMAGE_FETCH_ALLOWED_HOSTS=127.0.0.1")
        print("Then type `help`.", flush=True)
        watcher = asyncio.create_task(console.watch())
        loop = asyncio.get_running_loop()
        try:
            while True:
                line = await loop.run_in_executor(None, sys.stdin.readline)
                if not line:
                    await asyncio.sleep(3600)  # stdin closed: keep serving
                    continue
                try:
                    if not console.run(line):
                        break
                except (IndexError, KeyError, ValueError, OSError) as exc:
                    print(f"? {exc!r}\n{HELP}", flush=True)
        finally:
            watcher.cancel()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fakes.discord_console")
    parser.add_argument("--port", type=int, default=8766, help="0 picks a free port")
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.port))
    return 0


if __name__ == "__main__":
    sys.exit(main())
