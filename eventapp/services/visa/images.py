"""The letterhead and the seal organisers upload for the letters: PNG or JPEG only, told by
the content, and small enough for the letter and the request that brings them."""

from __future__ import annotations

import base64
import io

from flask_babel import gettext as _
from sqlalchemy import select

from ...extensions import db
from ...models import Event, EventImage, utcnow
from ..audit import Actor, AuditAction, record_audit
from ..transactions import write_transaction
from .requests import VisaRefused

IMAGE_KINDS = ("letterhead", "seal")
# Pillow's format -> what is stored (MPO: a camera's JPEG holding more than one picture).
IMAGE_MIMETYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "MPO": "image/jpeg"}
# Below the app's MAX_CONTENT_LENGTH (1 MiB), which must hold the form around the file too.
EVENT_IMAGE_MAX_BYTES = 1_000_000
EVENT_IMAGE_MAX_SIDE = 6000  # pixels: a small file can still unpack into a huge image


def event_images(event: Event) -> dict[str, EventImage]:
    """The event's uploaded images by kind (their content is loaded when read)."""
    rows = db.session.execute(select(EventImage).where(EventImage.event_id == event.id)).scalars()
    return {image.kind: image for image in rows}


def _image_type(content: bytes) -> str:
    """The mimetype of a PNG or JPEG image, told by its content; VisaRefused for anything else."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(content)) as image:
            kind, width, height = image.format, image.width, image.height
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        kind, width, height = None, 0, 0
    if kind not in IMAGE_MIMETYPES:
        raise VisaRefused(
            {"image": _("This file is not a PNG or JPEG image. Save the image as PNG or JPEG and upload it again.")}
        )
    if max(width, height) > EVENT_IMAGE_MAX_SIDE:
        message = _(
            "The image is %(width)d × %(height)d pixels: at most %(max)d pixels on each side.",
            width=width,
            height=height,
            max=EVENT_IMAGE_MAX_SIDE,
        )
        raise VisaRefused({"image": message})
    return IMAGE_MIMETYPES[kind]


def save_event_image(event: Event, kind: str, file_bytes: bytes, mimetype: str, actor: Actor) -> EventImage:
    """Keep the letterhead or the seal, replacing the one before. Only PNG and JPEG, told by
    the content (the `mimetype` a browser sends is not trusted), up to EVENT_IMAGE_MAX_BYTES."""
    if kind not in IMAGE_KINDS:
        raise ValueError(f"not an image kind: {kind}")
    if not file_bytes:
        raise VisaRefused({"image": _("Choose an image file.")})
    if len(file_bytes) > EVENT_IMAGE_MAX_BYTES:
        raise VisaRefused({"image": _("The image is larger than 1 MB. Make it smaller and upload it again.")})
    stored_type = _image_type(file_bytes)
    with write_transaction() as dbs:
        image = dbs.get(EventImage, (event.id, kind), with_for_update=True)
        if image is None:
            image = EventImage(event_id=event.id, kind=kind)
            dbs.add(image)
        image.mimetype, image.content, image.uploaded_at = stored_type, file_bytes, utcnow()
        record_audit(AuditAction.EVENT_IMAGE_UPLOADED, actor, image=kind, mimetype=stored_type, size=len(file_bytes))
    return image


def remove_event_image(event: Event, kind: str, actor: Actor) -> bool:
    """Remove the letterhead (letters get the typographic one) or the seal; False if none."""
    with write_transaction() as dbs:
        image = dbs.get(EventImage, (event.id, kind), with_for_update=True)
        if image is None:
            return False
        dbs.delete(image)
        record_audit(AuditAction.EVENT_IMAGE_REMOVED, actor, image=kind)
    return True


def data_uri(image: EventImage | None) -> str | None:
    if image is None:
        return None
    return f"data:{image.mimetype};base64," + base64.b64encode(image.content).decode()
