from django.http import HttpRequest

from everychild.access.policy import active_posts, actor_for


def actor(request: HttpRequest) -> dict:
    """The acting post and the user's other posts, for the page header."""
    current = actor_for(request)
    if not current.is_authenticated:
        return {"actor": current, "other_posts": []}
    others = [p for p in active_posts(current.user) if current.post and p.pk != current.post.pk]
    return {"actor": current, "other_posts": others}
