"""API bearer tokens (issued by `everychild token`, audited) and choosing the acting post."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from everychild.accounts.models import ApiToken, Post
from everychild.accounts.services import issue_token
from everychild.audit.models import AuditEvent
from everychild.tests.factories import PostFactory


@pytest.fixture
def officer(demo_places):
    return PostFactory(role_id="civil_affairs_officer", division_id="610723000000").user


def _me(client, token):
    return client.get("/api/v1/accounts/me", HTTP_AUTHORIZATION=f"Bearer {token}")


@pytest.mark.django_db
def test_token_command_issues_a_working_audited_token(client, officer, capsys):
    call_command("token", officer.username, "--label", "county data exchange")
    raw = capsys.readouterr().out.strip()
    response = _me(client, raw)
    assert response.status_code == 200
    assert response.json()["username"] == officer.username
    assert response.json()["acting_post"]["division_code"] == "610723000000"
    token = ApiToken.objects.get()
    assert token.key_hash != raw and raw not in token.key_hash  # only the hash is stored
    event = AuditEvent.objects.get(action="token.issue")
    assert event.object_id == str(token.pk) and event.division_code == "610723000000"
    assert raw not in str(event.detail)


@pytest.mark.django_db
def test_unknown_user_token_command_fails_cleanly(officer):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("token", "nobody-such")


@pytest.mark.django_db
@pytest.mark.parametrize("spoil", ["revoked", "expired", "inactive_user", "inactive_post",
                                   "garbage"])
def test_unusable_tokens_are_refused(client, officer, spoil):
    raw = issue_token(None, officer)
    token = ApiToken.objects.get()
    if spoil == "revoked":
        ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    elif spoil == "expired":
        ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(1))
    elif spoil == "inactive_user":
        officer.is_active = False
        officer.save()
    elif spoil == "inactive_post":
        Post.objects.filter(user=officer).update(active=False)
    else:
        raw = raw[:-3] + "xyz"
    response = _me(client, raw)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.django_db
def test_only_token_issuers_issue_tokens_in_their_jurisdiction(officer, make_actor):
    from django.core.exceptions import PermissionDenied

    admin_lc = make_actor("system_admin", "533124000000")
    with pytest.raises(PermissionDenied):
        issue_token(admin_lc, officer)
    admin_yx = make_actor("system_admin", "610723000000")
    assert issue_token(admin_yx, officer).startswith("ecv1_")
    director = make_actor("child_director", "610723001212")
    with pytest.raises(PermissionDenied):
        issue_token(director, officer)


@pytest.mark.django_db
def test_user_switches_between_own_posts_only(client, demo_places):
    first = PostFactory(role_id="child_director", division_id="610723001212")
    second = PostFactory(user=first.user, role_id="social_worker", division_id="610723000000")
    stranger = PostFactory(role_id="police_officer", division_id="533124000000")
    client.force_login(first.user)
    assert client.get("/").context["actor"].post == first
    client.post("/accounts/post/", {"post": str(second.pk)})
    assert client.get("/").context["actor"].post == second
    refused = client.post("/accounts/post/", {"post": str(stranger.pk)})
    assert refused.status_code == 403
    assert client.get("/").context["actor"].post == second
    bad = client.post("/accounts/post/", {"post": "not-a-uuid"})
    assert bad.status_code == 403
