"""Turn downloaded bytes into an image DashScope accepts. Pure and CPU-only: run in a thread.

DashScope's limits: at most ~10 MB as a data URL (so ~7 MB raw), each side at least 10 px,
aspect ratio at most 200:1, first frame of animations only, a few formats.
"""

from __future__ import annotations

import base64
import hashlib
import io
import math
from dataclasses import dataclass, field

from PIL import ExifTags, Image, ImageFile, ImageOps, UnidentifiedImageError

from bot.search.errors import ErrorCode, SearchError

MAX_RAW_BYTES = 7_000_000
MAX_SIDE = 4096
MIN_SIDE = 10
MAX_ASPECT = 200
# Decode limit (8000×8000). Below Pillow's own bomb threshold (~89.5 M), so our check answers
# first; memory for one decode stays around 256 MB at worst (RGBA).
MAX_PIXELS = 64_000_000

# Only these decoders see user bytes: no EPS (runs Ghostscript), no header-less formats (TGA)
# that would "recognise" random data. HEIF is used only if a plugin (pillow-heif) registered it.
_OPEN_FORMATS = ("JPEG", "PNG", "GIF", "WEBP", "AVIF", "HEIF", "BMP", "TIFF", "ICO", "JPEG2000")
_KEEP_AS_IS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
_JPEG_QUALITIES = (90, 80, 68)


@dataclass(frozen=True, slots=True)
class PreparedImage:
    data: bytes = field(repr=False)  # megabytes: keep them out of logs
    mime: str
    width: int
    height: int
    sha256: str  # of `data`
    original_format: str  # Pillow's name, lower case: "jpeg", "gif", "avif", ...

    @property
    def data_url(self) -> str:
        return f"data:{self.mime};base64,{base64.b64encode(self.data).decode('ascii')}"


def normalise(data: bytes) -> PreparedImage:
    """Sniff, check and (only if needed) convert `data`; raise SearchError if unusable."""
    _refuse_text(data)
    try:
        with Image.open(io.BytesIO(data), formats=_formats()) as img:
            return _prepare(img, data)
    except SearchError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning, MemoryError):
        raise SearchError(ErrorCode.IMAGE_TOO_LARGE, "too many pixels to decode") from None
    except UnidentifiedImageError:
        raise SearchError(ErrorCode.NOT_AN_IMAGE, "not a supported image format") from None
    except Exception as exc:  # Pillow's decoders raise many types on damaged input
        detail = f"damaged or truncated image ({type(exc).__name__})"
        raise SearchError(ErrorCode.NOT_AN_IMAGE, detail) from None


def _formats() -> list[str]:
    Image.init()  # registers plugins, so a later-installed HEIF opener is seen too
    return [f for f in _OPEN_FORMATS if f in Image.OPEN]


def _refuse_text(data: bytes) -> None:
    if not data:
        raise SearchError(ErrorCode.NOT_AN_IMAGE, "empty file (0 bytes)")
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"<svg") or (
        head.startswith((b"<?xml", b"<!doctype svg", b"<!--")) and b"<svg" in head
    ):
        raise SearchError(ErrorCode.NOT_AN_IMAGE, "SVG is not supported; convert it to PNG first")
    if head.startswith((b"<!doctype html", b"<html")):
        raise SearchError(ErrorCode.NOT_AN_IMAGE, "a web page (HTML), not an image")


def _check_shape(width: int, height: int) -> None:
    # Size first: a 1×4000 strip fails on its 1 px side whatever its shape.
    if min(width, height) < MIN_SIDE:
        raise SearchError(
            ErrorCode.IMAGE_TOO_SMALL, f"{width}x{height} px; each side needs {MIN_SIDE} px"
        )
    if max(width, height) > MAX_ASPECT * min(width, height):
        raise SearchError(
            ErrorCode.IMAGE_SHAPE, f"{width}x{height} px is longer than {MAX_ASPECT}:1"
        )


def _prepare(img: ImageFile.ImageFile, data: bytes) -> PreparedImage:
    fmt = img.format or "unknown"
    width, height = img.size
    if width * height > MAX_PIXELS:
        raise SearchError(ErrorCode.IMAGE_TOO_LARGE, f"{width}x{height} px is too many pixels")
    _check_shape(width, height)
    # is_animated looks at the second frame only; n_frames would walk the whole file.
    animated = bool(getattr(img, "is_animated", False))
    orientation = img.getexif().get(ExifTags.Base.Orientation, 1)
    rotated = orientation in range(2, 9)

    mime = _KEEP_AS_IS.get(fmt)
    if (
        mime is not None
        and not animated
        and not rotated
        and len(data) <= MAX_RAW_BYTES
        and max(width, height) <= MAX_SIDE
    ):
        img.load()  # a full decode catches truncated files before DashScope does
        return _result(data, mime, width, height, fmt)

    if fmt in ("JPEG", "MPO") and max(width, height) > MAX_SIDE:
        # Let libjpeg decode at 1/2, 1/4 or 1/8 scale: far less memory and time.
        scale = MAX_SIDE / max(width, height)
        img.draft(None, (math.ceil(width * scale), math.ceil(height * scale)))
    img.load()  # the current frame, i.e. the first one of an animation
    frame = _to_savable(ImageOps.exif_transpose(img))
    lossless = frame.mode in ("RGBA", "LA", "P")  # decided before resizing turns P into RGB
    frame = _downscale(frame, MAX_SIDE / max(frame.size))
    out, mime, (width, height) = _encode_to_fit(frame, lossless)
    return _result(out, mime, width, height, fmt)


def _result(data: bytes, mime: str, width: int, height: int, fmt: str) -> PreparedImage:
    digest = hashlib.sha256(data).hexdigest()
    return PreparedImage(data, mime, width, height, digest, fmt.lower())


def _has_alpha(img: Image.Image) -> bool:
    return img.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in img.info


def _to_savable(img: Image.Image) -> Image.Image:
    """RGB/L (→ JPEG), RGBA/LA/P (→ PNG): modes both encoders take."""
    if img.mode.startswith("I") or img.mode == "F":
        img = _to_8bit(img)
    if _has_alpha(img):
        return img.convert("LA" if img.mode in ("L", "LA", "La") else "RGBA")
    if img.mode == "1":
        return img.convert("L")
    if img.mode not in ("L", "RGB", "P"):
        return img.convert("RGB")  # CMYK, YCbCr, LAB, ...
    return img


def _to_8bit(img: Image.Image) -> Image.Image:
    # convert("L") would clip 16-bit and float values to white; scale them instead.
    wide = img.convert("F")
    top = float(wide.getextrema()[1])  # type: ignore[arg-type]
    if img.mode.startswith("I;16"):
        top = 65535.0
    factor = 255.0 / top if top > 255 or (img.mode == "F" and top > 0) else 1.0
    return wide.point(lambda v: v * factor).convert("L")


def _downscale(img: Image.Image, factor: float) -> Image.Image:
    if factor >= 1:
        return img
    size = (max(1, round(img.width * factor)), max(1, round(img.height * factor)))
    if min(size) < MIN_SIDE:
        raise SearchError(ErrorCode.IMAGE_TOO_LARGE, "cannot shrink under the size limit")
    if img.mode == "P":  # palette images resize only with "nearest": go to RGB first
        img = img.convert("RGB")
    return img.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)


def _encode_to_fit(img: Image.Image, lossless: bool) -> tuple[bytes, str, tuple[int, int]]:
    """Re-encode, lowering quality and then size, until the bytes fit MAX_RAW_BYTES."""
    # Alpha and palette images (logos, GIFs) stay lossless PNG if they fit, else lossy WebP
    # (keeps alpha); photos become JPEG.
    tries: list[tuple[str, dict[str, int]]]
    if lossless:
        tries = [("PNG", {"compress_level": 6}), ("WEBP", {"quality": 80, "method": 2})]
    else:
        tries = [("JPEG", {"quality": q}) for q in _JPEG_QUALITIES]
    for _attempt in range(8):
        for fmt, options in tries:
            buf = io.BytesIO()
            img.save(buf, fmt, **options)
            if buf.tell() <= MAX_RAW_BYTES:
                return buf.getvalue(), f"image/{fmt.lower()}", img.size
        # Bytes grow about with the pixel count: shrink by the square root of the overshoot,
        # then retry only the smallest encoding (the better ones were already too big).
        img = _downscale(img, min(0.9, 0.95 * math.sqrt(MAX_RAW_BYTES / buf.tell())))
        tries = tries[-1:]
    raise SearchError(ErrorCode.IMAGE_TOO_LARGE, f"cannot fit under {MAX_RAW_BYTES} bytes")
