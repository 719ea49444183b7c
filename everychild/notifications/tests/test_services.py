"""notify() writes one row per recipient, once per dedupe key; reads and marks are the user's own."""

from datetime import date

import pytest
from django.utils import translation

from everychild.notifications import services
from everychild.notifications.models import Notification
from everychild.tests.factories import PostFactory, UserFactory

from .conftest import OVERDUE, TOWNSHIP, VILLAGE

pytestmark = pytest.mark.django_db

ZH = "测试通知已于 2025-03-01 发送：您能收到通知。"
EN = "Test notification sent on 2025-03-01: notifications reach you."


def test_notify_writes_one_row_per_recipient_with_its_post(send, director, supervisor):
    rows = send([(director.user, director.post), supervisor.user])
    assert len(rows) == 2
    by_user = {n.recipient_id: n for n in Notification.objects.all()}
    assert by_user[director.user.pk].post_id == director.post.pk
    assert by_user[supervisor.user.pk].post_id is None
    n = by_user[director.user.pk]
    assert (n.kind, n.message, n.params, n.link, n.division_code, n.dedupe_key) == (
        "visit.overdue", OVERDUE, {"date": "2025-03-01"}, "/notifications/", VILLAGE,
        "visit:1:overdue")
    assert n.read_at is None and n.created_at is not None
    assert n.pk.version == 7


def test_sending_the_same_notification_twice_creates_nothing(send, director, supervisor):
    first = send([director.post, supervisor.post])
    assert len(first) == 2
    assert send([director.post, supervisor.post]) == []
    assert send(director.user, params={"date": "2025-03-02"}) == []  # the key decides
    assert Notification.objects.count() == 2
    # A new recipient of the same key (the escalation moving up) still gets it, once.
    county = PostFactory(role_id="civil_affairs_officer", division_id="610723000000")
    assert len(send([director.post, supervisor.post, county])) == 1
    assert Notification.objects.count() == 3
    # A new key is a new notification.
    assert len(send(director.user, dedupe_key="visit:1:overdue:7d")) == 1


def test_without_a_key_the_content_is_the_key(send, director):
    assert len(send(director.user, dedupe_key="")) == 1
    assert send(director.user, dedupe_key="") == []
    assert len(send(director.user, dedupe_key="", params={"date": "2025-03-02"})) == 1
    keys = set(Notification.objects.values_list("dedupe_key", flat=True))
    assert len(keys) == 2 and all(k.startswith("auto:") for k in keys)


def test_a_user_reached_through_two_posts_gets_one_notification(send, director):
    second = PostFactory(user=director.user, role_id="child_supervisor", division_id=TOWNSHIP)
    rows = send([director.post, second])
    assert len(rows) == 1 and rows[0].post_id == director.post.pk


def test_inactive_users_are_skipped(send, director):
    director.user.is_active = False
    director.user.save()
    assert send(director.user) == []
    assert not Notification.objects.exists()


@pytest.mark.parametrize(("field", "value"), [
    ("link", "https://example.org/x"),
    ("link", "//example.org/x"),
    ("link", "children/1/"),
    ("link", "/children/?name=x"),
    ("link", "/children/61072320100101123X/"),
    ("link", "/search/13912345678/"),
    ("params", {"name": "x"}),
    ("params", {"who": "110101201001011234"}),
    ("params", {"phone_of": "call 13912345678"}),
    ("params", {"number": 13912345678}),
    ("params", {"x": object()}),
    ("division_code", "610723"),
    ("division_code", "61072300121a"),
    ("kind", ""),
    ("message", ""),
])
def test_personal_data_and_malformed_notifications_are_refused(send, director, field, value):
    with pytest.raises(services.InvalidNotification):
        send(director.user, **{field: value})
    assert not Notification.objects.exists()


def test_a_link_with_a_uuid_and_a_division_code_is_fine(send, director):
    link = "/children/0190a5c4-1381-7234-8abc-139123456780/?division=610723001212"
    [n] = send(director.user, link=link)
    assert n.link == link


def test_a_post_of_someone_else_is_refused(send, director, supervisor):
    with pytest.raises(services.InvalidNotification):
        send([(director.user, supervisor.post)])


def test_the_message_renders_in_each_readers_language(send, director):
    with translation.override("en"):  # written by a tick running in English
        [n] = send(director.user)
    n.refresh_from_db()
    assert n.render("zh-hans") == ZH
    assert n.render("en") == EN
    with translation.override("zh-hans"):
        assert n.text == ZH
    with translation.override("en"):
        assert n.text == EN


def test_dates_in_params_are_stored_as_iso_text(send, director):
    [n] = send(director.user, params={"date": date(2025, 3, 1)})
    n.refresh_from_db()
    assert n.params == {"date": "2025-03-01"} and n.render("en") == EN


def test_old_or_broken_params_never_break_rendering(send, director):
    [n] = send(director.user, params={})
    assert n.render("en") == "Test notification sent on %(date)s: notifications reach you."


def test_inbox_and_unread_count_are_the_users_own(send, director, supervisor):
    send(director.user, dedupe_key="a")
    send(director.user, dedupe_key="b")
    send(supervisor.user, dedupe_key="a")
    assert services.unread_count(director.user) == 2
    assert services.unread_count(supervisor.user) == 1
    rows = services.inbox(director.user, limit=10)
    assert [n.dedupe_key for n in rows] == ["b", "a"]  # newest first
    assert all(n.recipient_id == director.user.pk for n in rows)
    assert [n.dedupe_key for n in services.inbox(director.user, limit=1, offset=1)] == ["a"]
    assert services.inbox(UserFactory(), limit=10) == []


def test_mark_read_marks_only_the_users_own(send, director, supervisor):
    [mine] = send(director.user, dedupe_key="a")
    [other] = send(supervisor.user, dedupe_key="a")
    with pytest.raises(Notification.DoesNotExist):
        services.mark_read(director.user, [other.pk])
    with pytest.raises(Notification.DoesNotExist):
        services.mark_read(director.user, [mine.pk, other.pk])  # all or nothing
    with pytest.raises(Notification.DoesNotExist):
        services.mark_read(director.user, ["not-a-uuid"])
    with pytest.raises(Notification.DoesNotExist):
        services.get_own(director.user, other.pk)
    assert services.unread_count(director.user) == 1
    assert services.mark_read(director.user, [str(mine.pk)]) == 1
    assert services.mark_read(director.user, [mine.pk]) == 0  # already read
    other.refresh_from_db()
    assert other.read_at is None


def test_mark_all_read(send, director, supervisor):
    for key in "abc":
        send(director.user, dedupe_key=key)
    send(supervisor.user)
    assert services.mark_read(director.user, services.ALL) == 3
    assert services.unread_count(director.user) == 0
    assert services.unread_count(supervisor.user) == 1
    assert services.mark_read(director.user, services.ALL) == 0


def test_a_concurrent_notify_that_wins_the_race_is_not_an_error(send, director, monkeypatch):
    [first] = send(director.user)
    # As if another process inserted the row between our check and our insert.
    monkeypatch.setattr("django.db.models.query.QuerySet.values_list",
                        lambda self, *a, **k: [])
    assert send(director.user) == []
    monkeypatch.undo()
    assert list(Notification.objects.values_list("pk", flat=True)) == [first.pk]
