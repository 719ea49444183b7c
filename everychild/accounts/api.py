from django.http import HttpRequest
from ninja import Router, Schema

from everychild.access.policy import active_posts
from everychild.core.api_auth import api_actor
from everychild.core.schemas import responses

router = Router()


class PostOut(Schema):
    id: str
    role: str
    division_code: str
    division_name: str
    agency: str | None


class MeOut(Schema):
    username: str
    acting_post: PostOut | None
    posts: list[PostOut]


def _post(post) -> dict:
    return {"id": str(post.pk), "role": post.role_id, "division_code": post.division_id,
            "division_name": post.division.name, "agency": post.agency.name if post.agency else None}


@router.get("/me", response=responses({200: MeOut}))
def me(request: HttpRequest):
    """The authenticated user, the post they act through, and their other posts."""
    actor = api_actor(request)
    return {
        "username": actor.user.get_username(),
        "acting_post": _post(actor.post) if actor.post else None,
        "posts": [_post(p) for p in active_posts(actor.user)],
    }
