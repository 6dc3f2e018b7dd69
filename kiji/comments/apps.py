from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommentsConfig(AppConfig):
    name = "kiji.comments"
    label = "comments"
    verbose_name = _("コメント")

    def ready(self) -> None:
        from kiji.comments.privacy import anonymise_member
        from kiji.privacy.services import ANONYMISERS

        if anonymise_member not in ANONYMISERS:
            ANONYMISERS.append(anonymise_member)
