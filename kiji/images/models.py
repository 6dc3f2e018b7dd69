from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.images.models import AbstractImage, AbstractRendition
from wagtail.images.models import Image as WagtailImage


class KijiImage(AbstractImage):
    """Every image on Kiji carries a caption and a credit, as a news photo does."""

    caption = models.CharField(_("キャプション"), max_length=255, blank=True)
    credit = models.CharField(_("クレジット"), max_length=255, blank=True)

    admin_form_fields = (*WagtailImage.admin_form_fields, "caption", "credit")


class KijiRendition(AbstractRendition):
    image = models.ForeignKey(KijiImage, on_delete=models.CASCADE, related_name="renditions")

    class Meta:
        unique_together: ClassVar = (("image", "filter_spec", "focal_point_key"),)
