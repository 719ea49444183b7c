"""The one place that decides who may see or do what, where.

Deny by default: an actor may act only through an active post whose role holds the capability,
and only on records whose division code lies inside the post's jurisdiction prefix. Reads go
through ``visible``, which scopes a queryset with an index range scan; roles that do not see
identities get records through ``mask``.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _

from everychild.accounts.models import Post, User
from everychild.accounts.roles import Capability
from everychild.core.ids import parse_uuid
from everychild.places.codes import CODE_LENGTH, prefix_range

SESSION_POST_KEY = "everychild_post_id"

# Fields a role without ``sees_identities`` never receives, whatever the record.
IDENTITY_FIELDS = frozenset(
    {
        "name", "full_name", "former_names", "nickname", "id_number", "id_number_hash",
        "phone", "address", "photo", "date_of_birth", "caregiver_name", "caregiver_phone",
        "reporter_name", "reporter_phone", "email", "hukou_address", "residence_address",
    }
)
# The child's school records: only roles with ``child.school`` receive them.
SCHOOL_FIELDS = frozenset({"school_status", "grade", "school"})
MASK = "***"


@dataclass(frozen=True)
class Actor:
    """Who is acting: a user through one post (role + jurisdiction + agency)."""

    user: User | None
    post: Post | None

    @property
    def is_authenticated(self) -> bool:
        return bool(self.user and self.user.is_authenticated and self.user.is_active)

    @property
    def jurisdiction(self) -> str | None:
        return self.post.jurisdiction if self.post else None

    @property
    def sees_identities(self) -> bool:
        return bool(self.post and self.post.role.sees_identities)

    def has(self, capability: str) -> bool:
        return bool(
            self.is_authenticated
            and self.post is not None
            and self.post.active
            and capability in (self.post.role.capabilities or [])
        )


ANONYMOUS = Actor(user=None, post=None)


def active_posts(user: User) -> QuerySet[Post]:
    return (
        Post.objects.filter(user=user, active=True)
        .select_related("role", "division", "agency")
        .order_by("created_at")
    )


def actor_for(request: HttpRequest) -> Actor:
    """The actor behind a web request: the signed-in user through their chosen post."""
    cached = getattr(request, "_everychild_actor", None)
    if cached is not None:
        return cached
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_active:
        return ANONYMOUS
    posts = active_posts(user)
    chosen = parse_uuid(request.session.get(SESSION_POST_KEY)) if hasattr(request, "session") else None
    post = (posts.filter(pk=chosen).first() if chosen else None) or posts.first()
    actor = Actor(user=user, post=post)
    request._everychild_actor = actor  # type: ignore[attr-defined]
    return actor


def actor_for_post(post: Post) -> Actor:
    return Actor(user=post.user, post=post)


def in_jurisdiction(actor: Actor, division_code: str) -> bool:
    jurisdiction = actor.jurisdiction
    if jurisdiction is None or not division_code:
        return False
    return division_code.startswith(jurisdiction)


def can(actor: Actor, capability: str, division_code: str | None = None) -> bool:
    """May ``actor`` do ``capability`` (at ``division_code``, when the act has a place)?"""
    if not actor.has(capability):
        return False
    return division_code is None or in_jurisdiction(actor, division_code)


def require(actor: Actor, capability: str, division_code: str | None = None) -> None:
    """Raise PermissionDenied unless ``can`` says yes."""
    if not can(actor, capability, division_code):
        raise PermissionDenied(_("You do not have permission to do this here."))


def jurisdiction_q(actor: Actor, field: str = "division_code") -> Q:
    """A filter on ``field`` to the actor's jurisdiction, as an index range scan."""
    if actor.jurisdiction is None:
        return Q(pk__in=[])
    if len(actor.jurisdiction) == CODE_LENGTH:  # one village: an equality, so an index on
        return Q(**{field: actor.jurisdiction})  # (division, x) also gives the order by x
    return Q(**{f"{field}__range": prefix_range(actor.jurisdiction)})


def visible(
    actor: Actor, queryset: QuerySet, capability: str, field: str = "division_code"
) -> QuerySet:
    """The rows of ``queryset`` that ``actor`` may read with ``capability``; none if denied."""
    if not actor.has(capability):
        return queryset.none()
    return queryset.filter(jurisdiction_q(actor, field))


def withheld(actor: Actor) -> frozenset[str]:
    """The fields ``actor`` never receives: identities for roles that see aggregates only, the
    child's school records for roles that do not need them (the police, say)."""
    hidden = frozenset() if actor.sees_identities else IDENTITY_FIELDS
    if not actor.has(Capability.CHILD_SCHOOL):
        hidden |= SCHOOL_FIELDS
    return hidden


def mask(actor: Actor, record: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``record`` without the fields ``withheld`` from the actor."""
    hidden = withheld(actor)
    return {key: value for key, value in record.items() if key not in hidden}


def mask_all(actor: Actor, records: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [mask(actor, record) for record in records]
