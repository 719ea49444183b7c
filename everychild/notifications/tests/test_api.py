"""/api/v1/notifications: the caller's own notifications, paged; marking read; 401 and 404 problems."""

import pytest

from everychild.accounts.services import issue_token
from everychild.notifications.models import Notification

pytestmark = pytest.mark.django_db

API = "/api/v1/notifications"
EN_TEXT = "Test notification sent on 2025-03-01: notifications reach you."
ZH_TEXT = "测试通知已于 2025-03-01 发送：您能收到通知。"


def bearer(actor) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {issue_token(None, actor.user)}"}


def test_anonymous_gets_a_401_problem(client):
    for method, path in (("get", API), ("post", f"{API}/read"),
                         ("post", f"{API}/0190a5c4-1381-7234-8abc-0123456789ab/read")):
        response = getattr(client, method)(path, content_type="application/json")
        assert response.status_code == 401
        assert response["Content-Type"].startswith("application/problem+json")
        assert response.json()["type"] == "urn:everychild:problem:unauthenticated"


def test_the_list_is_the_callers_own_and_paged(client, send, director, supervisor):
    for key in "abcde":
        send(director.post, dedupe_key=key)
    send(supervisor.user)
    auth = bearer(director)
    body = client.get(API, {"limit": 2, "offset": 1}, **auth).json()
    assert (body["count"], body["unread"], body["limit"], body["offset"]) == (5, 5, 2, 1)
    keys = list(Notification.objects.filter(recipient=director.user)
                .order_by("-created_at").values_list("pk", flat=True))
    assert [item["id"] for item in body["items"]] == [str(k) for k in keys[1:3]]
    item = body["items"][0]
    assert item["message"] == ZH_TEXT  # Chinese by default
    assert item["message_id"] == "Test notification sent on %(date)s: notifications reach you."
    assert item["params"] == {"date": "2025-03-01"} and item["link"] == "/notifications/"
    assert item["post_id"] == str(director.post.pk) and item["read_at"] is None
    assert item["division_code"] == "610723001212" and item["kind"] == "visit.overdue"
    english = client.get(API, HTTP_ACCEPT_LANGUAGE="en", **auth).json()
    assert english["items"][0]["message"] == EN_TEXT and len(english["items"]) == 5


def test_mark_read_by_ids_and_all(client, send, director):
    rows = [send(director.user, dedupe_key=k)[0] for k in "abc"]
    auth = bearer(director)
    response = client.post(f"{API}/read", {"ids": [str(rows[0].pk)]},
                           content_type="application/json", **auth)
    assert response.status_code == 200 and response.json() == {"marked": 1, "unread": 2}
    unread = client.get(API, {"unread": "true"}, **auth).json()
    assert unread["count"] == 2 and all(i["read_at"] is None for i in unread["items"])
    response = client.post(f"{API}/read", {"all": True}, content_type="application/json", **auth)
    assert response.json() == {"marked": 2, "unread": 0}
    bad = client.post(f"{API}/read", {}, content_type="application/json", **auth)
    assert bad.status_code == 400 and bad["Content-Type"].startswith("application/problem+json")


def test_mark_one_read(client, send, director):
    [n] = send(director.user)
    response = client.post(f"{API}/{n.pk}/read", **bearer(director))
    assert response.status_code == 200
    assert response.json()["id"] == str(n.pk) and response.json()["read_at"] is not None


def test_another_users_notification_is_a_404(client, send, director, supervisor):
    [mine] = send(director.user)
    [theirs] = send(supervisor.user)
    auth = bearer(director)
    response = client.post(f"{API}/{theirs.pk}/read", **auth)
    assert response.status_code == 404 and response.json()["type"] == "urn:everychild:problem:not-found"
    response = client.post(f"{API}/read", {"ids": [str(mine.pk), str(theirs.pk)]},
                           content_type="application/json", **auth)
    assert response.status_code == 404
    assert client.post(f"{API}/not-a-uuid/read", **auth).status_code == 404
    assert Notification.objects.filter(read_at__isnull=False).count() == 0
    assert [i["id"] for i in client.get(API, **auth).json()["items"]] == [str(mine.pk)]
