"""The second-factor requirement: allauth's MFA offers TOTP but does not enforce it."""

from collections.abc import Callable

from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

# Pages a signed-in user without a second factor may still reach, to enrol or leave.
ENROLMENT_PATHS = (
    "/accounts/2fa/", "/accounts/reauthenticate/", "/accounts/logout/", "/i18n/", "/static/",
    "/healthz",
)


def needs_second_factor(user) -> bool:
    """True when production rules require TOTP of this user and none is set up."""
    if not settings.EVERYCHILD_REQUIRE_MFA or not user.is_authenticated:
        return False
    sees_identities = user.posts.filter(active=True, role__sees_identities=True).exists()
    return sees_identities and not is_mfa_enabled(user)


class RequireSecondFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(ENROLMENT_PATHS) and needs_second_factor(request.user):
            if request.path.startswith("/api/"):
                from everychild.core.problems import problem

                return problem(403, "second-factor-required")
            return redirect(reverse("mfa_activate_totp"))
        return self.get_response(request)
