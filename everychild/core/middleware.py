"""Request-wide plumbing: a request id for the audit trail and error pages."""

import contextvars
from collections.abc import Callable

from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.http import HttpRequest, HttpResponse

from everychild.core.ids import uuid7

current_request_id: contextvars.ContextVar[str] = contextvars.ContextVar(
    "current_request_id", default=""
)


class RequestIdMiddleware:
    """Gives every request an id, shown on error pages and written on audit events."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = str(uuid7())
        request.request_id = request_id  # type: ignore[attr-defined]
        token = current_request_id.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            current_request_id.reset(token)
        response["X-Request-Id"] = request_id
        return response


class LoginRequired(LoginRequiredMiddleware):
    """Every page needs a signed-in user unless its view is marked ``login_not_required``.

    The API answers for itself (bearer tokens, JSON problems), so it is left to ninja, whose
    routers deny anonymous requests by default.
    """

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path_info.startswith("/api/"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class RefusePersonalQueryParams:
    """Personal data never travels in a URL: a query string naming an identity field is refused.

    Searches by name, ID number or phone are POSTed; this makes a GET form that forgets it
    fail loudly in development instead of leaking into logs, browser history and proxies.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from everychild.access.policy import IDENTITY_FIELDS

        if IDENTITY_FIELDS.intersection(request.GET.keys()):
            from everychild.core.errors import bad_request

            return bad_request(request)
        return self.get_response(request)
