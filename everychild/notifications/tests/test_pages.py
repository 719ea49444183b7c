"""The inbox page, the header badge, opening and marking read: each user sees only their own."""

import pytest
from django.conf import settings
from django.test import Client

from everychild.notifications.models import Notification

pytestmark = pytest.mark.django_db

ZH_TEXT = "测试通知已于 2025-03-01 发送：您能收到通知。"
EN_TEXT = "Test notification sent on 2025-03-01: notifications reach you."
CHILD_LINK = "/children/0190a5c4-1381-7234-8abc-0123456789ab/"


def test_the_inbox_lists_the_users_notifications_newest_first(client, send, director, supervisor):
    [old] = send(director.user, dedupe_key="old", link="")
    [new] = send(director.user, dedupe_key="new", link=CHILD_LINK)
    send(supervisor.user, dedupe_key="theirs")
    Notification.objects.filter(pk=old.pk).update(read_at=new.created_at)
    client.force_login(director.user)
    page = client.get("/notifications/")
    assert page.status_code == 200
    assert [n.pk for n in page.context["rows"]] == [new.pk, old.pk]
    html = page.content.decode()
    assert html.count(ZH_TEXT) == 2
    assert f'href="/notifications/{new.pk}/"' in html
    assert 'class="card notification unread"' in html and 'class="card notification"' in html
    assert 'data-testid="mark-all-read"' in html and "csrfmiddlewaretoken" in html
    assert 'data-testid="unread-count"' in html  # the header badge
    assert page.context["unread"] == 1


def test_the_inbox_reads_in_english_for_an_english_reader(client, send, supervisor):
    send(supervisor.user)
    client.force_login(supervisor.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get("/notifications/").content.decode()
    assert EN_TEXT in html and ZH_TEXT not in html
    assert "1 unread notification" in html


def test_an_empty_inbox(client, director):
    client.force_login(director.user)
    page = client.get("/notifications/")
    assert page.status_code == 200
    assert 'data-testid="no-notifications"' in page.content.decode()
    assert 'data-testid="mark-all-read"' not in page.content.decode()
    assert 'data-testid="unread-count"' not in page.content.decode()


def test_the_badge_shows_on_other_pages(client, send, director):
    for key in "abc":
        send(director.user, dedupe_key=key)
    client.force_login(director.user)
    html = client.get("/").content.decode()
    assert 'data-testid="notifications-badge"' in html
    assert '<span class="badge" data-testid="unread-count"' in html and ">3</span>" in html


def test_opening_marks_read_and_follows_the_link(client, send, director):
    [n] = send(director.user, link=CHILD_LINK)
    client.force_login(director.user)
    response = client.get(f"/notifications/{n.pk}/")
    assert response.status_code == 302 and response["Location"] == CHILD_LINK
    n.refresh_from_db()
    assert n.read_at is not None


def test_another_users_notification_is_not_found(client, send, director, supervisor):
    [theirs] = send(supervisor.user, link=CHILD_LINK)
    client.force_login(director.user)
    assert client.get(f"/notifications/{theirs.pk}/").status_code == 404
    assert theirs.pk not in [n.pk for n in client.get("/notifications/").context["rows"]]
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_read_needs_a_post_with_csrf(send, director, supervisor):
    send(director.user, dedupe_key="a")
    send(director.user, dedupe_key="b")
    [theirs] = send(supervisor.user)
    client = Client(enforce_csrf_checks=True)
    client.force_login(director.user)
    assert client.post("/notifications/read/").status_code == 403  # no token
    assert client.get("/notifications/read/").status_code == 405
    client.get("/notifications/")
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    response = client.post("/notifications/read/", {"csrfmiddlewaretoken": token})
    assert response.status_code == 302 and response["Location"] == "/notifications/"
    assert not Notification.objects.filter(recipient=director.user, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_anonymous_visitors_are_sent_to_sign_in(client, send, director):
    [n] = send(director.user)
    for path in ("/notifications/", f"/notifications/{n.pk}/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_inbox_pages(client, send, director):
    for i in range(32):
        send(director.user, dedupe_key=f"k{i}")
    client.force_login(director.user)
    first = client.get("/notifications/")
    assert len(first.context["rows"]) == 30 and first.context["has_next"]
    second = client.get("/notifications/?page=2")
    assert len(second.context["rows"]) == 2 and not second.context["has_next"]
    assert client.get("/notifications/?page=x").context["page"] == 1
