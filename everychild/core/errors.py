"""Error pages: translated, with the request id, and no internals. API paths get JSON."""

import logging

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from everychild.core.problems import problem

logger = logging.getLogger(__name__)
KINDS = {400: "bad-request", 403: "forbidden", 404: "not-found", 500: "server-error"}


def _error(request: HttpRequest, status: int) -> HttpResponse:
    if request.path.startswith("/api/"):
        return problem(status, KINDS[status])
    return render(request, "error.html",
                  {"error_status": status, "request_id": getattr(request, "request_id", "")},
                  status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    # The kind of refusal only (its message may quote the request).
    logger.warning("bad request %s: %s", getattr(request, "request_id", ""),
                   type(exception).__name__ if exception else "-")
    return _error(request, 400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 404)


def server_error(request: HttpRequest) -> HttpResponse:
    return _error(request, 500)
