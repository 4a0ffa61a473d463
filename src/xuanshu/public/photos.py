"""Candidates' photos on the public voting pages.

Uploads are never served from a public media URL. A photo goes public only as the photo of a candidate on
an open ballot: the nomination photo the ballot took when it opened (`Candidate.photo_ref`), and only if that
attachment belongs to the candidate's own nomination. It is served as a JPEG scaled down for phones, made
once from the stored (already re-encoded) image and kept beside the uploads.
"""
import io
import os
import tempfile
import warnings
from pathlib import Path

from django.conf import settings
from PIL import Image

from xuanshu.intake.images import MAX_PIXELS
from xuanshu.intake.models import Attachment
from xuanshu.nominations.models import Nomination

MAX_SIDE = 720  # pixels: sharp on a phone's card and profile, a fraction of an upload's size
PHOTO_TYPES = {"image/jpeg", "image/png"}


def photos_for(candidates) -> dict[int, Attachment]:
    """{candidate id: its public photo} for the candidates that have one (two queries for any number)."""
    wanted = {}
    for candidate in candidates:
        kind, _, ref = (candidate.photo_ref or "").partition(":")
        if kind == "attachment" and ref.isdigit() and candidate.nomination_id:
            wanted[candidate.pk] = (int(ref), candidate.nomination_id)
    if not wanted:
        return {}
    inbound_of = dict(Nomination.objects.filter(pk__in={n for _a, n in wanted.values()}).values_list("pk", "inbound_id"))
    attachments = Attachment.objects.in_bulk([a for a, _n in wanted.values()])
    found = {}
    for candidate_id, (attachment_id, nomination_id) in wanted.items():
        attachment = attachments.get(attachment_id)
        if attachment and attachment.inbound_id == inbound_of.get(nomination_id) and attachment.content_type in PHOTO_TYPES:
            found[candidate_id] = attachment
    return found


def _on_white(image: Image.Image) -> Image.Image:
    """The image in RGB, its transparent parts on white: a JPEG has no transparency, and a plain conversion
    turns transparent pixels black (or whatever colour they hide)."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info) or (
            image.mode in ("RGB", "L") and "transparency" in image.info):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return image.convert("RGB")


def scaled_photo(attachment: Attachment) -> Path:
    """The photo as a JPEG of at most MAX_SIDE pixels a side, made on first use; raises FileNotFoundError."""
    target = Path(settings.MEDIA_ROOT) / "public-photos" / f"{attachment.sha256}-{MAX_SIDE}.jpg"
    if target.exists():
        return target
    with attachment.file.open("rb") as source:
        raw = source.read()
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        with Image.open(io.BytesIO(raw)) as image:
            image.thumbnail((MAX_SIDE, MAX_SIDE))
            scaled = io.BytesIO()
            _on_white(image).save(scaled, "JPEG", quality=82, optimize=True, progressive=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    # Written aside and renamed: two first requests at once each finish a whole file, and no reader sees half.
    handle, temporary = tempfile.mkstemp(dir=target.parent, suffix=".part")
    with os.fdopen(handle, "wb") as out:
        out.write(scaled.getvalue())
    os.replace(temporary, target)
    return target
