"""Production refuses demo secrets; logs never carry query strings; errors leak nothing."""

import logging
import os
import subprocess
import sys

import pytest

from everychild.core.logging import RedactQueryStrings, redact

REAL_SECRETS = {
    "SECRET_KEY": "s" * 50,
    "EVERYCHILD_DATA_KEY": "d" * 44,
    "EVERYCHILD_AUDIT_KEY": "a" * 40,
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/everychild",
    "ALLOWED_HOSTS": "everychild.example.gov.cn",
}


def _check(env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items()
             if k not in REAL_SECRETS and not k.startswith("EVERYCHILD_")}
    return subprocess.run(
        [sys.executable, "-m", "everychild.cli", "check"],
        env={**clean, "DJANGO_SETTINGS_MODULE": "everychild.settings", **env},
        capture_output=True, text=True, timeout=120,
    )


@pytest.mark.parametrize("missing", sorted(REAL_SECRETS))
def test_production_refuses_to_start_without_each_secret(missing):
    env = {"EVERYCHILD_ENV": "production", **REAL_SECRETS}
    del env[missing]
    result = _check(env)
    assert result.returncode != 0
    assert "Refusing to start in production" in result.stderr
    assert missing in result.stderr


def test_production_starts_with_real_secrets():
    result = _check({"EVERYCHILD_ENV": "production", **REAL_SECRETS})
    assert result.returncode == 0, result.stderr[-2000:]


def test_demo_starts_with_its_public_defaults():
    assert _check({"EVERYCHILD_ENV": "demo"}).returncode == 0


def test_query_strings_are_redacted():
    line = '"GET /search?name=%E5%BC%A0%E4%B8%89&id=11010519491231002X HTTP/1.1" 200'
    assert redact(line) == '"GET /search?[redacted] HTTP/1.1" 200'
    record = logging.LogRecord("django.server", logging.INFO, __file__, 1,
                               '"%s" %s', ("GET /x?phone=13800138000 HTTP/1.1", 200), None)
    RedactQueryStrings().filter(record)
    assert "13800138000" not in record.getMessage()


def test_every_log_handler_redacts():
    from django.conf import settings

    handlers = settings.LOGGING["handlers"]
    assert handlers and all("redact" in h.get("filters", []) for h in handlers.values())


@pytest.mark.django_db
def test_server_error_page_is_translated_and_leaks_nothing(client, demo_places):
    from everychild.tests.factories import PostFactory

    client.raise_request_exception = False
    post = PostFactory(role_id="civil_affairs_officer", division_id="610723000000")
    client.force_login(post.user)
    response = client.get("/places/610723000000/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    missing = client.get("/places/999999999999/")
    assert missing.status_code == 404
    body = missing.content.decode()
    assert "页面" in body or "不存在" in body
    assert "Traceback" not in body and "999999999999" not in body


@pytest.mark.django_db
def test_api_bad_input_is_a_problem_not_a_500(client, demo_places):
    from everychild.accounts.services import issue_token
    from everychild.tests.factories import PostFactory

    post = PostFactory(role_id="civil_affairs_officer", division_id="610723000000")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {issue_token(None, post.user)}"}
    unknown = client.get("/api/v1/places/divisions/123", **auth)
    assert unknown.status_code == 422
    assert "division_code" in unknown.json()["errors"]
    garbage = client.put("/api/v1/places/divisions/610723001212/urban-rural", data="{not json",
                         content_type="application/json", **auth)
    assert 400 <= garbage.status_code < 500
    assert garbage.json()["status"] == garbage.status_code


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/?name=%E5%BC%A0%E4%B8%89", "/api/v1/accounts/me?id_number=1",
                                  "/accounts/login/?phone=13800138000"])
def test_personal_data_in_a_url_is_refused(client, path):
    response = client.get(path)
    assert response.status_code == 400
    assert "13800138000" not in response.content.decode()


@pytest.mark.django_db
def test_api_validation_messages_are_translated(client, demo_places):
    from everychild.accounts.services import issue_token
    from everychild.tests.factories import PostFactory

    post = PostFactory(role_id="civil_affairs_officer", division_id="610723000000")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {issue_token(None, post.user)}"}
    response = client.put("/api/v1/places/divisions/610723001212/urban-rural", data={},
                          content_type="application/json", HTTP_ACCEPT_LANGUAGE="zh-hans", **auth)
    assert response.status_code == 422
    body = response.json()
    assert body["errors"][0]["msg"] == "这个字段是必填项。"
    assert body["title"] != "Some fields are not valid."
