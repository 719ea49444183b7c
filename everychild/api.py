"""The REST API under /api/v1/ (django-ninja): wiring only; each app keeps its own router."""

import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from everychild.accounts.api import router as accounts_router
from everychild.audit.api import router as audit_router
from everychild.cases.services import PlanChanged
from everychild.core.api_auth import BearerToken, Session
from everychild.core.problems import problem
from everychild.notifications.api import router as notifications_router
from everychild.places.api import router as places_router
from everychild.registry.api import router as registry_router
from everychild.registry.services import DuplicateIdNumber

logger = logging.getLogger(__name__)

api = NinjaAPI(
    title="everychild API",
    version="1.0.0",
    urls_namespace="api",
    auth=[BearerToken(), Session()],
    docs_url="/docs",
)
api.add_router("/accounts", accounts_router, tags=["accounts"])
api.add_router("/places", places_router, tags=["places"])
api.add_router("/audit", audit_router, tags=["audit"])
api.add_router("/notifications", notifications_router, tags=["notifications"])
api.add_router("/children", registry_router, tags=["children"])
api.add_router("/visits", "everychild.visits.api.router", tags=["visits"])
api.add_router("/reports", "everychild.reports.api.router", tags=["reports"])
api.add_router("/cases", "everychild.cases.api.router", tags=["cases"])
api.add_router("/services", "everychild.services.api.router", tags=["services"])
api.add_router("/transfers", "everychild.registry.api_transfers.router", tags=["transfers"])
api.add_router("/insights", "everychild.insights.api.router", tags=["insights"])


@api.exception_handler(DuplicateIdNumber)
def _duplicate(request: HttpRequest, exc: DuplicateIdNumber):
    return problem(409, "duplicate", errors=exc.message_dict, existing_child_id=exc.existing_id)


@api.exception_handler(PlanChanged)
def _plan_changed(request: HttpRequest, exc: PlanChanged):
    return problem(409, "conflict", detail=exc.message, current_version=exc.version)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: Exception):
    return problem(401, "unauthenticated")


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: Exception):
    return problem(403, "forbidden")


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Exception):
    return problem(404, "not-found")


@api.exception_handler(NinjaValidationError)
def _invalid_request(request: HttpRequest, exc: NinjaValidationError):
    errors = [{"loc": list(e.get("loc", [])), "type": e.get("type", ""),
               "msg": _("This field is required.") if e.get("type") == "missing"
               else _("Enter a valid value.")} for e in exc.errors]
    return problem(422, "invalid", errors=errors)


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError):
    errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    return problem(422, "invalid", errors=errors)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError):
    kind = {400: "bad-request", 401: "unauthenticated", 403: "forbidden", 404: "not-found",
            405: "method-not-allowed", 409: "conflict"}.get(exc.status_code, "bad-request")
    return problem(exc.status_code, kind)


@api.exception_handler(Exception)
def _server_error(request: HttpRequest, exc: Exception):
    logger.exception("API error (request %s)", getattr(request, "request_id", ""))
    return problem(500, "server-error")
