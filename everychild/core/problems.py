"""JSON problem details (RFC 9457) for API errors: translated, and never an internal."""

from django.http import JsonResponse
from django.utils.translation import gettext as _

from everychild.core.middleware import current_request_id


def titles() -> dict[str, str]:
    return {
        "bad-request": _("The request could not be understood."),
        "unauthenticated": _("Authentication is required."),
        "forbidden": _("You do not have permission to do this here."),
        "second-factor-required": _("Set up a second factor (TOTP) before using the system."),
        "not-found": _("Not found."),
        "method-not-allowed": _("This method is not allowed here."),
        "invalid": _("Some fields are not valid."),
        "conflict": _("The record was changed by someone else; reload and try again."),
        "confirm": _("Please confirm the warnings before saving."),
        "duplicate": _("This child is already registered."),
        "server-error": _("Something went wrong on our side. The error has been recorded."),
    }


def problem(status: int, kind: str, detail: str = "", **extra: object) -> JsonResponse:
    body: dict[str, object] = {
        "type": f"urn:everychild:problem:{kind}",
        "title": titles().get(kind, kind),
        "status": status,
    }
    if detail:
        body["detail"] = detail
    body["request_id"] = current_request_id.get()
    body.update(extra)
    return JsonResponse(
        body, status=status, content_type="application/problem+json",
        json_dumps_params={"ensure_ascii": False},
    )
