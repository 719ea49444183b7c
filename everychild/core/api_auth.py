"""API authentication: bearer tokens, or the browser session (with CSRF)."""

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from everychild.access.policy import Actor, actor_for
from everychild.accounts.services import actor_for_token


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Actor | None:
        actor = actor_for_token(token)
        if actor is not None:
            request._everychild_actor = actor  # type: ignore[attr-defined]
        return actor


class Session(SessionAuth):
    def authenticate(self, request: HttpRequest, key: str | None) -> Actor | None:
        user = super().authenticate(request, key)
        return actor_for(request) if user else None


def api_actor(request: HttpRequest) -> Actor:
    """The actor ninja authenticated for this request."""
    return request.auth  # type: ignore[attr-defined]
