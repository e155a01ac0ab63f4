"""Gateway (websocket) of the fake Discord: HELLO, IDENTIFY, READY, GUILD_CREATE, heartbeats,
RESUME with replay, sharding and per-session intents.

Frames are plain JSON text (discord.py only inflates binary frames, so no compression).
Dispatching is synchronous: an event gets its sequence number and is queued for the
session's socket at once; a writer task per connection sends the queue in order. Events
for a session whose socket is gone are kept and replayed on RESUME.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

from tests.fakes.discord_models import (
    INTENT_GUILDS,
    INTENT_MESSAGE_CONTENT,
    Json,
    shard_of,
)

if TYPE_CHECKING:
    from tests.fakes.discord_state import DiscordState

OP_DISPATCH = 0
OP_HEARTBEAT = 1
OP_IDENTIFY = 2
OP_PRESENCE_UPDATE = 3
OP_VOICE_STATE_UPDATE = 4
OP_RESUME = 6
OP_RECONNECT = 7
OP_REQUEST_GUILD_MEMBERS = 8
OP_INVALID_SESSION = 9
OP_HELLO = 10
OP_HEARTBEAT_ACK = 11

CLOSE_UNKNOWN_OPCODE = 4001
CLOSE_DECODE_ERROR = 4002
CLOSE_NOT_AUTHENTICATED = 4003
CLOSE_AUTHENTICATION_FAILED = 4004
CLOSE_ALREADY_AUTHENTICATED = 4005
CLOSE_INVALID_SHARD = 4010
CLOSE_INVALID_INTENTS = 4013
CLOSE_DISALLOWED_INTENTS = 4014
RESUMABLE_CLOSE = 4000


@dataclass
class GatewayFrame:
    """A frame the fake received from a client (IDENTIFY, RESUME, heartbeats, ...)."""

    op: int
    data: Any
    session_id: str | None
    shard: tuple[int, int] | None
    at: float


@dataclass
class _Close:
    code: int
    reason: str


class GatewayConnection:
    def __init__(self, ws: web.WebSocketResponse, query: dict[str, str]) -> None:
        self.ws = ws
        self.query = query
        self.session: GatewaySession | None = None
        self.queue: asyncio.Queue[str | _Close] = asyncio.Queue()
        self.writer = asyncio.create_task(self._write())
        self.closed_by_server = False

    def send(self, payload: Json) -> None:
        self.queue.put_nowait(json.dumps(payload))

    def close(self, code: int, reason: str = "") -> None:
        """Close after the frames already queued have been sent."""
        self.closed_by_server = True
        self.queue.put_nowait(_Close(code, reason))

    async def _write(self) -> None:
        while True:
            item = await self.queue.get()
            if self.ws.closed:
                return
            try:
                if isinstance(item, _Close):
                    await self.ws.close(code=item.code, message=item.reason.encode())
                    return
                await self.ws.send_str(item)
            except (ConnectionError, RuntimeError):
                return


@dataclass
class GatewaySession:
    session_id: str
    intents: int
    shard: tuple[int, int] | None
    seq: int = 0
    sent: list[tuple[int, str]] = field(default_factory=list)
    connection: GatewayConnection | None = None
    alive: bool = True
    ready: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def shard_id(self) -> int:
        return self.shard[0] if self.shard else 0

    @property
    def has_content_intent(self) -> bool:
        return bool(self.intents & INTENT_MESSAGE_CONTENT)

    def receives_guild(self, guild_id: int | None) -> bool:
        if self.shard is None:
            return True
        shard_id, shard_count = self.shard
        return shard_id == (0 if guild_id is None else shard_of(guild_id, shard_count))

    def dispatch(self, event: str, data: Json) -> None:
        self.seq += 1
        frame = json.dumps({"op": OP_DISPATCH, "d": data, "s": self.seq, "t": event})
        self.sent.append((self.seq, frame))
        if self.connection is not None:
            self.connection.queue.put_nowait(frame)


class Gateway:
    def __init__(self, fake: DiscordState, *, heartbeat_interval: float) -> None:
        self.fake = fake
        self.heartbeat_interval = heartbeat_interval
        self.sessions: dict[str, GatewaySession] = {}
        self.connections: set[GatewayConnection] = set()
        self.received: list[GatewayFrame] = []
        self.event_names: list[str] = []
        self._changed = asyncio.Condition()

    # ------------------------------------------------------------ public helpers

    def live_sessions(self) -> list[GatewaySession]:
        return [s for s in self.sessions.values() if s.alive]

    def dispatch(
        self,
        event: str,
        data: Json | Callable[[GatewaySession], Json],
        *,
        guild_id: int | None = None,
        intents: int = 0,
    ) -> int:
        """Send an event to every live session that should get it; returns how many did.

        `intents`: the event needs one of these bits (0 = always sent, e.g. interactions).
        `data` may be a function of the session (used to blank message content per intents).
        """
        delivered = 0
        for session in self.live_sessions():
            if not session.receives_guild(guild_id):
                continue
            if intents and not session.intents & intents:
                continue
            session.dispatch(event, data(session) if callable(data) else data)
            delivered += 1
        self.event_names.append(event)
        return delivered

    async def wait_for(self, predicate: Callable[[], bool], within: float) -> None:
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(predicate), within)

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def drop(self, *, code: int = RESUMABLE_CLOSE, shard_id: int | None = None) -> int:
        """Close the sockets of live sessions (sessions stay resumable); returns how many."""
        dropped = 0
        for session in self.live_sessions():
            if shard_id is not None and session.shard_id != shard_id:
                continue
            if session.connection is not None:
                session.connection.close(code, "dropped by test")
                session.connection = None
                dropped += 1
        return dropped

    async def close(self) -> None:
        for connection in list(self.connections):
            connection.close(1001, "server shutting down")
        for connection in list(self.connections):
            with contextlib.suppress(Exception):
                await asyncio.wait_for(connection.writer, 2.0)
            if not connection.writer.done():
                connection.writer.cancel()
        for session in self.sessions.values():
            session.alive = False

    # ------------------------------------------------------------ websocket handler

    async def handle(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        connection = GatewayConnection(ws, dict(request.query))
        self.connections.add(connection)
        connection.send(
            {
                "op": OP_HELLO,
                "d": {"heartbeat_interval": self.heartbeat_interval},
                "s": None,
                "t": None,
            }
        )
        try:
            async for message in ws:
                if message.type is WSMsgType.TEXT:
                    await self._on_text(connection, message.data)
                elif message.type is WSMsgType.BINARY:
                    connection.close(CLOSE_DECODE_ERROR, "Error while decoding payload.")
                if connection.closed_by_server:
                    break
        finally:
            await self._on_disconnect(connection)
        return ws

    async def _on_disconnect(self, connection: GatewayConnection) -> None:
        if not connection.writer.done():
            if connection.closed_by_server:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(connection.writer, 2.0)
            connection.writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await connection.writer
        self.connections.discard(connection)
        session = connection.session
        if session is not None and session.connection is connection:
            session.connection = None
            if not connection.closed_by_server and connection.ws.close_code in (1000, 1001):
                session.alive = False  # a clean close by the client ends the session
        await self._notify()

    async def _on_text(self, connection: GatewayConnection, text: str) -> None:
        try:
            payload = json.loads(text)
            op = payload["op"]
        except (ValueError, KeyError, TypeError):
            connection.close(CLOSE_DECODE_ERROR, "Error while decoding payload.")
            return
        data = payload.get("d")
        session = connection.session
        self.received.append(
            GatewayFrame(
                op,
                data,
                session.session_id if session else None,
                session.shard if session else None,
                asyncio.get_running_loop().time(),
            )
        )
        if op == OP_HEARTBEAT:
            connection.send({"op": OP_HEARTBEAT_ACK, "d": None, "s": None, "t": None})
        elif op == OP_IDENTIFY:
            self._identify(connection, data)
        elif op == OP_RESUME:
            self._resume(connection, data)
        elif session is None:
            connection.close(CLOSE_NOT_AUTHENTICATED, "Not authenticated.")
        elif op == OP_REQUEST_GUILD_MEMBERS:
            self._request_members(session, data)
        elif op not in (OP_PRESENCE_UPDATE, OP_VOICE_STATE_UPDATE):
            connection.close(CLOSE_UNKNOWN_OPCODE, "Unknown opcode.")
        await self._notify()

    def _identify(self, connection: GatewayConnection, data: Json) -> None:
        fake = self.fake
        if connection.session is not None:
            connection.close(CLOSE_ALREADY_AUTHENTICATED, "Already authenticated.")
            return
        if not isinstance(data, dict) or data.get("token") != fake.token:
            connection.close(CLOSE_AUTHENTICATION_FAILED, "Authentication failed.")
            return
        intents = data.get("intents")
        if not isinstance(intents, int) or intents < 0:
            connection.close(CLOSE_INVALID_INTENTS, "Invalid intent(s).")
            return
        if intents & INTENT_MESSAGE_CONTENT and not fake.message_content_granted:
            connection.close(CLOSE_DISALLOWED_INTENTS, "Disallowed intent(s).")
            return
        shard: tuple[int, int] | None = None
        if data.get("shard") is not None:
            shard_id, shard_count = data["shard"]
            if not 0 <= shard_id < shard_count:
                connection.close(CLOSE_INVALID_SHARD, "Invalid shard.")
                return
            shard = (int(shard_id), int(shard_count))
        for old in self.live_sessions():
            if (old.shard or (0, 1)) == (shard or (0, 1)):
                old.alive = False  # a new IDENTIFY for the same shard replaces the old session
        session = GatewaySession(secrets.token_hex(16), intents, shard)
        self.sessions[session.session_id] = session
        session.connection = connection
        connection.session = session
        guild_ids = [g for g in fake.guilds if session.receives_guild(g)]
        session.dispatch(
            "READY",
            {
                "v": 10,
                "user": fake.bot_user,
                "guilds": [{"id": str(g), "unavailable": True} for g in guild_ids],
                "session_id": session.session_id,
                "session_type": "normal",
                "resume_gateway_url": fake.gateway_url,
                "application": {
                    "id": str(fake.application_id),
                    "flags": fake.application_payload()["flags"],
                },
                "shard": list(shard or (0, 1)),
                "private_channels": [],
                "relationships": [],
                "presences": [],
                "guild_join_requests": [],
                "geo_ordered_rtc_regions": [],
                "auth": {},
                "user_settings": {},
                "_trace": ["fake-discord"],
            },
        )
        for guild_id in guild_ids:
            session.dispatch("GUILD_CREATE", fake.guild_create_payload(guild_id))
        session.ready.set()

    def _resume(self, connection: GatewayConnection, data: Json) -> None:
        if not isinstance(data, dict) or data.get("token") != self.fake.token:
            connection.close(CLOSE_AUTHENTICATION_FAILED, "Authentication failed.")
            return
        session = self.sessions.get(str(data.get("session_id")))
        if session is None or not session.alive:
            connection.send({"op": OP_INVALID_SESSION, "d": False, "s": None, "t": None})
            return
        if session.connection is not None and session.connection is not connection:
            session.connection.close(RESUMABLE_CLOSE, "Session resumed elsewhere.")
        last_seen = int(data.get("seq") or 0)
        for seq, frame in session.sent:
            if seq > last_seen:
                connection.queue.put_nowait(frame)
        session.connection = connection
        connection.session = session
        session.dispatch("RESUMED", {"_trace": ["fake-discord"]})

    def _request_members(self, session: GatewaySession, data: Json) -> None:
        guild_id = int(data["guild_id"])
        fake = self.fake
        if guild_id not in fake.guilds:
            return
        wanted = {int(u) for u in data.get("user_ids") or []}
        members = [
            fake.member_payload(guild_id, user_id)
            for user_id in fake.guilds[guild_id].members
            if not wanted or user_id in wanted
        ]
        chunk: Json = {
            "guild_id": str(guild_id),
            "members": members,
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [],
        }
        if data.get("nonce") is not None:
            chunk["nonce"] = data["nonce"]
        session.dispatch("GUILD_MEMBERS_CHUNK", chunk)


__all__ = [
    "INTENT_GUILDS",
    "RESUMABLE_CLOSE",
    "Gateway",
    "GatewayFrame",
    "GatewaySession",
]
