"""CDN and media proxy of the fake Discord.

Attachments are served under `/attachments/{channel}/{id}/{filename}` with signed, expiring
query parameters `ex` (expiry, hex), `is` (issue time, hex) and `hm` (HMAC), like
`cdn.discordapp.com`; unsigned, tampered or expired URLs answer 404. `/media/...` plays
`media.discordapp.net`: with `?format=jpeg|png|webp` it returns the still frame registered
for a video. Avatars, emojis and stickers are unsigned assets; extension and `size` ignored.
"""

from __future__ import annotations

import hashlib
import hmac
import io
from collections.abc import Callable, Mapping
from urllib.parse import quote, unquote

from aiohttp import web

from tests.fakes.discord_models import CdnObject, Json, guess_type, image_size

DEFAULT_URL_LIFETIME = 24 * 3600.0


class Cdn:
    def __init__(self, *, wall_clock: Callable[[], float], secret: bytes) -> None:
        self._wall_clock = wall_clock
        self._secret = secret
        self.base_url: str | None = None
        self.url_lifetime = DEFAULT_URL_LIFETIME
        self.objects: dict[str, CdnObject] = {}
        """Served files by path (attachments signed, assets not)."""
        self.attachment_paths: dict[int, str] = {}
        self.requests: list[tuple[str, int]] = []
        """(path, status) of every CDN request, in order."""

    @property
    def url(self) -> str:
        if self.base_url is None:
            raise RuntimeError("the fake Discord is not started (use `async with FakeDiscord()`)")
        return self.base_url

    @property
    def media_url(self) -> str:
        return f"{self.url}/media"

    # ------------------------------------------------------------ signing

    def _signature(self, path: str, expires: int, issued: int) -> str:
        message = f"{path}?ex={expires:08x}&is={issued:08x}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()

    def sign(self, path: str, *, media: bool = False, lifetime: float | None = None) -> str:
        """A signed URL for a stored path, valid for `lifetime` seconds (default a day)."""
        issued = int(self._wall_clock())
        expires = issued + int(self.url_lifetime if lifetime is None else lifetime)
        signature = self._signature(path, expires, issued)
        base = self.media_url if media else self.url
        query = f"ex={expires:08x}&is={issued:08x}&hm={signature}&"
        return f"{base}{quote(path, safe='/')}?{query}"

    def check_signature(self, path: str, query: Mapping[str, str]) -> bool:
        try:
            expires, issued = int(query["ex"], 16), int(query["is"], 16)
            signature = query["hm"]
        except (KeyError, ValueError):
            return False
        expected = self._signature(path, expires, issued)
        return hmac.compare_digest(expected, signature) and self._wall_clock() < expires

    def refresh(self, url: str) -> str:
        """A freshly signed URL for an attachment URL (`POST /attachments/refresh-urls`)."""
        bare = url.split("?", 1)[0]
        path = unquote(bare.removeprefix(self.url).removeprefix("/media"))
        if path not in self.objects:
            return url
        return self.sign(path, media=bare.startswith(self.media_url))

    def fresh_attachments(self, attachments: list[Json]) -> None:
        """Re-sign `url`/`proxy_url` in place, as every real answer carries fresh URLs."""
        for attachment in attachments:
            path = self.attachment_paths.get(int(attachment["id"]))
            if path is not None:
                attachment["url"] = self.sign(path)
                attachment["proxy_url"] = self.sign(path, media=True)

    # ------------------------------------------------------------ storing

    def add_attachment(
        self,
        attachment_id: int,
        folder: int,
        filename: str,
        data: bytes,
        content_type: str | None = None,
        *,
        width: int | None = None,
        height: int | None = None,
        still_frame: bytes | None = None,
        duration_secs: float | None = None,
        description: str | None = None,
        url_lifetime: float | None = None,
    ) -> Json:
        path = f"/attachments/{folder}/{attachment_id}/{filename.replace('/', '_')}"
        content_type = content_type or guess_type(filename)
        self.objects[path] = CdnObject(data, content_type, signed=True, still_frame=still_frame)
        self.attachment_paths[attachment_id] = path
        if (width is None or height is None) and content_type.startswith("image/"):
            size = image_size(data)
            if size:
                width, height = size
        payload: Json = {
            "id": str(attachment_id),
            "filename": filename,
            "size": len(data),
            "url": self.sign(path, lifetime=url_lifetime),
            "proxy_url": self.sign(path, media=True, lifetime=url_lifetime),
            "content_type": content_type,
        }
        if width is not None and height is not None:
            payload.update({"width": width, "height": height})
        if duration_secs is not None:
            payload["duration_secs"] = duration_secs
        if description is not None:
            payload["description"] = description
        return payload

    def add_asset(self, path: str, data: bytes, content_type: str = "image/png") -> None:
        """Unsigned bytes at `path`; the extension is ignored when matching."""
        key = path.rsplit(".", 1)[0] if "." in path.rsplit("/", 1)[-1] else path
        self.objects[key] = CdnObject(data, content_type, signed=False)

    # ------------------------------------------------------------ serving

    async def handle(self, request: web.Request) -> web.Response:
        status, response = self._answer(request)
        self.requests.append((request.path, status))
        return response

    def _answer(self, request: web.Request) -> tuple[int, web.Response]:
        path = request.path
        media = path.startswith("/media/")
        key = path.removeprefix("/media") if media else path
        stored = self.objects.get(key)
        if stored is None and "." in key.rsplit("/", 1)[-1]:
            candidate = self.objects.get(key.rsplit(".", 1)[0])
            stored = candidate if candidate is not None and not candidate.signed else None
        if stored is None and key.startswith("/embed/avatars/"):
            return 200, web.Response(body=_placeholder_png(), content_type="image/png")
        if stored is None:
            return 404, web.Response(status=404, text="404: Not Found")
        if stored.signed and not self.check_signature(key, request.query):
            return 404, web.Response(status=404, text="This content is no longer available.")
        wanted = request.query.get("format")
        if media and wanted in ("jpeg", "jpg", "png", "webp"):
            if stored.still_frame is not None:
                subtype = "jpeg" if wanted == "jpg" else wanted
                headers = {"Content-Type": f"image/{subtype}"}
                return 200, web.Response(body=stored.still_frame, headers=headers)
            if not stored.content_type.startswith("image/"):
                return 415, web.Response(status=415, text="415: Unsupported Media Type")
        headers = {"Content-Type": stored.content_type}
        return 200, web.Response(body=stored.data, headers=headers)


def _placeholder_png() -> bytes:
    """Discord's default avatar stand-in: a 128×128 blurple square."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (128, 128), (88, 101, 242)).save(buffer, format="PNG")
    return buffer.getvalue()
