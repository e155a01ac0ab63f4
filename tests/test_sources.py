"""bot.sources: which images a person could mean in a message, a text or a user.

Messages and users are real discord.py objects parsed from gateway-shaped payloads by a real
`ConnectionState` (no client, no network): `parse_message_create` is what discord.py runs
for a MESSAGE_CREATE event, and `create_message` what `channel.fetch_message` runs.
"""

from __future__ import annotations

from typing import Any

import discord
import pytest
from discord.http import HTTPClient
from discord.state import ConnectionState
from discord.utils import MISSING

from bot.sources import (
    MAX_TEXT_CANDIDATES,
    ImageCandidate,
    avatar_of,
    images_in_message,
    images_in_text,
    message_looks_blanked,
)

Json = dict[str, Any]

BOT_ID = 900000000000000001
ALICE_ID = 900000000000000002
BOB_ID = 900000000000000003
GUILD_ID = 910000000000000001
CHANNEL_ID = 920000000000000001
DM_CHANNEL_ID = 920000000000000002
CDN = "https://cdn.discordapp.com"
MEDIA = "https://media.discordapp.net"
SIGNATURE = "ex=67a1b2c3&is=67a06143&hm=5f1d0c2b9e8a7d6c5b4a39281706f5e4d3c2b1a0&"
FAKE_CDN = "http://127.0.0.1:8765"

_next_id = 930000000000000000


def snowflake() -> str:
    global _next_id
    _next_id += 1
    return str(_next_id)


# --------------------------------------------------------------------------- payloads


def user_payload(
    user_id: int, username: str, *, avatar: str | None = None, global_name: str | None = None
) -> Json:
    return {
        "id": str(user_id),
        "username": username,
        "discriminator": "0",
        "global_name": global_name,
        "avatar": avatar,
        "bot": user_id == BOT_ID,
        "public_flags": 0,
    }


def attachment(
    filename: str,
    content_type: str | None,
    *,
    proxy_query: str = SIGNATURE,
) -> Json:
    attachment_id = snowflake()
    path = f"/attachments/{CHANNEL_ID}/{attachment_id}/{filename}"
    data: Json = {
        "id": attachment_id,
        "filename": filename,
        "size": 12345,
        "url": f"{CDN}{path}?{SIGNATURE}",
        "proxy_url": f"{MEDIA}{path}" + (f"?{proxy_query}" if proxy_query else ""),
    }
    if content_type is not None:
        data["content_type"] = content_type
    return data


def message_payload(
    content: str = "",
    *,
    author: Json | None = None,
    guild: bool = True,
    attachments: list[Json] | None = None,
    embeds: list[Json] | None = None,
    sticker_items: list[Json] | None = None,
    mentions: list[Json] | None = None,
    message_type: int = 0,
    **extra: Any,
) -> Json:
    """A MESSAGE_CREATE payload (with `guild_id` and `member` when in the guild)."""
    data: Json = {
        "id": snowflake(),
        "channel_id": str(CHANNEL_ID if guild else DM_CHANNEL_ID),
        "type": message_type,
        "content": content,
        "author": author or user_payload(ALICE_ID, "alice", global_name="Alice"),
        "attachments": attachments or [],
        "embeds": embeds or [],
        "mentions": mentions or [],
        "mention_roles": [],
        "mention_everyone": False,
        "pinned": False,
        "tts": False,
        "timestamp": "2025-03-01T12:00:00.000000+00:00",
        "edited_timestamp": None,
        "flags": 0,
        "components": [],
        **extra,
    }
    if sticker_items is not None:
        data["sticker_items"] = sticker_items
    if guild:
        data["guild_id"] = str(GUILD_ID)
        data["member"] = {
            "roles": [],
            "joined_at": "2024-01-01T00:00:00.000000+00:00",
            "deaf": False,
            "mute": False,
            "flags": 0,
        }
    return data


def guild_payload() -> Json:
    return {
        "id": str(GUILD_ID),
        "name": "Test guild",
        "owner_id": str(ALICE_ID),
        "channels": [
            {
                "id": str(CHANNEL_ID),
                "type": 0,
                "name": "general",
                "position": 0,
                "permission_overwrites": [],
                "nsfw": False,
            }
        ],
        "roles": [],
        "members": [],
        "emojis": [],
        "stickers": [],
        "features": [],
        "member_count": 3,
    }


class Gateway:
    """A real discord.py ConnectionState fed with gateway payloads (dispatch recorded)."""

    def __init__(self, intents: discord.Intents | None = None) -> None:
        self.events: list[tuple[str, tuple[Any, ...]]] = []
        self.state: ConnectionState[Any] = ConnectionState(
            dispatch=self._dispatch,
            handlers={},
            hooks={},
            http=HTTPClient(MISSING),
            intents=intents or discord.Intents.default(),
        )
        self.state.user = discord.ClientUser(
            state=self.state,
            data=user_payload(BOT_ID, "searchbot"),  # type: ignore[arg-type]
        )
        self.guild = self.state._add_guild_from_data(guild_payload())  # type: ignore[arg-type]

    def _dispatch(self, event: str, *args: Any, **kwargs: Any) -> None:
        self.events.append((event, args))

    def message_create(self, payload: Json) -> discord.Message:
        """What `on_message` receives for this MESSAGE_CREATE."""
        self.state.parse_message_create(payload)  # type: ignore[arg-type]
        event, args = self.events.pop()
        assert event == "message"
        message = args[0]
        assert isinstance(message, discord.Message)
        return message

    def fetched(self, payload: Json) -> discord.Message:
        """What `channel.fetch_message` returns (REST: no `guild_id`, no `member`)."""
        data = {k: v for k, v in payload.items() if k not in ("guild_id", "member")}
        channel = self.guild.get_channel(CHANNEL_ID)
        assert isinstance(channel, discord.TextChannel)
        return self.state.create_message(channel=channel, data=data)  # type: ignore[arg-type]

    def user(self, payload: Json) -> discord.User:
        return self.state.store_user(payload)  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def discord_cdn(monkeypatch: pytest.MonkeyPatch) -> None:
    """discord.py builds sticker and avatar URLs from `Asset.BASE`: pin it to Discord's."""
    monkeypatch.setattr(discord.Asset, "BASE", CDN)


@pytest.fixture
def gateway() -> Gateway:
    return Gateway()


def cand(url: str, label: str, kind: str) -> ImageCandidate:
    return ImageCandidate(url=url, label=label, kind=kind)


# --------------------------------------------------------------------------- attachments


def test_one_image_attachment(gateway: Gateway) -> None:
    photo = attachment("photo.png", "image/png")
    message = gateway.message_create(message_payload(attachments=[photo]))

    assert images_in_message(message) == [cand(photo["url"], "photo.png", "attachment")]


def test_attachments_stickers_embeds_then_text_in_order(gateway: Gateway) -> None:
    photo = attachment("photo.png", "image/png")
    notes = attachment("notes.txt", "text/plain; charset=utf-8")
    scan = attachment("scan.jpg", "image/jpeg")
    article = {
        "type": "article",
        "url": "https://example.com/post",
        "title": "A post",
        "image": {
            "url": "https://img.example.com/big.jpg",
            "proxy_url": "https://images-ext-1.discordapp.net/external/a1/https/img.example.com/big.jpg",
            "width": 1200,
            "height": 630,
        },
        "thumbnail": {
            "url": "https://img.example.com/small.jpg",
            "proxy_url": "https://images-ext-1.discordapp.net/external/b2/https/img.example.com/small.jpg",
            "width": 80,
            "height": 80,
        },
    }
    preview = {  # Discord's preview of the image link in the text: the same image
        "type": "image",
        "url": "https://example.com/a.jpg",
        "thumbnail": {
            "url": "https://example.com/a.jpg",
            "proxy_url": "https://images-ext-2.discordapp.net/external/c3/https/example.com/a.jpg",
            "width": 640,
            "height": 480,
        },
    }
    content = (
        "look https://example.com/post <:blob:123456789012345678> and https://example.com/a.jpg"
    )
    message = gateway.message_create(
        message_payload(
            content,
            attachments=[photo, notes, scan],
            embeds=[article, preview],
            sticker_items=[{"id": "749054660769218631", "name": "Wave", "format_type": 1}],
        )
    )

    assert images_in_message(message) == [
        cand(photo["url"], "photo.png", "attachment"),
        cand(scan["url"], "scan.jpg", "attachment"),
        cand(f"{CDN}/stickers/749054660769218631.png", "sticker: Wave", "sticker"),
        cand("https://img.example.com/big.jpg", "embed image: example.com", "embed_image"),
        cand(
            "https://img.example.com/small.jpg",
            "embed thumbnail: example.com",
            "embed_thumbnail",
        ),
        cand(f"{CDN}/emojis/123456789012345678.png", "emoji :blob:", "emoji"),
        cand("https://example.com/a.jpg", "link: example.com/a.jpg", "link"),
    ]


def test_video_attachment_becomes_a_still_frame_with_its_query_kept(gateway: Gateway) -> None:
    clip = attachment("clip.mp4", "video/mp4")
    bare = attachment("bare.webm", "video/webm", proxy_query="")
    styled = attachment("styled.mov", "video/quicktime", proxy_query="width=320&format=webp")
    message = gateway.message_create(message_payload(attachments=[clip, bare, styled]))

    path = f"/attachments/{CHANNEL_ID}"
    assert images_in_message(message) == [
        cand(
            f"{MEDIA}{path}/{clip['id']}/clip.mp4?{SIGNATURE}format=jpeg",
            "video frame: clip.mp4",
            "video_frame",
        ),
        cand(
            f"{MEDIA}{path}/{bare['id']}/bare.webm?format=jpeg",
            "video frame: bare.webm",
            "video_frame",
        ),
        cand(
            f"{MEDIA}{path}/{styled['id']}/styled.mov?width=320&format=jpeg",
            "video frame: styled.mov",
            "video_frame",
        ),
    ]


def test_text_and_other_files_are_ignored(gateway: Gateway) -> None:
    files = [
        attachment("notes.txt", "text/plain; charset=utf-8"),
        attachment("report.pdf", "application/pdf"),
        attachment("song.mp3", "audio/mpeg"),
        attachment("photo.png.zip", None),
    ]
    message = gateway.message_create(message_payload(attachments=files))

    assert images_in_message(message) == []


def test_attachment_without_content_type_is_judged_by_extension(gateway: Gateway) -> None:
    old = attachment("OLD.JPEG", None)
    blob = attachment("blob.webp", "application/octet-stream")
    clip = attachment("clip.mp4", None)
    message = gateway.message_create(message_payload(attachments=[old, blob, clip]))

    assert images_in_message(message) == [
        cand(old["url"], "OLD.JPEG", "attachment"),
        cand(blob["url"], "blob.webp", "attachment"),
        cand(
            f"{MEDIA}/attachments/{CHANNEL_ID}/{clip['id']}/clip.mp4?{SIGNATURE}format=jpeg",
            "video frame: clip.mp4",
            "video_frame",
        ),
    ]


def test_svg_attachment_is_listed_after_everything_else(gateway: Gateway) -> None:
    logo = attachment("logo.svg", "image/svg+xml")
    photo = attachment("photo.png", "image/png")
    message = gateway.message_create(
        message_payload("<:blob:123456789012345678>", attachments=[logo, photo])
    )

    assert images_in_message(message) == [
        cand(photo["url"], "photo.png", "attachment"),
        cand(f"{CDN}/emojis/123456789012345678.png", "emoji :blob:", "emoji"),
        cand(logo["url"], "logo.svg", "attachment"),
    ]
    only_svg = gateway.message_create(message_payload(attachments=[logo]))
    assert images_in_message(only_svg) == [cand(logo["url"], "logo.svg", "attachment")]


# --------------------------------------------------------------------------- stickers


def test_png_apng_and_gif_stickers_are_images_lottie_is_not(gateway: Gateway) -> None:
    stickers = [
        {"id": "816087792291282944", "name": "Wave", "format_type": 1},
        {"id": "781291131828699156", "name": "Dance", "format_type": 2},
        {"id": "749049128012742676", "name": "Wumpus", "format_type": 3},
        {"id": "1216467563744198836", "name": "Party", "format_type": 4},
    ]
    message = gateway.message_create(message_payload(sticker_items=stickers))

    assert images_in_message(message) == [
        cand(f"{CDN}/stickers/816087792291282944.png", "sticker: Wave", "sticker"),
        cand(f"{CDN}/stickers/781291131828699156.png", "sticker: Dance", "sticker"),
        # Discord serves GIF stickers through the media proxy only (discord.py knows).
        cand(f"{MEDIA}/stickers/1216467563744198836.gif", "sticker: Party", "sticker"),
    ]


def test_lottie_sticker_alone_gives_nothing(gateway: Gateway) -> None:
    lottie = {"id": "749049128012742676", "name": "Wumpus", "format_type": 3}
    message = gateway.message_create(message_payload(sticker_items=[lottie]))

    assert images_in_message(message) == []


def test_urls_built_here_follow_cdn_base_payload_urls_do_not(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(discord.Asset, "BASE", FAKE_CDN)  # what bot.app does at start
    photo = attachment("photo.png", "image/png")
    stickers = [
        {"id": "816087792291282944", "name": "Wave", "format_type": 1},
        {"id": "1216467563744198836", "name": "Party", "format_type": 4},
    ]
    message = gateway.message_create(
        message_payload("<a:dance:223456789012345678>", attachments=[photo], sticker_items=stickers)
    )

    assert images_in_message(message, cdn_base=FAKE_CDN + "/") == [
        cand(photo["url"], "photo.png", "attachment"),
        cand(f"{FAKE_CDN}/stickers/816087792291282944.png", "sticker: Wave", "sticker"),
        cand(f"{FAKE_CDN}/stickers/1216467563744198836.gif", "sticker: Party", "sticker"),
        cand(f"{FAKE_CDN}/emojis/223456789012345678.gif", "emoji :dance:", "emoji"),
    ]


# --------------------------------------------------------------------------- embeds


def test_gif_and_video_embeds_give_their_thumbnail(gateway: Gateway) -> None:
    gifv = {
        "type": "gifv",
        "url": "https://tenor.com/view/cat-dance-12345",
        "provider": {"name": "Tenor", "url": "https://tenor.co"},
        "thumbnail": {
            "url": "https://media.tenor.com/AbC/AAAAe/cat-dance.png",
            "proxy_url": "https://images-ext-1.discordapp.net/external/d4/https/media.tenor.com/AbC/AAAAe/cat-dance.png",
            "width": 498,
            "height": 280,
        },
        "video": {"url": "https://media.tenor.com/AbC/AAAPo/cat-dance.mp4", "width": 640},
    }
    video = {
        "type": "video",
        "url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
        "title": "A video",
        "image": {"url": "https://i.ytimg.com/vi/dQw4w9WgXcQ/other.jpg"},
        "thumbnail": {"url": "https://i.ytimg.com/vi/dQw4w9WgXcQ/maxresdefault.jpg"},
        "video": {"url": "https://www.youtube.com/embed/dQw4w9WgXcQ"},
    }
    message = gateway.message_create(
        message_payload(
            "https://tenor.com/view/cat-dance-12345 https://www.youtube.com/watch?v=dQw4w9WgXcQ",
            embeds=[gifv, video],
        )
    )

    assert images_in_message(message) == [
        cand(
            "https://media.tenor.com/AbC/AAAAe/cat-dance.png",
            "embed thumbnail: tenor.com",
            "embed_thumbnail",
        ),
        cand(
            "https://i.ytimg.com/vi/dQw4w9WgXcQ/maxresdefault.jpg",
            "embed thumbnail: www.youtube.com",
            "embed_thumbnail",
        ),
    ]


def test_embed_media_without_an_http_url(gateway: Gateway) -> None:
    rich = {  # a bot's embed: no page url; one image only known by its proxy
        "type": "rich",
        "title": "Result",
        "image": {
            "url": "attachment://chart.png",
            "proxy_url": "https://media.discordapp.net/attachments/1/2/chart.png",
        },
        "thumbnail": {"url": "javascript:alert(1)//x.png"},
    }
    message = gateway.message_create(message_payload(embeds=[rich]))

    assert images_in_message(message) == [
        cand(
            "https://media.discordapp.net/attachments/1/2/chart.png",
            "embed image: media.discordapp.net",
            "embed_image",
        )
    ]


# --------------------------------------------------------------------------- text


def test_animated_emoji_is_a_gif_unicode_emoji_is_not_an_image() -> None:
    text = "😀 <a:party_parrot:393839934183686155> <:thonk:382949302013345792> :smile:"

    assert images_in_text(text) == [
        cand(f"{CDN}/emojis/393839934183686155.gif", "emoji :party_parrot:", "emoji"),
        cand(f"{CDN}/emojis/382949302013345792.png", "emoji :thonk:", "emoji"),
    ]


def test_links_lose_trailing_punctuation_and_keep_their_query() -> None:
    text = (
        "see (https://example.com/a.jpg?w=100&h=2). "
        "also https://example.com/b.PNG, [c](https://example.com/c.webp) "
        "**https://example.com/d.gif** ||https://example.com/e.avif|| "
        "<https://example.com/f.heic> 'https://example.com/g.bmp'! "
        "https://en.wikipedia.org/wiki/File:Cat_(pet).tiff?"
    )

    assert images_in_text(text) == [
        cand("https://example.com/a.jpg?w=100&h=2", "link: example.com/a.jpg", "link"),
        cand("https://example.com/b.PNG", "link: example.com/b.PNG", "link"),
        cand("https://example.com/c.webp", "link: example.com/c.webp", "link"),
        cand("https://example.com/d.gif", "link: example.com/d.gif", "link"),
        cand("https://example.com/e.avif", "link: example.com/e.avif", "link"),
        cand("https://example.com/f.heic", "link: example.com/f.heic", "link"),
        cand("https://example.com/g.bmp", "link: example.com/g.bmp", "link"),
        cand(
            "https://en.wikipedia.org/wiki/File:Cat_(pet).tiff",
            "link: en.wikipedia.org/wiki/File:Cat_(pet).tiff",
            "link",
        ),
    ]


def test_only_http_links_to_images_or_discord_attachments() -> None:
    text = (
        "javascript:alert(1)//a.png ftp://example.com/b.png file:///tmp/c.png "
        "data:image/png;base64,iVBORw0KGgo= git+https://example.com/d.png "
        "https://example.com/page https://example.com/e.png.html https:///nohost.png "
        "HTTPS://EXAMPLE.COM/F.JPG "
        f"https://cdn.discordapp.com/attachments/1/2/download?{SIGNATURE}"
    )

    assert images_in_text(text) == [
        cand("HTTPS://EXAMPLE.COM/F.JPG", "link: example.com/F.JPG", "link"),
        cand(
            f"https://cdn.discordapp.com/attachments/1/2/download?{SIGNATURE}",
            "link: cdn.discordapp.com/attachments/1/2/download",
            "link",
        ),
    ]


def test_at_most_ten_candidates_from_text() -> None:
    text = " ".join(f"https://example.com/{i}.png" for i in range(15))

    found = images_in_text(text)

    assert MAX_TEXT_CANDIDATES == 10
    assert [c.url for c in found] == [f"https://example.com/{i}.png" for i in range(10)]


def test_duplicate_urls_are_merged(gateway: Gateway) -> None:
    photo = attachment("photo.png", "image/png")
    # The same file linked again, with an older signature and through the media proxy.
    relinked = photo["url"].replace(CDN, MEDIA).split("?")[0] + "?ex=1&is=2&hm=3"
    preview = {
        "type": "image",
        "url": "https://example.com/a.jpg",
        "thumbnail": {"url": "https://example.com/a.jpg", "width": 64, "height": 64},
    }
    text = (
        f"https://example.com/a.jpg {relinked} https://EXAMPLE.com/a.jpg "
        "<:blob:123456789012345678> https://example.com/a.jpg#top <:blob:123456789012345678>"
    )
    message = gateway.message_create(
        message_payload(text, attachments=[photo, photo], embeds=[preview])
    )

    assert images_in_message(message) == [
        cand(photo["url"], "photo.png", "attachment"),
        cand("https://example.com/a.jpg", "link: example.com/a.jpg", "link"),
        cand(f"{CDN}/emojis/123456789012345678.png", "emoji :blob:", "emoji"),
    ]


def test_forwarded_message_images_follow_the_message_own(gateway: Gateway) -> None:
    forwarded_photo = attachment("forwarded.jpg", "image/jpeg")
    snapshot = {
        "message": {
            "type": 0,
            "content": "<:blob:123456789012345678>",
            "embeds": [],
            "attachments": [forwarded_photo],
            "timestamp": "2025-02-28T08:00:00.000000+00:00",
            "edited_timestamp": None,
            "flags": 0,
            "mentions": [],
            "mention_roles": [],
        }
    }
    payload = message_payload(
        "https://example.com/mine.png",
        message_reference={
            "type": 1,
            "message_id": snowflake(),
            "channel_id": str(CHANNEL_ID),
            "guild_id": str(GUILD_ID),
        },
        message_snapshots=[snapshot],
    )
    message = gateway.message_create(payload)

    assert images_in_message(message) == [
        cand("https://example.com/mine.png", "link: example.com/mine.png", "link"),
        cand(forwarded_photo["url"], "forwarded.jpg", "attachment"),
        cand(f"{CDN}/emojis/123456789012345678.png", "emoji :blob:", "emoji"),
    ]


def test_long_labels_are_cut_for_the_picker() -> None:
    url = "https://example.com/" + "a" * 150 + ".png"

    [found] = images_in_text(url)

    assert found.url == url
    assert found.label == ("link: example.com/" + "a" * 150)[:99] + "…"


# --------------------------------------------------------------------------- avatars


def test_avatar_of_user_with_custom_avatar(gateway: Gateway) -> None:
    user = gateway.user(user_payload(ALICE_ID, "alice", avatar="1a2b3c", global_name="Alice"))

    assert avatar_of(user) == cand(
        f"{CDN}/avatars/{ALICE_ID}/1a2b3c.png?size=1024", "avatar: Alice", "avatar"
    )


def test_avatar_of_user_without_avatar_is_the_default_one(gateway: Gateway) -> None:
    user = gateway.user(user_payload(BOB_ID, "bob"))
    index = (BOB_ID >> 22) % 6  # discord.py's rule for users without a discriminator

    assert avatar_of(user) == cand(
        f"{CDN}/embed/avatars/{index}.png?size=1024", "avatar: bob", "avatar"
    )


def test_avatar_of_animated_avatar_is_a_static_png(gateway: Gateway) -> None:
    user = gateway.user(user_payload(ALICE_ID, "alice", avatar="a_9f8e7d", global_name="Alice"))
    assert user.display_avatar.url.endswith(".gif?size=1024")

    assert avatar_of(user) == cand(
        f"{CDN}/avatars/{ALICE_ID}/a_9f8e7d.png?size=1024", "avatar: Alice", "avatar"
    )


def test_avatar_of_member_is_the_server_avatar(gateway: Gateway) -> None:
    payload = message_payload(author=user_payload(ALICE_ID, "alice", avatar="1a2b3c"))
    payload["member"].update({"avatar": "a_55aa", "nick": "Ali"})
    author = gateway.message_create(payload).author
    assert isinstance(author, discord.Member)

    assert avatar_of(author) == cand(
        f"{CDN}/guilds/{GUILD_ID}/users/{ALICE_ID}/avatars/a_55aa.png?size=1024",
        "avatar: Ali",
        "avatar",
    )


# --------------------------------------------------------------------------- blanked messages


def blanked(message: discord.Message, *, intent: bool) -> bool:
    return message_looks_blanked(message, bot_user_id=BOT_ID, has_message_content=intent)


def test_other_users_empty_message_without_the_intent_looks_blanked(gateway: Gateway) -> None:
    # What Discord sends a bot without the intent: content, attachments, embeds emptied.
    payload = message_payload("")
    received = gateway.message_create(payload)
    fetched = gateway.fetched(payload)  # the reaction trigger's path

    assert images_in_message(received) == []
    assert blanked(received, intent=False)
    assert blanked(fetched, intent=False)
    assert not blanked(received, intent=True)
    assert not blanked(fetched, intent=True)


def test_own_messages_are_never_blanked(gateway: Gateway) -> None:
    own = gateway.message_create(message_payload("", author=user_payload(BOT_ID, "searchbot")))

    assert not blanked(own, intent=False)
    assert not blanked(own, intent=True)


def test_messages_mentioning_the_bot_are_never_blanked(gateway: Gateway) -> None:
    mention = user_payload(BOT_ID, "searchbot")
    other = user_payload(BOB_ID, "bob")
    mentioning = gateway.message_create(message_payload("", mentions=[other, mention]))
    mentioning_bob = gateway.message_create(message_payload("", mentions=[other]))

    assert not blanked(mentioning, intent=False)
    assert not blanked(mentioning, intent=True)
    assert blanked(mentioning_bob, intent=False)


def test_direct_messages_are_never_blanked(gateway: Gateway) -> None:
    direct = gateway.message_create(message_payload("", guild=False))
    assert isinstance(direct.channel, discord.DMChannel)

    assert not blanked(direct, intent=False)


def test_visible_content_or_system_messages_are_not_blanked(gateway: Gateway) -> None:
    visible = gateway.message_create(message_payload("just words"))
    joined = gateway.message_create(message_payload("", message_type=7))  # member join

    assert images_in_message(visible) == []
    assert not blanked(visible, intent=False)
    assert not blanked(joined, intent=False)
