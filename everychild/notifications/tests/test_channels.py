"""Outbound channels: e-mail in the recipient's language after commit, with nothing personal;
a failing channel loses nothing and breaks nothing; other channels plug in by setting."""

import logging
import smtplib

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.test import override_settings

from everychild.notifications import channels
from everychild.notifications.models import Notification

from .conftest import VILLAGE

pytestmark = pytest.mark.django_db

BASE = "https://everychild.example.gov.cn"
ZH_TEXT = "测试通知已于 2025-03-01 发送：您能收到通知。"
EN_TEXT = "Test notification sent on 2025-03-01: notifications reach you."


class BrokenBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise smtplib.SMTPRecipientsRefused({"director@example.org": (550, b"director@example.org")})


class RecordingChannel:
    """What an SMS channel would look like."""

    name = "sms"
    sent: list = []

    def send(self, notification: Notification) -> bool:
        RecordingChannel.sent.append(notification.pk)
        return True


class ExplodingChannel:
    name = "exploding"

    def send(self, notification: Notification) -> bool:
        raise RuntimeError("13912345678 director@example.org")


def test_the_email_goes_out_after_commit_in_the_recipients_language(
    send, director, supervisor, django_capture_on_commit_callbacks, settings
):
    settings.EVERYCHILD_BASE_URL = BASE + "/"
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        [zh, en] = send([director.post, supervisor.post],
                        link="/children/0190a5c4-1381-7234-8abc-0123456789ab/")
        assert mail.outbox == []  # nothing leaves before the commit
    assert len(callbacks) == 1
    by_to = {m.to[0]: m for m in mail.outbox}
    assert set(by_to) == {"director@example.org", "supervisor@example.org"}
    link = BASE + "/children/0190a5c4-1381-7234-8abc-0123456789ab/"

    chinese = by_to["director@example.org"]  # no language set: the site default
    assert ZH_TEXT in chinese.body and ZH_TEXT in chinese.subject
    assert link in chinese.body and "登录" in chinese.body
    english = by_to["supervisor@example.org"]  # language "en" on the account
    assert EN_TEXT in english.body and english.subject.startswith("[everychild] ")
    assert link in english.body and "Sign in" in english.body

    for message, actor in ((chinese, director), (english, supervisor)):
        text = message.subject + message.body
        user = actor.user
        personal = [user.full_name, user.username, user.phone, actor.post.division.name]
        assert user.full_name and user.username
        assert not [p for p in personal if p and p in text]
        assert "\n" not in message.subject


def test_sending_again_sends_no_second_email(send, director, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        send(director.post)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert send(director.post) == []
    assert callbacks == [] and len(mail.outbox) == 1


def test_the_link_defaults_to_the_inbox(send, director, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        send(director.user, link="")
    assert f"{channels.base_url()}/notifications/" in mail.outbox[0].body


def test_users_without_an_email_address_get_the_in_app_row_only(
    send, director, django_capture_on_commit_callbacks
):
    director.user.email = ""
    director.user.save()
    with django_capture_on_commit_callbacks(execute=True):
        [row] = send(director.user)
    assert mail.outbox == []
    assert Notification.objects.get() == row


def test_a_rolled_back_notification_sends_nothing(send, director, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            send(director.user)
            raise RuntimeError("the caller failed")
    assert mail.outbox == [] and not Notification.objects.exists()


@override_settings(EMAIL_BACKEND="everychild.notifications.tests.test_channels.BrokenBackend")
def test_a_failing_email_keeps_the_in_app_row_and_logs_nothing_personal(
    send, director, django_capture_on_commit_callbacks, caplog
):
    with caplog.at_level(logging.WARNING, logger="everychild.notifications"):
        with django_capture_on_commit_callbacks(execute=True):
            [row] = send(director.post)  # does not raise
    assert Notification.objects.get().pk == row.pk and row.read_at is None
    [record] = [r for r in caplog.records if r.name == "everychild.notifications.channels"]
    logged = record.getMessage()
    assert str(row.pk) in logged and "email" in logged and "SMTPRecipientsRefused" in logged
    assert "director@example.org" not in logged and ZH_TEXT not in logged


def test_channels_plug_in_by_dotted_path_and_one_failing_does_not_stop_the_rest(
    send, director, supervisor, django_capture_on_commit_callbacks, settings, caplog
):
    here = "everychild.notifications.tests.test_channels"
    settings.EVERYCHILD_NOTIFY_CHANNELS = ["inapp", f"{here}.ExplodingChannel", "email",
                                           f"{here}.RecordingChannel"]
    RecordingChannel.sent = []
    with caplog.at_level(logging.WARNING, logger="everychild.notifications"):
        with django_capture_on_commit_callbacks(execute=True):
            rows = send([director.user, supervisor.user])
    assert sorted(RecordingChannel.sent) == sorted(n.pk for n in rows)
    assert len(mail.outbox) == 2
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "exploding" in logged and "RuntimeError" in logged
    assert "13912345678" not in logged and "director@example.org" not in logged


def test_only_in_app_when_email_is_not_configured(send, director, django_capture_on_commit_callbacks,
                                                  settings):
    settings.EVERYCHILD_NOTIFY_CHANNELS = ["inapp"]
    with django_capture_on_commit_callbacks(execute=True):
        send(director.user)
    assert mail.outbox == [] and Notification.objects.count() == 1


def test_an_unknown_channel_is_logged_and_the_row_kept(send, director, django_capture_on_commit_callbacks,
                                                       settings, caplog):
    settings.EVERYCHILD_NOTIFY_CHANNELS = ["inapp", "pigeon"]
    with caplog.at_level(logging.ERROR, logger="everychild.notifications"):
        with django_capture_on_commit_callbacks(execute=True):
            send(director.user)
    assert Notification.objects.count() == 1
    assert "misconfigured" in caplog.text
    assert isinstance(channels.EmailChannel(), channels.Channel)


def test_the_test_command_reaches_the_user(director, django_capture_on_commit_callbacks):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("notify_test", director.user.username, stdout=out)
    [n] = Notification.objects.all()
    assert n.kind == "test" and n.division_code == VILLAGE and n.post_id == director.post.pk
    assert str(n.pk) in out.getvalue()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["director@example.org"]
