"""Account use cases: API tokens, choosing the acting post."""

import secrets
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from everychild.access.policy import SESSION_POST_KEY, Actor, active_posts, can
from everychild.accounts.models import ApiToken, Post, Role, User, hash_token
from everychild.accounts.roles import Capability
from everychild.audit.services import record
from everychild.core.ids import parse_uuid

TOKEN_PREFIX = "ecv1_"


def issue_token(
    issuer: Actor | None, user: User, post: Post | None = None, label: str = "",
    days: int | None = 365,
) -> str:
    """A new bearer token for ``user`` acting through ``post``. Only its hash is kept.

    ``issuer`` is None when an operator runs ``everychild token`` on the server; otherwise
    the issuer must be allowed to issue tokens where the post lies.
    """
    post = post or active_posts(user).first()
    if post is None:
        raise ValidationError(_("This user holds no active post."))
    if issuer is not None and not can(issuer, Capability.TOKENS_ISSUE, post.division_id):
        raise PermissionDenied(_("You do not have permission to do this here."))
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires = timezone.now() + timedelta(days=days) if days else None
    with transaction.atomic():
        token = ApiToken.objects.create(
            post=post, key_hash=hash_token(raw), label=label, expires_at=expires
        )
        record(issuer, "token.issue", division_code=post.division_id, object_type="api_token",
               object_id=token.pk, reason=label or "issued from the command line",
               detail={"user": str(user.pk), "post": str(post.pk)})
    return raw


def actor_for_token(raw: str) -> Actor | None:
    """The actor behind a bearer token, or None when it is unknown, expired or revoked."""
    if not raw.startswith(TOKEN_PREFIX):
        return None
    token = (ApiToken.objects.select_related("post__user", "post__role", "post__division")
             .filter(key_hash=hash_token(raw)).first())
    if token is None or not token.is_usable() or not token.post.active:
        return None
    if not token.post.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return Actor(user=token.post.user, post=token.post)


def choose_post(request: HttpRequest, post_id: str) -> Post:
    """Switch the acting post of a signed-in user to one of their own active posts."""
    post_uuid = parse_uuid(post_id)
    post = active_posts(request.user).filter(pk=post_uuid).first() if post_uuid else None
    if post is None:
        raise PermissionDenied(_("You do not have permission to do this here."))
    request.session[SESSION_POST_KEY] = str(post.pk)
    return post


def _post_target(actor: Actor | None, division_code: str) -> None:
    if actor is not None and not can(actor, Capability.USERS_MANAGE, division_code):
        raise PermissionDenied(_("You do not have permission to do this here."))


def create_user(
    actor: Actor | None, *, username: str, full_name: str, password: str, role: str,
    division_code: str, agency_id: str | None = None, phone: str = "",
) -> User:
    """A new account with its first post. ``actor`` None: an operator on the server."""
    from django.contrib.auth.password_validation import validate_password

    from everychild.places.queries import get_division

    division = get_division(division_code)
    _post_target(actor, division.code)
    role_obj = Role.objects.filter(pk=role).first()
    if role_obj is None:
        raise ValidationError({"role": _("Unknown role.")})
    username = username.strip()
    if not username or User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("This username is taken or empty.")})
    validate_password(password)
    with transaction.atomic():
        user = User(username=username, full_name=full_name, phone=phone)
        user.set_password(password)
        user.save()
        post = Post.objects.create(user=user, role=role_obj, division=division,
                                   agency_id=parse_uuid(agency_id) if agency_id else None)
        record(actor, "user.create", division_code=division.code, object_type="user",
               object_id=user.pk, detail={"post": str(post.pk), "role": role})
    return user


def set_post_active(actor: Actor, post_id: str, active: bool, reason: str) -> Post:
    """Suspend or restore one post (a user's access in one jurisdiction)."""
    post = Post.objects.select_related("division").filter(pk=parse_uuid(post_id)).first()
    if post is None:
        raise ValidationError({"post": _("Unknown post.")})
    _post_target(actor, post.division_id)
    with transaction.atomic():
        post.active = active
        post.save(update_fields=["active"])
        record(actor, "post.activate" if active else "post.suspend",
               division_code=post.division_id, object_type="post", object_id=post.pk,
               reason=reason)
    return post
