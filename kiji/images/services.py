"""Writes to the image library."""

from __future__ import annotations

import hashlib
import io

from django.core.files.base import ContentFile
from PIL import Image as PILImage

from kiji.images.models import KijiImage


def create_image(
    data: bytes, *, filename: str, title: str, caption: str = "", credit: str = ""
) -> tuple[KijiImage, bool]:
    """Store an image file with its caption and credit; the same bytes reuse the existing image."""
    digest = hashlib.sha1(data).hexdigest()  # noqa: S324  (Wagtail's own file_hash is SHA-1)
    image = KijiImage.objects.filter(file_hash=digest).first()
    created = image is None
    if image is None:
        with PILImage.open(io.BytesIO(data)) as picture:
            width, height = picture.size
        image = KijiImage(title=title, file_size=len(data), file_hash=digest)
        image.file.save(filename, ContentFile(data), save=False)
        # Set after the file: assigning it resets Django's dimension fields.
        image.width, image.height = width, height
    image.title = title
    image.caption = caption
    image.credit = credit
    image.save()
    return image, created
