"""Builders for test input: real image bytes made with Pillow."""
import io
import time
import urllib.request
from pathlib import Path

from PIL import Image


def jpeg_bytes(size=(64, 48), color=(200, 30, 30), exif_gps=False) -> bytes:
    image = Image.new("RGB", size, color)
    out = io.BytesIO()
    if exif_gps:
        exif = Image.Exif()
        exif[0x010F] = "CameraMaker"  # Make
        exif[0x8825] = {1: "N", 2: (36.0, 27.0, 0.0), 3: "E", 4: (115.0, 59.0, 0.0)}  # GPSInfo: Liaocheng
        image.save(out, format="JPEG", exif=exif)
    else:
        image.save(out, format="JPEG")
    return out.getvalue()


def png_bytes(size=(32, 32), mode="RGBA") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (10, 120, 200, 128) if mode == "RGBA" else (10, 120, 200)).save(out, format="PNG")
    return out.getvalue()


def heic_bytes(size=(64, 48), color=(200, 30, 30), *, alpha=False, exif_gps=False) -> bytes:
    """A real HEIC, HEVC-encoded by libheif through pillow-heif, as an iPhone sends it (brand `heic`)."""
    import pillow_heif

    image = Image.new("RGBA", size, (*color, 128)) if alpha else Image.new("RGB", size, color)
    exif = None
    if exif_gps:
        tags = Image.Exif()
        tags[0x010F] = "CameraMaker"  # Make
        tags[0x8825] = {1: "N", 2: (36.0, 27.0, 0.0), 3: "E", 4: (115.0, 59.0, 0.0)}  # GPSInfo: Liaocheng
        exif = tags.tobytes()
    out = io.BytesIO()
    pillow_heif.from_pillow(image).save(out, quality=90, exif=exif)
    return out.getvalue()


def wait_until_serving(base: str, log: Path, attempts: int = 150) -> None:
    """Wait for a server started by a test to answer /v/ping; fail with the end of its log if it never does."""
    for _ in range(attempts):
        try:
            urllib.request.urlopen(f"{base}/v/ping", timeout=1).read()
            return
        except OSError:
            time.sleep(0.2)
    import pytest

    pytest.fail(f"the server did not start: {log.read_text()[-2000:]}")


def half_past_this_minute() -> float:
    """Now, 30 s into the present minute: a clock stopped there keeps a fixed-window limit from rolling over
    mid-test, and a cache entry stamped with it still expires as a real one would (the database cache compares
    its expiry times with the real clock)."""
    return time.time() // 60 * 60 + 30
