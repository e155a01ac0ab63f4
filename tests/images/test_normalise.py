"""normalise(): sniffing, limits and conversions, on images generated with Pillow."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import struct
import zlib
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, features

from bot.images import PreparedImage, normalise
from bot.images.normalise import MAX_RAW_BYTES, MAX_SIDE
from bot.search.errors import ErrorCode, SearchError

RED, BLUE = (255, 0, 0), (0, 0, 255)


def encode(img: Image.Image, fmt: str, **options: Any) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **options)
    return buf.getvalue()


def halves(size: tuple[int, int] = (64, 48), mode: str = "RGB") -> Image.Image:
    """Red left half, blue right half: orientation and frame choice show in the pixels."""
    img = Image.new(mode, size, "red")
    img.paste("blue", (size[0] // 2, 0, size[0], size[1]))
    return img


def decode(data: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(data))
    img.load()
    return img


def close_to(pixel: Any, colour: tuple[int, int, int], tolerance: int = 40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel[:3], colour, strict=True))


def alpha(img: Image.Image, xy: tuple[int, int]) -> int:
    pixel = img.getpixel(xy)
    assert isinstance(pixel, tuple)
    return pixel[3]


def refused(data: bytes) -> SearchError:
    with pytest.raises(SearchError) as info:
        normalise(data)
    return info.value


def check_output(p: PreparedImage) -> Image.Image:
    """Invariants of every result: the metadata describes the bytes."""
    img = decode(p.data)
    assert (img.width, img.height) == (p.width, p.height)
    assert Image.MIME[img.format or ""] == p.mime
    assert p.sha256 == hashlib.sha256(p.data).hexdigest()
    assert len(p.data) <= MAX_RAW_BYTES and max(img.size) <= MAX_SIDE
    assert getattr(img, "n_frames", 1) == 1
    return img


# --- formats kept as they are ------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "mime"), [("PNG", "image/png"), ("JPEG", "image/jpeg"), ("WEBP", "image/webp")]
)
def test_accepted_formats_keep_the_original_bytes(fmt: str, mime: str) -> None:
    data = encode(halves(), fmt)
    p = normalise(data)
    assert p.data == data  # cheap path: untouched
    assert (p.mime, p.width, p.height, p.original_format) == (mime, 64, 48, fmt.lower())
    check_output(p)


def test_data_url_round_trips() -> None:
    data = encode(halves(), "PNG")
    p = normalise(data)
    prefix = "data:image/png;base64,"
    assert p.data_url.startswith(prefix)
    assert base64.b64decode(p.data_url[len(prefix) :]) == data


def test_repr_leaves_the_bytes_out() -> None:
    p = normalise(encode(Image.new("RGB", (2000, 2000)), "PNG"))
    assert len(repr(p)) < 300 and p.sha256 in repr(p)


# --- conversions -------------------------------------------------------------------------


def test_animated_gif_gives_its_first_frame() -> None:
    frames = [Image.new("RGB", (40, 30), c) for c in (RED, BLUE, (0, 255, 0))]
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100)
    assert decode(data).n_frames == 3  # type: ignore[attr-defined]
    p = normalise(data)
    img = check_output(p)
    assert p.original_format == "gif" and p.mime == "image/png"  # palette stays lossless
    assert close_to(img.convert("RGB").getpixel((20, 15)), RED, tolerance=0)


def test_gif_with_transparency_keeps_alpha() -> None:
    img = Image.new("P", (30, 30), 0)
    img.putpalette([255, 0, 0, 0, 0, 255])
    img.paste(1, (0, 0, 15, 30))
    frames = [img, img.copy()]
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], transparency=1)
    p = normalise(data)
    out = check_output(p).convert("RGBA")
    assert p.mime == "image/png"
    assert alpha(out, (5, 5)) == 0 and out.getpixel((25, 5)) == (255, 0, 0, 255)


def test_apng_gives_its_first_frame() -> None:
    frames = [Image.new("RGB", (40, 30), c) for c in (BLUE, RED)]
    data = encode(frames[0], "PNG", save_all=True, append_images=frames[1:])
    assert decode(data).n_frames == 2  # type: ignore[attr-defined]
    p = normalise(data)
    img = check_output(p)
    assert p.data != data  # not passed through: DashScope would see an animation
    assert close_to(img.convert("RGB").getpixel((20, 15)), BLUE)


def test_animated_webp_gives_its_first_frame() -> None:
    frames = [Image.new("RGB", (40, 30), c) for c in (RED, BLUE)]
    data = encode(frames[0], "WEBP", save_all=True, append_images=frames[1:], lossless=True)
    assert decode(data).n_frames == 2  # type: ignore[attr-defined]
    p = normalise(data)
    img = check_output(p)
    assert p.data != data and p.mime == "image/jpeg" and p.original_format == "webp"
    assert close_to(img.convert("RGB").getpixel((20, 15)), RED)


@pytest.mark.skipif(not features.check("avif"), reason="Pillow built without AVIF")
def test_avif_without_alpha_becomes_jpeg() -> None:
    p = normalise(encode(halves(), "AVIF", quality=90))
    img = check_output(p)
    assert (p.mime, p.original_format, p.width, p.height) == ("image/jpeg", "avif", 64, 48)
    assert close_to(img.getpixel((5, 5)), RED) and close_to(img.getpixel((60, 40)), BLUE)


@pytest.mark.skipif(not features.check("avif"), reason="Pillow built without AVIF")
def test_avif_with_alpha_becomes_png() -> None:
    img = Image.new("RGBA", (64, 48), (*RED, 255))
    img.paste((*BLUE, 0), (32, 0, 64, 48))  # right half transparent
    p = normalise(encode(img, "AVIF", quality=90))
    out = check_output(p)
    assert (p.mime, p.original_format, out.mode) == ("image/png", "avif", "RGBA")
    assert close_to(out.getpixel((5, 5)), RED) and alpha(out, (5, 5)) > 200
    assert alpha(out, (60, 40)) < 50


@pytest.mark.parametrize("fmt", ["BMP", "TIFF"])
def test_other_formats_are_re_encoded(fmt: str) -> None:
    p = normalise(encode(halves(), fmt))
    img = check_output(p)
    assert p.mime == "image/jpeg" and p.original_format == fmt.lower()
    assert close_to(img.getpixel((5, 5)), RED) and close_to(img.getpixel((60, 40)), BLUE)


def test_cmyk_tiff_becomes_rgb_jpeg() -> None:
    p = normalise(encode(Image.new("CMYK", (30, 30), (0, 255, 255, 0)), "TIFF"))
    img = check_output(p)
    assert img.mode == "RGB" and close_to(img.getpixel((15, 15)), RED)


def test_exif_rotation_is_applied() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    data = encode(halves((64, 48)), "JPEG", exif=exif, quality=95)
    p = normalise(data)
    img = check_output(p)
    # The red left half ends on top once turned clockwise.
    assert (p.width, p.height) == (48, 64)
    assert close_to(img.getpixel((24, 5)), RED) and close_to(img.getpixel((24, 58)), BLUE)
    assert img.getexif().get(0x0112, 1) == 1


def test_oversized_noise_is_downscaled_and_fits() -> None:
    noise = Image.frombytes("RGB", (8000, 6000), os.urandom(8000 * 6000 * 3))
    data = encode(noise, "JPEG", quality=90)
    assert len(data) > MAX_RAW_BYTES
    p = normalise(data)
    check_output(p)
    assert (p.width, p.height) == (4096, 3072) and p.mime == "image/jpeg"


def test_too_many_bytes_within_the_side_limit_lowers_quality_not_size() -> None:
    noise = Image.frombytes("RGB", (3000, 2500), os.urandom(3000 * 2500 * 3))
    data = encode(noise, "PNG")
    assert len(data) > MAX_RAW_BYTES
    p = normalise(data)
    check_output(p)
    assert (p.width, p.height) == (3000, 2500) and p.mime == "image/jpeg"


def test_large_transparent_image_keeps_alpha_and_fits() -> None:
    noise = Image.frombytes("RGBA", (2400, 2400), os.urandom(2400 * 2400 * 4))
    data = encode(noise, "PNG", compress_level=1)
    assert len(data) > MAX_RAW_BYTES
    p = normalise(data)
    img = check_output(p)
    assert p.mime == "image/webp" and img.mode == "RGBA"


def test_sixteen_bit_grey_is_scaled_not_clipped() -> None:
    data = encode(Image.new("I;16", (5000, 100), 32768), "PNG")
    p = normalise(data)  # over 4096 px wide, so it is converted
    img = check_output(p)
    assert p.width == 4096 and 110 <= img.convert("L").getpixel((10, 10)) <= 145  # type: ignore[operator]


# --- refusals ----------------------------------------------------------------------------


@pytest.mark.parametrize("size", [(5, 5), (9, 100), (100, 9)])
def test_tiny_image_is_too_small(size: tuple[int, int]) -> None:
    assert refused(encode(Image.new("RGB", size), "PNG")).code == ErrorCode.IMAGE_TOO_SMALL


def test_one_by_4000_is_too_small_before_shape() -> None:
    # Both limits are broken; the side check runs first (no reshaping fixes a 1 px side).
    assert refused(encode(Image.new("L", (1, 4000)), "PNG")).code == ErrorCode.IMAGE_TOO_SMALL


@pytest.mark.parametrize("size", [(15, 4000), (4020, 20)])
def test_beyond_200_to_1_is_refused(size: tuple[int, int]) -> None:
    assert refused(encode(Image.new("L", size), "PNG")).code == ErrorCode.IMAGE_SHAPE


def test_exactly_200_to_1_is_fine() -> None:
    p = normalise(encode(Image.new("L", (4000, 20)), "PNG"))
    assert (p.width, p.height) == (4000, 20)


@pytest.mark.parametrize(
    "data",
    [
        b"hello, this is plain text and not an image at all" * 3,
        os.urandom(4096),
        b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 100 100\nshowpage\n",  # no Ghostscript
        b"GIF89a",
        b"\x89PNG\r\n\x1a\n",
    ],
)
def test_not_an_image(data: bytes) -> None:
    assert refused(data).code == ErrorCode.NOT_AN_IMAGE


def test_empty_input() -> None:
    err = refused(b"")
    assert err.code == ErrorCode.NOT_AN_IMAGE and "empty" in err.detail


def test_html_is_named_as_a_web_page() -> None:
    err = refused(b"<!DOCTYPE html><html><body>Not found</body></html>")
    assert err.code == ErrorCode.NOT_AN_IMAGE and "web page" in err.detail


@pytest.mark.parametrize(
    "data",
    [
        b'<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100"/>',
        b'\xef\xbb\xbf<?xml version="1.0"?>\n<!-- made by hand -->\n<svg width="9"></svg>',
    ],
)
def test_svg_is_refused_with_advice(data: bytes) -> None:
    err = refused(data)
    assert err.code == ErrorCode.NOT_AN_IMAGE and "SVG" in err.detail and "PNG" in err.detail


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "GIF", "WEBP"])
def test_truncated_file_is_not_an_image(fmt: str) -> None:
    noise = Image.frombytes("RGB", (200, 200), os.urandom(200 * 200 * 3))
    data = encode(noise, fmt)
    err = refused(data[: len(data) // 2])
    assert err.code == ErrorCode.NOT_AN_IMAGE


def _png_claiming(width: int, height: int) -> bytes:
    """A real 1×1 PNG whose header is rewritten to claim another size (CRC fixed up)."""
    data = bytearray(encode(Image.new("L", (1, 1)), "PNG"))
    ihdr = struct.pack(">II", width, height) + bytes(data[24:29])
    data[16:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    return bytes(data)


@pytest.mark.parametrize(
    "size",
    [
        (9000, 9000),  # above our limit, below Pillow's: our own check refuses it
        (100_000, 100_000),  # far above Pillow's: DecompressionBombError
    ],
)
def test_decompression_bomb_is_refused_before_decoding(size: tuple[int, int]) -> None:
    assert refused(_png_claiming(*size)).code == ErrorCode.IMAGE_TOO_LARGE


def test_header_size_rewrite_is_what_pillow_reads() -> None:
    # Guards the bomb test: the forged header really claims the size.
    assert Image.open(io.BytesIO(_png_claiming(5000, 4000))).size == (5000, 4000)


# --- properties --------------------------------------------------------------------------

_SEED = encode(halves((24, 24)), "PNG")
_GIF_SEED = encode(halves((24, 24)).convert("P"), "GIF")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.sampled_from([_SEED, _GIF_SEED]),
    edits=st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), max_size=8),
    cut=st.integers(0, 10_000),
)
def test_damaged_input_fails_only_with_search_error(
    seed: bytes, edits: list[tuple[int, int]], cut: int
) -> None:
    data = bytearray(seed)
    for pos, value in edits:
        data[pos % len(data)] = value
    try:
        p = normalise(bytes(data[: max(1, cut)]))
    except SearchError as err:
        assert err.code in {
            ErrorCode.NOT_AN_IMAGE,
            ErrorCode.IMAGE_TOO_LARGE,
            ErrorCode.IMAGE_TOO_SMALL,
            ErrorCode.IMAGE_SHAPE,
        }
    else:
        check_output(p)
