import pytest

from kiji.core.ratelimit import Limit, hit

pytestmark = pytest.mark.django_db


def test_hits_within_the_limit_pass_and_the_next_is_refused():
    limit = Limit(3, 60)

    assert [hit("test", "1.2.3.4", limit) for _ in range(4)] == [True, True, True, False]
    assert hit("test", "5.6.7.8", limit)  # another client has its own budget


def test_a_refused_request_gets_a_readable_429_page(rf):
    from kiji.core.ratelimit import too_many_requests

    response = too_many_requests(rf.get("/"), Limit(5, 300))

    assert response.status_code == 429
    assert response["Retry-After"] == "300"
    assert "一時的に受け付けを停止しています" in response.content.decode()


def test_admin_login_goes_through_the_member_login_with_its_second_factor(client):
    response = client.get("/admin/login/?next=/admin/pages/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2Fpages%2F"
    assert client.post("/admin/login/", {"username": "x", "password": "y"}).status_code == 405


def test_a_signed_in_member_without_admin_access_gets_403_not_a_login_loop(client, member_factory):
    client.force_login(member_factory("complete"))

    assert client.get("/admin/login/?next=/admin/").status_code == 403


def test_a_window_boundary_does_not_double_the_budget(monkeypatch):
    import time

    limit = Limit(2, 60)
    monkeypatch.setattr(time, "time", lambda: 6000 * 60 - 1)  # the last second of a window
    assert [hit("edge", "ip", limit) for _ in range(2)] == [True, True]
    monkeypatch.setattr(time, "time", lambda: 6000 * 60 + 1)  # two seconds later
    assert not hit("edge", "ip", limit)
    monkeypatch.setattr(time, "time", lambda: 6001 * 60 + 1)  # a minute on
    assert hit("edge", "ip", limit)
