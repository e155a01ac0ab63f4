"""Every image a person could mean in a Discord message, a text or a user (pure: no I/O).

`images_in_message` lists, in this order: attachments (images, and a still frame of each video
through Discord's media proxy), stickers, embed images and thumbnails, then the custom emoji
and image links of the text in the order they appear. Forwarded messages (`message_snapshots`)
follow the message's own images, in the same order. Candidates are de-duplicated; the first
one wins, except that an embed previewing an image link of the text gives way to that link.
SVG attachments come last, after everything the image loader can open: the first candidate
(what the reaction trigger searches) is then a searchable one whenever there is one, and a
message holding only an SVG still gets the loader's clear "SVG is not supported" answer
instead of a false "no image here".

URLs that arrive in payloads (attachments, embeds, links) are used as they are; URLs built
here (custom emoji, stickers) start with `cdn_base`, which operators may point at a proxy and
tests at a fake CDN.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final
from urllib.parse import SplitResult, urlsplit, urlunsplit

import discord

DISCORD_CDN: Final = "https://cdn.discordapp.com"
"""Discord's CDN, the default `cdn_base` (the same as discord.py's `Asset.BASE`)."""

KINDS: Final = (
    "attachment",
    "video_frame",
    "embed_image",
    "embed_thumbnail",
    "sticker",
    "emoji",
    "link",
    "avatar",
)
"""The values of `ImageCandidate.kind`."""

MAX_TEXT_CANDIDATES: Final = 10
"""At most this many custom emoji and image links are taken from one text."""

MAX_LABEL_CHARS: Final = 100  # a select option's label (the picker) holds 100 characters

IMAGE_EXTENSIONS: Final = frozenset(
    {".png", ".jpg", ".jpeg", ".jfif", ".gif", ".webp", ".bmp", ".avif", ".heic", ".heif"}
    | {".tif", ".tiff"}
)
VIDEO_EXTENSIONS: Final = frozenset({".mp4", ".webm", ".mov", ".m4v"})
_SVG: Final = ".svg"

# Hosts serving Discord attachments (the CDN and the media proxy); links to attachments on them
# are images whatever their extension, and the same file whichever host or signature.
DISCORD_MEDIA_HOSTS: Final = frozenset({"cdn.discordapp.com", "media.discordapp.net"})
_ATTACHMENT_PATHS: Final = ("/attachments/", "/ephemeral-attachments/")

# Content types Discord gives files it could not identify: decide by the extension instead.
_UNKNOWN_TYPES: Final = frozenset({"", "application/octet-stream", "binary/octet-stream"})

_CUSTOM_EMOJI = re.compile(r"<(a?):(\w{1,32}):(\d{1,20})>")
# An http(s) scheme not glued to a longer scheme (`git+https:`) or word; up to white space,
# angle brackets (`<link>` suppresses the preview but is still a link), quotes or backticks.
_LINK = re.compile(r"(?<![\w+.-])https?://[^\s<>\"`]+", re.IGNORECASE)
_TRAILING_PUNCTUATION: Final = ".,;:!?'*_~|]}"


@dataclass(frozen=True, slots=True)
class ImageCandidate:
    url: str  # what to download (http(s))
    label: str  # short human label for a picker: "photo.png", "sticker: Wave", "avatar: Alice"
    kind: str  # one of KINDS


# --------------------------------------------------------------------------------- messages


def images_in_message(
    message: discord.Message, *, cdn_base: str = DISCORD_CDN
) -> list[ImageCandidate]:
    """Every image of a message and of the messages it forwards, in picker order."""
    found = _Found(cdn_base)
    for part in _parts(message):
        _collect(found, part, cdn_base)
    return found.result()


def _parts(message: discord.Message) -> list[discord.Message | discord.MessageSnapshot]:
    """The message, then the messages it forwards."""
    return [message, *message.message_snapshots]


def _collect(found: _Found, part: discord.Message | discord.MessageSnapshot, cdn_base: str) -> None:
    in_text = images_in_text(part.content, cdn_base=cdn_base)
    link_keys = {found.key(c.url) for c in in_text if c.kind == "link"}
    for attachment in part.attachments:
        candidate = _attachment_candidate(attachment)
        if candidate is not None:
            found.add(candidate, last=_is_svg(attachment))
    for sticker in part.stickers:
        candidate = _sticker_candidate(sticker, cdn_base)
        if candidate is not None:
            found.add(candidate)
    for embed in part.embeds:
        if embed.url and found.key(embed.url) in link_keys:
            continue  # the preview of an image link of the text: the same image
        for candidate in _embed_candidates(embed):
            if found.key(candidate.url) not in link_keys:
                found.add(candidate)
    for candidate in in_text:
        found.add(candidate)


def _attachment_candidate(attachment: discord.Attachment) -> ImageCandidate | None:
    content_type = (attachment.content_type or "").split(";", 1)[0].strip().lower()
    extension = _extension(attachment.filename)
    if content_type in _UNKNOWN_TYPES:
        if extension in IMAGE_EXTENSIONS or extension == _SVG:
            content_type = "image/*"
        elif extension in VIDEO_EXTENSIONS:
            content_type = "video/*"
    name = attachment.filename
    if content_type.startswith("image/") and _is_http(attachment.url):
        return ImageCandidate(attachment.url, _short(name), "attachment")
    if content_type.startswith("video/") and _is_http(attachment.proxy_url):
        # media.discordapp.net answers `format=jpeg` with a still frame of the video.
        frame = _with_query_param(attachment.proxy_url, "format", "jpeg")
        return ImageCandidate(frame, _short(f"video frame: {name}"), "video_frame")
    return None


def _is_svg(attachment: discord.Attachment) -> bool:
    content_type = (attachment.content_type or "").split(";", 1)[0].strip().lower()
    return content_type == "image/svg+xml" or _extension(attachment.filename) == _SVG


def _sticker_candidate(sticker: discord.StickerItem, cdn_base: str) -> ImageCandidate | None:
    """PNG, APNG and GIF stickers; Lottie ones are JSON animations, not images."""
    image_formats = (
        discord.StickerFormatType.png,
        discord.StickerFormatType.apng,
        discord.StickerFormatType.gif,
    )
    if sticker.format not in image_formats:
        return None
    url = sticker.url  # discord.py's: {Asset.BASE}/stickers/{id}.png, or the media proxy's GIF
    on_discord = cdn_base.rstrip("/") == DISCORD_CDN
    if sticker.format is not discord.StickerFormatType.gif or not on_discord:
        # Discord serves GIF stickers only through media.discordapp.net: keep discord.py's
        # URL for them on the real CDN. Everything else follows `cdn_base` (a proxy, a fake).
        url = f"{cdn_base.rstrip('/')}{urlsplit(url).path}"
    return ImageCandidate(url, _short(f"sticker: {sticker.name}"), "sticker")


def _embed_candidates(embed: discord.Embed) -> Iterator[ImageCandidate]:
    """The image, then the thumbnail; only the thumbnail (a still) of video and GIF embeds."""
    page = embed.url if _is_http(embed.url) else None
    if embed.type not in ("gifv", "video"):
        url = _media_url(embed.image.url, embed.image.proxy_url)
        if url is not None:
            host = _host(page or url)
            yield ImageCandidate(url, _short(f"embed image: {host}"), "embed_image")
    url = _media_url(embed.thumbnail.url, embed.thumbnail.proxy_url)
    if url is not None:
        host = _host(page or url)
        yield ImageCandidate(url, _short(f"embed thumbnail: {host}"), "embed_thumbnail")


def _media_url(url: str | None, proxy_url: str | None) -> str | None:
    """The original image's URL: what the person saw linked, and what de-duplicates against
    the text's links. Discord's cached copy (`proxy_url`) only when there is no http(s) one."""
    if _is_http(url):
        return url
    if _is_http(proxy_url):
        return proxy_url
    return None


# ------------------------------------------------------------------------------------- text


def images_in_text(text: str, *, cdn_base: str = DISCORD_CDN) -> list[ImageCandidate]:
    """Custom emoji (`<:name:id>`, `<a:name:id>`) and http(s) image links, in order of
    appearance, without duplicates, at most `MAX_TEXT_CANDIDATES`.

    A link counts when its path (query aside) ends with an image extension, or when it is a
    Discord attachment link (any extension). `<link>`-suppressed links count: the person
    still pointed at them. Trailing punctuation (`.`, `,`, an unbalanced `)`, markdown marks)
    is not part of a link. Unicode emoji are not images.
    """
    base = cdn_base.rstrip("/")
    found = _Found(cdn_base)
    for match in _text_matches(text):
        if len(found.items) >= MAX_TEXT_CANDIDATES:
            break
        if match.re is _CUSTOM_EMOJI:
            animated, name, emoji_id = match.groups()
            extension = "gif" if animated else "png"  # the loader takes a GIF's first frame
            url = f"{base}/emojis/{emoji_id}.{extension}"
            found.add(ImageCandidate(url, f"emoji :{name}:", "emoji"))
            continue
        url = _trim_link(match.group())
        parts = _split(url)
        if parts is None or not parts.hostname:
            continue
        if _extension(parts.path) in IMAGE_EXTENSIONS or _attachment_path(parts, cdn_base):
            label = _short(f"link: {parts.hostname}{parts.path}")
            found.add(ImageCandidate(url, label, "link"))
    return found.result()


def _text_matches(text: str) -> Iterator[re.Match[str]]:
    """Emoji and links, ordered by position (the two patterns cannot overlap)."""
    matches = [*_CUSTOM_EMOJI.finditer(text), *_LINK.finditer(text)]
    yield from sorted(matches, key=lambda m: m.start())


def _trim_link(url: str) -> str:
    while url:
        last = url[-1]
        if last in _TRAILING_PUNCTUATION or (last == ")" and url.count(")") > url.count("(")):
            url = url[:-1]
        else:
            break
    return url


# ------------------------------------------------------------------------------------ users


def avatar_of(user: discord.abc.User) -> ImageCandidate:
    """The avatar people see (a member's server avatar first), as a 1024 px static PNG.

    `png` on an animated avatar gives its first frame; a user without an avatar has Discord's
    default one (`/embed/avatars/{n}.png`). The URL starts with discord.py's `Asset.BASE`.
    """
    asset = user.display_avatar.replace(format="png", size=1024)
    return ImageCandidate(asset.url, _short(f"avatar: {user.display_name}"), "avatar")


# --------------------------------------------------------------------- message content intent


def message_looks_blanked(
    message: discord.Message, *, bot_user_id: int, has_message_content: bool
) -> bool:
    """Whether Discord may have emptied this message's content, attachments and embeds for us.

    Without the message-content intent Discord blanks them in every message except the bot's
    own, direct messages and messages mentioning the bot (discord.py's `Intents.message_content`
    documents the same three exceptions). Then "no image found" would be a lie: the answer must
    be "I cannot see it". A message that still shows content was evidently not blanked, and
    system messages (joins, pins, ...) carry no user content to blank.
    """
    if has_message_content or message.author.id == bot_user_id:
        return False
    if _in_private_channel(message) or message.is_system():
        return False
    if any(user.id == bot_user_id for user in message.mentions):
        return False
    return not any(_shows_content(part) for part in _parts(message))


def _in_private_channel(message: discord.Message) -> bool:
    channel = message.channel
    if isinstance(channel, discord.PartialMessageable):
        return channel.guild_id is None
    return isinstance(channel, discord.DMChannel | discord.GroupChannel) or message.guild is None


def _shows_content(part: discord.Message | discord.MessageSnapshot) -> bool:
    return bool(part.content or part.attachments or part.embeds or part.components)


# ---------------------------------------------------------------------------------- helpers


class _Found:
    """Candidates in order, without duplicates; those added with `last=True` go at the end."""

    def __init__(self, cdn_base: str) -> None:
        self.cdn_base = cdn_base
        self.items: list[ImageCandidate] = []
        self.last: list[ImageCandidate] = []
        self.keys: set[str] = set()

    def key(self, url: str) -> str:
        """Identity of the file behind a URL: a Discord attachment is the same file on the CDN
        or the media proxy and under any signature (`?ex=&is=&hm=`); other links are compared
        whole, fragment aside, with the scheme and host in lower case."""
        parts = _split(url)
        if parts is None:
            return url
        attachment = _attachment_path(parts, self.cdn_base)
        if attachment:
            return f"discord-attachment:{attachment}"
        return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path, parts.query, ""))

    def add(self, candidate: ImageCandidate, *, last: bool = False) -> None:
        key = self.key(candidate.url)
        if key not in self.keys:
            self.keys.add(key)
            (self.last if last else self.items).append(candidate)

    def result(self) -> list[ImageCandidate]:
        return [*self.items, *self.last]


def _attachment_path(parts: SplitResult, cdn_base: str) -> str:
    """`/attachments/...` for a Discord attachment link (on Discord or under `cdn_base`)."""
    path = parts.path
    if (parts.hostname or "") not in DISCORD_MEDIA_HOSTS:
        base = _split(cdn_base.rstrip("/"))
        same_origin = base is not None and (parts.scheme.lower(), parts.netloc.lower()) == (
            base.scheme.lower(),
            base.netloc.lower(),
        )
        if base is None or not same_origin or not path.startswith(base.path + "/"):
            return ""
        path = path[len(base.path) :]
    return path if path.startswith(_ATTACHMENT_PATHS) else ""


def _with_query_param(url: str, name: str, value: str) -> str:
    """`url` with `name=value` in its query, other parameters kept as they are."""
    parts = _split(url)
    if parts is None:
        return url
    kept = [p for p in parts.query.split("&") if p and p.split("=", 1)[0] != name]
    query = "&".join([*kept, f"{name}={value}"])
    return urlunsplit(parts._replace(query=query))


def _split(url: str) -> SplitResult | None:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        return None
    return parts


def _is_http(url: str | None) -> bool:
    if not url:
        return False
    parts = _split(url)
    return parts is not None and parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def _host(url: str) -> str:
    parts = _split(url)
    return (parts.hostname or "") if parts is not None else ""


def _extension(path: str) -> str:
    name = path.rsplit("/", 1)[-1].lower()
    dot = name.rfind(".")
    return name[dot:] if dot > 0 else ""


def _short(label: str) -> str:
    if len(label) <= MAX_LABEL_CHARS:
        return label
    return label[: MAX_LABEL_CHARS - 1] + "…"
