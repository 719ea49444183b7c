"""Reads of accounts, scoped to the administrator's jurisdiction."""

from django.db.models import QuerySet

from everychild.access.policy import Actor, visible
from everychild.accounts.models import Post, Role
from everychild.accounts.roles import Capability


def posts_managed_by(actor: Actor) -> QuerySet[Post]:
    """Posts held inside the actor's jurisdiction, for user administration."""
    qs = Post.objects.select_related("user", "role", "division", "agency")
    return visible(actor, qs, Capability.USERS_MANAGE, field="division__code").order_by(
        "division_id", "role__sort_order", "user__username"
    )


def roles() -> QuerySet[Role]:
    return Role.objects.all()
