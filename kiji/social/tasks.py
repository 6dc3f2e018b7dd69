"""Background work for notifications: fan-out of new articles, e-mails, the daily digest."""

from __future__ import annotations

from django.tasks import task


@task
def fan_out_article(article_id: int) -> int:
    from kiji.social.fanout import fan_out

    return fan_out(article_id)


@task
def send_notification_email(notification_id: int) -> bool:
    from kiji.social.mail import send_immediate

    return send_immediate(notification_id)


@task
def send_daily_digests() -> int:
    from kiji.social.mail import send_digests

    return send_digests()
