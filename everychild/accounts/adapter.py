"""Login plumbing: allauth without self-signup; axes counting per username and address."""

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.http import HttpRequest


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False  # accounts are created by administrators

    def post_login(self, request: HttpRequest, user: Any, **kwargs: Any):
        response = super().post_login(request, user, **kwargs)
        if getattr(user, "language", "") and response is not None:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME, user.language,
                max_age=settings.LANGUAGE_COOKIE_AGE, samesite="Lax",
                secure=settings.LANGUAGE_COOKIE_SECURE,
            )
        return response


def axes_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str | None:
    """The username axes counts failures against (allauth posts it as ``login``)."""
    credentials = credentials or {}
    name = credentials.get("username") or credentials.get("email") or credentials.get("login")
    if not name and request is not None and request.method == "POST":
        name = request.POST.get("login") or request.POST.get("username")
    return (name or "").strip().lower() or None
