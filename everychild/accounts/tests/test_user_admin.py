"""Administrators create accounts and suspend posts, within their own jurisdiction only."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from everychild.accounts.models import Post, User
from everychild.accounts.services import create_user, set_post_active
from everychild.audit.models import AuditEvent
from everychild.tests.factories import PostFactory

NEW = {"username": "new-director", "full_name": "李四", "password": "a-long-pass-phrase-9",
       "role": "child_director", "division_code": "610723001212"}


@pytest.mark.django_db
def test_admin_creates_an_account_in_jurisdiction(make_actor):
    admin = make_actor("system_admin", "610723000000")
    user = create_user(admin, **NEW)
    post = Post.objects.get(user=user)
    assert post.role_id == "child_director" and post.division_id == "610723001212"
    assert AuditEvent.objects.filter(action="user.create", object_id=str(user.pk)).exists()


@pytest.mark.django_db
def test_admin_cannot_create_outside_or_without_capability(make_actor):
    with pytest.raises(PermissionDenied):
        create_user(make_actor("system_admin", "533124000000"), **NEW)
    with pytest.raises(PermissionDenied):
        create_user(make_actor("civil_affairs_officer", "610723000000"), **NEW)
    assert not User.objects.filter(username="new-director").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("field", "value"), [("division_code", "999999999999"),
                                              ("role", "no-such-role"),
                                              ("password", "123"),
                                              ("username", "")])
def test_bad_input_is_a_field_error_and_writes_nothing(make_actor, field, value):
    admin = make_actor("system_admin", "610723000000")
    before = (User.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ValidationError):
        create_user(admin, **{**NEW, field: value})
    assert (User.objects.count(), AuditEvent.objects.count()) == before


@pytest.mark.django_db
def test_suspended_post_loses_access(client, make_actor):
    admin = make_actor("system_admin", "610723000000")
    target = PostFactory(role_id="child_director", division_id="610723001212")
    set_post_active(admin, str(target.pk), False, "left the job")
    client.force_login(target.user)
    page = client.get("/")
    assert page.context["actor"].post is None
    with pytest.raises(PermissionDenied):
        set_post_active(make_actor("system_admin", "533124000000"), str(target.pk), True, "")


@pytest.mark.django_db
def test_users_page_shows_only_own_jurisdiction(client, make_actor):
    admin = make_actor("system_admin", "610723000000")
    PostFactory(user__username="in-yx", role_id="child_director", division_id="610723001212")
    PostFactory(user__username="in-lc", role_id="child_director", division_id="533124101201")
    client.force_login(admin.user)
    page = client.get("/accounts/users/")
    assert page.status_code == 200
    assert "in-yx" in page.content.decode() and "in-lc" not in page.content.decode()
    created = client.post("/accounts/users/", {**NEW, "role": "child_director"})
    assert created.status_code == 302 and User.objects.filter(username="new-director").exists()
    bad = client.post("/accounts/users/", {**NEW, "username": "x2", "division_code": "12"})
    assert bad.status_code == 200 and bad.context["form"].errors


@pytest.mark.django_db
def test_users_page_refuses_other_roles(client, make_actor):
    officer = make_actor("civil_affairs_officer", "610723000000")
    client.force_login(officer.user)
    assert client.get("/accounts/users/").status_code == 403


@pytest.mark.django_db
def test_create_user_command_bootstraps_an_admin(demo_places):
    call_command("create_user", "first-admin", "--role", "system_admin",
                 "--division", "610723000000", "--password", "a-long-pass-phrase-9")
    assert Post.objects.get(user__username="first-admin").role_id == "system_admin"
    with pytest.raises(CommandError):
        call_command("create_user", "x", "--role", "system_admin", "--division", "1",
                     "--password", "a-long-pass-phrase-9")
