"""The Simplified Chinese catalog is complete, current and compiled; pages and API errors are translated.

The catalog everychild/locale/zh_Hans/LC_MESSAGES/django.po was made, and is updated after new
strings are added, with this command run from the repository root (see everychild/locale/README.md):

    .venv/bin/everychild makemessages -l zh_Hans --no-location --no-obsolete \
        --ignore=node_modules --ignore=var --ignore=bench --ignore=tests --ignore='*.egg-info'

then every new msgstr is translated (no fuzzy entries) and `.venv/bin/everychild compile-catalogs`
builds the .mo. test_catalog_is_current runs the same makemessages on a copy of everychild/.
"""

import gettext
import io
import re
import shutil
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

from conftest import skip_or_fail

LOCALE = "zh_Hans"
LOCALE_DIR = Path(settings.LOCALE_PATHS[0])
PO_PATH = LOCALE_DIR / LOCALE / "LC_MESSAGES" / "django.po"
MO_PATH = PO_PATH.with_suffix(".mo")
PACKAGE_DIR = Path(settings.PACKAGE_DIR)

# The makemessages arguments, exactly as documented above and in everychild/locale/README.md.
MAKEMESSAGES_ARGS = [
    "-l", LOCALE, "--no-location", "--no-obsolete",
    "--ignore=node_modules", "--ignore=var", "--ignore=bench", "--ignore=tests",
    "--ignore=*.egg-info",
]
UPDATE_HINT = (
    "run from the repository root: .venv/bin/everychild makemessages "
    + " ".join(MAKEMESSAGES_ARGS).replace("--ignore=*.egg-info", "--ignore='*.egg-info'")
    + " ; translate the new entries, then .venv/bin/everychild compile-catalogs"
)
GETTEXT_TOOLS = ("xgettext", "msguniq", "msgmerge", "msgattrib")
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sdif]|\{\w*\}")


def _catalog() -> polib.POFile:
    assert PO_PATH.is_file(), f"missing {PO_PATH}: {UPDATE_HINT}"
    return polib.pofile(str(PO_PATH))


def _key(entry: polib.POEntry) -> str:
    key = entry.msgid if not entry.msgid_plural else f"{entry.msgid} | {entry.msgid_plural}"
    return f"[{entry.msgctxt}] {key}" if entry.msgctxt else key


def _live(catalog: polib.POFile) -> list[polib.POEntry]:
    return [e for e in catalog if not e.obsolete]


# --- (a) every string translated, nothing fuzzy -------------------------------------------------


def test_catalog_has_no_untranslated_or_fuzzy_entries():
    catalog = _catalog()
    assert not catalog.metadata_is_fuzzy, "the catalog header is marked fuzzy: delete '#, fuzzy'"
    assert catalog.metadata.get("Language") == LOCALE
    assert catalog.metadata.get("Plural-Forms", "").replace(" ", "") == "nplurals=1;plural=0;"
    entries = _live(catalog)
    assert entries, "the catalog is empty"
    untranslated = [_key(e) for e in catalog.untranslated_entries()]
    fuzzy = [_key(e) for e in catalog.fuzzy_entries()]
    assert not untranslated and not fuzzy, (
        ("untranslated zh_Hans strings:\n  " + "\n  ".join(untranslated) + "\n" if untranslated else "")
        + ("fuzzy zh_Hans strings (check the guess, then delete the flag):\n  "
           + "\n  ".join(fuzzy) if fuzzy else "")
    )


def test_translations_keep_their_placeholders():
    wrong = []
    for entry in _live(_catalog()):
        expected = sorted(PLACEHOLDER.findall(entry.msgid))
        translations = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        for msgstr in translations:
            if sorted(PLACEHOLDER.findall(msgstr)) != expected:
                wrong.append(f"{entry.msgid!r} -> {msgstr!r}")
    assert not wrong, "placeholders changed in translation:\n" + "\n".join(wrong)


# --- (b) the catalog is current --------------------------------------------------------------


def test_catalog_is_current(tmp_path, monkeypatch):
    """makemessages over a copy of the source finds exactly the committed catalog's msgids."""
    missing_tools = [tool for tool in GETTEXT_TOOLS if not shutil.which(tool)]
    if missing_tools:
        skip_or_fail(f"GNU gettext is not installed (missing {', '.join(missing_tools)})")
    source = tmp_path / "src"
    copy = source / PACKAGE_DIR.name
    shutil.copytree(PACKAGE_DIR, copy,
                    ignore=shutil.ignore_patterns("locale", "__pycache__", "*.pyc", "*.mo"))
    copy_locale = copy / "locale"
    committed_text = PO_PATH.read_bytes()
    monkeypatch.chdir(source)  # makemessages walks the working directory, like the real run
    with override_settings(LOCALE_PATHS=[copy_locale]):
        call_command("makemessages", *MAKEMESSAGES_ARGS, verbosity=0, stdout=io.StringIO())
    fresh_po = copy_locale / LOCALE / "LC_MESSAGES" / "django.po"
    assert fresh_po.is_file(), "makemessages wrote no catalog in the copy"
    assert PO_PATH.read_bytes() == committed_text, "makemessages touched the real catalog"

    fresh = {_key(e) for e in _live(polib.pofile(str(fresh_po)))}
    committed = {_key(e) for e in _live(_catalog())}
    missing = sorted(fresh - committed)
    extra = sorted(committed - fresh)
    assert not missing and not extra, (
        "the zh_Hans catalog is stale.\n"
        + ("strings in the source but not in the catalog:\n  " + "\n  ".join(missing) + "\n"
           if missing else "")
        + ("strings in the catalog no longer in the source:\n  " + "\n  ".join(extra) + "\n"
           if extra else "")
        + UPDATE_HINT
    )


# --- (c) the compiled catalog matches ------------------------------------------------------


def test_compiled_catalog_matches_po():
    catalog = _catalog()
    assert MO_PATH.is_file(), f"missing {MO_PATH}: run .venv/bin/everychild compile-catalogs"
    with MO_PATH.open("rb") as fh:
        compiled = gettext.GNUTranslations(fh)
    assert compiled.info().get("language") == LOCALE
    stale = []
    translated = catalog.translated_entries()  # what compile-catalogs writes: no fuzzy, no empty
    for entry in translated:
        if entry.msgid_plural:
            for n, expected in ((1, entry.msgstr_plural[0]), (2, entry.msgstr_plural[0])):
                got = (compiled.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, n)
                       if entry.msgctxt else compiled.ngettext(entry.msgid, entry.msgid_plural, n))
                if got != expected:
                    stale.append(f"{_key(entry)!r}: .mo has {got!r}, .po has {expected!r}")
        else:
            got = (compiled.pgettext(entry.msgctxt, entry.msgid) if entry.msgctxt
                   else compiled.gettext(entry.msgid))
            if got != entry.msgstr:
                stale.append(f"{_key(entry)!r}: .mo has {got!r}, .po has {entry.msgstr!r}")
    assert not stale, ("the .mo is out of date; run .venv/bin/everychild compile-catalogs\n"
                       + "\n".join(stale))
    # GNUTranslations keeps the header under "" besides the messages: nothing the .po lacks.
    assert len(compiled._catalog) - 1 == len(translated), (  # noqa: SLF001
        "the .mo holds other messages than the .po; run .venv/bin/everychild compile-catalogs")


# --- (d) pages and API errors in both languages ----------------------------------------------

LOGIN_TEXT = {"zh-hans": "登录", "en": "Sign in"}
NOT_FOUND_TEXT = {"zh-hans": "页面不存在", "en": "Page not found"}
UNAUTHENTICATED_TITLE = {"zh-hans": "请先登录。", "en": "Authentication is required."}


def _html_lang(response) -> str:
    match = re.search(r'<html lang="([^"]+)"', response.content.decode())
    assert match, "no <html lang> on the page"
    return match.group(1)


@pytest.mark.django_db
def test_login_page_is_chinese_by_default_and_english_after_setlang(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert _html_lang(response) == "zh-hans"
    assert response["Content-Language"] == "zh-hans"
    assert f"<h1>{LOGIN_TEXT['zh-hans']}</h1>" in response.content.decode()
    assert "Sign in" not in response.content.decode()

    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"

    response = client.get("/accounts/login/")
    assert _html_lang(response) == "en"
    assert f"<h1>{LOGIN_TEXT['en']}</h1>" in response.content.decode()
    assert "登录" not in response.content.decode()

    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/accounts/login/"})
    response = client.get("/accounts/login/")
    assert _html_lang(response) == "zh-hans"
    assert f"<h1>{LOGIN_TEXT['zh-hans']}</h1>" in response.content.decode()


@pytest.mark.django_db
def test_setlang_ignores_unknown_languages_and_foreign_next(client):
    response = client.post("/i18n/setlang/", {"language": "xx", "next": "https://example.com/"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert settings.LANGUAGE_COOKIE_NAME not in client.cookies


def _choose(client, language: str, how: str) -> dict:
    if how == "cookie":
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        return {}
    return {"HTTP_ACCEPT_LANGUAGE": language}


@pytest.mark.django_db
@pytest.mark.parametrize("how", ["cookie", "accept-language"])
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_not_found_page_is_translated(client, language, how):
    response = client.get("/no-such-page/", **_choose(client, language, how))
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert _html_lang(response) == language
    body = response.content.decode()
    assert NOT_FOUND_TEXT[language] in body
    other = "en" if language == "zh-hans" else "zh-hans"
    assert NOT_FOUND_TEXT[other] not in body


@pytest.mark.django_db
@pytest.mark.parametrize("how", ["cookie", "accept-language"])
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_api_problem_is_translated(client, language, how):
    response = client.get("/api/v1/accounts/me", **_choose(client, language, how))
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == 401
    assert body["title"] == UNAUTHENTICATED_TITLE[language]


@pytest.mark.django_db
def test_chinese_accept_language_variants_get_simplified_chinese(client):
    """Browsers in mainland China send zh-CN; it must select zh-hans, not fall back to English."""
    for header in ("zh-CN,zh;q=0.9", "zh", "zh-Hans-CN"):
        response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE=header)
        assert _html_lang(response) == "zh-hans", header
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert _html_lang(response) == "en"
