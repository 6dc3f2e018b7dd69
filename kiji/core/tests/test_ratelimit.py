import pytest

from kiji.core.ratelimit import Limit, hit

pytestmark = pytest.mark.django_db


def test_hits_within_the_limit_pass_and_the_next_is_refused():
    limit = Limit(3, 60)

    assert [hit("test", "1.2.3.4", limit) for _ in range(4)] == [True, True, True, False]
    assert hit("test", "5.6.7.8", limit)  # another client has its own budget


def test_admin_login_attempts_are_limited_with_a_readable_429_page(client, settings):
    settings.KIJI_LOGIN_RATE_LIMIT = (2, 300)
    form = {"username": "nobody", "password": "wrong-password"}

    statuses = [client.post("/admin/login/", form).status_code for _ in range(3)]
    refused = client.post("/admin/login/", form)

    assert statuses[:2] == [200, 200] and statuses[2] == 429
    assert refused.status_code == 429
    assert refused["Retry-After"] == "300"
    assert "一時的に受け付けを停止しています" in refused.content.decode()


def test_reading_pages_is_not_limited(client, settings):
    settings.KIJI_LOGIN_RATE_LIMIT = (1, 300)

    assert all(client.get("/admin/login/").status_code == 200 for _ in range(3))
