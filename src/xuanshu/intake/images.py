"""Uploaded images are verified, decoded under Pillow's decompression-bomb guard, and re-encoded.

Re-encoding drops EXIF (GPS included), ICC tricks and anything appended to the file; the stored
bytes are pixels we produced ourselves. HEIC/HEIF (what iPhones send) is read with pillow-heif and
stored as JPEG or PNG like everything else, so browsers and every later step only ever see those two.
"""
import hashlib
import io
import warnings
from dataclasses import dataclass

import pillow_heif
from PIL import Image, ImageOps, UnidentifiedImageError

# Only the primary picture is read: a HEIC's thumbnails, depth maps and auxiliary images are never decoded.
# pillow-heif applies the HEIF rotation itself and resets the EXIF orientation, so exif_transpose does not turn it twice.
pillow_heif.register_heif_opener(thumbnails=False, depth_images=False, aux_images=False)

ACCEPTED_FORMATS = {"JPEG", "PNG", "GIF", "WEBP", "BMP", "MPO", "HEIF"}
# Pillow raises DecompressionBombError above twice this; warn-level bombs are refused too.
MAX_PIXELS = 40_000_000


class ImageRejected(Exception):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code  # not_image, too_large, too_many_pixels, unsupported_format


@dataclass(frozen=True)
class ReencodedImage:
    data: bytes
    content_type: str
    width: int
    height: int
    original_sha256: str
    original_size: int

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def reencode_image(raw: bytes, *, max_bytes: int) -> ReencodedImage:
    """Verify `raw` is a real image and return clean re-encoded bytes, or raise ImageRejected."""
    if len(raw) > max_bytes:
        raise ImageRejected("too_large")
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(raw)) as probe:
                if probe.format not in ACCEPTED_FORMATS:
                    raise ImageRejected("unsupported_format")
                probe.verify()
            with Image.open(io.BytesIO(raw)) as image:
                image.load()
                image = ImageOps.exif_transpose(image)  # keep the photo upright once EXIF is gone
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ImageRejected("too_many_pixels") from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
            raise ImageRejected("not_image") from None
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    out = io.BytesIO()
    if has_alpha:
        image.convert("RGBA").save(out, format="PNG", optimize=True)
        content_type = "image/png"
    else:
        image.convert("RGB").save(out, format="JPEG", quality=85, optimize=True)
        content_type = "image/jpeg"
    return ReencodedImage(
        data=out.getvalue(),
        content_type=content_type,
        width=image.width,
        height=image.height,
        original_sha256=hashlib.sha256(raw).hexdigest(),
        original_size=len(raw),
    )
