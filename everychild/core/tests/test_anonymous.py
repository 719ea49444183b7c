"""Every URL pattern and API route refuses an anonymous request, except the public few.

New routes are covered automatically: the test walks the resolver and the OpenAPI document.
"""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from everychild.api import api

# Public by design: signing in (and its second step), health, static files, API docs.
PUBLIC_NAMES = {
    "account_login", "account_logout", "mfa_authenticate", "mfa_reauthenticate",
    "account_signup", "account_reset_password", "account_reset_password_done",
    "account_reset_password_from_key", "account_reset_password_from_key_done",
    "account_email_verification_sent", "account_confirm_email", "account_inactive",
    "account_login_code_confirm", "account_request_login_code", "account_reauthenticate",
    "account_confirm_login_code", "account_confirm_password_reset_code",
    "account_confirm_email_verification_code", "account_reset_password_code",
    "healthz", "set_language", "api:openapi-json", "api:openapi-view",
    "visits:sw",  # the service worker's script: no data, re-checked after a session ends
}
SAMPLE = {"code": "610723000000", "key": "x-y", "uidb36": "1", "pk": "1", "id": "1",
          "type": "totp"}


def _walk(resolver: URLResolver, prefix: str = "", namespace: str = ""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), f"{namespace}{entry.name}" if entry.name else ""


def _concrete(pattern: str) -> str:
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: SAMPLE.get(m.group(1), "1"), pattern)
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: SAMPLE.get(m.group(1), "1"), path)
    return "/" + path.lstrip("^").rstrip("$").replace("\\", "")


def web_routes():
    return [(name, _concrete(p)) for p, name in _walk(get_resolver())
            if not p.startswith("api/v1/")]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "path"), web_routes())
def test_anonymous_web_request_is_refused(client, name, path):
    if name in PUBLIC_NAMES:
        return
    for method in ("get", "post"):
        response = getattr(client, method)(path)
        assert response.status_code in (302, 401, 403, 404, 405), (path, response.status_code)
        if response.status_code == 302:
            assert response["Location"].startswith("/accounts/login/"), path


def api_operations():
    schema = api.get_openapi_schema()
    for path, item in schema["paths"].items():
        for method in item:
            yield method, path


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path"), list(api_operations()))
def test_anonymous_api_request_is_refused(client, method, path):
    concrete = re.sub(r"\{(\w+)\}", lambda m: SAMPLE.get(m.group(1), "1"), path)
    response = getattr(client, method)(concrete, content_type="application/json")
    assert response.status_code == 401, (method, path, response.status_code)
    assert response.json()["status"] == 401


def test_every_route_was_enumerated():
    names = {name for name, _ in web_routes()}
    assert {"home", "audit_events", "division_detail"} <= names
    assert len(list(api_operations())) >= 4


@pytest.mark.django_db
def test_public_pages_answer_anonymously(client):
    assert client.get("/healthz").status_code == 200
    assert client.get("/accounts/login/").status_code == 200
    assert client.get("/api/v1/openapi.json").status_code == 200
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    assert b"cdn" not in docs.content.lower()
