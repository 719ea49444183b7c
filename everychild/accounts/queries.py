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


def posts_over(code: str, capability: str, levels: tuple[int, ...]) -> list[Post]:
    """The active posts holding ``capability`` at ``code``'s division of each level in ``levels``
    (say its township, then its county), nearest level first: who is told about work there."""
    from everychild.places.codes import PREFIX_LENGTH, Level

    divisions = [code[:PREFIX_LENGTH[Level(level)]].ljust(12, "0") for level in levels]
    posts = Post.objects.filter(active=True, division_id__in=divisions).select_related(
        "user", "role", "division")
    held = [p for p in posts if capability in (p.role.capabilities or [])]
    return sorted(held, key=lambda p: (divisions.index(p.division_id), str(p.pk)))
