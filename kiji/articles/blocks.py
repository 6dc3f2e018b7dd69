"""StreamField blocks of an article body. A `page_break` splits the article into pages."""

from typing import Any

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.images.blocks import ImageChooserBlock

INLINE_FEATURES = ["bold", "italic", "link"]


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=_("画像"))
    caption = blocks.CharBlock(
        label=_("キャプション"), required=False, help_text=_("空欄なら画像ライブラリのキャプション")
    )
    credit = blocks.CharBlock(
        label=_("クレジット"), required=False, help_text=_("空欄なら画像ライブラリのクレジット")
    )

    class Meta:
        icon = "image"
        label = _("画像")
        template = "articles/blocks/image.html"

    def get_context(self, value: Any, parent_context: dict[str, Any] | None = None) -> dict[str, Any]:
        context: dict[str, Any] = super().get_context(value, parent_context)
        image = value["image"]
        context["caption"] = value["caption"] or (image.caption if image else "")
        context["credit"] = value["credit"] or (image.credit if image else "")
        return context


class PullQuoteBlock(blocks.StructBlock):
    quote = blocks.TextBlock(label=_("引用"))
    attribution = blocks.CharBlock(label=_("発言者"), required=False)

    class Meta:
        icon = "openquote"
        label = _("プルクオート")
        template = "articles/blocks/pull_quote.html"


class PageBreakBlock(blocks.StaticBlock):
    class Meta:
        icon = "horizontalrule"
        label = _("改ページ")
        admin_text = _("ここで次のページに移ります。次ページ最初の見出しが【次ページ】の予告になります。")


class ArticleBodyBlock(blocks.StreamBlock):
    paragraph = blocks.RichTextBlock(features=INLINE_FEATURES, label=_("段落"))
    heading = blocks.CharBlock(
        label=_("見出し"), form_classname="title", template="articles/blocks/heading.html"
    )
    subheading = blocks.CharBlock(label=_("小見出し"), template="articles/blocks/subheading.html")
    image = ImageBlock()
    pull_quote = PullQuoteBlock()
    page_break = PageBreakBlock()
